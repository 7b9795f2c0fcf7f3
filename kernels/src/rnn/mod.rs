//! The seRNN recurrent layer over a whole sequence: forward and analytic BPTT backward.
//!
//! ## Model
//! Row-vector convention, `W_rec[i, j]` is the weight from unit `i` to unit `j`:
//!
//! ```text
//! a_t = x_t W_in + h_{t-1} W_rec + b        (pre-activation, batch × n_hidden)
//! h_t = relu(a_t),  h_{-1} = 0,             relu(z) = z if z > 0 else 0
//! ```
//!
//! Layout is time-major and row-major: `x` is `steps × batch × n_in`, `h` and `dh` are
//! `steps × batch × n_hidden`, `w_in` is `n_in × n_hidden`, `w_rec` is `n_hidden × n_hidden`,
//! `b` is `n_hidden`.
//!
//! ## Backward (BPTT)
//! `dh` holds on entry `∂L/∂h_t` (the loss's direct dependence on each `h_t`; for the seRNN
//! only the last step is non-zero) and on exit `δ_t = ∂L/∂a_t`:
//!
//! ```text
//! δ_{T-1} = dh_{T-1} ∘ relu'(h_{T-1})
//! δ_t     = (dh_t + δ_{t+1} W_recᵀ) ∘ relu'(h_t),    relu'(h) = 1 if h > 0 else 0
//! ∂L/∂W_rec = Σ_{t≥1} h_{t-1}ᵀ δ_t = H_prevᵀ Δ      ((steps-1)·batch rows)
//! ∂L/∂W_in  = Σ_t x_tᵀ δ_t         = Xᵀ Δ           (steps·batch rows)
//! ∂L/∂b     = Σ_t Σ_batch δ_t
//! ```
//!
//! The ReLU derivative at 0 is taken as 0: a unit is active exactly when `h > 0`.
//!
//! ## Variants
//! - [`RnnVariant::Reference`] (`reference.rs`): plain scalar loops, the oracle of the tests.
//! - [`RnnVariant::Faer`] (`faer.rs`): every product through faer (dense).
//! - [`RnnVariant::Simd`] (`simd.rs`, the default): the input projection and `∂W_in` through
//!   faer, and hand-written `wide` kernels that skip the exact zeros ReLU leaves in `h` and
//!   `δ` for the recurrent products and for `∂W_rec`. See `simd.rs` for the measurements that
//!   chose this split.
//!
//! ## Determinism
//! For one build and one variant the outputs are a pure function of the inputs: the batch
//! rows of the recurrence are independent, so [`Par::Rayon`] only splits batch rows (forward
//! and the `δ` recursion) or output rows of a gradient (each element keeps its sequential
//! accumulation order). Results are bit-identical for [`Par::Seq`] and any thread count.

pub mod cuda;
mod faer;
mod reference;
mod simd;

use crate::{check_len, KernelError, Par, Real};

/// Dimensions of one call: a sequence of `steps` time steps for `batch` independent trials.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RnnShape {
    pub steps: usize,
    pub batch: usize,
    pub n_in: usize,
    pub n_hidden: usize,
}

impl RnnShape {
    /// The seRNN study shape: 50 steps, batch 128, 8 inputs, 100 hidden units.
    pub const STUDY: RnnShape = RnnShape {
        steps: 50,
        batch: 128,
        n_in: 8,
        n_hidden: 100,
    };

    /// Length of `x`: `steps · batch · n_in`.
    pub fn x_len(&self) -> usize {
        self.steps * self.batch * self.n_in
    }
    /// Length of `h` and `dh`: `steps · batch · n_hidden`.
    pub fn h_len(&self) -> usize {
        self.steps * self.batch * self.n_hidden
    }
    /// Length of `w_in`: `n_in · n_hidden`.
    pub fn w_in_len(&self) -> usize {
        self.n_in * self.n_hidden
    }
    /// Length of `w_rec`: `n_hidden²`.
    pub fn w_rec_len(&self) -> usize {
        self.n_hidden * self.n_hidden
    }
}

/// Which implementation runs. All give the same result up to rounding (see the tests for
/// the tolerances); each is deterministic on its own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RnnVariant {
    /// Plain scalar loops, the oracle.
    Reference,
    /// All products through faer, dense.
    Faer,
    /// faer for the large products, sparse-aware `wide` kernels for the rest.
    #[default]
    Simd,
}

impl RnnVariant {
    /// Every variant, for benchmarks and tests.
    pub const ALL: [RnnVariant; 3] = [RnnVariant::Reference, RnnVariant::Faer, RnnVariant::Simd];

    /// `"reference"`, `"faer"` or `"simd"`.
    pub fn name(self) -> &'static str {
        match self {
            RnnVariant::Reference => "reference",
            RnnVariant::Faer => "faer",
            RnnVariant::Simd => "simd",
        }
    }
}

impl core::fmt::Display for RnnVariant {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

impl core::str::FromStr for RnnVariant {
    type Err = KernelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "reference" => Ok(RnnVariant::Reference),
            "faer" => Ok(RnnVariant::Faer),
            "simd" => Ok(RnnVariant::Simd),
            other => Err(KernelError::Dimension {
                op: "rnn variant",
                what: format!("unknown variant `{other}`, expected reference, faer or simd"),
            }),
        }
    }
}

/// The layer's parameters: `w_in` (`n_in × n_hidden`), `w_rec` (`n_hidden × n_hidden`),
/// `b` (`n_hidden`), row-major.
#[derive(Clone, Copy)]
pub struct RnnWeights<'a, T> {
    pub w_in: &'a [T],
    pub w_rec: &'a [T],
    pub b: &'a [T],
}

/// Gradient outputs, same shapes as [`RnnWeights`]; overwritten, never accumulated.
pub struct RnnGrads<'a, T> {
    pub w_in: &'a mut [T],
    pub w_rec: &'a mut [T],
    pub b: &'a mut [T],
}

fn check_weights<T>(
    op: &'static str,
    shape: RnnShape,
    w_in: &[T],
    w_rec: &[T],
    b: &[T],
) -> Result<(), KernelError> {
    check_len(op, "w_in", w_in, shape.w_in_len())?;
    check_len(op, "w_rec", w_rec, shape.w_rec_len())?;
    check_len(op, "b", b, shape.n_hidden)
}

fn is_empty(shape: RnnShape) -> bool {
    shape.steps == 0 || shape.batch == 0 || shape.n_hidden == 0
}

/// Runs the layer over the sequence and writes `h_t` for every step.
///
/// `x`: `steps × batch × n_in`; `h`: `steps × batch × n_hidden` (overwritten; it is also
/// the only working memory). Fails with [`KernelError::BufferLength`] when a buffer does not
/// match `shape`.
pub fn forward<T: Real>(
    variant: RnnVariant,
    shape: RnnShape,
    w: RnnWeights<'_, T>,
    x: &[T],
    h: &mut [T],
    par: Par,
) -> Result<(), KernelError> {
    const OP: &str = "rnn::forward";
    check_weights(OP, shape, w.w_in, w.w_rec, w.b)?;
    check_len(OP, "x", x, shape.x_len())?;
    check_len(OP, "h", h, shape.h_len())?;
    if is_empty(shape) {
        return Ok(());
    }
    match variant {
        RnnVariant::Reference => reference::forward(shape, w, x, h),
        RnnVariant::Faer => faer::forward(shape, w, x, h, par),
        RnnVariant::Simd => simd::forward(shape, w, x, h, par),
    }
    Ok(())
}

/// Backpropagation through time over the whole sequence.
///
/// `h` is the output of [`forward`] for the same `w` and `x`. `dh` holds `∂L/∂h_t` on entry
/// and `δ_t = ∂L/∂a_t` on exit (see the module docs). `grads` are overwritten with
/// `∂L/∂W_in`, `∂L/∂W_rec`, `∂L/∂b`; the Simd variant also uses `grads.w_rec` as scratch
/// (it holds `W_recᵀ` during the recursion), so no buffer may alias another.
#[allow(clippy::too_many_arguments)] // the API of the family: shape, weights, 4 buffers, par
pub fn backward<T: Real>(
    variant: RnnVariant,
    shape: RnnShape,
    w: RnnWeights<'_, T>,
    x: &[T],
    h: &[T],
    dh: &mut [T],
    grads: RnnGrads<'_, T>,
    par: Par,
) -> Result<(), KernelError> {
    const OP: &str = "rnn::backward";
    check_weights(OP, shape, w.w_in, w.w_rec, w.b)?;
    check_weights(OP, shape, grads.w_in, grads.w_rec, grads.b)?;
    check_len(OP, "x", x, shape.x_len())?;
    check_len(OP, "h", h, shape.h_len())?;
    check_len(OP, "dh", dh, shape.h_len())?;
    if is_empty(shape) {
        grads.w_in.fill(T::ZERO);
        grads.w_rec.fill(T::ZERO);
        grads.b.fill(T::ZERO);
        return Ok(());
    }
    match variant {
        RnnVariant::Reference => reference::backward(shape, w, x, h, dh, grads),
        RnnVariant::Faer => faer::backward(shape, w, x, h, dh, grads, par),
        RnnVariant::Simd => simd::backward(shape, w, x, h, dh, grads, par),
    }
    Ok(())
}

/// Floating-point operations of one [`forward`] call, counting 2 per multiply-add of the
/// dense products: `2·steps·batch·n_in·n_hidden` (input projection) `+ 2·(steps-1)·batch·
/// n_hidden²` (recurrent products; step 0 has none). Bias and ReLU are not counted, and the
/// sparse kernels skip work, so this is the dense-equivalent count for GFLOP/s reports.
pub fn forward_flops(shape: RnnShape) -> u64 {
    let (t, b, i, n) = dims(shape);
    2 * t * b * i * n + 2 * t.saturating_sub(1) * b * n * n
}

/// Floating-point operations of one [`backward`] call, dense-equivalent as for
/// [`forward_flops`]: `2·(steps-1)·batch·n_hidden²` (`δ_{t+1} W_recᵀ`) `+ 2·(steps-1)·batch·
/// n_hidden²` (`∂W_rec`) `+ 2·steps·batch·n_in·n_hidden` (`∂W_in`). Masks and the bias sum
/// are not counted.
pub fn backward_flops(shape: RnnShape) -> u64 {
    let (t, b, i, n) = dims(shape);
    4 * t.saturating_sub(1) * b * n * n + 2 * t * b * i * n
}

fn dims(s: RnnShape) -> (u64, u64, u64, u64) {
    (
        s.steps as u64,
        s.batch as u64,
        s.n_in as u64,
        s.n_hidden as u64,
    )
}
