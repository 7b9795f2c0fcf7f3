//! Two-sided Mann–Whitney U test, normal approximation with tie and continuity corrections
//! (SciPy `mannwhitneyu(x, y, alternative="two-sided", method="asymptotic")`, the default
//! `use_continuity=True`).

use serde::{Deserialize, Serialize};

use super::normal_sf;
use crate::error::MetricsError;

/// What [`mann_whitney_u`] does with NaN values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NanPolicy {
    /// Any NaN makes `U` and `p` NaN (SciPy's default `nan_policy="propagate"`).
    #[default]
    Propagate,
    /// Drop NaNs from each sample before testing (SciPy `nan_policy="omit"`); a sample left
    /// empty is an error.
    Omit,
    /// Any NaN is an error (SciPy `nan_policy="raise"`).
    Raise,
}

/// Result of [`mann_whitney_u`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MannWhitney {
    /// `U₁ = R₁ − n₁(n₁ + 1)/2`, the statistic of the first sample (SciPy's `statistic`).
    pub u: f64,
    /// Two-sided p-value.
    pub p: f64,
    /// `z` of the larger of `U₁`, `U₂` (≥ −0.5/σ); `−∞` when every value is tied.
    pub z: f64,
}

/// Two-sided Mann–Whitney U test of samples `x` and `y`.
///
/// With average ranks `r` of the pooled sample (ties share their mean rank), `R₁ = Σ_{x} r`,
/// `U₁ = R₁ − n₁(n₁+1)/2`, `U₂ = n₁n₂ − U₁`, `U = max(U₁, U₂)`, `N = n₁ + n₂`:
///
/// ```text
/// σ = sqrt(n₁n₂/12 · ((N + 1) − Σ_t (t³ − t) / (N (N − 1))))     (t: sizes of tie groups)
/// z = (U − n₁n₂/2 − 1/2) / σ,    p = min(1, 2 · P(Z > z))
/// ```
///
/// When every value is tied `σ = 0`, `z = −∞` and `p = 1` (as SciPy). `±∞` values rank
/// normally. NaNs follow `nan_policy`; an empty sample is an error (as SciPy).
pub fn mann_whitney_u(
    x: &[f64],
    y: &[f64],
    nan_policy: NanPolicy,
) -> Result<MannWhitney, MetricsError> {
    const OP: &str = "mann_whitney_u";
    let has_nan = x.iter().chain(y).any(|v| v.is_nan());
    let (x, y): (Vec<f64>, Vec<f64>) = match (has_nan, nan_policy) {
        (true, NanPolicy::Raise) => {
            let (what, v) = if x.iter().any(|v| v.is_nan()) {
                ("x", x)
            } else {
                ("y", y)
            };
            let index = v.iter().position(|v| v.is_nan()).unwrap_or(0);
            return Err(MetricsError::NonFinite {
                op: OP,
                what,
                index,
                value: f64::NAN,
            });
        }
        (true, NanPolicy::Omit) => (
            x.iter().copied().filter(|v| !v.is_nan()).collect(),
            y.iter().copied().filter(|v| !v.is_nan()).collect(),
        ),
        _ => (x.to_vec(), y.to_vec()),
    };
    for (what, v) in [("x", &x), ("y", &y)] {
        if v.is_empty() {
            return Err(MetricsError::Empty {
                op: OP,
                what,
                len: 0,
                min: 1,
            });
        }
    }
    if has_nan && nan_policy == NanPolicy::Propagate {
        return Ok(MannWhitney {
            u: f64::NAN,
            p: f64::NAN,
            z: f64::NAN,
        });
    }
    let (n1, n2) = (x.len() as f64, y.len() as f64);
    let pooled: Vec<f64> = x.iter().chain(&y).copied().collect();
    let (ranks, tie_term) = average_ranks(&pooled);
    let r1: f64 = ranks[..x.len()].iter().sum();
    let u1 = r1 - n1 * (n1 + 1.0) / 2.0;
    let u2 = n1 * n2 - u1;
    let u = u1.max(u2);
    let big_n = n1 + n2;
    let sigma = (n1 * n2 / 12.0 * ((big_n + 1.0) - tie_term / (big_n * (big_n - 1.0)))).sqrt();
    let z = (u - n1 * n2 / 2.0 - 0.5) / sigma;
    let p = (2.0 * normal_sf(z)).clamp(0.0, 1.0);
    Ok(MannWhitney { u: u1, p, z })
}

/// Average ranks (1-based, SciPy `rankdata(method="average")`) and `Σ_t (t³ − t)` over tie
/// groups. Values must not be NaN.
fn average_ranks(v: &[f64]) -> (Vec<f64>, f64) {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut ranks = vec![0.0; v.len()];
    let mut tie_term = 0.0;
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        // `==` so that −0.0 and 0.0 tie, as in NumPy.
        while end < order.len() && v[order[end]] == v[order[start]] {
            end += 1;
        }
        let rank = (start + end + 1) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = rank;
        }
        let t = (end - start) as f64;
        tie_term += t * t * t - t;
        start = end;
    }
    (ranks, tie_term)
}
