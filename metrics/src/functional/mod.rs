//! Functional measures of one network's hidden activity (spec `sernn.md`, "Functional
//! measures"). Start at [`functional_measures`].
//!
//! Activity is recorded on noise-free validation trials, `trials × steps × units` (f32, as the
//! network computed it); every sum here is in `f64`. The steps are cut into windows of
//! [`FunctionalOptions::window_steps`] (5) steps from step 0: the paper's 50 steps give ten
//! windows, window `k` = 0-based steps `5k..5k+5`.
//!
//! The spec's windows are 1-based, as the authors' MATLAB scripts: "steps 41–45" is 0-based
//! steps 40–44 = window 8, in the middle of the choice phase (0-based steps 30–49), and "steps
//! 26–30" is 0-based 25–29 = window 5, the second half of the delay (20–29). Read 0-based, both
//! would straddle two windows; read 1-based, each is exactly one of the ten windows.
//! [`FunctionalOptions::for_phases`] places them for any phase lengths.
//!
//! | measure | definition |
//! |---|---|
//! | explained variance | η² = SS_between / SS_total of the window-mean activity per unit and window, grouped by goal (4), offered pair (5 distinct pairs) and answer (4) ([`explained_variance::eta_squared`]) |
//! | mixed selectivity | Pearson correlation across units of EV(goal) and EV(answer), at the choice window and at the delay window |
//! | functional clustering | [`clustering::functional_clustering`] of `EV(goal) − EV(offered pair)` at the clustering window (the choice window) |
//! | energy | mean hidden activation over trials, steps and units (our definition) |

pub mod clustering;
pub mod explained_variance;

use serde::{Deserialize, Serialize};

pub use clustering::{functional_clustering, FunctionalClustering};
pub use explained_variance::{eta_squared, pearson, window_means};

use crate::error::{check_square, MetricsError};

/// Hidden activity of one network: `data[(t * steps + s) * units + u]`.
#[derive(Debug, Clone, Copy)]
pub struct Activity<'a> {
    pub data: &'a [f32],
    pub trials: usize,
    pub steps: usize,
    pub units: usize,
}

/// The task variables of each trial, as class indices (`0..classes`).
#[derive(Debug, Clone, Copy)]
pub struct TrialLabels<'a> {
    /// Goal location, 0–3.
    pub goal: &'a [u8],
    /// Which offered pair of directions (any numbering of the distinct pairs).
    pub offered: &'a [u8],
    /// The correct answer, 0–3.
    pub answer: &'a [u8],
}

/// Options of [`functional_measures`]; the defaults are the paper's 50-step layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionalOptions {
    /// Steps per window (5).
    pub window_steps: usize,
    /// 0-based window of the choice-phase mixed selectivity (8: 1-based steps 41–45).
    pub choice_window: usize,
    /// 0-based window of the delay mixed selectivity (5: 1-based steps 26–30).
    pub delay_window: usize,
    /// Permutations of the functional-clustering null (1 000).
    pub permutations: usize,
    /// Seed of the permutations' Xoshiro256++ stream.
    pub seed: u64,
}

impl Default for FunctionalOptions {
    fn default() -> Self {
        Self::for_phases(20, 10, 20, 1000, 0)
    }
}

impl FunctionalOptions {
    /// Windows of 5 steps placed for a trial of `goal`, `delay` and `choice` steps: the choice
    /// window holds 0-based step `goal + delay + choice / 2` (40 for 20/10/20) and the delay
    /// window holds the last delay step `goal + delay − 1` (29). Short tasks may share one.
    pub fn for_phases(
        goal: usize,
        delay: usize,
        choice: usize,
        permutations: usize,
        seed: u64,
    ) -> Self {
        let window_steps = 5;
        let last = (goal + delay + choice).saturating_sub(1);
        Self {
            window_steps,
            choice_window: (goal + delay + choice / 2).min(last) / window_steps,
            delay_window: (goal + delay).saturating_sub(1).min(last) / window_steps,
            permutations,
            seed,
        }
    }
}

/// The functional measures of one network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionalMeasures {
    pub trials: usize,
    pub steps: usize,
    pub units: usize,
    /// Steps per window; there are `ceil(steps / window_steps)` windows.
    pub window_steps: usize,
    /// η² per window and unit (`ev_goal[w][u]`), grouped by goal.
    pub ev_goal: Vec<Vec<f64>>,
    /// η² per window and unit, grouped by offered pair.
    pub ev_offered: Vec<Vec<f64>>,
    /// η² per window and unit, grouped by correct answer.
    pub ev_answer: Vec<Vec<f64>>,
    /// 0-based choice and delay windows.
    pub choice_window: usize,
    pub delay_window: usize,
    /// corr_units(EV goal, EV answer) at the choice window; `None` when undefined (no variance).
    pub mixed_selectivity_choice: Option<f64>,
    /// The same at the delay window.
    pub mixed_selectivity_delay: Option<f64>,
    /// Goal vs choice units at the choice window, with its permutation p-value.
    pub clustering: FunctionalClustering,
    /// Mean hidden activation over trials, steps and units.
    pub energy: f64,
}

impl FunctionalMeasures {
    /// Mean over units of η² at window `w` (`ev` one of the `ev_*` fields).
    pub fn mean_ev(ev: &[Vec<f64>], w: usize) -> f64 {
        ev.get(w)
            .filter(|v| !v.is_empty())
            .map_or(0.0, |v| v.iter().sum::<f64>() / v.len() as f64)
    }
}

/// Every functional measure of `activity` on trials labelled `labels`, units at pairwise
/// distances `distance` (`units × units`). Sequential and deterministic given `opts.seed`.
pub fn functional_measures(
    activity: &Activity<'_>,
    labels: &TrialLabels<'_>,
    distance: &[f64],
    opts: &FunctionalOptions,
) -> Result<FunctionalMeasures, MetricsError> {
    const OP: &str = "functional_measures";
    let (trials, steps, units) = (activity.trials, activity.steps, activity.units);
    let expected = trials * steps * units;
    if activity.data.len() != expected {
        return Err(MetricsError::LengthMismatch {
            op: OP,
            what: "activity",
            len: activity.data.len(),
            expected,
        });
    }
    if trials < 2 || steps == 0 || units == 0 {
        return Err(MetricsError::Empty {
            op: OP,
            what: "activity (trials, steps, units)",
            len: trials.min(steps).min(units),
            min: 2,
        });
    }
    if let Some(index) = activity.data.iter().position(|x| !x.is_finite()) {
        return Err(MetricsError::NonFinite {
            op: OP,
            what: "activity",
            index,
            value: f64::from(activity.data[index]),
        });
    }
    for (what, l) in [
        ("labels.goal", labels.goal),
        ("labels.offered", labels.offered),
        ("labels.answer", labels.answer),
    ] {
        if l.len() != trials {
            return Err(MetricsError::LengthMismatch {
                op: OP,
                what,
                len: l.len(),
                expected: trials,
            });
        }
    }
    check_square(OP, "distance", distance, units)?;
    if opts.window_steps == 0 {
        return Err(MetricsError::OutOfRange {
            op: OP,
            name: "window_steps",
            value: 0.0,
            expected: "≥ 1",
        });
    }
    let windows = steps.div_ceil(opts.window_steps);
    for (name, w) in [
        ("choice_window", opts.choice_window),
        ("delay_window", opts.delay_window),
    ] {
        if w >= windows {
            return Err(MetricsError::OutOfRange {
                op: OP,
                name,
                value: w as f64,
                expected: "0..windows (steps / window_steps, rounded up)",
            });
        }
    }

    let classes = |l: &[u8]| l.iter().map(|&g| g as usize + 1).max().unwrap_or(1);
    let groups = classes(labels.goal)
        .max(classes(labels.offered))
        .max(classes(labels.answer));
    let (mut group_sum, mut group_count) = (vec![0.0; groups], vec![0usize; groups]);
    let mut means = vec![0.0; trials * units];
    let (mut ev_goal, mut ev_offered, mut ev_answer) = (
        Vec::with_capacity(windows),
        Vec::with_capacity(windows),
        Vec::with_capacity(windows),
    );
    for w in 0..windows {
        window_means(activity, w, opts.window_steps, &mut means);
        let mut ev = |l: &[u8]| -> Vec<f64> {
            (0..units)
                .map(|u| eta_squared(&means, units, u, l, &mut group_sum, &mut group_count))
                .collect()
        };
        ev_goal.push(ev(labels.goal));
        ev_offered.push(ev(labels.offered));
        ev_answer.push(ev(labels.answer));
    }
    let (cw, dw) = (opts.choice_window, opts.delay_window);
    let preference: Vec<f64> = ev_goal[cw]
        .iter()
        .zip(&ev_offered[cw])
        .map(|(g, c)| g.abs() - c.abs())
        .collect();
    let clustering = functional_clustering(&preference, distance, cw, opts.permutations, opts.seed);
    let energy = activity.data.iter().map(|&x| f64::from(x)).sum::<f64>() / expected as f64;
    Ok(FunctionalMeasures {
        trials,
        steps,
        units,
        window_steps: opts.window_steps,
        mixed_selectivity_choice: pearson(&ev_goal[cw], &ev_answer[cw]),
        mixed_selectivity_delay: pearson(&ev_goal[dw], &ev_answer[dw]),
        ev_goal,
        ev_offered,
        ev_answer,
        choice_window: cw,
        delay_window: dw,
        clustering,
        energy,
    })
}

#[cfg(test)]
mod tests;
