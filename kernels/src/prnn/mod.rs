//! The partially recurrent network (pRNN) of Ghosh & Goodman, `spec/prnn.md`: one step
//! forward, exact BPTT backward over an episode, and the input Jacobians behind the
//! sensitivity and memory measures.
//!
//! ## Model
//! Three layers — input `i` (`n_in` = 8), hidden `h` (`n_hidden` = 8 or 34), output `o`
//! (`n_out` = 5) — and nine possible matrices `W_from→to`, stored `to × from` row-major
//! (PyTorch `Linear`: `y = W x`). No biases. `[pq]` is 1 when the block is present in the
//! [`PrnnMask`]:
//!
//! ```text
//! i_t = [ii] W_ii i_{t−1} + [oi] W_oi o_{t−1} + [hi] W_hi h_{t−1} + x_t
//! a_t = [hh] W_hh h_{t−1} + [oh] W_oh o_{t−1} + W_ih i_t,     h_t = relu(a_t)
//! z_t = [oo] W_oo o_{t−1} + [io] W_io i_t + W_ho h_t + u_t,   o_t = softmax(z_t)
//! ```
//!
//! `u_t` is the jitter (`U(0,1)/1000` in the study), given by the caller and a constant for
//! the gradient. Every sum starts at `+0` and is accumulated in the order written — the
//! recurrent terms, which do not wait for this step's input, first — each matrix–vector
//! product over the `from` index in increasing order; softmax subtracts `max z` before `exp`.
//!
//! ## Layouts
//! - **Parameters** ([`PrnnDims::param_len`]): one flat vector of the nine blocks in the order
//!   of [`Block::ALL`], `[ih, ho, ii, hh, oo, io, oi, hi, oh]`, each `to × from` row-major,
//!   **always all nine at full size** (the masked layout): a block absent from the mask keeps
//!   its slot, the kernels never read it and never write its gradient. Models keep absent
//!   blocks at exactly zero, so a population kernel may also treat them as zero weights.
//! - **State** ([`PrnnDims::state_len`]): `[i (n_in), h (n_hidden), o (n_out)]`; zero at the
//!   start of a trial.
//! - **Record** of one step ([`PrnnDims::record_len`]): `[i_t, h_t, o_t, a_t]` — the new state
//!   followed by the hidden pre-activation; a record's first `state_len` values are the
//!   state, so records of consecutive steps chain directly. An episode of `steps` steps is
//!   `steps × record_len`, time-major.
//! - **Jacobians**: `∂o/∂x` is `n_out × n_in` row-major (`J[r·n_in + c] = ∂o[r]/∂x[c]`).
//!
//! ## Backward (BPTT)
//! With `g_t = ∂L/∂o_t` (the loss's direct dependence) and the carried adjoints
//! `(c^i, c^h, c^o)_t = ∂L/∂(i_t, h_t, o_t)` through steps `> t` (zero after the last step):
//!
//! ```text
//! γ^o  = g_t + c^o_t
//! δ^z  = o_t ∘ (γ^o − ⟨o_t, γ^o⟩)                         (softmax backward)
//! δ^a  = (c^h_t + W_hoᵀ δ^z) ∘ [a_t > 0]                   (relu'(0) = 0)
//! δ^i  = c^i_t + W_ihᵀ δ^a + [io] W_ioᵀ δ^z
//! ∂W_ho += δ^z h_tᵀ,  ∂W_oo += δ^z o_{t−1}ᵀ,  ∂W_io += δ^z i_tᵀ
//! ∂W_ih += δ^a i_tᵀ,  ∂W_hh += δ^a h_{t−1}ᵀ,  ∂W_oh += δ^a o_{t−1}ᵀ
//! ∂W_ii += δ^i i_{t−1}ᵀ, ∂W_oi += δ^i o_{t−1}ᵀ, ∂W_hi += δ^i h_{t−1}ᵀ
//! c^i_{t−1} = [ii] W_iiᵀ δ^i
//! c^h_{t−1} = [hi] W_hiᵀ δ^i + [hh] W_hhᵀ δ^a
//! c^o_{t−1} = [oi] W_oiᵀ δ^i + [oh] W_ohᵀ δ^a + [oo] W_ooᵀ δ^z
//! ```
//!
//! (only present blocks get a gradient term). Since `x_t` enters only through `i_t` with an
//! identity, `∂L/∂x_t = δ^i_t`.
//!
//! ## Jacobians (reverse mode)
//! The same recursion with `L = o_t[r]` (`g_t = e_r`, nothing carried in) yields
//! `∂o_t[r]/∂x_s = δ^i_s` for every `s ≤ t` in one sweep from `s = t` down to 0. So
//! - [`input_jacobian`]: one step of the sweep per output (previous state held fixed):
//!   `∂o_t/∂x_t = S_t (W_ho D_t W_ih + [io] W_io)`, `S = diag(o) − o oᵀ`, `D = diag[a > 0]`;
//! - [`memory_jacobians`]: for every `t` and every output `r`, the sweep down to 0, giving
//!   all lags `k = t − s` at once. Cost `n_out · steps(steps+1)/2` adjoint steps, cheaper than
//!   forward (tangent) propagation, which needs `n_in` = 8 > `n_out` = 5 directions.
//!
//! ## One network and populations
//! The one-network calls — [`step`], [`step_record`], [`forward`], [`backward`] and the
//! Jacobians — are the scalar reference (`reference.rs`), the oracle of everything else; the
//! **population kernel** below advances eight networks at once. [`PrnnVariant`] names which
//! of the two a model's engine uses to advance its networks.
//!
//! ## Softmax exp
//! In f32 the softmax uses one explicitly specified exponential, [`softmax_exp`] (Cephes
//! `expf`: range reduction by `n·ln 2` in two parts, a degree-5 polynomial, `2^n` from
//! exponent bits; faithfully rounded, < 1 ulp — 0.990 ulp at worst over every f32
//! argument, tested), written once over `+ − ×` and run as `f32` by the
//! reference and as `f32x8` by the population kernel, so the two agree bit for bit. The f64
//! path keeps `f64::exp`: it exists for the finite-difference gradient checks, where a
//! polynomial (whose derivative is not exactly itself) would cost accuracy.
//!
//! ## Population
//! A population is [`POPULATION_LANES`] = `L` = 8 networks of the same [`PrnnDims`] (their
//! own parameters and masks) advancing in lockstep, lane `l` = network `l`, every scalar
//! operation of the reference one `f32x8` operation. Layouts are lane-interleaved — value
//! `k` of lane `l` at `k·L + l`:
//!
//! | buffer | shape | |
//! |---|---|---|
//! | parameters, gradients | `[param_len][L]` | absent blocks hold exactly `+0` ([`scatter_params`]) |
//! | state | `[state_len][L]` | |
//! | sensed input `x`, jitter `u` | `[n_in][L]`, `[n_out][L]` | per step; `[steps][·][L]` per episode |
//! | record | `[record_len][L]` | `[steps][record_len][L]` per episode |
//! | upstream gradient `dout` | `[steps][n_out][L]` | zero after a lane's episode ended |
//!
//! [`scatter_lane`] / [`gather_lane`] move one network's vector in or out of any of them.
//! The Adam kernel is elementwise, so it runs on the interleaved parameters directly.
//! [`population_step_record_probe`] also gives the output of the same step under a second
//! jitter (training's greedy probe): the jitter is the last term of `z_t`, so the two share
//! every operation before it and one pass yields both, bit for bit.
//! [`population_step_record_recurrent`] keeps a step's recurrent sums — the part of `i_t`,
//! `a_t` and `z_t` computed before its input arrives —, from which
//! [`population_step_sibling`] runs another step from the same state (training's Q-target,
//! which starts from the state the next recorded step starts from) for the cost of the
//! terms that wait for the input — the products with `W_ih`, `W_io` and `W_ho` — and the
//! softmax.
//! Every call takes the lanes' masks: a block no lane has is skipped outright (so a
//! population of one architecture — the study has 50 networks of each — costs what that
//! architecture needs, e.g. the 34-unit feedforward net runs 442 of its 2 209 weights), and
//! the backward keeps the gradient of a block out of the lanes that lack it.
//!
//! **Bit-identity.** Lane `l` of every output equals, bit for bit, the f32 reference run on
//! network `l` alone, for finite inputs and parameters (non-finite values give non-finite
//! results in both, with unspecified NaN bits): the same IEEE operations in the same order —
//! every term `w·v` of a matrix–vector or outer product is one fused multiply–add
//! (`f32::mul_add` in the reference, a vector FMA in the population), every other operation
//! is unfused on both sides —, the same [`softmax_exp`], the same comparisons for ReLU and
//! `max`. What differs: the population runs every block some lane has in every lane, so
//! where lane `l` lacks such a block its sums receive extra terms `(+0)·v` (forward, carried
//! adjoints) or `(δ·0)·v` (gradients of absent blocks). For finite `v` such a term is `±0`
//! (exactly, fused or not: an FMA rounds `s + (±0)` once), and `s + (±0) = s`
//! exactly for every `s ≠ −0` (round-to-nearest; a non-zero `s` is unchanged, `+0 + −0 =
//! +0`). So it suffices that **no accumulator is ever −0 when such a term arrives**:
//! - an accumulator that starts at `+0` (`i_t`, `a_t`, `z_t`, the carried adjoints
//!   `c^{i,h,o}`, whose sum starts from a fill with `+0`) can never become `−0` by adding,
//!   since in round-to-nearest `s + t = −0` only if `s = t = −0`; `i_t` takes the input
//!   `x_t` last, onto that `+0`-started sum, so a `−0` input gives `+0` in both (a feedforward
//!   lane — a tested case);
//! - `δ^i` starts at `c^i`, `δ^a` at `c^h` — carried adjoints, so never `−0`;
//! - gradients: a present block's slot gets `(δ·1)·v = δ·v`, as the reference; an absent
//!   block's slot `s` becomes `s + (±0)`, i.e. stays exactly `s` unless `s` is `−0` (then
//!   `+0`). Callers zero gradients with `+0`, so absent slots stay `+0` through
//!   [`population_backward`], clipping and Adam (`m = v = 0` ⇒ the update is `+0`), and
//!   absent parameters stay exactly zero.
//!
//! Records, states and gradients of present blocks are therefore bit-identical; tests in
//! `tests/prnn_population.rs` check it lane by lane over masks, sizes, episode lengths,
//! early-ended lanes, zero and huge inputs and saturated softmaxes.
//!
//! A lane whose episode ended before `steps` idles: its forward keeps running on whatever
//! inputs it is given, and `dout = 0` after its end makes every adjoint of those steps
//! exactly `+0` (all sums start at `+0`, and `o·(0 − 0) = +0` for finite `o ≥ 0`), so its
//! gradient is bit-identical to the reference's over its own shorter episode (tested).

pub mod cuda;
mod population;
mod reference;
mod simd;

pub use population::*;

use crate::{check_len, KernelError, Real};

/// The three layers of the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Layer {
    Input,
    Hidden,
    Output,
}

/// One of the nine weight matrices `W_from→to`, in parameter-vector order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Block {
    Ih,
    Ho,
    Ii,
    Hh,
    Oo,
    Io,
    Oi,
    Hi,
    Oh,
}

/// Number of blocks.
pub const N_BLOCKS: usize = 9;

impl Block {
    /// The parameter-vector (and weight-norm) order: `[ih, ho, ii, hh, oo, io, oi, hi, oh]`.
    /// The last seven are the switchable pathways in the spec's flag order.
    pub const ALL: [Block; N_BLOCKS] = [
        Block::Ih,
        Block::Ho,
        Block::Ii,
        Block::Hh,
        Block::Oo,
        Block::Io,
        Block::Oi,
        Block::Hi,
        Block::Oh,
    ];

    /// Position in [`Block::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// `"ih"`, `"ho"`, …: from-layer letter then to-layer letter.
    pub fn name(self) -> &'static str {
        ["ih", "ho", "ii", "hh", "oo", "io", "oi", "hi", "oh"][self as usize]
    }

    /// The layer the matrix reads.
    pub fn from_layer(self) -> Layer {
        match self {
            Block::Ih | Block::Ii | Block::Io => Layer::Input,
            Block::Ho | Block::Hh | Block::Hi => Layer::Hidden,
            Block::Oo | Block::Oi | Block::Oh => Layer::Output,
        }
    }

    /// The layer the matrix writes.
    pub fn to_layer(self) -> Layer {
        match self {
            Block::Ii | Block::Oi | Block::Hi => Layer::Input,
            Block::Ih | Block::Hh | Block::Oh => Layer::Hidden,
            Block::Ho | Block::Oo | Block::Io => Layer::Output,
        }
    }
}

/// Layer sizes of one network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PrnnDims {
    pub n_in: usize,
    pub n_hidden: usize,
    pub n_out: usize,
}

impl PrnnDims {
    /// The study's sizes: 8 inputs, `n_hidden` hidden units (8, or 34 for the
    /// parameter-matched feedforward net), 5 outputs.
    pub const fn study(n_hidden: usize) -> Self {
        Self {
            n_in: 8,
            n_hidden,
            n_out: 5,
        }
    }

    /// Units in `layer`.
    pub fn layer_len(&self, layer: Layer) -> usize {
        match layer {
            Layer::Input => self.n_in,
            Layer::Hidden => self.n_hidden,
            Layer::Output => self.n_out,
        }
    }

    /// `(rows, cols) = (to, from)` of a block.
    pub fn block_shape(&self, block: Block) -> (usize, usize) {
        (
            self.layer_len(block.to_layer()),
            self.layer_len(block.from_layer()),
        )
    }

    /// `to · from`.
    pub fn block_len(&self, block: Block) -> usize {
        let (r, c) = self.block_shape(block);
        r * c
    }

    /// Start of `block` in the parameter vector.
    pub fn block_offset(&self, block: Block) -> usize {
        Block::ALL[..block.index()]
            .iter()
            .map(|&b| self.block_len(b))
            .sum()
    }

    /// `block_offset .. block_offset + block_len`.
    pub fn block_range(&self, block: Block) -> core::ops::Range<usize> {
        let o = self.block_offset(block);
        o..o + self.block_len(block)
    }

    /// Length of the (masked, all nine blocks) parameter vector.
    pub fn param_len(&self) -> usize {
        Block::ALL.iter().map(|&b| self.block_len(b)).sum()
    }

    /// Length of a state `[i, h, o]`.
    pub fn state_len(&self) -> usize {
        self.n_in + self.n_hidden + self.n_out
    }

    /// Length of one step's record `[i, h, o, a]`.
    pub fn record_len(&self) -> usize {
        self.state_len() + self.n_hidden
    }

    #[inline]
    fn check(&self, op: &'static str) -> Result<(), KernelError> {
        if self.n_in == 0 || self.n_hidden == 0 || self.n_out == 0 {
            return Err(KernelError::Dimension {
                op,
                what: format!(
                    "every layer needs at least one unit, got n_in {}, n_hidden {}, n_out {}",
                    self.n_in, self.n_hidden, self.n_out
                ),
            });
        }
        Ok(())
    }
}

/// Which of the nine blocks exist. `ih` and `ho` always do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PrnnMask {
    present: [bool; N_BLOCKS],
}

impl PrnnMask {
    /// Feedforward: only `ih` and `ho`.
    pub const FEEDFORWARD: PrnnMask = PrnnMask::from_flags([false; 7]);
    /// Fully recurrent: all nine.
    pub const FULL: PrnnMask = PrnnMask::from_flags([true; 7]);

    /// From the seven pathway flags in the spec's order `[ii, hh, oo, io, oi, hi, oh]`.
    pub const fn from_flags(flags: [bool; 7]) -> Self {
        let [ii, hh, oo, io, oi, hi, oh] = flags;
        Self {
            present: [true, true, ii, hh, oo, io, oi, hi, oh],
        }
    }

    /// Presence per block in [`Block::ALL`] order. Fails unless `ih` and `ho` are present.
    pub fn from_present(present: [bool; N_BLOCKS]) -> Result<Self, KernelError> {
        let mask = Self { present };
        mask.check("PrnnMask::from_present")?;
        Ok(mask)
    }

    /// Is `block` present?
    #[inline]
    pub fn has(&self, block: Block) -> bool {
        self.present[block.index()]
    }

    /// Presence per block in [`Block::ALL`] order.
    #[inline]
    pub fn present(&self) -> [bool; N_BLOCKS] {
        self.present
    }

    /// The seven pathway flags `[ii, hh, oo, io, oi, hi, oh]`.
    pub fn flags(&self) -> [bool; 7] {
        let p = self.present;
        [p[2], p[3], p[4], p[5], p[6], p[7], p[8]]
    }

    #[inline]
    fn check(&self, op: &'static str) -> Result<(), KernelError> {
        if !self.has(Block::Ih) || !self.has(Block::Ho) {
            return Err(KernelError::Dimension {
                op,
                what: "the mask must contain W_ih and W_ho".into(),
            });
        }
        Ok(())
    }
}

/// How an engine advances its networks on the CPU.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PrnnVariant {
    /// One network after another through the scalar one-network calls ([`step`],
    /// [`backward`]), the oracle.
    Reference,
    /// The SIMD population kernel ([`population_step`], [`population_backward`]),
    /// [`POPULATION_LANES`] networks at once, every lane bit-identical to the reference.
    #[default]
    Population,
}

impl PrnnVariant {
    /// Every variant (the config's names).
    pub const ALL: [PrnnVariant; 2] = [PrnnVariant::Reference, PrnnVariant::Population];

    /// `"reference"` or `"population"`.
    pub fn name(self) -> &'static str {
        match self {
            PrnnVariant::Reference => "reference",
            PrnnVariant::Population => "population",
        }
    }
}

impl core::fmt::Display for PrnnVariant {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// One network's fixed inputs to every call: sizes, present blocks and the parameter vector
/// (masked layout, see the module docs).
#[derive(Clone, Copy, Debug)]
pub struct PrnnNet<'a, T> {
    pub dims: PrnnDims,
    pub mask: PrnnMask,
    pub params: &'a [T],
}

impl<T> PrnnNet<'_, T> {
    fn check(&self, op: &'static str) -> Result<(), KernelError> {
        self.dims.check(op)?;
        self.mask.check(op)?;
        check_len(op, "params", self.params, self.dims.param_len())
    }
}

/// Networks per population (the lanes of one AVX register of `f32`).
pub const POPULATION_LANES: usize = 8;

/// Scratch length of [`backward`]: `2 · state_len`.
pub fn backward_scratch(dims: PrnnDims) -> usize {
    2 * dims.state_len()
}

/// Scratch length of [`input_jacobian`] and [`memory_jacobians`]: `2 · state_len`.
pub fn jacobian_scratch(dims: PrnnDims) -> usize {
    2 * dims.state_len()
}

/// Length of the output of [`memory_jacobians`]: `steps² · n_out · n_in`.
pub fn memory_jacobians_len(dims: PrnnDims, steps: usize) -> usize {
    steps * steps * dims.n_out * dims.n_in
}

/// One step without a record (evaluation, Q-targets): `prev`, `next` are states
/// (`state_len`), `x` is `n_in`, `u` (jitter) is `n_out`. `prev` and `next` are distinct.
pub fn step<T: Real>(
    net: PrnnNet<'_, T>,
    prev: &[T],
    x: &[T],
    u: &[T],
    next: &mut [T],
) -> Result<(), KernelError> {
    const OP: &str = "prnn::step";
    net.check(OP)?;
    let d = net.dims;
    check_len(OP, "prev", prev, d.state_len())?;
    check_len(OP, "x", x, d.n_in)?;
    check_len(OP, "u", u, d.n_out)?;
    check_len(OP, "next", next, d.state_len())?;
    reference::step(net, prev, x, u, next, None);
    Ok(())
}

/// One step that writes its record `[i_t, h_t, o_t, a_t]` (`record_len`) for [`backward`]
/// and the Jacobians. The new state is `record[..state_len]`.
pub fn step_record<T: Real>(
    net: PrnnNet<'_, T>,
    prev: &[T],
    x: &[T],
    u: &[T],
    record: &mut [T],
) -> Result<(), KernelError> {
    const OP: &str = "prnn::step_record";
    net.check(OP)?;
    let d = net.dims;
    check_len(OP, "prev", prev, d.state_len())?;
    check_len(OP, "x", x, d.n_in)?;
    check_len(OP, "u", u, d.n_out)?;
    check_len(OP, "record", record, d.record_len())?;
    let (state, pre) = record.split_at_mut(d.state_len());
    reference::step(net, prev, x, u, state, Some(pre));
    Ok(())
}

/// A whole episode from `initial` (a state; zeros at trial start): `x` is `steps × n_in`,
/// `u` is `steps × n_out`, `records` (`steps × record_len`) receives every step's record.
pub fn forward<T: Real>(
    net: PrnnNet<'_, T>,
    steps: usize,
    initial: &[T],
    x: &[T],
    u: &[T],
    records: &mut [T],
) -> Result<(), KernelError> {
    const OP: &str = "prnn::forward";
    net.check(OP)?;
    let d = net.dims;
    check_len(OP, "initial", initial, d.state_len())?;
    check_len(OP, "x", x, steps * d.n_in)?;
    check_len(OP, "u", u, steps * d.n_out)?;
    check_len(OP, "records", records, steps * d.record_len())?;
    reference::forward(net, steps, initial, x, u, records);
    Ok(())
}

/// BPTT over an episode: **adds** `∂L/∂W` of every present block to `grads` (`param_len`;
/// absent blocks are never written, so they stay as the caller left them — zero).
///
/// `initial` is the state the episode started from and `records` the output of [`forward`]
/// (or of `steps` chained [`step_record`] calls); `dout` (`steps × n_out`) is
/// `g_t = ∂L/∂o_t` — for Q-learning `2(pred − target)` at the taken action, zero elsewhere.
/// `scratch` has [`backward_scratch`] values.
#[allow(clippy::too_many_arguments)] // the API of the family: net, steps, 3 inputs, 2 buffers
pub fn backward<T: Real>(
    net: PrnnNet<'_, T>,
    steps: usize,
    initial: &[T],
    records: &[T],
    dout: &[T],
    grads: &mut [T],
    scratch: &mut [T],
) -> Result<(), KernelError> {
    const OP: &str = "prnn::backward";
    net.check(OP)?;
    let d = net.dims;
    check_len(OP, "initial", initial, d.state_len())?;
    check_len(OP, "records", records, steps * d.record_len())?;
    check_len(OP, "dout", dout, steps * d.n_out)?;
    check_len(OP, "grads", grads, d.param_len())?;
    check_len(OP, "scratch", scratch, backward_scratch(d))?;
    reference::backward(net, steps, initial, records, dout, grads, scratch);
    Ok(())
}

/// The input sensitivity Jacobian `∂o_t/∂x_t` (`n_out × n_in`, overwritten) of the step
/// whose record is `record`, with the previous state held fixed:
/// `S_t (W_ho D_t W_ih + [io] W_io)`. `scratch` has [`jacobian_scratch`] values.
pub fn input_jacobian<T: Real>(
    net: PrnnNet<'_, T>,
    record: &[T],
    jac: &mut [T],
    scratch: &mut [T],
) -> Result<(), KernelError> {
    const OP: &str = "prnn::input_jacobian";
    net.check(OP)?;
    let d = net.dims;
    check_len(OP, "record", record, d.record_len())?;
    check_len(OP, "jac", jac, d.n_out * d.n_in)?;
    check_len(OP, "scratch", scratch, jacobian_scratch(d))?;
    reference::input_jacobian(net, record, jac, scratch);
    Ok(())
}

/// Every memory Jacobian of an episode: block `(t, k)` of `jac`, at offset
/// `(t · steps + k) · n_out · n_in`, receives `∂o_t/∂x_{t−k}` (`n_out × n_in`) for `k ≤ t`
/// and zeros for `k > t`. `records` are the episode's records (for the memory measure: a
/// re-run from zero state over the recorded inputs). Block `(t, 0)` equals
/// [`input_jacobian`] of step `t`. `jac` has [`memory_jacobians_len`] values, `scratch`
/// [`jacobian_scratch`].
pub fn memory_jacobians<T: Real>(
    net: PrnnNet<'_, T>,
    steps: usize,
    records: &[T],
    jac: &mut [T],
    scratch: &mut [T],
) -> Result<(), KernelError> {
    const OP: &str = "prnn::memory_jacobians";
    net.check(OP)?;
    let d = net.dims;
    check_len(OP, "records", records, steps * d.record_len())?;
    check_len(OP, "jac", jac, memory_jacobians_len(d, steps))?;
    check_len(OP, "scratch", scratch, jacobian_scratch(d))?;
    reference::memory_jacobians(net, steps, records, jac, scratch);
    Ok(())
}
