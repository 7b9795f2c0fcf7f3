//! Statistics of a study, for every caller (tables, analyses; reports only present them):
//!
//! - [`describe`]: one sample — [`median`], [`quantile`], [`median_at_each`], [`range`],
//!   [`summary`] (median, IQR, sd, n), under one rule: NaN is skipped, an empty sample gives NaN.
//! - [`compare`](mod@compare): two samples — [`compare()`] (two-sided Mann–Whitney, NaNs
//!   dropped, with both medians), [`adjust`] (Benjamini–Hochberg over a family),
//!   [`Comparison::direction`], [`smallest_attainable_p`]; one sample against a level:
//!   [`sign_test_greater`].
//! - [`curve`]: training-curve summaries ([`learning_speed`]).
//! - The tests themselves, as SciPy computes them: [`mann_whitney`] and [`fdr`].

pub mod compare;
pub mod curve;
pub mod describe;
pub mod fdr;
pub mod mann_whitney;

pub use compare::{
    adjust, compare, sign_test_greater, smallest_attainable_p, Comparison, Direction,
};
pub use curve::learning_speed;
pub use describe::{median, median_at_each, quantile, range, summary, Summary};
pub use fdr::{benjamini_hochberg, benjamini_hochberg_omit_nan};
pub use mann_whitney::{mann_whitney_u, MannWhitney, NanPolicy};

/// Upper tail of the standard normal, `P(Z > z) = erfc(z / √2) / 2` (SciPy `norm.sf`), with
/// `libm::erfc` (musl's, < 1 ulp), so tails far below `1e-16` keep their relative accuracy.
pub fn normal_sf(z: f64) -> f64 {
    0.5 * libm::erfc(z / std::f64::consts::SQRT_2)
}
