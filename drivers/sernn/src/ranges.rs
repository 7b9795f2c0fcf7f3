//! `sernn ranges DIR`: where each set of a run stops being dense and where it collapses, and a
//! γ range for a study whose networks span dense → sparse-but-accurate → collapsed.
//!
//! The comparison of seRNNs with L1 networks needs each set to cross that whole regime, and
//! where a regulariser collapses depends on the task, the network size and the space — change
//! any of them and the ranges of `configs/sernn-comparison.toml` no longer fit. Run a coarse
//! probe over decades (`configs/sernn-probe.toml`: 48 networks per set over
//! γ = geomspace(1e-4, 3, 48), a few minutes on 2 cores), then `sernn ranges runs/sernn-probe`.
//!
//! Per set, in order of γ, each network is smoothed over its neighbours (a window of
//! `2h + 1` networks, `h = max(1, n / 24)`): the share of them that are accurate and their
//! median density (fraction of |w| > 1e-3).
//! - **collapse**: the first γ from which every window is mostly (> 50%) inaccurate to the end
//!   of the range (none when the strongest window is still mostly accurate);
//! - **dense until**: the last γ before which every window keeps ≥ 90% of the weakest window's
//!   density;
//! - **sparsest accurate**: the lowest density of an accurate network below the collapse;
//! - **suggested**: from half the dense-until γ to 1.25 × the collapse γ — a little of the
//!   dense regime, most of the range sparse but accurate, the last part collapsed —
//!   geometrically spaced when it spans more than a decade.

use std::fmt::Write as _;

use crate::table::Row;

/// Share of a window's networks that must be accurate for it to count as accurate.
pub const MOSTLY: f64 = 0.5;
/// A window is dense while its median density is at least this share of the weakest window's.
pub const DENSE: f64 = 0.9;
/// Networks a set needs before anything is located.
pub const MIN_NETWORKS: usize = 8;

/// Where one set stops being dense and collapses.
#[derive(Clone, Debug, PartialEq)]
pub struct SetRange {
    pub set: String,
    pub regulariser: String,
    pub networks: usize,
    /// Smallest and largest γ of the set.
    pub gamma: (f64, f64),
    /// `None` when the set has fewer than [`MIN_NETWORKS`] networks.
    pub located: Option<Located>,
}

/// What [`locate`] found in a set with enough networks.
#[derive(Clone, Debug, PartialEq)]
pub struct Located {
    pub dense_until: f64,
    /// (γ, density) of the sparsest accurate network below the collapse, if any is accurate.
    pub sparsest_accurate: Option<(f64, f64)>,
    /// `None` when the strongest networks are still mostly accurate.
    pub collapse: Option<f64>,
    /// True when even the weakest window is mostly inaccurate.
    pub collapsed_from_start: bool,
    /// (start, stop, geometric).
    pub suggested: Option<(f64, f64, bool)>,
}

/// [`SetRange`] of every set in `rows`, in order of first appearance.
pub fn locate(rows: &[Row]) -> Vec<SetRange> {
    let mut sets: Vec<&str> = Vec::new();
    for r in rows {
        if !sets.contains(&r.set.as_str()) {
            sets.push(&r.set);
        }
    }
    sets.into_iter().map(|s| locate_set(rows, s)).collect()
}

fn locate_set(rows: &[Row], set: &str) -> SetRange {
    let mut v: Vec<&Row> = rows.iter().filter(|r| r.set == set).collect();
    v.sort_by(|a, b| a.gamma.total_cmp(&b.gamma).then(a.id.cmp(&b.id)));
    let n = v.len();
    let gamma = (v[0].gamma, v[n - 1].gamma);
    let mut out = SetRange {
        set: set.into(),
        regulariser: v[0].regulariser.clone(),
        networks: n,
        gamma,
        located: None,
    };
    if n < MIN_NETWORKS {
        return out;
    }
    let h = (n / 24).max(1);
    let window = |k: usize| &v[k.saturating_sub(h)..(k + h + 1).min(n)];
    let share: Vec<f64> = (0..n)
        .map(|k| {
            let w = window(k);
            w.iter().filter(|r| r.accurate).count() as f64 / w.len() as f64
        })
        .collect();
    let density: Vec<f64> = (0..n)
        .map(|k| wiring_metrics::stats::median(window(k).iter().map(|r| r.fraction_above_1e_3)))
        .collect();
    let collapse_at = (0..n).rev().take_while(|&k| share[k] < MOSTLY).last();
    let end = collapse_at.unwrap_or(n);
    let dense_end = (0..end.max(1))
        .take_while(|&k| density[k] >= DENSE * density[0])
        .last()
        .unwrap_or(0);
    let sparsest_accurate = v[..end]
        .iter()
        .filter(|r| r.accurate)
        .min_by(|a, b| a.fraction_above_1e_3.total_cmp(&b.fraction_above_1e_3))
        .map(|r| (r.gamma, r.fraction_above_1e_3));
    let dense_until = v[dense_end].gamma;
    let collapse = collapse_at.map(|k| v[k].gamma);
    let collapsed_from_start = collapse_at == Some(0);
    let suggested = collapse.filter(|_| !collapsed_from_start).map(|c| {
        let start = if dense_until > 0.0 {
            0.5 * dense_until
        } else {
            gamma.0
        };
        let stop = 1.25 * c;
        (start, stop, start > 0.0 && stop / start > 10.0)
    });
    out.located = Some(Located {
        dense_until,
        sparsest_accurate,
        collapse,
        collapsed_from_start,
        suggested,
    });
    out
}

/// A few lines per set for the terminal, with a TOML line to paste where one is suggested.
pub fn describe(ranges: &[SetRange]) -> String {
    let mut s = String::new();
    for r in ranges {
        let _ = writeln!(
            s,
            "set {} ({}): {} networks, γ {}–{}",
            r.set, r.regulariser, r.networks, r.gamma.0, r.gamma.1
        );
        let Some(l) = &r.located else {
            let _ = writeln!(
                s,
                "  too few networks to locate anything (need {MIN_NETWORKS}); probe with configs/sernn-probe.toml"
            );
            continue;
        };
        if l.collapsed_from_start {
            let _ = writeln!(
                s,
                "  mostly inaccurate from the weakest γ on: start the probe lower (or check the recipe)"
            );
            continue;
        }
        let _ = writeln!(
            s,
            "  dense (≥ {:.0}% of the weakest networks' density) up to γ ≈ {}",
            100.0 * DENSE,
            sig(l.dense_until)
        );
        match l.sparsest_accurate {
            Some((g, d)) => {
                let _ = writeln!(
                    s,
                    "  sparsest accurate network: {:.1}% of |w| > 1e-3 at γ = {}",
                    100.0 * d,
                    sig(g)
                );
            }
            None => {
                let _ = writeln!(s, "  no accurate network below the collapse");
            }
        }
        match (l.collapse, l.suggested) {
            (Some(c), Some((start, stop, geometric))) => {
                let _ = writeln!(
                    s,
                    "  collapse (mostly inaccurate from here on) at γ ≈ {}\n  suggested: gamma = {{ start = {}, stop = {}, count = 1001{} }}",
                    sig(c),
                    sig(start),
                    sig(stop),
                    if geometric { ", spacing = \"geometric\"" } else { "" }
                );
            }
            _ => {
                let _ = writeln!(
                    s,
                    "  no collapse up to γ = {}: extend the probe to stronger γ",
                    r.gamma.1
                );
            }
        }
    }
    s
}

/// `x` to four significant digits, without an exponent.
fn sig(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return x.to_string();
    }
    let decimals = 3 - x.abs().log10().floor() as i32;
    format!("{:.*}", decimals.max(0) as usize, x)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(set: &str, id: u64, gamma: f64, accurate: bool, density: f64) -> Row {
        Row {
            id,
            set: set.into(),
            index_in_set: id as usize,
            regulariser: set.into(),
            gamma,
            analysed_epoch: 9,
            val_accuracy: if accurate { 0.95 } else { 0.6 },
            val_loss: 0.0,
            val_cross_entropy: 0.0,
            final_val_accuracy: 0.0,
            final_val_loss: 0.0,
            test_accuracy: None,
            nonzero: 0,
            above_1e_7: 0,
            above_1e_3: 0,
            fraction_above_1e_3: density,
            mean_abs_w: 0.0,
            mean_abs_w_distance: 0.0,
            accurate,
            train_seconds: 0.0,
        }
    }

    /// 48 networks over geomspace(1e-4, 3, 48): dense (0.99) up to k = 20, thinning linearly
    /// to 0.6 at k = 35, collapsed from k = 36; every fourth network below the collapse fails
    /// to train (as some seeds do at every γ).
    fn probe(set: &str, collapse_at: usize) -> Vec<Row> {
        (0..48)
            .map(|k| {
                let gamma = 1e-4 * (3e4f64).powf(k as f64 / 47.0);
                let density = match k {
                    _ if k >= collapse_at => 0.01,
                    0..=20 => 0.99,
                    _ => 0.99 - 0.39 * (k - 20) as f64 / 15.0,
                };
                let accurate = k < collapse_at && k % 4 != 1;
                row(set, k as u64, gamma, accurate, density)
            })
            .collect()
    }

    #[test]
    fn the_collapse_and_the_end_of_the_dense_regime_are_located() {
        let rows = probe("se", 36);
        let r = &locate(&rows)[0];
        let l = r.located.as_ref().unwrap();
        let g = |k: usize| rows[k].gamma;
        // Windows of 5 (h = 2): the window of k = 34 holds 3 accurate networks of 5, every
        // window from k = 35 on at most 2.
        assert_eq!(l.collapse, Some(g(35)));
        // A monotone window's median is its centre: 0.99 − 0.026 (k − 20) ≥ 0.9 × 0.99 up to k = 23.
        assert_eq!(l.dense_until, g(23));
        assert_eq!(
            l.sparsest_accurate,
            Some((g(34), rows[34].fraction_above_1e_3))
        );
        let (start, stop, geometric) = l.suggested.unwrap();
        assert!((stop - 1.25 * g(35)).abs() < 1e-12 && start == 0.5 * l.dense_until);
        assert!(stop / start > 10.0 && geometric);
        assert!(describe(std::slice::from_ref(r)).contains("suggested: gamma = { start = "));
        assert_eq!(
            (sig(0.000123456), sig(0.52), sig(3.0), sig(1234.6)),
            (
                "0.0001235".into(),
                "0.5200".into(),
                "3.000".into(),
                "1235".into()
            )
        );
    }

    #[test]
    fn no_collapse_collapsed_from_the_start_and_too_few_are_said() {
        let never = locate(&probe("l1", 48));
        let l = never[0].located.as_ref().unwrap();
        assert_eq!((l.collapse, l.suggested), (None, None));
        assert!(describe(&never).contains("no collapse up to"));
        let dead = locate(&probe("l1", 0));
        assert!(dead[0].located.as_ref().unwrap().collapsed_from_start);
        assert!(describe(&dead).contains("start the probe lower"));
        let few: Vec<Row> = probe("se", 36).into_iter().take(5).collect();
        let r = locate(&few);
        assert_eq!((r[0].networks, r[0].located.is_none()), (5, true));
        assert!(describe(&r).contains("too few networks"));
    }
}
