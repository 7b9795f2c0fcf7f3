//! The seRNN regularisers' elementwise and row-wise parts on a device (`kernels/cuda/
//! regulariser.cu`). The penalties themselves — their formulas, the exact gradients and the
//! CPU implementation — are `wiring_model::sernn::regulariser`'s; this family holds only the
//! device kernels the CUDA engine strings together with [`crate::expm::cuda`]. Their oracle is
//! that CPU implementation (`model/tests/device_regulariser.rs`).

pub mod cuda;
