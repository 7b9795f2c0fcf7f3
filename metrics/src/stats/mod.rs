//! Study-level statistics: the two-sided Mann–Whitney U test ([`mann_whitney`]) and
//! Benjamini–Hochberg adjusted p-values ([`fdr`]), as SciPy computes them.

pub mod fdr;
pub mod mann_whitney;

pub use fdr::{benjamini_hochberg, benjamini_hochberg_omit_nan};
pub use mann_whitney::{mann_whitney_u, MannWhitney, NanPolicy};

/// Upper tail of the standard normal, `P(Z > z) = erfc(z / √2) / 2` (SciPy `norm.sf`), with
/// `libm::erfc` (musl's, < 1 ulp), so tails far below `1e-16` keep their relative accuracy.
pub fn normal_sf(z: f64) -> f64 {
    0.5 * libm::erfc(z / std::f64::consts::SQRT_2)
}
