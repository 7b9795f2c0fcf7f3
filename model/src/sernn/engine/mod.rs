//! The engine under seRNN training: where a population of networks' parameters, gradients,
//! Adam moments and regularisers live and their kernels run, behind one trait
//! ([`SernnEngine`]) with one implementation per backend —
//!
//! - [`CpuEngine`]: the CPU (the RNN kernel variant of the config, faer's Padé matrix
//!   exponential, the SIMD Adam), one network after another on the calling thread; the study
//!   runs one network per engine and many engines in parallel;
//! - [`DeviceEngine`]: a whole population in lockstep on a [`Device`](wiring_kernels::device::Device)
//!   (the GPU, or its host emulation in tests): strided-batched GEMMs per step, the custom
//!   kernels of `kernels/cuda`, the batched matmul-only matrix exponential, weights and Adam
//!   state resident on the device.
//!
//! Training ([`super::train_population`]) is written once over the trait: it draws every
//! network's trials from that network's streams and hands each batch of all networks to the
//! engine, which adds each network's input noise from its own noise stream (on the device, for
//! the device), computes the task gradients, adds the regularisers', and takes the Adam step
//! on the parameters it holds. The order of operations is the trait's
//! contract; backends differ only in rounding.
//!
//! Arrays of a population are network after network: `x` is `networks × (steps × trials ×
//! 8)` (time-major within a network), `labels` `networks × trials`.

mod cpu;
mod device;

pub use cpu::CpuEngine;
pub use device::DeviceEngine;

use wiring_kernels::adam::AdamParams;
use wiring_tasks::goal_choice::GoalChoice;

use super::network::{BatchStats, Params};
use crate::ModelError;

/// A population's training computations (see the module docs).
pub trait SernnEngine {
    /// Networks in the population.
    fn networks(&self) -> usize;

    /// Trials per forward pass, at most (a longer trial set is evaluated in chunks).
    fn batch(&self) -> usize;

    /// Takes every network's parameters (one per network); the Adam moments start at zero.
    fn load(&mut self, params: &[Params<f32>]) -> Result<(), ModelError>;

    /// Writes the engine's parameters into `params` (one per network).
    fn store(&mut self, params: &mut [Params<f32>]) -> Result<(), ModelError>;

    /// Writes the gradient of the last [`SernnEngine::task_gradient`] (plus
    /// [`SernnEngine::regulariser_gradient`] when it ran) into `grads` (one per network).
    fn store_gradients(&mut self, grads: &mut [Params<f32>]) -> Result<(), ModelError>;

    /// A noise-free forward pass of every network's `x` against its `labels`: each network's
    /// cross-entropy and accuracy into `stats`, no gradient.
    fn forward(
        &mut self,
        x: &[f32],
        labels: &[u8],
        stats: &mut [BatchStats],
    ) -> Result<(), ModelError>;

    /// Sets how training inputs are made: `task`'s inputs plus Gaussian noise of standard
    /// deviation `sigma` (none at 0), drawn for network `i` from the stream
    /// `Xoshiro256PlusPlus::seed_from_u64(noise_seeds[i])` as `rand_distr::Normal<f32>` draws,
    /// in the order the inputs lie (time-major). Each backend draws them where it computes —
    /// the device on the device — and the streams advance identically everywhere.
    fn set_training_inputs(
        &mut self,
        task: GoalChoice,
        noise_seeds: &[u64],
        sigma: f64,
    ) -> Result<(), ModelError>;

    /// [`SernnEngine::task_gradient`] of one training batch: the inputs of `problems`
    /// (`networks × trials`, each a problem index of the task) with each network's next noise
    /// draws ([`SernnEngine::set_training_inputs`]).
    fn train_batch(
        &mut self,
        problems: &[u8],
        labels: &[u8],
        stats: &mut [BatchStats],
    ) -> Result<(), ModelError>;

    /// Forward, cross-entropy and BPTT of one batch per network: the task's gradient of every
    /// parameter, kept in the engine (replacing the last one).
    fn task_gradient(
        &mut self,
        x: &[f32],
        labels: &[u8],
        stats: &mut [BatchStats],
    ) -> Result<(), ModelError>;

    /// Adds each network's regulariser gradient to its recurrent weights' gradient; writes
    /// the penalties.
    fn regulariser_gradient(&mut self, penalties: &mut [f64]) -> Result<(), ModelError>;

    /// Each network's penalty `R(W_rec)` at its current weights.
    fn penalty(&mut self, penalties: &mut [f64]) -> Result<(), ModelError>;

    /// Floating-point operations of each network's last regulariser call (they depend on the
    /// matrix exponential's scaling).
    fn regulariser_flops(&self, flops: &mut [u64]);

    /// Adam step `t` (1 for the first) of every parameter array of every network.
    fn adam_step(&mut self, hp: &AdamParams, t: u64) -> Result<(), ModelError>;
}
