//! One pRNN: architecture + parameters, the spec's initialisation, weight norms, PyTorch's
//! global gradient-norm clipping and the PyTorch-Adam step.
//!
//! Parameters live in the kernels' masked layout ([`wiring_kernels::prnn`]): one vector of
//! all nine blocks `[ih, ho, ii, hh, oo, io, oi, hi, oh]`, each `to × from` row-major, absent
//! blocks kept at exactly zero (initialisation leaves them zero, the optimiser never touches
//! them, the kernels never write their gradient).

use rand::Rng;
use wiring_kernels::adam::{self, AdamParams, AdamVariant};
use wiring_kernels::prnn::{self, Block, Layer, PrnnDims, PrnnMask, PrnnNet, N_BLOCKS};
use wiring_kernels::Real;

use super::arch::Architecture;
use crate::ModelError;

/// Fan-in of `layer` in the initialisation: the summed sizes of the layers that feed it
/// through present blocks,
///
/// ```text
/// fan_in_i = [ii]·n_in + [oi]·n_out + [hi]·n_hidden
/// fan_in_h = n_in + [hh]·n_hidden + [oh]·n_out
/// fan_in_o = n_hidden + [oo]·n_out + [io]·n_in
/// ```
pub fn fan_in(arch: Architecture, layer: Layer) -> usize {
    let (dims, mask) = (arch.dims(), arch.mask());
    Block::ALL
        .iter()
        .filter(|&&b| mask.has(b) && b.to_layer() == layer)
        .map(|&b| dims.layer_len(b.from_layer()))
        .sum()
}

/// `k_L = √(1/fan_in_L)`: every matrix into `layer` is drawn from `U(−k_L, k_L)`. `None` when
/// nothing feeds the layer (the input layer of an architecture without ii, oi, hi).
pub fn init_bound(arch: Architecture, layer: Layer) -> Option<f64> {
    match fan_in(arch, layer) {
        0 => None,
        f => Some((1.0 / f as f64).sqrt()),
    }
}

/// A network: its architecture and its parameter vector (masked layout).
#[derive(Clone, Debug, PartialEq)]
pub struct Prnn<T> {
    arch: Architecture,
    params: Vec<T>,
}

impl<T: Real> Prnn<T> {
    /// All weights zero.
    pub fn zeros(arch: Architecture) -> Self {
        Self {
            arch,
            params: vec![T::ZERO; arch.dims().param_len()],
        }
    }

    /// The spec's initialisation: every present matrix into layer `L` from `U(−k_L, k_L)`,
    /// `k_L = √(1/fan_in_L)` ([`init_bound`]); absent matrices zero.
    ///
    /// Draw order (fixed): blocks in parameter order `[ih, ho, ii, hh, oo, io, oi, hi, oh]`,
    /// absent ones skipped (no draws), each block's entries row-major; one
    /// `rng.random_range(−k..k)` in `f64` per entry, rounded to `T`.
    pub fn init<R: Rng + ?Sized>(arch: Architecture, rng: &mut R) -> Self {
        let mut net = Self::zeros(arch);
        let (dims, mask) = (arch.dims(), arch.mask());
        for block in Block::ALL {
            if !mask.has(block) {
                continue;
            }
            let k = init_bound(arch, block.to_layer()).expect("a present block feeds its layer");
            for w in &mut net.params[dims.block_range(block)] {
                *w = T::from_f64(rng.random_range(-k..k));
            }
        }
        net
    }

    /// A network from a parameter vector in the masked layout. Fails when the length is not
    /// `dims().param_len()` or an absent block holds a non-zero value.
    pub fn from_params(arch: Architecture, params: Vec<T>) -> Result<Self, ModelError> {
        let dims = arch.dims();
        if params.len() != dims.param_len() {
            return Err(ModelError::InvalidField {
                field: "params",
                expected: "one value per weight of the nine-block masked layout",
                got: format!("{} values for {} expected", params.len(), dims.param_len()),
            });
        }
        let mask = arch.mask();
        for block in Block::ALL {
            if !mask.has(block)
                && params[dims.block_range(block)]
                    .iter()
                    .any(|&w| w != T::ZERO)
            {
                return Err(ModelError::InvalidField {
                    field: "params",
                    expected: "zeros in every block the architecture lacks",
                    got: format!("non-zero weights in W_{}", block.name()),
                });
            }
        }
        Ok(Self { arch, params })
    }

    pub fn architecture(&self) -> Architecture {
        self.arch
    }

    pub fn dims(&self) -> PrnnDims {
        self.arch.dims()
    }

    pub fn mask(&self) -> PrnnMask {
        self.arch.mask()
    }

    /// The parameter vector (masked layout).
    pub fn params(&self) -> &[T] {
        &self.params
    }

    /// The parameter vector, mutable. Callers must leave absent blocks at zero (the kernels
    /// ignore them, but [`Self::weight_norms`] and saved records would not).
    pub fn params_mut(&mut self) -> &mut [T] {
        &mut self.params
    }

    /// One block's weights, `to × from` row-major (zeros when absent).
    pub fn block(&self, block: Block) -> &[T] {
        &self.params[self.dims().block_range(block)]
    }

    /// What the kernels take.
    pub fn net(&self) -> PrnnNet<'_, T> {
        PrnnNet {
            dims: self.dims(),
            mask: self.mask(),
            params: &self.params,
        }
    }

    /// Frobenius norm of each matrix, order `[ih, ho, ii, hh, oo, io, oi, hi, oh]`, 0 when
    /// absent; accumulated in `f64`.
    pub fn weight_norms(&self) -> [f64; N_BLOCKS] {
        let mask = self.mask();
        core::array::from_fn(|b| {
            let block = Block::ALL[b];
            if !mask.has(block) {
                return 0.0;
            }
            self.block(block)
                .iter()
                .map(|w| w.to_f64() * w.to_f64())
                .sum::<f64>()
                .sqrt()
        })
    }

    /// An episode from the zero state: see [`prnn::forward`] (`x`: `steps × 8`, `u`:
    /// `steps × 5`, `records`: `steps × record_len`).
    pub fn forward(
        &self,
        steps: usize,
        x: &[T],
        u: &[T],
        records: &mut [T],
    ) -> Result<(), ModelError> {
        let zero = vec![T::ZERO; self.dims().state_len()];
        prnn::forward(self.net(), steps, &zero, x, u, records)?;
        Ok(())
    }

    /// BPTT of an episode run by [`Self::forward`] (zero initial state): adds `∂L/∂W` to
    /// `grads` given `dout = ∂L/∂o_t` (`steps × 5`); see [`prnn::backward`].
    pub fn backward(
        &self,
        steps: usize,
        records: &[T],
        dout: &[T],
        grads: &mut [T],
        scratch: &mut [T],
    ) -> Result<(), ModelError> {
        let zero = vec![T::ZERO; self.dims().state_len()];
        prnn::backward(self.net(), steps, &zero, records, dout, grads, scratch)?;
        Ok(())
    }
}

/// `torch.nn.utils.clip_grad_norm_(params, max_norm)` over the present blocks of `grads`
/// (masked layout of `mask`/`dims`); returns the total norm before clipping.
///
/// ```text
/// total = √(Σ g²)                       (over present blocks, accumulated in f64)
/// c     = max_norm / (total + 1e-6)
/// g    ← g · c    if c < 1              (PyTorch multiplies by clamp(c, max = 1))
/// ```
///
/// So clipping starts at `total > max_norm − 1e-6`, a hair before `total > max_norm`. A
/// non-finite `total` leaves `grads` unchanged (PyTorch would turn them into NaN); callers
/// check the returned norm.
pub fn clip_grad_norm<T: Real>(
    dims: PrnnDims,
    mask: PrnnMask,
    grads: &mut [T],
    max_norm: f64,
) -> f64 {
    let present = || Block::ALL.into_iter().filter(move |&b| mask.has(b));
    let total = present()
        .flat_map(|b| grads[dims.block_range(b)].iter())
        .map(|g| g.to_f64() * g.to_f64())
        .sum::<f64>()
        .sqrt();
    let coef = max_norm / (total + 1e-6);
    if coef < 1.0 {
        let c = T::from_f64(coef);
        for b in present() {
            for g in &mut grads[dims.block_range(b)] {
                *g *= c;
            }
        }
    }
    total
}

/// Adam (PyTorch form by default: `lr 1e-3, β 0.9/0.999, ε 1e-8`) over the present blocks of
/// one network. Absent blocks — parameters, moments — are never touched, whatever their
/// gradient holds.
#[derive(Clone, Debug, PartialEq)]
pub struct PrnnAdam<T> {
    pub hp: AdamParams,
    pub variant: AdamVariant,
    /// Updates done so far (the next one is `t + 1`).
    pub t: u64,
    m: Vec<T>,
    v: Vec<T>,
}

impl<T: Real> PrnnAdam<T> {
    /// Zero moments for a network of `arch`.
    pub fn new(arch: Architecture, hp: AdamParams) -> Self {
        let n = arch.dims().param_len();
        Self {
            hp,
            variant: AdamVariant::default(),
            t: 0,
            m: vec![T::ZERO; n],
            v: vec![T::ZERO; n],
        }
    }

    /// One update of `net` with `grads` (masked layout).
    pub fn step(&mut self, net: &mut Prnn<T>, grads: &[T]) -> Result<(), ModelError> {
        let (dims, mask) = (net.dims(), net.mask());
        for (buffer, len) in [("grads", grads.len()), ("adam moments", self.m.len())] {
            if len != dims.param_len() {
                return Err(ModelError::InvalidField {
                    field: buffer,
                    expected: "one value per weight of the network's masked layout",
                    got: format!("{len} values for {} expected", dims.param_len()),
                });
            }
        }
        self.t += 1;
        for block in Block::ALL {
            if !mask.has(block) {
                continue;
            }
            let r = dims.block_range(block);
            adam::step(
                self.variant,
                &self.hp,
                self.t,
                &mut net.params[r.clone()],
                &grads[r.clone()],
                &mut self.m[r.clone()],
                &mut self.v[r],
            )?;
        }
        Ok(())
    }
}
