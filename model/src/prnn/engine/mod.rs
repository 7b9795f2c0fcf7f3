//! The engines under training and evaluation: a population of networks of the same
//! [`PrnnDims`], each with its own state, advanced one step at a time together, through one
//! trait ([`PrnnEngine`]) with one implementation per way of computing:
//!
//! | engine | file | how |
//! |---|---|---|
//! | [`ReferenceEngine`] | `reference.rs` | one network after another through the scalar one-network kernels (the oracle); a lane that is not active this step is skipped |
//! | [`LanesEngine`] | `simd.rs` | eight networks at once in the SIMD population kernel, every lane bit-identical to the reference; an inactive lane is computed on zero inputs (finite, never read: its later records only meet zero upstream gradients) |
//!
//! Every lane's numbers are exactly those of its network run alone: an engine only decides
//! how the work is laid out. Training and evaluation are written once over the trait
//! ([`crate::prnn::train_population`], [`crate::prnn::evaluate_population`]), which pick an
//! engine once from the [`PrnnVariant`] and never branch on it again.
//!
//! Call [`PrnnEngine::load`] whenever the networks' parameters changed outside the engine (an
//! engine may work on its own copy, laid out as its kernels want). Training updates them
//! through the engine ([`PrnnEngine::gradients`], [`PrnnEngine::adam_step`]) and reads them
//! back with [`PrnnEngine::store`]. Inputs and jitter of a step come lane-interleaved in
//! chunks of eight ([`LaneInputs`], [`LaneJitter`]), zero in inactive lanes.

mod reference;
mod simd;

pub use reference::ReferenceEngine;
pub use simd::LanesEngine;

use wiring_kernels::prnn::{PrnnDims, PrnnVariant, POPULATION_LANES as L};

use super::network::{Prnn, PrnnAdam};
use crate::ModelError;

/// Inputs per step (`[L0, L1, R0, R1, U0, U1, D0, D1]`).
pub const N_IN: usize = 8;
/// Outputs (Q-values over L, R, U, D, stay).
pub const N_OUT: usize = 5;

/// One step's inputs of up to eight lanes, lane-interleaved: `x[k][l]` is input `k` of lane
/// `l` (the population kernel's layout). A population of `n` lanes uses `⌈n / 8⌉` of them,
/// lane `l` in chunk `l / 8`.
pub type LaneInputs = [[f32; L]; N_IN];
/// One forward's jitter of up to eight lanes, lane-interleaved like [`LaneInputs`].
pub type LaneJitter = [[f32; L]; N_OUT];

/// A greedy probe fused into a recorded step ([`PrnnEngine::advance_probe`]): the lanes that
/// probe, their jitter, and where their outputs go.
pub struct Probe<'a> {
    pub on: &'a [bool],
    pub u: &'a [LaneJitter],
    pub out: &'a mut [[f32; N_OUT]],
}

/// A Q-target forward computed with a recorded step from the same state
/// ([`PrnnEngine::advance_probe`]): the lanes that owe one, their input and jitter, and where
/// their outputs go.
pub struct Target<'a> {
    pub on: &'a [bool],
    pub x: &'a [LaneInputs],
    pub u: &'a [LaneJitter],
    pub out: &'a mut [[f32; N_OUT]],
}

/// A population of networks advanced in lockstep (see the module docs). `nets` are the
/// networks of the population in lane order, the ones [`Self::load`] took.
pub trait PrnnEngine {
    /// The networks' dimensions.
    fn dims(&self) -> PrnnDims;

    /// Takes the networks' current parameters.
    fn load(&mut self, nets: &[&Prnn<f32>]) -> Result<(), ModelError>;

    /// Writes the engine's parameters back into `nets` (after [`Self::adam_step`]).
    fn store(&self, nets: &mut [Prnn<f32>]) -> Result<(), ModelError>;

    /// Zero state in every lane (a trial starts).
    fn reset(&mut self);

    /// Output of one step from the current state of every active lane, leaving the state as
    /// it is (the greedy probe and the Q-target).
    fn probe(
        &mut self,
        nets: &[&Prnn<f32>],
        active: &[bool],
        x: &[LaneInputs],
        u: &[LaneJitter],
        out: &mut [[f32; N_OUT]],
    ) -> Result<(), ModelError>;

    /// One step of every active lane from its current state, which it replaces; with
    /// `record`, the step is kept as record `t` for [`Self::gradients`] and the Jacobians,
    /// and its input for [`Self::input`].
    #[allow(clippy::too_many_arguments)]
    fn advance(
        &mut self,
        nets: &[&Prnn<f32>],
        active: &[bool],
        t: usize,
        x: &[LaneInputs],
        u: &[LaneJitter],
        out: &mut [[f32; N_OUT]],
        record: bool,
    ) -> Result<(), ModelError>;

    /// [`Self::advance`] with recording, together with up to two other forwards from the
    /// current state, each giving what [`Self::probe`] before the step gives:
    /// - `greedy`: the greedy probe of its lanes (which must be active), with the step's
    ///   input and its own jitter;
    /// - `target`: the Q-target owed by the previous step, with its own input and jitter.
    ///
    /// The step's input need not be kept for [`Self::input`].
    #[allow(clippy::too_many_arguments)]
    fn advance_probe(
        &mut self,
        nets: &[&Prnn<f32>],
        active: &[bool],
        t: usize,
        x: &[LaneInputs],
        u: &[LaneJitter],
        out: &mut [[f32; N_OUT]],
        greedy: Option<Probe<'_>>,
        target: Option<Target<'_>>,
    ) -> Result<(), ModelError>;

    /// BPTT of every lane's recorded episode from the zero state, then PyTorch's global
    /// gradient-norm clip per network ([`super::clip_grad_norm`]); the gradients stay in the
    /// engine for [`Self::adam_step`]. Lane `l` ran `steps[l]` steps with
    /// `dout[l] = ∂L/∂o_t` (`steps[l] × 5`; only the first `steps[l]` rows are read).
    /// Returns each network's gradient norm before clipping.
    fn gradients(
        &mut self,
        nets: &[&Prnn<f32>],
        steps: &[usize],
        dout: &[&[f32]],
        max_norm: f64,
    ) -> Result<Vec<f64>, ModelError>;

    /// One Adam update of every network with the gradients of [`Self::gradients`]; `adams`
    /// count the step. Call [`Self::store`] before reading `nets`.
    fn adam_step(
        &mut self,
        nets: &mut [Prnn<f32>],
        adams: &mut [PrnnAdam<f32>],
    ) -> Result<(), ModelError>;

    /// The sensed input of lane `lane`'s step `t` recorded by [`Self::advance`].
    fn input(&self, lane: usize, t: usize) -> &[f32; N_IN];

    /// Every `∂o_t/∂x_{t−k}` of lane `lane`'s first `steps` records (see
    /// [`wiring_kernels::prnn::memory_jacobians`]) into `jac` (`steps² · 5 · 8`).
    fn memory_jacobians(
        &mut self,
        net: &Prnn<f32>,
        lane: usize,
        steps: usize,
        jac: &mut [f32],
    ) -> Result<(), ModelError>;
}

/// Runs `body` with the CPU engine of `variant` for `lanes` networks of `dims` and episodes
/// of at most `max_steps`: the one place the variant is looked at.
///
/// # Errors
/// The engine's (more than [`L`] lanes for the population kernel), or `body`'s.
pub fn with_cpu_engine<R>(
    variant: PrnnVariant,
    dims: PrnnDims,
    lanes: usize,
    max_steps: usize,
    body: impl EngineBody<R>,
) -> Result<R, ModelError> {
    match variant {
        PrnnVariant::Reference => body.run(&mut ReferenceEngine::new(dims, lanes, max_steps)),
        PrnnVariant::Population => body.run(&mut LanesEngine::new(dims, lanes, max_steps)?),
    }
}

/// Work generic over the engine, for [`with_cpu_engine`] (a closure cannot be generic).
pub trait EngineBody<R> {
    fn run<E: PrnnEngine>(self, engine: &mut E) -> Result<R, ModelError>;
}

fn active_lanes(active: &[bool]) -> impl Iterator<Item = usize> + '_ {
    active
        .iter()
        .enumerate()
        .filter(|(_, &a)| a)
        .map(|(l, _)| l)
}

/// Lane `l`'s values out of chunks of eight interleaved lanes.
#[inline]
fn lane_of<const K: usize>(chunks: &[[[f32; L]; K]], l: usize) -> [f32; K] {
    let chunk = &chunks[l / L];
    core::array::from_fn(|k| chunk[k][l % L])
}

/// Frobenius norm, accumulated in f64.
pub fn frobenius(m: &[f32]) -> f64 {
    m.iter()
        .map(|&v| f64::from(v) * f64::from(v))
        .sum::<f64>()
        .sqrt()
}

/// Index of the largest value, the first one on ties (`torch.argmax`); NaN never wins (0 if
/// every value is NaN).
pub fn argmax(q: &[f32; N_OUT]) -> usize {
    let mut best = 0;
    for a in 1..N_OUT {
        if q[a] > q[best] || q[best].is_nan() && !q[a].is_nan() {
            best = a;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_takes_the_first_maximum_and_skips_nan() {
        assert_eq!(argmax(&[0.1, 0.3, 0.3, 0.2, 0.0]), 1);
        assert_eq!(argmax(&[0.2; 5]), 0);
        assert_eq!(argmax(&[f32::NAN, 0.1, 0.4, f32::NAN, 0.4]), 2);
        assert_eq!(argmax(&[f32::NAN; 5]), 0);
    }
}
