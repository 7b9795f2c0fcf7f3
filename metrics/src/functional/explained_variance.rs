//! Explained variance (η²) of each unit's window-mean activity by a task variable, and the
//! mixed-selectivity correlation built on it.

use super::Activity;

/// Window-mean activity of every trial for every unit in window `window` of `window_steps`
/// steps (the last window may be shorter): `out[t * units + u] = mean_{s ∈ window} a[t, s, u]`,
/// accumulated in `f64` in step order.
pub fn window_means(activity: &Activity<'_>, window: usize, window_steps: usize, out: &mut [f64]) {
    let (trials, steps, units) = (activity.trials, activity.steps, activity.units);
    let start = (window * window_steps).min(steps);
    let end = (start + window_steps).min(steps);
    let inv = 1.0 / (end - start).max(1) as f64;
    for t in 0..trials {
        let row = &mut out[t * units..(t + 1) * units];
        row.fill(0.0);
        for s in start..end {
            let a = &activity.data[(t * steps + s) * units..][..units];
            for (o, &x) in row.iter_mut().zip(a) {
                *o += f64::from(x);
            }
        }
        for o in row.iter_mut() {
            *o *= inv;
        }
    }
}

/// η² of unit `u` of the window means `m` (`trials × units`) grouped by `labels`:
///
/// ```text
/// m̄ = (1/T) Σ_t m_t,     m̄_g = mean of m_t over trials t with label g (n_g trials)
/// SS_total   = Σ_t (m_t − m̄)²
/// SS_between = Σ_g n_g (m̄_g − m̄)²
/// η² = SS_between / SS_total
/// ```
///
/// Our definition for a unit without variance (`SS_total ≤ T (10⁻¹² m̄)²`, i.e. constant up to
/// rounding, e.g. a silent unit): η² = 0, since it carries no information about any variable.
/// `group_sum` and `group_count` are scratch of at least `max(label) + 1` entries.
pub fn eta_squared(
    m: &[f64],
    units: usize,
    u: usize,
    labels: &[u8],
    group_sum: &mut [f64],
    group_count: &mut [usize],
) -> f64 {
    let trials = labels.len();
    group_sum.fill(0.0);
    group_count.fill(0);
    let mut total = 0.0;
    for (t, &g) in labels.iter().enumerate() {
        let x = m[t * units + u];
        total += x;
        group_sum[g as usize] += x;
        group_count[g as usize] += 1;
    }
    let grand = total / trials as f64;
    let ss_total: f64 = (0..trials)
        .map(|t| {
            let d = m[t * units + u] - grand;
            d * d
        })
        .sum();
    let floor = trials as f64 * (1e-12 * grand).powi(2);
    if ss_total <= floor || ss_total == 0.0 {
        return 0.0;
    }
    let ss_between: f64 = group_sum
        .iter()
        .zip(group_count.iter())
        .filter(|(_, &n)| n > 0)
        .map(|(&s, &n)| {
            let d = s / n as f64 - grand;
            n as f64 * d * d
        })
        .sum();
    (ss_between / ss_total).clamp(0.0, 1.0)
}

/// Pearson correlation of `x` and `y` (equal lengths), `None` when fewer than two points or
/// either has no variance.
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len().min(y.len());
    if n < 2 {
        return None;
    }
    let mx = x[..n].iter().sum::<f64>() / n as f64;
    let my = y[..n].iter().sum::<f64>() / n as f64;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (&a, &b) in x[..n].iter().zip(&y[..n]) {
        let (da, db) = (a - mx, b - my);
        sxy += da * db;
        sxx += da * da;
        syy += db * db;
    }
    (sxx > 0.0 && syy > 0.0).then(|| (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eta_squared_of_constructed_units() {
        // Unit 0 copies the label; unit 1 is constant; unit 2 alternates within each group.
        let labels: Vec<u8> = (0..40).map(|t| (t % 4) as u8).collect();
        let units = 3;
        let m: Vec<f64> = labels
            .iter()
            .enumerate()
            .flat_map(|(t, &g)| [g as f64, 0.5, if t % 8 < 4 { 1.0 } else { -1.0 }])
            .collect();
        let (mut s, mut c) = ([0.0; 4], [0usize; 4]);
        assert_eq!(eta_squared(&m, units, 0, &labels, &mut s, &mut c), 1.0);
        assert_eq!(eta_squared(&m, units, 1, &labels, &mut s, &mut c), 0.0);
        assert!(eta_squared(&m, units, 2, &labels, &mut s, &mut c) < 1e-12);
    }

    #[test]
    fn pearson_edges() {
        assert_eq!(pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]), Some(1.0));
        assert_eq!(pearson(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]), Some(-1.0));
        assert_eq!(pearson(&[1.0, 1.0], &[1.0, 2.0]), None);
        assert_eq!(pearson(&[1.0], &[1.0]), None);
    }
}
