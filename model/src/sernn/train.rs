//! Training one seRNN: the paper's recipe, deterministic from the network's seeds.

use wiring_kernels::adam::{AdamForm, AdamParams};
use wiring_kernels::rnn;
use wiring_tasks::goal_choice::{GoalChoice, TrialSet, N_INPUTS, PROBLEMS};

use super::engine::{CpuEngine, SernnEngine};
use super::network::{self, BatchStats, Params};
use super::regulariser::Regulariser;
use super::{EpochLog, Recipe, RegulariserSpec, Space, TrainOptions, TrainedNetwork, WiringStats};
use crate::rng::{stream, stream_seed, NetworkSeeds};
use crate::ModelError;

/// One network of a population: its regulariser and its seeds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Member {
    pub regulariser: RegulariserSpec,
    pub seeds: NetworkSeeds,
}

/// Trains one network with `recipe` and regulariser `reg` on units placed in `space`, on the
/// CPU ([`CpuEngine`] with the RNN kernel of `opts`).
///
/// Random streams (all from [`crate::rng::stream`] with the network's seeds): `"init"` draws the
/// weights, `"data"` the training, validation and test trials (in that order), `"noise"` the
/// input noise of every training batch. Per epoch the 40 batches run in a fixed order; each
/// batch: noisy inputs → forward → cross-entropy → BPTT → + regulariser gradient → Adam
/// (Keras form). After each epoch the validation set is evaluated without noise and the
/// weights are snapshotted. `on_epoch` sees every [`EpochLog`] (epoch 0 = untrained) as it is
/// made. [`train_population`] is the same for many networks on any engine.
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
    check_space(recipe, space)?;
    let regulariser = Regulariser::<f32>::new(*reg, &space.distance(1.0), recipe.n_hidden)?;
    let mut engine = CpuEngine::new(
        opts.rnn,
        recipe.n_hidden,
        recipe.task.steps(),
        recipe.batch_size,
        vec![regulariser],
    );
    let member = Member {
        regulariser: *reg,
        seeds,
    };
    let mut results = train_population(recipe, &[member], space, &mut engine, &mut |_, log| {
        on_epoch(log)
    })?;
    results.pop().unwrap_or(Err(ModelError::InvalidField {
        field: "networks",
        expected: "one result per network",
        got: "none".into(),
    }))
}

fn check_space(recipe: &Recipe, space: &Space) -> Result<(), ModelError> {
    let n = recipe.n_hidden;
    if space.len() != n {
        return Err(ModelError::InvalidField {
            field: "space",
            expected: "one point per recurrent unit",
            got: format!("{} points for n_hidden = {n}", space.len()),
        });
    }
    Ok(())
}

/// One network's data and running state during [`train_population`].
struct Run {
    member: Member,
    train_set: TrialSet,
    val_set: TrialSet,
    test_set: TrialSet,
    wiring_distance: Vec<f64>,
    snapshots: Vec<super::Snapshot>,
    wiring: Vec<WiringStats>,
    epochs: Vec<EpochLog>,
    flops: u64,
    /// Set when the network's loss stopped being finite; it trains on with the others (its
    /// numbers never mix with theirs) and reports this error.
    failed: Option<ModelError>,
}

/// Trains the networks `members` (all with `recipe`, on units placed in `space`) together on
/// `engine`, which must hold one network per member with its regulariser: the recipe of
/// [`train`] for each, batch by batch in lockstep. Each network's streams, data and noise are
/// its own, so its result does not depend on which networks share the population.
/// `on_epoch` sees each network's index and [`EpochLog`] as it is made. Returns one result
/// per member; a network whose loss is not finite gets [`ModelError::NonFinite`] and the
/// others carry on.
pub fn train_population(
    recipe: &Recipe,
    members: &[Member],
    space: &Space,
    engine: &mut impl SernnEngine,
    on_epoch: &mut dyn FnMut(usize, &EpochLog),
) -> Result<Vec<Result<TrainedNetwork, ModelError>>, ModelError> {
    recipe.validate()?;
    check_space(recipe, space)?;
    let p = members.len();
    if engine.networks() != p || engine.batch() < recipe.batch_size {
        return Err(ModelError::InvalidField {
            field: "networks",
            expected: "an engine with one network per member and room for a batch",
            got: format!(
                "{} networks (batch {}) for {p} members (batch {})",
                engine.networks(),
                engine.batch(),
                recipe.batch_size
            ),
        });
    }
    let n = recipe.n_hidden;
    let task = recipe.task;
    let steps = task.steps();
    let batch = recipe.batch_size;
    let mut params = Vec::with_capacity(p);
    let mut runs = Vec::with_capacity(p);
    for m in members {
        m.regulariser.validate()?;
        let seeds = m.seeds;
        let mut init_rng = stream(seeds.study_seed, seeds.network_id, "init");
        params.push(Params::<f32>::init(n, &mut init_rng));
        let mut data_rng = stream(seeds.study_seed, seeds.network_id, "data");
        let train_set = task.sample(&mut data_rng, recipe.n_train, recipe.shuffle_labels);
        let val_set = task.sample(&mut data_rng, recipe.n_validation, false);
        let test_set = task.sample(&mut data_rng, recipe.n_test, false);
        runs.push(Run {
            member: *m,
            train_set,
            val_set,
            test_set,
            // The regulariser powers the Euclidean distances itself; the wiring statistics
            // use the same powered D as the penalty.
            wiring_distance: space.distance(m.regulariser.distance_power),
            snapshots: Vec::new(),
            wiring: Vec::new(),
            epochs: Vec::new(),
            flops: 0,
            failed: None,
        });
    }
    let _span = tracing::info_span!("population", networks = p).entered();
    engine.load(&params)?;
    let noise_seeds: Vec<u64> = members
        .iter()
        .map(|m| stream_seed(m.seeds.study_seed, m.seeds.network_id, "noise"))
        .collect();
    engine.set_training_inputs(task, &noise_seeds, recipe.input_noise_std)?;
    let mut problems = vec![0u8; p * batch];
    // Noise-free evaluation inputs: one trial per network at a time.
    let mut x = vec![0.0f32; p * steps * N_INPUTS];
    let mut labels = vec![0u8; p * batch];
    let mut stats = vec![BatchStats::default(); p];
    let mut penalties = vec![0.0f64; p];
    let mut reg_flops = vec![0u64; p];
    let adam_hp = AdamParams {
        lr: recipe.learning_rate,
        beta1: recipe.beta1,
        beta2: recipe.beta2,
        epsilon: recipe.epsilon,
        form: AdamForm::Keras,
    };
    let count_eval = |trials: usize| {
        let shape = rnn::RnnShape {
            steps,
            batch: trials,
            n_in: N_INPUTS,
            n_hidden: n,
        };
        rnn::forward_flops(shape) + network::readout_flops(trials, n, false)
    };

    for (run, prm) in runs.iter_mut().zip(&params) {
        run.snapshots.push(prm.snapshot());
        run.wiring
            .push(wiring_stats(&prm.w_rec, &run.wiring_distance));
    }
    let val0 = evaluate(engine, task, &runs, |r| &r.val_set, &mut x)?;
    engine.penalty(&mut penalties)?;
    engine.regulariser_flops(&mut reg_flops);
    for (i, run) in runs.iter_mut().enumerate() {
        let (val, evaluated) = val0[i];
        run.flops += count_eval(1) * evaluated as u64 + reg_flops[i];
        let log = EpochLog {
            epoch: 0,
            train_loss: None,
            train_cross_entropy: None,
            train_accuracy: None,
            val_loss: val.cross_entropy + penalties[i],
            val_cross_entropy: val.cross_entropy,
            val_accuracy: val.correct as f64 / val.trials as f64,
            penalty: penalties[i],
        };
        on_epoch(i, &log);
        run.epochs.push(log);
    }

    let mut adam_t = 0u64;
    for epoch in 1..=recipe.epochs {
        crate::stop::check("seRNN training")?;
        let _epoch_span = tracing::debug_span!("epoch", epoch).entered();
        let mut sums = vec![(0.0f64, 0.0f64, 0usize, 0usize, 0usize); p];
        for (batch_index, start) in (0..recipe.n_train).step_by(batch).enumerate() {
            let end = (start + batch).min(recipe.n_train);
            let trials = end - start;
            for (i, run) in runs.iter().enumerate() {
                problems[i * trials..(i + 1) * trials]
                    .copy_from_slice(&run.train_set.problems[start..end]);
                labels[i * trials..(i + 1) * trials]
                    .copy_from_slice(&run.train_set.labels[start..end]);
            }
            {
                let _s = tracing::trace_span!("task_gradient").entered();
                engine.train_batch(&problems[..p * trials], &labels[..p * trials], &mut stats)?;
            }
            {
                let _s = tracing::trace_span!("regulariser").entered();
                engine.regulariser_gradient(&mut penalties)?;
            }
            engine.regulariser_flops(&mut reg_flops);
            adam_t += 1;
            {
                let _s = tracing::trace_span!("adam").entered();
                engine.adam_step(&adam_hp, adam_t)?;
            }
            let shape = rnn::RnnShape {
                steps,
                batch: trials,
                n_in: N_INPUTS,
                n_hidden: n,
            };
            for (i, run) in runs.iter_mut().enumerate() {
                let loss = stats[i].cross_entropy + penalties[i];
                if !loss.is_finite() && run.failed.is_none() {
                    run.failed = Some(ModelError::NonFinite {
                        network_id: run.member.seeds.network_id,
                        what: "training loss",
                        epoch,
                        batch: batch_index,
                    });
                }
                run.flops += rnn::forward_flops(shape)
                    + rnn::backward_flops(shape)
                    + network::readout_flops(trials, n, true)
                    + reg_flops[i];
                let s = &mut sums[i];
                s.0 += loss;
                s.1 += stats[i].cross_entropy;
                s.2 += stats[i].correct;
                s.3 += stats[i].trials;
                s.4 += 1;
            }
            if runs.iter().all(|r| r.failed.is_some()) {
                // Nothing left to train: every network reports its error now.
                return Ok(runs.into_iter().filter_map(|r| r.failed.map(Err)).collect());
            }
        }
        let val = {
            let _s = tracing::debug_span!("validation").entered();
            evaluate(engine, task, &runs, |r| &r.val_set, &mut x)?
        };
        engine.store(&mut params)?;
        engine.penalty(&mut penalties)?;
        engine.regulariser_flops(&mut reg_flops);
        for (i, run) in runs.iter_mut().enumerate() {
            let ((val, evaluated), s) = (val[i], sums[i]);
            run.flops += count_eval(1) * evaluated as u64 + reg_flops[i];
            let log = EpochLog {
                epoch,
                train_loss: Some(s.0 / s.4 as f64),
                train_cross_entropy: Some(s.1 / s.4 as f64),
                train_accuracy: Some(s.2 as f64 / s.3 as f64),
                val_loss: val.cross_entropy + penalties[i],
                val_cross_entropy: val.cross_entropy,
                val_accuracy: val.correct as f64 / val.trials as f64,
                penalty: penalties[i],
            };
            if run.failed.is_none() {
                on_epoch(i, &log);
            }
            run.epochs.push(log);
            run.snapshots.push(params[i].snapshot());
            run.wiring
                .push(wiring_stats(&params[i].w_rec, &run.wiring_distance));
        }
    }
    let test = if recipe.n_test == 0 {
        None
    } else {
        Some(evaluate(engine, task, &runs, |r| &r.test_set, &mut x)?)
    };
    Ok(runs
        .into_iter()
        .enumerate()
        .map(|(i, mut run)| {
            if let Some(e) = run.failed {
                return Err(e);
            }
            let (test_accuracy, test_cross_entropy) = match &test {
                Some(t) => {
                    let (s, evaluated) = t[i];
                    run.flops += count_eval(1) * evaluated as u64;
                    (
                        Some(s.correct as f64 / s.trials as f64),
                        Some(s.cross_entropy),
                    )
                }
                None => (None, None),
            };
            Ok(TrainedNetwork {
                snapshots: run.snapshots,
                wiring: run.wiring,
                epochs: run.epochs,
                test_accuracy,
                test_cross_entropy,
                flops: run.flops,
            })
        })
        .collect())
}

/// Noise-free forward pass over a whole trial set of every network: each network's mean
/// cross-entropy and accuracy, and the trials actually run for it (for the flop count).
///
/// The trials are drawn from the task's eight problems and carry no noise, so a trial's output
/// is its problem's: each distinct (problem, label) pair is run once, as a batch of one, and
/// weighted by how many trials of the set hold it — the same statistics as running every
/// trial at ≤ 8 trials' arithmetic (32 with shuffled labels), the mean cross-entropy summed in
/// another order (`Σ_pairs count · CE_pair / trials`). In a population every pair some
/// network holds is run for all; a network counts only its own.
fn evaluate(
    engine: &mut impl SernnEngine,
    task: GoalChoice,
    runs: &[Run],
    set_of: impl Fn(&Run) -> &TrialSet,
    x: &mut [f32],
) -> Result<Vec<(BatchStats, usize)>, ModelError> {
    let steps = task.steps();
    let p = runs.len();
    // Counts of each (problem, label) pair per network, in a fixed order.
    let counts: Vec<Vec<[usize; 256]>> = runs
        .iter()
        .map(|run| {
            let set = set_of(run);
            let mut c = vec![[0usize; 256]; PROBLEMS.len()];
            for (&pr, &label) in set.problems.iter().zip(&set.labels) {
                c[usize::from(pr)][usize::from(label)] += 1;
            }
            c
        })
        .collect();
    let mut out = vec![(BatchStats::default(), 0usize); p];
    let mut ce = vec![0.0f64; p];
    let mut stats = vec![BatchStats::default(); p];
    let len = steps * N_INPUTS;
    for problem in 0..PROBLEMS.len() {
        for label in 0..256 {
            if counts.iter().all(|c| c[problem][label] == 0) {
                continue;
            }
            for i in 0..p {
                task.fill_inputs(&[problem as u8], &mut x[i * len..(i + 1) * len]);
            }
            let labels = vec![label as u8; p];
            engine.forward(&x[..p * len], &labels, &mut stats)?;
            for i in 0..p {
                let count = counts[i][problem][label];
                if count == 0 {
                    continue;
                }
                ce[i] += stats[i].cross_entropy * count as f64;
                out[i].0.correct += stats[i].correct * count;
                out[i].0.trials += count;
                out[i].1 += 1;
            }
        }
    }
    for (o, c) in out.iter_mut().zip(ce) {
        o.0.cross_entropy = c / o.0.trials.max(1) as f64;
    }
    Ok(out)
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
