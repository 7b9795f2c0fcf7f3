//! The one-choice inference ("goal-choice") task of the seRNN study.
//!
//! A trial has three phases: goal presentation (`goal_steps`, default 20), delay
//! (`delay_steps`, 10) and choice presentation (`choice_steps`, 20). Inputs 0–3 one-hot the goal
//! (one of four locations on a 2×2 grid) during the goal phase; inputs 4–7 mark the two offered
//! directions (left, up, right, down) during the choice phase; everything is zero in the delay.
//! The label is the correct direction, one of four classes in the order left, up, right, down.
//!
//! There are exactly eight problems ([`PROBLEMS`]); data sets are drawn uniformly with
//! replacement from them.

use rand::Rng;
use serde::{Deserialize, Serialize};

/// Number of input channels: 4 goal locations + 4 directions.
pub const N_INPUTS: usize = 8;
/// Number of answer classes (left, up, right, down).
pub const N_CLASSES: usize = 4;

/// A direction, in the order of the input channels 4–7 and of the answer classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Direction {
    Left = 0,
    Up = 1,
    Right = 2,
    Down = 3,
}

/// One of the eight problems: the goal location, the two offered directions and the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Problem {
    pub goal: u8,
    pub offered: [Direction; 2],
    pub answer: Direction,
}

use Direction::{Down, Left, Right, Up};

/// The eight problems of the task, exactly as the authors' demo (spec table, rows 0–7).
pub const PROBLEMS: [Problem; 8] = [
    Problem {
        goal: 1,
        offered: [Up, Left],
        answer: Up,
    },
    Problem {
        goal: 1,
        offered: [Right, Down],
        answer: Right,
    },
    Problem {
        goal: 3,
        offered: [Left, Down],
        answer: Down,
    },
    Problem {
        goal: 2,
        offered: [Right, Down],
        answer: Down,
    },
    Problem {
        goal: 2,
        offered: [Up, Left],
        answer: Left,
    },
    Problem {
        goal: 0,
        offered: [Up, Right],
        answer: Up,
    },
    Problem {
        goal: 3,
        offered: [Left, Right],
        answer: Right,
    },
    Problem {
        goal: 0,
        offered: [Left, Right],
        answer: Left,
    },
];

/// Phase lengths of a trial. Defaults are the paper's 20 / 10 / 20 steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GoalChoice {
    /// Steps of goal presentation (inputs 0–3 on).
    pub goal_steps: usize,
    /// Steps of delay (all inputs zero).
    pub delay_steps: usize,
    /// Steps of choice presentation (inputs 4–7 on).
    pub choice_steps: usize,
}

impl Default for GoalChoice {
    fn default() -> Self {
        Self {
            goal_steps: 20,
            delay_steps: 10,
            choice_steps: 20,
        }
    }
}

/// A set of trials: which problem each trial is, and its (possibly shuffled) label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrialSet {
    /// Index into [`PROBLEMS`] for each trial.
    pub problems: Vec<u8>,
    /// Target class of each trial: the problem's answer, or a shuffled one (label-shuffling control).
    pub labels: Vec<u8>,
}

impl TrialSet {
    pub fn len(&self) -> usize {
        self.problems.len()
    }
    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }
}

impl GoalChoice {
    /// Total steps of a trial.
    pub fn steps(&self) -> usize {
        self.goal_steps + self.delay_steps + self.choice_steps
    }

    /// Draws `n` trials uniformly with replacement from the eight problems.
    ///
    /// With `shuffle_labels` the labels are a random permutation of the true labels (the
    /// control whose labels carry no information about the inputs, with the same class
    /// frequencies).
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R, n: usize, shuffle_labels: bool) -> TrialSet {
        let problems: Vec<u8> = (0..n)
            .map(|_| rng.random_range(0..PROBLEMS.len()) as u8)
            .collect();
        let mut labels: Vec<u8> = problems
            .iter()
            .map(|&p| PROBLEMS[p as usize].answer as u8)
            .collect();
        if shuffle_labels {
            // Fisher–Yates, drawing from the same stream.
            for i in (1..labels.len()).rev() {
                let j = rng.random_range(0..=i);
                labels.swap(i, j);
            }
        }
        TrialSet { problems, labels }
    }

    /// Writes the noise-free inputs of `trials` (a slice of problem indices) time-major into
    /// `x`: `x[(t * batch + b) * N_INPUTS + c]`, with `batch = trials.len()`.
    ///
    /// # Panics
    /// If `x.len() != steps * trials.len() * N_INPUTS` or a problem index is out of range
    /// (both are programming errors, not user input).
    pub fn fill_inputs(&self, trials: &[u8], x: &mut [f32]) {
        let batch = trials.len();
        assert_eq!(
            x.len(),
            self.steps() * batch * N_INPUTS,
            "goal-choice input buffer"
        );
        x.fill(0.0);
        let choice_start = self.goal_steps + self.delay_steps;
        for (b, &p) in trials.iter().enumerate() {
            let problem = PROBLEMS[p as usize];
            for t in 0..self.goal_steps {
                x[(t * batch + b) * N_INPUTS + problem.goal as usize] = 1.0;
            }
            for t in choice_start..self.steps() {
                for d in problem.offered {
                    x[(t * batch + b) * N_INPUTS + 4 + d as usize] = 1.0;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn problems_are_consistent() {
        for p in PROBLEMS {
            assert!(
                p.offered.contains(&p.answer),
                "{p:?}: answer must be offered"
            );
            assert_ne!(p.offered[0], p.offered[1]);
            assert!(p.goal < 4);
        }
        // Every goal appears in exactly two problems; every answer class twice.
        for k in 0..4u8 {
            assert_eq!(PROBLEMS.iter().filter(|p| p.goal == k).count(), 2);
            assert_eq!(PROBLEMS.iter().filter(|p| p.answer as u8 == k).count(), 2);
        }
    }

    #[test]
    fn answer_moves_toward_goal_on_the_grid() {
        // Goals on a 2×2 grid: 0 = top-left, 1 = top-right, 2 = bottom-left, 3 = bottom-right.
        // The answer is an offered direction that points toward the goal from the centre.
        for p in PROBLEMS {
            let (row, col) = (p.goal / 2, p.goal % 2);
            let toward = match p.answer {
                Left => col == 0,
                Right => col == 1,
                Up => row == 0,
                Down => row == 1,
            };
            assert!(toward, "{p:?}");
        }
    }

    #[test]
    fn inputs_follow_the_phases() {
        let task = GoalChoice {
            goal_steps: 3,
            delay_steps: 2,
            choice_steps: 4,
        };
        let trials = [0u8, 6, 3];
        let mut x = vec![f32::NAN; task.steps() * trials.len() * N_INPUTS];
        task.fill_inputs(&trials, &mut x);
        for t in 0..task.steps() {
            for (b, &p) in trials.iter().enumerate() {
                let row = &x[(t * 3 + b) * N_INPUTS..][..N_INPUTS];
                let pr = PROBLEMS[p as usize];
                let sum: f32 = row.iter().sum();
                if t < 3 {
                    assert_eq!(sum, 1.0);
                    assert_eq!(row[pr.goal as usize], 1.0);
                } else if t < 5 {
                    assert_eq!(sum, 0.0);
                } else {
                    assert_eq!(sum, 2.0);
                    assert_eq!(row[4 + pr.offered[0] as usize], 1.0);
                    assert_eq!(row[4 + pr.offered[1] as usize], 1.0);
                }
            }
        }
    }

    #[test]
    fn sampling_is_uniform_and_shuffling_keeps_class_counts() {
        let task = GoalChoice::default();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let set = task.sample(&mut rng, 80_000, false);
        let mut counts = [0usize; 8];
        for &p in &set.problems {
            counts[p as usize] += 1;
        }
        for c in counts {
            // 10 000 expected, sd ≈ 94: 5 sd.
            assert!((c as i64 - 10_000).abs() < 470, "{counts:?}");
        }
        for (p, l) in set.problems.iter().zip(&set.labels) {
            assert_eq!(PROBLEMS[*p as usize].answer as u8, *l);
        }
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let shuffled = task.sample(&mut rng, 80_000, true);
        assert_eq!(shuffled.problems, set.problems);
        let mut a = set.labels.clone();
        let mut b = shuffled.labels.clone();
        let agree = a.iter().zip(&b).filter(|(x, y)| x == y).count();
        // Shuffled labels agree with the truth at chance level (~1/4), not always.
        assert!(
            (agree as f64 / 80_000.0 - 0.25).abs() < 0.02,
            "agreement {agree}"
        );
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b);
    }
}
