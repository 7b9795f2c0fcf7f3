//! Comparing two samples: a two-sided Mann–Whitney U test with NaNs dropped
//! ([`compare`]), Benjamini–Hochberg over a family of such tests ([`adjust`]), and the
//! direction of a significant difference ([`Comparison::direction`]).

use super::describe::{count, median};
use super::{benjamini_hochberg_omit_nan, mann_whitney_u, NanPolicy};

/// `x` against `y`: sizes and medians (NaNs dropped) and the two-sided Mann–Whitney test.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Comparison {
    /// Non-NaN values of each sample.
    pub n_x: usize,
    pub n_y: usize,
    pub median_x: f64,
    pub median_y: f64,
    /// Mann–Whitney `U₁` of `x` and the two-sided p; NaN when a sample has no value.
    pub u: f64,
    pub p: f64,
}

/// Which way a comparison came out at a significance level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// `x` significantly higher than `y`.
    Higher,
    /// `x` significantly lower than `y`.
    Lower,
    /// Adjusted p at or above the level, or not testable.
    NotSignificant,
}

/// Compares `x` with `y` ([`mann_whitney_u`] with [`NanPolicy::Omit`]; `u` and `p` NaN when
/// either sample has no value left).
pub fn compare(x: &[f64], y: &[f64]) -> Comparison {
    let (u, p) = mann_whitney_u(x, y, NanPolicy::Omit).map_or((f64::NAN, f64::NAN), |m| (m.u, m.p));
    Comparison {
        n_x: count(x),
        n_y: count(y),
        median_x: median(x.iter().copied()),
        median_y: median(y.iter().copied()),
        u,
        p,
    }
}

/// Benjamini–Hochberg adjusted p-values of a family of tests, in order; NaN p-values (tests
/// that could not be made) stay NaN and do not count in the family. All NaN on a p-value
/// outside `[0, 1]` (which [`compare`] never gives).
pub fn adjust(ps: &[f64]) -> Vec<f64> {
    benjamini_hochberg_omit_nan(ps).unwrap_or_else(|_| vec![f64::NAN; ps.len()])
}

impl Comparison {
    /// The direction at significance level `alpha` given this test's adjusted p: not
    /// significant when `p_adjusted` is NaN or `≥ alpha`; otherwise by the medians, and when
    /// they are equal by the mean ranks (`U₁` against `n_x n_y / 2`).
    pub fn direction(&self, p_adjusted: f64, alpha: f64) -> Direction {
        if p_adjusted.is_nan() || p_adjusted >= alpha {
            return Direction::NotSignificant;
        }
        let higher = if self.median_x != self.median_y {
            self.median_x > self.median_y
        } else {
            self.u > self.n_x as f64 * self.n_y as f64 / 2.0
        };
        if higher {
            Direction::Higher
        } else {
            Direction::Lower
        }
    }
}

/// One-sided exact sign test that the median of `values` (NaNs dropped) exceeds `level`: with
/// `k` of the `n` values not equal to `level` above it, `P(Binomial(n, ½) ≥ k)` (SciPy
/// `binomtest(k, n, 0.5, alternative="greater")`). NaN when no value differs from `level`.
pub fn sign_test_greater(values: &[f64], level: f64) -> f64 {
    let differing: Vec<f64> = values
        .iter()
        .copied()
        .filter(|v| !v.is_nan() && *v != level)
        .collect();
    let n = differing.len();
    if n == 0 {
        return f64::NAN;
    }
    let k = differing.iter().filter(|v| **v > level).count();
    // Σ_{j ≥ k} C(n, j) / 2ⁿ, in logs so that n in the thousands stays finite.
    let ln_choose =
        |j: usize| -> f64 { (1..=j).map(|i| ((n - j + i) as f64 / i as f64).ln()).sum() };
    let ln_half_n = n as f64 * 0.5f64.ln();
    (k..=n)
        .map(|j| (ln_choose(j) + ln_half_n).exp())
        .sum::<f64>()
        .min(1.0)
}

/// The smallest two-sided p a Mann–Whitney test of `n` against `m` values can give (complete
/// separation, no ties), before any correction: what a study's seed count allows at best.
/// `n` and `m` are taken as at least 1.
pub fn smallest_attainable_p(n: usize, m: usize) -> f64 {
    let (n, m) = (n.max(1), m.max(1));
    let x: Vec<f64> = (0..n).map(|v| v as f64).collect();
    let y: Vec<f64> = (n..n + m).map(|v| v as f64).collect();
    mann_whitney_u(&x, &y, NanPolicy::Raise).map_or(f64::NAN, |t| t.p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_planted_shift_is_found_and_none_where_there_is_none() {
        let x: Vec<f64> = (0..20).map(|i| i as f64 + 100.0).collect();
        let y: Vec<f64> = (0..20).map(|i| i as f64).collect();
        let c = compare(&x, &y);
        assert_eq!((c.n_x, c.n_y), (20, 20));
        assert!(c.p < 1e-6, "{c:?}");
        assert_eq!(c.direction(c.p, 0.01), Direction::Higher);
        assert_eq!(compare(&y, &x).direction(c.p, 0.01), Direction::Lower);
        let same = compare(&y, &y);
        assert!(same.p > 0.5);
        assert_eq!(same.direction(same.p, 0.01), Direction::NotSignificant);
    }

    #[test]
    fn nan_values_drop_and_empty_samples_are_not_testable() {
        let c = compare(&[1.0, f64::NAN, 2.0], &[f64::NAN]);
        assert_eq!((c.n_x, c.n_y), (2, 0));
        assert!(c.p.is_nan() && c.u.is_nan() && c.median_y.is_nan());
        assert_eq!(c.direction(f64::NAN, 0.01), Direction::NotSignificant);
    }

    #[test]
    fn equal_medians_fall_back_to_mean_ranks() {
        let c = Comparison {
            n_x: 4,
            n_y: 4,
            median_x: 1.0,
            median_y: 1.0,
            u: 12.0,
            p: 0.001,
        };
        assert_eq!(c.direction(0.001, 0.01), Direction::Higher);
        assert_eq!(
            Comparison { u: 4.0, ..c }.direction(0.001, 0.01),
            Direction::Lower
        );
    }

    #[test]
    fn adjusting_skips_untestable_p_values() {
        let a = adjust(&[0.01, f64::NAN, 0.04]);
        assert_eq!(a[0], 0.02);
        assert!(a[1].is_nan());
        assert_eq!(a[2], 0.04);
    }

    #[test]
    fn sign_test_matches_scipy_binomtest() {
        // scipy.stats.binomtest(k, n, 0.5, alternative="greater").pvalue
        let sample = |above: usize, below: usize| -> Vec<f64> {
            let mut v = vec![2.0; above];
            v.extend(vec![0.5; below]);
            v.push(1.0); // equal to the level: dropped
            v.push(f64::NAN);
            v
        };
        for (above, below, want) in [
            (7, 3, 0.171_875),
            (10, 0, 0.000_976_562_5),
            (0, 5, 1.0),
            (60, 40, 0.028_443_966_820_490_392),
        ] {
            let p = sign_test_greater(&sample(above, below), 1.0);
            assert!(
                (p - want).abs() < 1e-12 * want.max(1e-3),
                "{above}/{below}: {p} vs {want}"
            );
        }
        assert!(sign_test_greater(&[1.0, f64::NAN], 1.0).is_nan());
    }

    #[test]
    fn the_smallest_p_shrinks_with_the_sample() {
        let (p3, p8, p50) = (
            smallest_attainable_p(3, 3),
            smallest_attainable_p(8, 8),
            smallest_attainable_p(50, 50),
        );
        assert!(p3 > 0.05 && p8 < 0.01 && p50 < p8, "{p3} {p8} {p50}");
    }
}
