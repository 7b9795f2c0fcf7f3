//! Hidden activity of a trained seRNN on noise-free validation trials, for the functional
//! measures (`wiring_metrics::functional`).
//!
//! The trials are the network's own validation set: [`validation_trials`] replays the `"data"`
//! stream exactly as [`super::train`] drew it (training set, then validation set) and keeps the
//! first `n` validation trials. [`record_activity`] runs the same forward kernel as training,
//! without input noise, and stores `h_t` of every trial and step.

use wiring_kernels::rnn::{self, RnnShape, RnnVariant, RnnWeights};
use wiring_kernels::Par;
use wiring_tasks::goal_choice::{GoalChoice, TrialSet, N_CLASSES, N_INPUTS, PROBLEMS};

use super::{Recipe, Snapshot};
use crate::rng::stream;
use crate::rng::NetworkSeeds;
use crate::ModelError;

/// Trials per forward call (the training batch size; bounds the buffers).
const CHUNK: usize = 128;

/// Recorded hidden activity and the task variables of each trial.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedActivity {
    pub trials: usize,
    pub steps: usize,
    pub units: usize,
    /// `h[(t * steps + s) * units + u]`: unit `u` after step `s` of trial `t` (post-ReLU).
    pub hidden: Vec<f32>,
    /// Problem index (row of the spec's table) of each trial.
    pub problems: Vec<u8>,
    /// Goal location of each trial, 0–3.
    pub goal: Vec<u8>,
    /// Offered pair of each trial, numbered 0–4 in order of first appearance in the table:
    /// {up, left}, {right, down}, {left, down}, {up, right}, {left, right}.
    pub offered: Vec<u8>,
    /// Correct answer of each trial (left 0, up 1, right 2, down 3).
    pub answer: Vec<u8>,
    /// Trials whose readout's largest logit is the answer (first maximum wins).
    pub correct: usize,
}

/// The offered-pair number of each problem (see [`RecordedActivity::offered`]).
pub fn offered_pair_ids() -> [u8; PROBLEMS.len()] {
    let key = |k: usize| {
        let [a, b] = PROBLEMS[k].offered.map(|d| d as u8);
        (a.min(b), a.max(b))
    };
    let mut ids = [0u8; PROBLEMS.len()];
    let mut seen: Vec<(u8, u8)> = Vec::new();
    for (k, id) in ids.iter_mut().enumerate() {
        let pair = key(k);
        *id = match seen.iter().position(|&p| p == pair) {
            Some(i) => i as u8,
            None => {
                seen.push(pair);
                (seen.len() - 1) as u8
            }
        };
    }
    ids
}

/// The first `min(n, recipe.n_validation)` validation trials of network `seeds`, exactly as
/// [`super::train`] drew them from the `"data"` stream.
pub fn validation_trials(recipe: &Recipe, seeds: NetworkSeeds, n: usize) -> TrialSet {
    let mut data_rng = stream(seeds.study_seed, seeds.network_id, "data");
    let task = recipe.task;
    let _train = task.sample(&mut data_rng, recipe.n_train, recipe.shuffle_labels);
    let mut val = task.sample(&mut data_rng, recipe.n_validation, false);
    let keep = n.min(val.len());
    val.problems.truncate(keep);
    val.labels.truncate(keep);
    val
}

/// Runs `weights` (of `n_hidden` units) noise-free on `problems` and records every hidden
/// state. Uses the `variant` forward kernel with `Par::Seq`, in chunks of 128 trials.
pub fn record_activity(
    variant: RnnVariant,
    task: GoalChoice,
    weights: &Snapshot,
    n_hidden: usize,
    problems: &[u8],
) -> Result<RecordedActivity, ModelError> {
    let n = n_hidden;
    let steps = task.steps();
    let shapes_ok = weights.w_in.len() == N_INPUTS * n
        && weights.w_rec.len() == n * n
        && weights.b.len() == n
        && weights.w_out.len() == n * N_CLASSES
        && weights.b_out.len() == N_CLASSES;
    if !shapes_ok {
        return Err(ModelError::InvalidField {
            field: "weights",
            expected: "w_in 8×n, w_rec n×n, b n, w_out n×4, b_out 4",
            got: format!(
                "lengths {}, {}, {}, {}, {} for n = {n}",
                weights.w_in.len(),
                weights.w_rec.len(),
                weights.b.len(),
                weights.w_out.len(),
                weights.b_out.len()
            ),
        });
    }
    if let Some(&p) = problems.iter().find(|&&p| p as usize >= PROBLEMS.len()) {
        return Err(ModelError::InvalidField {
            field: "problems",
            expected: "problem indices 0–7",
            got: p.to_string(),
        });
    }
    let trials = problems.len();
    let offered_ids = offered_pair_ids();
    let mut out = RecordedActivity {
        trials,
        steps,
        units: n,
        hidden: vec![0.0; trials * steps * n],
        problems: problems.to_vec(),
        goal: problems
            .iter()
            .map(|&p| PROBLEMS[p as usize].goal)
            .collect(),
        offered: problems.iter().map(|&p| offered_ids[p as usize]).collect(),
        answer: problems
            .iter()
            .map(|&p| PROBLEMS[p as usize].answer as u8)
            .collect(),
        correct: 0,
    };
    let rnn_weights = || RnnWeights {
        w_in: &weights.w_in,
        w_rec: &weights.w_rec,
        b: &weights.b,
    };
    let mut x = vec![0.0f32; steps * CHUNK * N_INPUTS];
    let mut h = vec![0.0f32; steps * CHUNK * n];
    for start in (0..trials).step_by(CHUNK) {
        let chunk = &problems[start..(start + CHUNK).min(trials)];
        let batch = chunk.len();
        let shape = RnnShape {
            steps,
            batch,
            n_in: N_INPUTS,
            n_hidden: n,
        };
        let xb = &mut x[..steps * batch * N_INPUTS];
        task.fill_inputs(chunk, xb);
        let hb = &mut h[..steps * batch * n];
        rnn::forward(variant, shape, rnn_weights(), xb, hb, Par::Seq)?;
        // Time-major (s, b, u) → trial-major (t, s, u).
        for b in 0..batch {
            let t = start + b;
            for s in 0..steps {
                out.hidden[(t * steps + s) * n..][..n]
                    .copy_from_slice(&hb[(s * batch + b) * n..][..n]);
            }
            if steps > 0 {
                let last = &hb[((steps - 1) * batch + b) * n..][..n];
                out.correct += usize::from(readout_argmax(weights, last) == out.answer[t]);
            }
        }
    }
    Ok(out)
}

/// Index of the largest logit `h W_out + b_out` (first maximum), accumulated as training's
/// readout does.
fn readout_argmax(w: &Snapshot, h: &[f32]) -> u8 {
    let mut best = (0u8, f32::NEG_INFINITY);
    for c in 0..N_CLASSES {
        let mut acc = w.b_out[c];
        for (k, &hk) in h.iter().enumerate() {
            acc = hk.mul_add(w.w_out[k * N_CLASSES + c], acc);
        }
        if acc > best.1 {
            best = (c as u8, acc);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sernn::network::Params;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn offered_pairs_are_numbered_by_first_appearance() {
        assert_eq!(offered_pair_ids(), [0, 1, 2, 1, 0, 3, 4, 4]);
    }

    #[test]
    fn validation_trials_replay_the_data_stream() {
        let recipe = Recipe::default();
        let seeds = NetworkSeeds {
            study_seed: 3,
            network_id: 11,
        };
        let mut rng = stream(3, 11, "data");
        let _ = recipe.task.sample(&mut rng, recipe.n_train, false);
        let full = recipe.task.sample(&mut rng, recipe.n_validation, false);
        let v = validation_trials(&recipe, seeds, 640);
        assert_eq!(v.problems[..], full.problems[..640]);
        assert_eq!(validation_trials(&recipe, seeds, 1_000_000).len(), 2560);
    }

    #[test]
    fn records_the_forward_pass_trial_major() {
        let task = GoalChoice {
            goal_steps: 3,
            delay_steps: 2,
            choice_steps: 3,
        };
        let n = 7;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
        let snap = Params::<f32>::init(n, &mut rng).snapshot();
        let problems: Vec<u8> = (0..200).map(|t| (t * 5 % 8) as u8).collect();
        let a = record_activity(RnnVariant::Reference, task, &snap, n, &problems).unwrap();
        assert_eq!(a.hidden.len(), 200 * 8 * n);
        // Trial 137 by hand: h_t = relu(x_t W_in + h_{t−1} W_rec + b).
        let t = 137;
        let mut x = vec![0.0f32; task.steps() * N_INPUTS];
        task.fill_inputs(&problems[t..t + 1], &mut x);
        let mut h = vec![0.0f32; n];
        for s in 0..task.steps() {
            let mut next = snap.b.clone();
            for (j, v) in next.iter_mut().enumerate() {
                for i in 0..N_INPUTS {
                    *v += x[s * N_INPUTS + i] * snap.w_in[i * n + j];
                }
                for (i, hi) in h.iter().enumerate() {
                    *v += hi * snap.w_rec[i * n + j];
                }
            }
            h = next.iter().map(|v| v.max(0.0)).collect();
            let got = &a.hidden[(t * task.steps() + s) * n..][..n];
            for (g, w) in got.iter().zip(&h) {
                assert!((g - w).abs() < 1e-5, "step {s}: {g} vs {w}");
            }
        }
        assert_eq!(a.goal[t], PROBLEMS[problems[t] as usize].goal);
        assert!(a.correct <= 200);
        let bad = record_activity(RnnVariant::Reference, task, &snap, n + 1, &problems);
        assert!(bad.is_err());
    }
}
