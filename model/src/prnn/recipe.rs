//! The deep Q-learning recipe of the pRNN study and how networks are evaluated (spec
//! `prnn.md`, "Training" and "Evaluation and measures"). Defaults are the paper's.

use serde::{Deserialize, Serialize};

use crate::ModelError;

/// How one pRNN is trained: deep Q-learning, one episode per update.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QRecipe {
    /// Training episodes `N`, one fresh maze each (paper: 400 000 for general mazes, 200 000
    /// for track and H mazes).
    pub episodes: usize,
    /// Adam (PyTorch form) learning rate.
    pub learning_rate: f64,
    /// Adam β₁.
    pub beta1: f64,
    /// Adam β₂.
    pub beta2: f64,
    /// Adam ε (added to the bias-corrected `√v̂`, as PyTorch).
    pub adam_epsilon: f64,
    /// Discount γ of the Q-learning target.
    pub discount: f64,
    /// Global gradient-norm clip (PyTorch `clip_grad_norm_`), applied per update.
    pub clip_norm: f64,
    /// ε-greedy schedule: `linspace(exploration_start, exploration_stop, exploration_levels)`,
    /// each value held for `episodes / exploration_levels` consecutive episodes.
    pub exploration_start: f64,
    pub exploration_stop: f64,
    pub exploration_levels: usize,
    /// Standard deviation σ_s of the sensor noise in training (and in the training curve).
    pub sensor_noise: f64,
    /// The constant subtracted from every Q-learning target.
    pub target_offset: f64,
    /// Scale of the reward `reward_scale · (progress(position) − progress(start))`.
    pub reward_scale: f64,
    /// The output jitter `u_t ~ U(0, 1) · jitter` added before the softmax of every forward.
    pub jitter: f64,
    /// Points of the training curve: checkpoint `k` is evaluated before episode
    /// `⌊k·N / curve_points⌋` is trained (so episode 0, before any update, is the first).
    pub curve_points: usize,
    /// Reference quirk: the greedy action is chosen from a separate forward with its own
    /// jitter draw (`true`, default) rather than from the recorded forward (`false`, cheaper).
    pub separate_greedy_forward: bool,
    /// Training mazes are generated in batches of this many (track: even; H: divisible by 4),
    /// and each batch is trained in a shuffled order, so the balanced halves / quarters of a
    /// track or H batch are interleaved (our definition; the reference leaves it open).
    pub maze_batch: usize,
    /// Fresh test mazes per network, for the training curve and every evaluation.
    pub test_mazes: usize,
}

impl Default for QRecipe {
    fn default() -> Self {
        Self {
            episodes: 400_000,
            learning_rate: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            adam_epsilon: 1e-8,
            discount: 0.9,
            clip_norm: 10.0,
            exploration_start: 0.95,
            exploration_stop: 0.25,
            exploration_levels: 10,
            sensor_noise: 0.05,
            target_offset: 0.1,
            reward_scale: 2.0,
            jitter: 1e-3,
            curve_points: 100,
            separate_greedy_forward: true,
            maze_batch: 1000,
            test_mazes: 1000,
        }
    }
}

impl QRecipe {
    /// The paper's recipe for `episodes` training episodes.
    pub fn with_episodes(episodes: usize) -> Self {
        Self {
            episodes,
            ..Self::default()
        }
    }

    /// Checks every field, naming the first impossible one.
    pub fn validate(&self) -> Result<(), ModelError> {
        let bad = |field, expected, got: String| {
            Err(ModelError::InvalidField {
                field,
                expected,
                got,
            })
        };
        let finite_pos = |v: f64| v > 0.0 && v.is_finite();
        let finite_nonneg = |v: f64| v >= 0.0 && v.is_finite();
        if self.episodes == 0 {
            return bad("episodes", "a positive number of episodes", "0".into());
        }
        for (field, v) in [
            ("learning_rate", self.learning_rate),
            ("adam_epsilon", self.adam_epsilon),
            ("clip_norm", self.clip_norm),
        ] {
            if !finite_pos(v) {
                return bad(field, "a finite number > 0", v.to_string());
            }
        }
        for (field, v) in [
            ("beta1", self.beta1),
            ("beta2", self.beta2),
            ("discount", self.discount),
        ] {
            if !(0.0..1.0).contains(&v) {
                return bad(field, "a number in [0, 1)", v.to_string());
            }
        }
        for (field, v) in [
            ("exploration_start", self.exploration_start),
            ("exploration_stop", self.exploration_stop),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return bad(field, "a probability in [0, 1]", v.to_string());
            }
        }
        if self.exploration_levels == 0 {
            return bad("exploration_levels", "at least one level", "0".into());
        }
        for (field, v) in [
            ("sensor_noise", self.sensor_noise),
            ("jitter", self.jitter),
            ("reward_scale", self.reward_scale),
        ] {
            if !finite_nonneg(v) {
                return bad(field, "a finite number ≥ 0", v.to_string());
            }
        }
        if !self.target_offset.is_finite() {
            return bad(
                "target_offset",
                "a finite number",
                self.target_offset.to_string(),
            );
        }
        if self.curve_points == 0 {
            return bad("curve_points", "at least one point", "0".into());
        }
        if self.maze_batch == 0 {
            return bad("maze_batch", "a positive number of mazes", "0".into());
        }
        if self.test_mazes == 0 {
            return bad("test_mazes", "a positive number of mazes", "0".into());
        }
        Ok(())
    }

    /// ε of episode `a`: level `⌊a · levels / N⌋` of the linspace (so each level is held for
    /// `N / levels` episodes when `levels` divides `N`).
    pub fn exploration(&self, episode: usize) -> f64 {
        let levels = self.exploration_levels;
        let level = (episode * levels / self.episodes).min(levels - 1);
        linspace_at(self.exploration_start, self.exploration_stop, levels, level)
    }

    /// The episode before which checkpoint `k` of the training curve is evaluated.
    pub fn checkpoint_episode(&self, k: usize) -> usize {
        k * self.episodes / self.curve_points
    }
}

/// Element `i` of `linspace(start, stop, count)` (NumPy's formula: `start + i·step`, the last
/// element exactly `stop`).
pub fn linspace_at(start: f64, stop: f64, count: usize, i: usize) -> f64 {
    if count <= 1 {
        return start;
    }
    if i + 1 == count {
        return stop;
    }
    let step = (stop - start) / (count - 1) as f64;
    start + i as f64 * step
}

/// `linspace(start, stop, count)`.
pub fn linspace(start: f64, stop: f64, count: usize) -> Vec<f64> {
    (0..count)
        .map(|i| linspace_at(start, stop, count, i))
        .collect()
}

/// What is measured after training (spec "Evaluation and measures").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EvaluationRecipe {
    /// Sensor noise levels of the noise sweep: `linspace(0, 0.5, 21)`.
    pub noise_levels: Vec<f64>,
    /// The headline noise level (its fitness is the network's fitness; sensitivity and memory
    /// are measured there): 0.05.
    pub headline_noise: f64,
    /// Also measure robustness to cue and wall sparsity, `linspace(0, 1, 21)` each, on fresh
    /// test sets at the headline noise (general mazes only).
    pub sparsity_robustness: bool,
    /// Sparsity levels of those sweeps.
    pub sparsity_levels: Vec<f64>,
}

impl Default for EvaluationRecipe {
    fn default() -> Self {
        Self {
            noise_levels: linspace(0.0, 0.5, 21),
            headline_noise: 0.05,
            sparsity_robustness: false,
            sparsity_levels: linspace(0.0, 1.0, 21),
        }
    }
}

impl EvaluationRecipe {
    /// Checks every field, naming the first impossible one.
    pub fn validate(&self) -> Result<(), ModelError> {
        let bad = |field, expected, got: String| {
            Err(ModelError::InvalidField {
                field,
                expected,
                got,
            })
        };
        if self.noise_levels.is_empty() {
            return bad("noise_levels", "at least one level", "[]".into());
        }
        for &v in &self.noise_levels {
            if !(v >= 0.0 && v.is_finite()) {
                return bad("noise_levels", "finite levels ≥ 0", v.to_string());
            }
        }
        if !self.noise_levels.windows(2).all(|w| w[0] < w[1]) {
            return bad(
                "noise_levels",
                "strictly increasing levels",
                format!("{:?}", self.noise_levels),
            );
        }
        if !(self.headline_noise >= 0.0 && self.headline_noise.is_finite()) {
            return bad(
                "headline_noise",
                "a finite number ≥ 0",
                self.headline_noise.to_string(),
            );
        }
        if self.sparsity_robustness {
            if self.sparsity_levels.is_empty() {
                return bad("sparsity_levels", "at least one level", "[]".into());
            }
            for &v in &self.sparsity_levels {
                if !(0.0..=1.0).contains(&v) {
                    return bad("sparsity_levels", "probabilities in [0, 1]", v.to_string());
                }
            }
            if !self.sparsity_levels.windows(2).all(|w| w[0] < w[1]) {
                return bad(
                    "sparsity_levels",
                    "strictly increasing levels",
                    format!("{:?}", self.sparsity_levels),
                );
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exploration_schedule_holds_each_level_for_a_tenth() {
        let r = QRecipe::with_episodes(400_000);
        assert_eq!(r.exploration(0), 0.95);
        assert_eq!(r.exploration(39_999), 0.95);
        assert!((r.exploration(40_000) - (0.95 - 0.7 / 9.0)).abs() < 1e-15);
        assert_eq!(r.exploration(399_999), 0.25);
        assert_eq!(r.checkpoint_episode(0), 0);
        assert_eq!(r.checkpoint_episode(1), 4000);
        assert_eq!(r.checkpoint_episode(99), 396_000);
        // Fewer episodes than levels or points still gives a valid schedule.
        let tiny = QRecipe::with_episodes(3);
        assert_eq!(tiny.exploration(2), tiny.exploration(2).clamp(0.25, 0.95));
        assert_eq!(tiny.checkpoint_episode(99), 2);
    }

    #[test]
    fn linspace_matches_numpy() {
        let v = linspace(0.0, 0.5, 21);
        assert_eq!(v.len(), 21);
        assert_eq!(v[0], 0.0);
        assert_eq!(v[2], 0.05);
        assert_eq!(v[20], 0.5);
        assert_eq!(linspace(0.95, 0.25, 10)[9], 0.25);
    }

    #[test]
    fn bad_recipes_name_their_field() {
        let cases: [(&str, QRecipe); 4] = [
            ("episodes", QRecipe::with_episodes(0)),
            (
                "discount",
                QRecipe {
                    discount: 1.0,
                    ..QRecipe::default()
                },
            ),
            (
                "exploration_start",
                QRecipe {
                    exploration_start: 1.5,
                    ..QRecipe::default()
                },
            ),
            (
                "sensor_noise",
                QRecipe {
                    sensor_noise: -0.1,
                    ..QRecipe::default()
                },
            ),
        ];
        for (field, recipe) in cases {
            match recipe.validate() {
                Err(ModelError::InvalidField { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: {other:?}"),
            }
        }
    }
}
