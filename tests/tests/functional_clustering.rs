//! Functional clustering through the whole seRNN pipeline, on constructed networks: weights
//! built by hand (`wiring_model::sernn::Snapshot`), activity recorded on the goal-choice task
//! (`record_activity`), explained variances, preferences and the permutation test
//! (`wiring_metrics::functional`), units on the paper's 5 × 5 × 4 grid.
//!
//! The test's direction, from its definition: goal units closer together in space than random
//! unit sets of the same sizes ⇒ a small statistic ⇒ a small p-value, the share of null sets at
//! or below it. So a network whose goal units fill one end of the grid must get a small p, and
//! one whose goal units are interleaved with the choice units (a 3-D checkerboard: every
//! nearest neighbour of a goal unit is a choice unit) must not.
//!
//! The networks: a goal unit holds the goal it saw (self-connection 1, goal inputs `(1 + g)/4`)
//! and integrates a fraction `α_u` of the offered directions; a choice unit follows the offered
//! directions and nothing else. `α_u` varies from unit to unit without a spatial pattern, so
//! preferences `EV(goal) − EV(offered)` vary within the goal group and the statistic
//! `D_ij · |p_i − p_j|` has something to weigh.
//!
//! What the statistic also does (seen while building these): had `α_u` varied smoothly over
//! the grid, the goal group's preference differences would grow with distance, and that raises
//! the statistic as much as the group's compactness lowers it — with `α` a gradient in `y + z`
//! the gathered group above gets p = 0.107. The spec's statistic weighs within-group spread of
//! preference by distance, so a smooth preference gradient inside a cluster reads as less
//! clustered.

use wiring_kernels::rnn::RnnVariant;
use wiring_metrics::functional::{functional_measures, Activity, FunctionalOptions, TrialLabels};
use wiring_model::sernn::activity::record_activity;
use wiring_model::sernn::{Snapshot, Space};
use wiring_tasks::goal_choice::{GoalChoice, N_CLASSES, N_INPUTS};

const GRID: [usize; 3] = [5, 5, 4];

/// The p-value and the goal-group size of the functional clustering of a network whose goal
/// units are those for which `goal_unit(x, y, z)` holds.
fn clustering_p(goal_unit: impl Fn([usize; 3]) -> bool) -> (f64, usize) {
    let space = Space::grid(GRID);
    let n = space.len();
    let [_, b, c] = GRID;
    let position = |k: usize| [k / (b * c), (k / c) % b, k % c];
    // Spread over [0.05, 0.25) without a spatial pattern (golden-ratio steps over the units):
    // only the groups' places carry space, not a gradient of preferences.
    let alpha = |k: usize| 0.05 + 0.2 * (k as f32 * 0.618_034).fract();
    let mut w_in = vec![0.0f32; N_INPUTS * n];
    let mut w_rec = vec![0.0f32; n * n];
    for k in 0..n {
        let goal = goal_unit(position(k));
        for input in 0..N_INPUTS {
            let strength = (1 + input % 4) as f32 / 4.0;
            let is_goal_input = input < 4;
            w_in[input * n + k] = match (goal, is_goal_input) {
                (true, true) | (false, false) => strength,
                (true, false) => alpha(k) * strength,
                (false, true) => 0.0,
            };
        }
        if goal {
            w_rec[k * n + k] = 1.0;
        }
    }
    let snapshot = Snapshot {
        w_in,
        w_rec,
        b: vec![0.0; n],
        w_out: vec![0.0; n * N_CLASSES],
        b_out: vec![0.0; N_CLASSES],
    };
    let task = GoalChoice::default();
    let problems: Vec<u8> = (0..640).map(|i| (i % 8) as u8).collect();
    let activity = record_activity(RnnVariant::Reference, task, &snapshot, n, &problems).unwrap();
    let opts =
        FunctionalOptions::for_phases(task.goal_steps, task.delay_steps, task.choice_steps, 999, 7);
    let m = functional_measures(
        &Activity {
            data: &activity.hidden,
            trials: activity.trials,
            steps: activity.steps,
            units: activity.units,
        },
        &TrialLabels {
            goal: &activity.goal,
            offered: &activity.offered,
            answer: &activity.answer,
        },
        &space.distance(1.0),
        &opts,
    )
    .unwrap();
    let c = m.clustering;
    let statistic = c.statistic.unwrap();
    let null_mean = c.null_mean.unwrap();
    let p = c.p_value.unwrap();
    // The p-value counts the null at or below the statistic: it sits on the same side of 1/2
    // as the statistic sits of the null mean.
    assert_eq!(statistic < null_mean, p < 0.5, "{c:?}");
    (p, c.goal_units)
}

#[test]
fn goal_units_gathered_at_one_end_of_the_grid_are_clustered() {
    // x ∈ {0, 1}: 40 units, the two first slabs of the grid.
    let (p, goal_units) = clustering_p(|[x, _, _]| x < 2);
    assert_eq!(goal_units, 40);
    assert!(p <= 0.01, "p = {p}");
}

#[test]
fn goal_units_interleaved_with_choice_units_are_not_clustered() {
    // A 3-D checkerboard: 50 goal units, none next to another.
    let (p, goal_units) = clustering_p(|[x, y, z]| (x + y + z) % 2 == 0);
    assert_eq!(goal_units, 50);
    assert!(p > 0.5, "p = {p}");
}
