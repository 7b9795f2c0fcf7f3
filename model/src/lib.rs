//! # wiring-model
//!
//! The networks of the wiring studies and how they are trained.
//!
//! - [`sernn`]: the spatially embedded RNN study — [`sernn::Recipe`] (the paper's training
//!   recipe), [`sernn::RegulariserSpec`] (l1, spatial, communicability, se), [`sernn::Space`]
//!   (where the units sit) and [`sernn::train`], which trains one network and returns its
//!   [`sernn::TrainedNetwork`] record, on an engine ([`sernn::engine::SernnEngine`]).
//! - [`prnn`]: the partially recurrent network study — [`prnn::Architecture`] (the 129
//!   architectures), [`prnn::Prnn`] (initialisation, weight norms, clipping, Adam), and
//!   [`prnn::train_population`] / [`prnn::evaluate_population`], which run populations of
//!   networks in lockstep on an engine ([`prnn::engine::PrnnEngine`]).
//!
//! Each study's engine trait is where a backend plugs in: one implementation per way of
//! computing (today the CPU's: the scalar reference and the SIMD lanes for the pRNN, the CPU
//! kernels for the seRNN), chosen once; model code never branches on it elsewhere.
//! - [`rng`]: per-network random streams derived from (study seed, network id, stream name), so
//!   no result depends on thread count, shard, order or resumption.

pub mod prnn;
pub mod rng;
pub mod sernn;
pub mod stop;

/// What the model refuses.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// A recipe or regulariser field is impossible (names the field and what was expected).
    #[error("{field}: {expected}, got {got}")]
    InvalidField {
        field: &'static str,
        expected: &'static str,
        got: String,
    },
    /// A kernel refused a call (a bug, reported with its facts).
    #[error(transparent)]
    Kernel(#[from] wiring_kernels::KernelError),
    /// A maze config or batch was refused.
    #[error(transparent)]
    Maze(#[from] wiring_tasks::maze::MazeError),
    /// Training stopped on request (a SIGTERM or SIGINT: [`stop`]).
    #[error("{what} stopped on request (SIGTERM or SIGINT)")]
    Interrupted { what: &'static str },
    /// A maze config the device kernels cannot hold.
    #[error(transparent)]
    DeviceMaze(#[from] wiring_tasks::maze::cuda::DeviceMazeError),
    /// Training produced a non-finite loss.
    #[error("network {network_id}: non-finite {what} at epoch {epoch}, batch {batch}")]
    NonFinite {
        network_id: u64,
        what: &'static str,
        epoch: usize,
        batch: usize,
    },
}
