//! Benjamini–Hochberg adjusted p-values (SciPy `false_discovery_control(ps, method="bh")`).

use crate::error::MetricsError;

/// Benjamini–Hochberg adjusted p-values, in the input order.
///
/// With `p₍ᵢ₎` the `i`-th smallest of `m` p-values,
/// `p̃₍ᵢ₎ = min(1, min_{j ≥ i} p₍ⱼ₎ · m / j)`. Ties get equal adjusted values whatever their
/// order. Every value must lie in `[0, 1]`: a NaN or an out-of-range value is an error (as
/// SciPy raises); see [`benjamini_hochberg_omit_nan`] to skip NaNs. Empty input → empty output.
pub fn benjamini_hochberg(ps: &[f64]) -> Result<Vec<f64>, MetricsError> {
    if let Some(index) = ps.iter().position(|p| !(0.0..=1.0).contains(p)) {
        return Err(MetricsError::OutOfRange {
            op: "benjamini_hochberg",
            name: "ps[i]",
            value: ps[index],
            expected: "[0, 1] (a p-value)",
        });
    }
    let m = ps.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| ps[a].total_cmp(&ps[b]));
    let mut adjusted = vec![0.0; m];
    let mut running = f64::INFINITY;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min(ps[i] * m as f64 / (rank + 1) as f64);
        adjusted[i] = running.clamp(0.0, 1.0);
    }
    Ok(adjusted)
}

/// [`benjamini_hochberg`] over the non-NaN p-values only (`m` = their count, as R's
/// `p.adjust`); NaN entries stay NaN. Out-of-range values are still an error.
pub fn benjamini_hochberg_omit_nan(ps: &[f64]) -> Result<Vec<f64>, MetricsError> {
    let kept: Vec<f64> = ps.iter().copied().filter(|p| !p.is_nan()).collect();
    let adjusted = benjamini_hochberg(&kept)?;
    let mut it = adjusted.into_iter();
    Ok(ps
        .iter()
        .map(|p| {
            if p.is_nan() {
                f64::NAN
            } else {
                it.next().unwrap_or(f64::NAN)
            }
        })
        .collect())
}
