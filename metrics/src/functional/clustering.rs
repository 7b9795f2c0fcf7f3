//! Functional clustering: are units that code the same thing close together in space?

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

/// The functional clustering of one network at one window (see [`functional_clustering`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionalClustering {
    /// The window (0-based) whose explained variances label the units.
    pub window: usize,
    /// Units labelled "goal" (`EV_goal − EV_choice > 0`) and "choice" (the others).
    pub goal_units: usize,
    pub choice_units: usize,
    /// Mean over within-group pairs of `D_ij · |p_i − p_j|`; `None` without such a pair.
    pub statistic: Option<f64>,
    /// Mean of the statistic over the permutations.
    pub null_mean: Option<f64>,
    /// `(1 + #{null ≤ statistic}) / (1 + permutations)`: small when the groups are spatially
    /// clustered.
    pub p_value: Option<f64>,
    pub permutations: usize,
}

/// Functional clustering of units with preferences `preference[u] = EV_goal[u] − EV_choice[u]`
/// (EVs are η² ≥ 0, so `|EV|` is `EV`) placed at pairwise distances `distance` (`n × n`).
///
/// Units with `p_u > 0` form the "goal" group, the others the "choice" group (spec). The
/// statistic is the mean over unordered pairs `i < j` in the same group, both groups pooled,
///
/// ```text
/// S = mean_{(i, j) within a group} D_ij · |p_i − p_j|
/// ```
///
/// (our reading of "distance × |EV difference|": the difference of the two units'
/// preferences). Null, our reading of "random unit sets of the same sizes": each permutation
/// draws a uniformly random permutation π of the units (Fisher–Yates on a Xoshiro256++ stream
/// seeded with `seed`) and places the groups at the positions of the random unit sets
/// `π(goal)`, `π(choice)`: `S_π = mean D_{π(i)π(j)} · |p_i − p_j|`. Keeping the groups and their
/// preferences and moving only where they sit is what makes the test exact: without spatial
/// structure `S` and every `S_π` are exchangeable and the p-value is uniform. (Drawing random
/// units together with their own preferences would not be: the groups are defined by `p`, so
/// within-group `|p_i − p_j|` is small by construction whatever the space.) Low `S` = units of
/// a group that sit close have similar preferences; `p = (1 + #{S_π ≤ S}) / (1 + K)`.
pub fn functional_clustering(
    preference: &[f64],
    distance: &[f64],
    window: usize,
    permutations: usize,
    seed: u64,
) -> FunctionalClustering {
    let n = preference.len();
    let goal = |u: usize| preference[u] > 0.0;
    let goal_units = (0..n).filter(|&u| goal(u)).count();
    // Within-group pairs and their preference differences.
    let pairs: Vec<(usize, usize, f64)> = (0..n)
        .flat_map(|i| ((i + 1)..n).map(move |j| (i, j)))
        .filter(|&(i, j)| goal(i) == goal(j))
        .map(|(i, j)| (i, j, (preference[i] - preference[j]).abs()))
        .collect();
    let mut result = FunctionalClustering {
        window,
        goal_units,
        choice_units: n - goal_units,
        statistic: None,
        null_mean: None,
        p_value: None,
        permutations,
    };
    if pairs.is_empty() {
        return result;
    }
    let stat_of = |pi: &[usize]| -> f64 {
        pairs
            .iter()
            .map(|&(i, j, w)| distance[pi[i] * n + pi[j]] * w)
            .sum::<f64>()
            / pairs.len() as f64
    };
    let mut pi: Vec<usize> = (0..n).collect();
    let observed = stat_of(&pi);
    result.statistic = Some(observed);
    if permutations == 0 {
        return result;
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let (mut below, mut sum) = (0usize, 0.0);
    for _ in 0..permutations {
        for i in (1..n).rev() {
            let j = rng.random_range(0..=i);
            pi.swap(i, j);
        }
        let s = stat_of(&pi);
        sum += s;
        below += usize::from(s <= observed);
    }
    result.null_mean = Some(sum / permutations as f64);
    result.p_value = Some((1 + below) as f64 / (1 + permutations) as f64);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Units on a line at 0, 1, …, n − 1.
    fn line_distance(n: usize) -> Vec<f64> {
        (0..n * n)
            .map(|ij| (ij / n).abs_diff(ij % n) as f64)
            .collect()
    }

    #[test]
    fn planted_spatial_clustering_has_a_small_p_value() {
        let n = 40;
        // Goal units on the left half, choice units on the right, preferences varying smoothly
        // with position.
        let p: Vec<f64> = (0..n)
            .map(|u| {
                if u < n / 2 {
                    0.2 + 0.01 * u as f64
                } else {
                    -0.2 - 0.01 * u as f64
                }
            })
            .collect();
        let c = functional_clustering(&p, &line_distance(n), 8, 999, 1);
        assert_eq!((c.goal_units, c.choice_units), (20, 20));
        assert!(c.statistic.unwrap() < c.null_mean.unwrap());
        assert!(c.p_value.unwrap() <= 0.002, "{c:?}");
        // Seeded: the same result again, a different seed a different null.
        assert_eq!(c, functional_clustering(&p, &line_distance(n), 8, 999, 1));
        assert_ne!(
            c.null_mean,
            functional_clustering(&p, &line_distance(n), 8, 999, 2).null_mean
        );
    }

    #[test]
    fn random_labels_give_uniform_p_values() {
        let n = 30;
        let d = line_distance(n);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        let ps: Vec<f64> = (0..400)
            .map(|k| {
                let p: Vec<f64> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
                functional_clustering(&p, &d, 0, 99, k).p_value.unwrap()
            })
            .collect();
        let mean = ps.iter().sum::<f64>() / ps.len() as f64;
        let below = |a: f64| ps.iter().filter(|&&p| p <= a).count() as f64 / ps.len() as f64;
        // Uniform: mean 0.5 (sd 0.014), P(p ≤ 0.1) = 0.1 (sd 0.015), P(p ≤ 0.5) = 0.5 (sd 0.025).
        assert!((mean - 0.5).abs() < 0.06, "mean {mean}");
        assert!((below(0.1) - 0.1).abs() < 0.06, "{}", below(0.1));
        assert!((below(0.5) - 0.5).abs() < 0.1, "{}", below(0.5));
    }

    #[test]
    fn no_pairs_no_statistic() {
        let c = functional_clustering(&[1.0, -1.0], &line_distance(2), 0, 10, 0);
        assert_eq!(c.statistic, None);
        assert_eq!(c.p_value, None);
        let c = functional_clustering(&[], &[], 0, 10, 0);
        assert_eq!((c.goal_units, c.choice_units, c.statistic), (0, 0, None));
    }
}
