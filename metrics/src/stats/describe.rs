//! Describing a sample: median and quantiles under one rule for missing values — **NaN is
//! skipped** (a measure that could not be computed for a network), `±∞` counts as a value —
//! and an empty (or all-NaN) sample describes as NaN.
//!
//! Order statistics sort by [`f64::total_cmp`] (so `−0.0` sorts before `+0.0` and a median
//! keeps its sign bit deterministically), and the median of an even count is
//! `0.5 · (lo + hi)` — not `lo + (hi − lo)/2`, which rounds differently.

/// The values of `values` that are not NaN, sorted by [`f64::total_cmp`].
fn sorted(values: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = values.into_iter().filter(|x| !x.is_nan()).collect();
    v.sort_by(f64::total_cmp);
    v
}

/// Median of the non-NaN values (NaN when there is none): the middle value, or
/// `0.5 · (lo + hi)` of the two middle ones.
pub fn median(values: impl IntoIterator<Item = f64>) -> f64 {
    let v = sorted(values);
    let n = v.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => v[n / 2],
        _ => 0.5 * (v[n / 2 - 1] + v[n / 2]),
    }
}

/// The `q`-quantile of the non-NaN values (NaN when there is none), by linear interpolation
/// between order statistics (NumPy's default `linear` method): with `at = q (n − 1)`,
/// `v[⌊at⌋] + (at − ⌊at⌋) · (v[⌈at⌉] − v[⌊at⌋])`. Between two infinities of one sign the
/// interpolation is NaN.
///
/// For even `n`, `quantile(·, 0.5)` equals [`median`] up to rounding only: use `median`.
pub fn quantile(values: impl IntoIterator<Item = f64>, q: f64) -> f64 {
    let v = sorted(values);
    if v.is_empty() {
        return f64::NAN;
    }
    let at = q * (v.len() - 1) as f64;
    let (lo, hi) = (at.floor() as usize, at.ceil() as usize);
    v[lo] + (at - lo as f64) * (v[hi] - v[lo])
}

/// The element-wise median of series of possibly different lengths: entry `i < len` is the
/// [`median`] of entry `i` of every series that has one (NaN where none has).
pub fn median_at_each<'a>(series: impl IntoIterator<Item = &'a [f64]>, len: usize) -> Vec<f64> {
    let series: Vec<&[f64]> = series.into_iter().collect();
    (0..len)
        .map(|i| median(series.iter().filter_map(|s| s.get(i).copied())))
        .collect()
}

/// The smallest and largest of the non-NaN values, `None` when there is none.
pub fn range(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| !v.is_nan())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((f64::min(lo, v), f64::max(hi, v))),
        })
}

/// A sample in the four numbers a findings table shows: median, interquartile range, standard
/// deviation and size, all over the non-NaN values (NaN, and `n = 0`, when there is none).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    pub median: f64,
    /// The 0.25- and 0.75-[`quantile`]s.
    pub q1: f64,
    pub q3: f64,
    /// Sample standard deviation (`n − 1` in the denominator; NaN below two values).
    pub sd: f64,
    pub n: usize,
}

/// The [`Summary`] of the non-NaN values.
pub fn summary(values: impl IntoIterator<Item = f64>) -> Summary {
    let v = sorted(values);
    let n = v.len();
    let sd = if n < 2 {
        f64::NAN
    } else {
        let mean = v.iter().sum::<f64>() / n as f64;
        (v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64).sqrt()
    };
    Summary {
        median: median(v.iter().copied()),
        q1: quantile(v.iter().copied(), 0.25),
        q3: quantile(v.iter().copied(), 0.75),
        sd,
        n,
    }
}

/// Non-NaN values of a sample.
pub fn count(values: &[f64]) -> usize {
    values.iter().filter(|v| !v.is_nan()).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_skips_nan_and_averages_the_middle_pair() {
        assert_eq!(median([3.0, f64::NAN, 1.0, 2.0, 10.0]), 2.5);
        assert_eq!(median([3.0, 1.0, 2.0]), 2.0);
        assert!(median([f64::NAN]).is_nan());
        assert!(median([]).is_nan());
        assert_eq!(median([1.0, f64::INFINITY, 2.0]), 2.0);
        // −0.0 sorts first: the median of {+0, −0, −0} is −0 whatever the input order.
        assert!(median([0.0, -0.0, -0.0]).is_sign_negative());
        assert!(median([-0.0, 0.0, -0.0]).is_sign_negative());
        // 0.5 (lo + hi), not lo + (hi − lo)/2: these differ in the last bit.
        let (a, b) = (-1.669_824_513_006_024_2, 13.551_148_913_651_745);
        assert_eq!(median([a, b]).to_bits(), (0.5 * (a + b)).to_bits());
    }

    #[test]
    fn summary_matches_numpy() {
        // numpy: median 3, quantile .25/.75 = 1.75, 5, std(ddof=1) = 3.095695936834452
        let s = summary([1.0, 2.0, f64::NAN, 4.0, 8.0]);
        assert_eq!((s.median, s.q1, s.q3, s.n), (3.0, 1.75, 5.0, 4));
        assert!((s.sd - 3.095_695_936_834_452).abs() < 1e-14, "{}", s.sd);
        let one = summary([2.0]);
        assert_eq!((one.median, one.n), (2.0, 1));
        assert!(one.sd.is_nan());
        assert_eq!(summary([]).n, 0);
    }

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let v = [1.0, 2.0, 4.0, 8.0, f64::NAN];
        // numpy.quantile([1, 2, 4, 8], [0, 0.25, 0.5, 0.75, 1]) = 1, 1.75, 3, 5, 8
        for (q, want) in [
            (0.0, 1.0),
            (0.25, 1.75),
            (0.5, 3.0),
            (0.75, 5.0),
            (1.0, 8.0),
        ] {
            assert_eq!(quantile(v, q), want, "q = {q}");
        }
        assert!(quantile([f64::NAN], 0.5).is_nan());
    }

    #[test]
    fn medians_at_each_step_use_the_series_that_reach_it() {
        let a = [1.0, 10.0, 5.0];
        let b = [3.0, f64::NAN];
        let c = [2.0];
        let m = median_at_each([&a[..], &b[..], &c[..]], 4);
        assert_eq!(m[..3], [2.0, 10.0, 5.0]);
        assert!(m[3].is_nan());
        assert!(median_at_each(std::iter::empty(), 0).is_empty());
    }

    #[test]
    fn ranges_and_counts_skip_nan() {
        assert_eq!(range([2.0, f64::NAN, -1.0, 5.0]), Some((-1.0, 5.0)));
        assert_eq!(range([f64::NAN]), None);
        assert_eq!(count(&[1.0, f64::NAN, 2.0]), 2);
    }
}
