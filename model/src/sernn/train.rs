//! Training one seRNN: the paper's recipe, deterministic from the network's seeds.

use rand_distr::{Distribution, Normal};
use wiring_kernels::adam::{AdamForm, AdamParams};
use wiring_kernels::rnn;
use wiring_tasks::goal_choice::{GoalChoice, TrialSet, N_INPUTS, PROBLEMS};

use super::engine::{CpuEngine, SernnEngine};
use super::network::{self, BatchStats, Params};
use super::regulariser::Regulariser;
use super::{EpochLog, Recipe, RegulariserSpec, Space, TrainOptions, TrainedNetwork, WiringStats};
use crate::rng::{stream, NetworkSeeds};
use crate::ModelError;

/// Trains one network with `recipe` and regulariser `reg` on units placed in `space`.
///
/// Random streams (all from [`crate::rng::stream`] with the network's seeds): `"init"` draws the
/// weights, `"data"` the training, validation and test trials (in that order), `"noise"` the
/// input noise of every training batch. Per epoch the 40 batches run in a fixed order; each
/// batch: noisy inputs → forward → cross-entropy → BPTT → + regulariser gradient → Adam
/// (Keras form), each on the network's engine ([`super::engine`]; the CPU's, with the RNN
/// kernel of `opts`). After each epoch the validation set is evaluated without noise and the
/// weights are snapshotted. `on_epoch` sees every [`EpochLog`] (epoch 0 = untrained) as it is made.
pub fn train(
    recipe: &Recipe,
    reg: &RegulariserSpec,
    space: &Space,
    seeds: NetworkSeeds,
    opts: &TrainOptions,
    on_epoch: &mut dyn FnMut(&EpochLog),
) -> Result<TrainedNetwork, ModelError> {
    recipe.validate()?;
    reg.validate()?;
    let n = recipe.n_hidden;
    if space.len() != n {
        return Err(ModelError::InvalidField {
            field: "space",
            expected: "one point per recurrent unit",
            got: format!("{} points for n_hidden = {n}", space.len()),
        });
    }
    let _span = tracing::info_span!(
        "network",
        id = seeds.network_id,
        kind = reg.kind.name(),
        gamma = reg.gamma
    )
    .entered();
    let task = recipe.task;
    let steps = task.steps();
    let (variant, batch) = (opts.rnn, recipe.batch_size);
    // The regulariser powers the Euclidean distances itself; the wiring statistics use the
    // same powered D as the penalty.
    let mut regulariser = Regulariser::<f32>::new(*reg, &space.distance(1.0), n)?;
    let wiring_distance = space.distance(reg.distance_power);

    let mut init_rng = stream(seeds.study_seed, seeds.network_id, "init");
    let mut params = Params::<f32>::init(n, &mut init_rng);
    let mut data_rng = stream(seeds.study_seed, seeds.network_id, "data");
    let train_set = task.sample(&mut data_rng, recipe.n_train, recipe.shuffle_labels);
    let val_set = task.sample(&mut data_rng, recipe.n_validation, false);
    let test_set = task.sample(&mut data_rng, recipe.n_test, false);
    let mut noise_rng = stream(seeds.study_seed, seeds.network_id, "noise");
    let noise = Normal::new(0.0f32, recipe.input_noise_std as f32).map_err(|_| {
        ModelError::InvalidField {
            field: "input_noise_std",
            expected: "a finite number ≥ 0",
            got: recipe.input_noise_std.to_string(),
        }
    })?;

    let mut engine = CpuEngine::new(variant, n, steps, batch);
    engine.load(&params)?;
    let mut x = vec![0.0f32; steps * batch * N_INPUTS];
    let adam_hp = AdamParams {
        lr: recipe.learning_rate,
        beta1: recipe.beta1,
        beta2: recipe.beta2,
        epsilon: recipe.epsilon,
        form: AdamForm::Keras,
    };
    let mut flops = 0u64;
    let count_eval = |trials: usize| {
        let shape = rnn::RnnShape {
            steps,
            batch: trials,
            n_in: N_INPUTS,
            n_hidden: n,
        };
        rnn::forward_flops(shape) + network::readout_flops(trials, n, false)
    };

    let mut snapshots = vec![params.snapshot()];
    let mut wiring = vec![wiring_stats(&params.w_rec, &wiring_distance)];
    let (val0, run) = evaluate(&mut engine, task, &val_set, &mut x)?;
    flops += count_eval(1) * run as u64;
    let penalty0 = regulariser.penalty(&params.w_rec)?;
    flops += regulariser.last_flops();
    let mut epochs = vec![EpochLog {
        epoch: 0,
        train_loss: None,
        train_cross_entropy: None,
        train_accuracy: None,
        val_loss: val0.cross_entropy + penalty0,
        val_cross_entropy: val0.cross_entropy,
        val_accuracy: val0.correct as f64 / val0.trials as f64,
        penalty: penalty0,
    }];
    on_epoch(&epochs[0]);

    let mut adam_t = 0u64;
    for epoch in 1..=recipe.epochs {
        let _epoch_span = tracing::debug_span!("epoch", epoch).entered();
        let (mut loss_sum, mut ce_sum, mut correct, mut seen, mut n_batches) =
            (0.0f64, 0.0f64, 0usize, 0usize, 0usize);
        for (batch_index, start) in (0..recipe.n_train).step_by(batch).enumerate() {
            let end = (start + batch).min(recipe.n_train);
            let problems = &train_set.problems[start..end];
            let labels = &train_set.labels[start..end];
            let xb = &mut x[..steps * problems.len() * N_INPUTS];
            task.fill_inputs(problems, xb);
            if recipe.input_noise_std > 0.0 {
                for v in xb.iter_mut() {
                    *v += noise.sample(&mut noise_rng);
                }
            }
            let stats = {
                let _s = tracing::trace_span!("task_gradient").entered();
                engine.task_gradient(xb, labels)?
            };
            let penalty = {
                let _s = tracing::trace_span!("regulariser").entered();
                engine.regulariser_gradient(&mut regulariser)?
            };
            let loss = stats.cross_entropy + penalty;
            if !loss.is_finite() {
                return Err(ModelError::NonFinite {
                    network_id: seeds.network_id,
                    what: "training loss",
                    epoch,
                    batch: batch_index,
                });
            }
            adam_t += 1;
            {
                let _s = tracing::trace_span!("adam").entered();
                engine.adam_step(&adam_hp, adam_t)?;
            }
            let shape = rnn::RnnShape {
                steps,
                batch: problems.len(),
                n_in: N_INPUTS,
                n_hidden: n,
            };
            flops += rnn::forward_flops(shape)
                + rnn::backward_flops(shape)
                + network::readout_flops(problems.len(), n, true)
                + regulariser.last_flops();
            loss_sum += loss;
            ce_sum += stats.cross_entropy;
            correct += stats.correct;
            seen += stats.trials;
            n_batches += 1;
        }
        let val = {
            let _s = tracing::debug_span!("validation").entered();
            evaluate(&mut engine, task, &val_set, &mut x)?
        };
        let (val, run) = val;
        flops += count_eval(1) * run as u64;
        engine.store(&mut params)?;
        let penalty = regulariser.penalty(&params.w_rec)?;
        flops += regulariser.last_flops();
        let log = EpochLog {
            epoch,
            train_loss: Some(loss_sum / n_batches as f64),
            train_cross_entropy: Some(ce_sum / n_batches as f64),
            train_accuracy: Some(correct as f64 / seen as f64),
            val_loss: val.cross_entropy + penalty,
            val_cross_entropy: val.cross_entropy,
            val_accuracy: val.correct as f64 / val.trials as f64,
            penalty,
        };
        on_epoch(&log);
        epochs.push(log);
        snapshots.push(params.snapshot());
        wiring.push(wiring_stats(&params.w_rec, &wiring_distance));
    }
    let (test_accuracy, test_cross_entropy) = if test_set.is_empty() {
        (None, None)
    } else {
        let (test, run) = evaluate(&mut engine, task, &test_set, &mut x)?;
        flops += count_eval(1) * run as u64;
        (
            Some(test.correct as f64 / test.trials as f64),
            Some(test.cross_entropy),
        )
    };
    Ok(TrainedNetwork {
        snapshots,
        wiring,
        epochs,
        test_accuracy,
        test_cross_entropy,
        flops,
    })
}

/// Noise-free forward pass over a whole trial set: its mean cross-entropy and accuracy, and
/// the trials actually run (for the flop count).
///
/// The trials are drawn from the task's eight problems and carry no noise, so a trial's output
/// is its problem's: each distinct (problem, label) pair is run once, as a batch of one, and
/// weighted by how many trials of the set hold it — the same statistics as running every
/// trial at ≤ 8 trials' arithmetic (32 with shuffled labels), the mean cross-entropy summed in
/// another order (`Σ_pairs count · CE_pair / trials`).
fn evaluate(
    engine: &mut impl SernnEngine,
    task: GoalChoice,
    set: &TrialSet,
    x: &mut [f32],
) -> Result<(BatchStats, usize), ModelError> {
    let steps = task.steps();
    // Counts of each (problem, label) pair, in a fixed order.
    let mut counts = [[0usize; 256]; PROBLEMS.len()];
    for (&p, &label) in set.problems.iter().zip(&set.labels) {
        counts[usize::from(p)][usize::from(label)] += 1;
    }
    let mut total = BatchStats::default();
    let mut ce = 0.0;
    let mut run = 0;
    for (problem, row) in counts.iter().enumerate() {
        for (label, &count) in row.iter().enumerate().filter(|(_, &c)| c > 0) {
            let xb = &mut x[..steps * N_INPUTS];
            task.fill_inputs(&[problem as u8], xb);
            let s = engine.forward(xb, &[label as u8])?;
            ce += s.cross_entropy * count as f64;
            total.correct += s.correct * count;
            total.trials += count;
            run += 1;
        }
    }
    total.cross_entropy = ce / total.trials.max(1) as f64;
    Ok((total, run))
}

/// Sparsity and wiring cost of `W_rec` against the (powered) distance matrix.
pub fn wiring_stats(w_rec: &[f32], distance: &[f64]) -> WiringStats {
    let mut s = WiringStats {
        nonzero: 0,
        above_1e_7: 0,
        above_1e_3: 0,
        mean_abs: 0.0,
        mean_abs_distance: 0.0,
    };
    for (&w, &d) in w_rec.iter().zip(distance) {
        let a = w.abs();
        s.nonzero += usize::from(a > 0.0);
        s.above_1e_7 += usize::from(a > 1e-7);
        s.above_1e_3 += usize::from(a > 1e-3);
        s.mean_abs += a as f64;
        s.mean_abs_distance += a as f64 * d;
    }
    s.mean_abs /= w_rec.len() as f64;
    s.mean_abs_distance /= w_rec.len() as f64;
    s
}
