//! The engine under seRNN training: where a network's parameters, gradients and Adam moments
//! live and its kernels run, behind one trait ([`SernnEngine`]) with one implementation per
//! backend — today the CPU ([`CpuEngine`]: the RNN kernel variant of the config, faer's
//! matrix exponential, the SIMD Adam).
//!
//! Training ([`super::train`]) is written once over the trait: it draws the trials and the
//! input noise from the network's streams and hands each batch to the engine, which computes
//! the task gradient, adds the regulariser's, and takes the Adam step on the parameters it
//! holds; [`SernnEngine::store`] reads them back for the snapshots. The order of operations,
//! and so every number, is the trait's contract, not the backend's.

mod cpu;

pub use cpu::CpuEngine;

use wiring_kernels::adam::AdamParams;

use super::network::{BatchStats, Params};
use super::regulariser::Regulariser;
use crate::ModelError;

/// One network's training computations (see the module docs).
pub trait SernnEngine {
    /// Trials per forward pass (a longer trial set is evaluated in chunks of this many).
    fn batch(&self) -> usize;

    /// Takes the network's parameters.
    fn load(&mut self, params: &Params<f32>) -> Result<(), ModelError>;

    /// Writes the engine's parameters into `params`.
    fn store(&self, params: &mut Params<f32>) -> Result<(), ModelError>;

    /// A noise-free forward pass of `x` (`steps × trials × 7`, time-major) against
    /// `labels`: cross-entropy and accuracy, no gradient.
    fn forward(&mut self, x: &[f32], labels: &[u8]) -> Result<BatchStats, ModelError>;

    /// Forward, cross-entropy and BPTT of one batch: the task's gradient of every parameter,
    /// kept in the engine (replacing the last one).
    fn task_gradient(&mut self, x: &[f32], labels: &[u8]) -> Result<BatchStats, ModelError>;

    /// Adds the regulariser's gradient to the recurrent weights' gradient; returns the
    /// penalty.
    fn regulariser_gradient(&mut self, reg: &mut Regulariser<f32>) -> Result<f64, ModelError>;

    /// Adam step `t` (1 for the first) of every parameter array with the gradient.
    fn adam_step(&mut self, hp: &AdamParams, t: u64) -> Result<(), ModelError>;
}
