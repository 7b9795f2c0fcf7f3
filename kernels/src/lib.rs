//! # wiring-kernels
//!
//! The hand-optimised numerical kernels underneath the two wiring studies. Each family is a
//! folder with fixed file names (see `DESIGN.md`):
//!
//! | family | what it computes | start at |
//! |---|---|---|
//! | [`rnn`] | batched ReLU RNN over a sequence, forward and analytic BPTT backward | [`rnn::forward`], [`rnn::backward`] |
//! | [`expm`] | matrix exponential and its adjoint (gradient of `Σ G∘expm(A)`) | [`expm::ExpmWorkspace`] |
//! | [`adam`] | the Adam update, Keras and PyTorch forms | [`adam::step`] |
//! | [`lanes`] | eight Xoshiro256++ streams in lockstep (one per network of a population) and Box–Muller normal pairs from them | [`lanes::Lanes8`], [`lanes::box_muller_x8`] |
//! | [`prnn`] | the pRNN (Ghosh & Goodman): one network's step, episode BPTT, input and memory Jacobians; the SIMD population kernel (8 networks in lanes, bit-identical to the reference) | [`prnn::forward`], [`prnn::population_step`], [`prnn::population_backward`] |
//!
//! In every family `mod.rs` is the public API and dispatch, `reference.rs` is plain scalar Rust
//! (the oracle of the tests, never optimised), `simd.rs` uses `wide`. Kernels never allocate in
//! hot calls: the caller owns outputs and scratch. Parallelism is an argument ([`Par`]), never a
//! hidden global; a study trains many networks in parallel and calls kernels with [`Par::Seq`].
//!
//! [`Backend`] names where a study computes (`cpu`, `cuda`) and whether this build can run it.
//! [`device`] is the GPU half: the [`device::Device`] trait over the real GPU
//! ([`device::CudaDevice`], cudarc, behind the `cuda` feature) and its host emulation
//! ([`device::EmulatedDevice`]); each family's `cuda.rs` holds the typed wrappers of its
//! kernels in `kernels/cuda/*.cu` ([`rnn::cuda`], [`adam::cuda`], [`expm::cuda`], and
//! [`penalty::cuda`] for the seRNN regularisers' elementwise parts). Those wrappers run on
//! either device, so they are compiled in every build; only the cudarc device needs the
//! feature.
//!
//! Matrices are dense, row-major slices: element `(i, j)` of an `r × c` matrix is `m[i * c + j]`.

pub mod backend;
pub mod cpu;
pub mod device;
pub mod real;

pub mod adam;
pub mod expm;
pub mod lanes;
pub mod penalty;
pub mod prnn;
pub mod rnn;

pub use backend::Backend;
pub use faer::Par;
pub use real::Real;

/// What a kernel refuses: always a shape that does not match what the call says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KernelError {
    /// A buffer has the wrong length for the dimensions given.
    #[error("{op}: buffer `{buffer}` has length {actual}, expected {expected}")]
    BufferLength {
        op: &'static str,
        buffer: &'static str,
        expected: usize,
        actual: usize,
    },
    /// A dimension is outside what the kernel supports.
    #[error("{op}: {what}")]
    Dimension { op: &'static str, what: String },
    /// An input holds a NaN or an infinity (first offending index given).
    #[error("{op}: buffer `{buffer}` holds a non-finite value at index {index}")]
    NonFinite {
        op: &'static str,
        buffer: &'static str,
        index: usize,
    },
    /// A backend this build or machine cannot run (see [`backend::Backend::check`]).
    #[error("backend {backend}: {why}")]
    BackendUnavailable {
        backend: &'static str,
        why: &'static str,
    },
    /// A device that failed or is missing what it needs (driver, GPU, NVRTC, cuBLAS), or a
    /// device call that failed; one line.
    #[error("backend {backend}: {what}")]
    DeviceFailure { backend: &'static str, what: String },
    /// A call that continues an earlier call found no state from it (e.g. an adjoint before
    /// its forward).
    #[error("{op}: {what}")]
    MissingState {
        op: &'static str,
        what: &'static str,
    },
}

/// Checks `buf.len() == expected`, naming the op and buffer otherwise.
#[inline]
pub fn check_len<T>(
    op: &'static str,
    buffer: &'static str,
    buf: &[T],
    expected: usize,
) -> Result<(), KernelError> {
    if buf.len() == expected {
        Ok(())
    } else {
        Err(KernelError::BufferLength {
            op,
            buffer,
            expected,
            actual: buf.len(),
        })
    }
}
