//! The partially recurrent network (pRNN) study of Ghosh & Goodman, `spec/prnn.md`.
//!
//! Input `i` (8) → hidden `h` (8, or 34) → output `o` (5, softmax = Q-values), with `W_ih`,
//! `W_ho` always present and seven switchable pathways `[ii, hh, oo, io, oi, hi, oh]`:
//!
//! ```text
//! i_t = x_t + [ii] W_ii i_{t−1} + [oi] W_oi o_{t−1} + [hi] W_hi h_{t−1}
//! h_t = relu(W_ih i_t + [hh] W_hh h_{t−1} + [oh] W_oh o_{t−1})
//! o_t = softmax(W_ho h_t + [oo] W_oo o_{t−1} + [io] W_io i_t + u_t)
//! ```
//!
//! - [`arch`]: the 129 architectures ([`Architecture`]: index ↔ flags, names, parameter counts).
//! - [`network`]: one network ([`Prnn`]) — initialisation, weight norms, gradient clipping
//!   ([`clip_grad_norm`]) and Adam ([`PrnnAdam`]).
//! - [`recipe`]: the deep Q-learning recipe ([`QRecipe`]) and what is measured after
//!   training ([`EvaluationRecipe`]), defaults = the paper's.
//! - [`train`]: deep Q-learning of a population of networks in lockstep
//!   ([`train_population`]); every network's result is that of training it alone.
//! - [`device`]: the same training and evaluation on a device (GPU or its host emulation),
//!   every network's episode loop in one device thread ([`train_population_on`],
//!   [`evaluate_population_on`]), bit-identical to the CPU on the emulation.
//! - [`evaluate`]: the noise and sparsity sweeps, input sensitivity and coherence, memory
//!   ([`evaluate_population`]).
//! - [`trial`]: greedy trials and the fitness of a trial ([`trial_fitness`]);
//!   [`engine`]: the lockstep engines both run on ([`engine::PrnnEngine`]: reference, SIMD lanes); [`streams`]: their per-step random draws
//!   (sensor noise, jitter, exploration), eight networks at a time.
//!
//! The numerics (step, BPTT, Jacobians) are the kernel family [`wiring_kernels::prnn`].

pub mod arch;
pub mod device;
pub mod engine;
pub mod evaluate;
pub mod network;
pub mod recipe;
pub mod streams;
pub mod train;
pub mod trial;

pub use arch::PrnnPlan;
pub use arch::{Architecture, ArchitectureError, N_ARCHITECTURES, PATHWAYS};
pub use device::{
    evaluate_population_on, train_population_on, train_population_resumable_on, NoCheckpoints,
    TrainingCheckpoint, TrainingCheckpoints,
};
pub use evaluate::{evaluate_population, PrnnEvaluation, StepMeasures};
pub use network::{clip_grad_norm, fan_in, init_bound, Prnn, PrnnAdam};
pub use recipe::{EvaluationRecipe, QRecipe};
pub use train::{train_population, TrainedPrnn};
pub use trial::trial_fitness;
