//! The pRNN study on a [`Device`]: deep Q-learning of a population with every network's whole
//! episode loop on the device, one thread each, the host only scheduling the checkpoints of
//! the training curve ([`train_population_on`]); and the measures of trained networks, each
//! network's sweeps, recorded headline pass and Jacobians in one thread
//! ([`evaluate_population_on`]). Both run on
//! [`wiring_kernels::prnn::cuda::DevicePopulation`].
//!
//! The device runs the CPU recipes of [`super::train_population`] and
//! [`super::evaluate_population`] step for step — the same streams (`"init"` drawn here,
//! every other on the device), the same draws in the same order, the same operations — so the
//! results are the CPU's: bit for bit on the emulated device, where the kernels are compiled
//! for the host (`tests/prnn_device.rs`).

use wiring_kernels::adam::{AdamForm, AdamParams};
use wiring_kernels::device::Device;
use wiring_kernels::lanes::xoshiro_state;
use wiring_kernels::prnn::cuda::{
    DeviceEvaluationPlan, DevicePopulation, DeviceRecipe, Failure, PopulationState,
    EVAL_STREAM_SLOTS, STREAM_SLOTS,
};
use wiring_tasks::maze::cuda::DeviceMazeConfig;
use wiring_tasks::maze::MazeConfig;

use super::arch::PrnnPlan;
use super::evaluate::{finish, headline_level, HeadlineParts, PrnnEvaluation, StepMeasures};
use super::network::Prnn;
use super::recipe::{EvaluationRecipe, QRecipe};
use super::train::TrainedPrnn;
use crate::rng::{stream, stream_seed};
use crate::ModelError;

/// [`super::train_population`] on `dev`: the networks of `plans` (all of one hidden size)
/// trained together, each exactly as the CPU trains it. `on_progress(done)` after each
/// launch of episodes and at the end.
///
/// # Errors
/// As the CPU's (invalid recipe or task, mixed hidden sizes, a non-finite loss or gradient
/// norm: the first such episode of any network), what the device kernels cannot hold
/// (hidden layers over 34 units, episodes over 32 steps, mazes over 15 × 15), or the
/// device's.
pub fn train_population_on<D: Device + ?Sized>(
    dev: &mut D,
    recipe: &QRecipe,
    task: &MazeConfig,
    plans: &[PrnnPlan],
    on_progress: &mut dyn FnMut(usize),
) -> Result<Vec<TrainedPrnn>, ModelError> {
    train_population_resumable_on(dev, recipe, task, plans, on_progress, &mut NoCheckpoints)
}

/// Where a device population's training keeps a checkpoint and finds it again: at every
/// point of the training curve but the last, the whole state of the population (its device
/// buffers and the curve so far) is handed to [`TrainingCheckpoints::save`]; a training that
/// starts finds the latest through [`TrainingCheckpoints::load`] and goes on from it, to the
/// results an uninterrupted training gives, bit for bit.
pub trait TrainingCheckpoints {
    /// The checkpoint of this population to resume from, if one was kept. The store answers
    /// for it being this population's (the same study, networks and recipe).
    fn load(&mut self) -> Option<TrainingCheckpoint>;
    /// Keeps `checkpoint` in place of the last one. A checkpoint that cannot be kept costs
    /// only the time it would have saved: the store reports it, training goes on.
    fn save(&mut self, checkpoint: &TrainingCheckpoint);
    /// Whether the store keeps checkpoints at all (`false`: the training does not download
    /// its state to hand over).
    fn keeps(&self) -> bool {
        true
    }
}

/// No checkpoints: a training that starts from the beginning and keeps nothing.
pub struct NoCheckpoints;

impl TrainingCheckpoints for NoCheckpoints {
    fn load(&mut self) -> Option<TrainingCheckpoint> {
        None
    }
    fn save(&mut self, _: &TrainingCheckpoint) {}
    fn keeps(&self) -> bool {
        false
    }
}

/// A population's training after `curve_points` points of its curve: episodes up to
/// `recipe.checkpoint_episode(curve_points - 1)` trained.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainingCheckpoint {
    /// Points of the training curve measured (at least 1).
    pub curve_points: usize,
    /// Each network's curve so far (`curve_points` values).
    pub curve: Vec<Vec<f64>>,
    /// Each network's interval losses so far (`curve_points - 1` values).
    pub curve_loss: Vec<Vec<f64>>,
    /// The device's buffers.
    pub device: PopulationState,
}

/// [`train_population_on`], keeping checkpoints in `checkpoints` and resuming from the one it
/// holds, if any (one whose shape does not fit the population is ignored, with a warning).
///
/// # Errors
/// As [`train_population_on`].
pub fn train_population_resumable_on<D: Device + ?Sized>(
    dev: &mut D,
    recipe: &QRecipe,
    task: &MazeConfig,
    plans: &[PrnnPlan],
    on_progress: &mut dyn FnMut(usize),
    checkpoints: &mut dyn TrainingCheckpoints,
) -> Result<Vec<TrainedPrnn>, ModelError> {
    recipe.validate()?;
    task.validate()?;
    one_hidden_size(plans)?;
    if plans.is_empty() {
        return Ok(Vec::new());
    }
    let n_steps = task.kind.n_steps();
    let initial: Vec<Prnn<f32>> = plans
        .iter()
        .map(|p| {
            let (s, id) = (p.seeds.study_seed, p.seeds.network_id);
            Prnn::<f32>::init(p.architecture, &mut stream(s, id, "init"))
        })
        .collect();
    let mut population = upload(dev, recipe, task, plans, &initial)?;

    let n = plans.len();
    let curve_episodes: Vec<usize> = (0..recipe.curve_points)
        .map(|k| recipe.checkpoint_episode(k))
        .collect();
    let mut curve = vec![Vec::with_capacity(recipe.curve_points); n];
    let mut curve_loss = vec![Vec::with_capacity(recipe.curve_points); n];
    // Curve points already measured by the training resumed (0: a fresh start).
    let mut resumed = 0;
    if let Some(c) = checkpoints.load() {
        let fits = (1..recipe.curve_points).contains(&c.curve_points)
            && c.curve.len() == n
            && c.curve_loss.len() == n
            && c.curve.iter().all(|v| v.len() == c.curve_points)
            && c.curve_loss.iter().all(|v| v.len() == c.curve_points - 1);
        match fits.then(|| population.restore(dev, &c.device)) {
            Some(Ok(())) => {
                resumed = c.curve_points;
                curve = c.curve;
                curve_loss = c.curve_loss;
            }
            Some(Err(e)) => {
                tracing::warn!("a training checkpoint does not fit: {e}; starting over")
            }
            None => tracing::warn!("a training checkpoint does not fit the recipe; starting over"),
        }
    }
    // Episodes since the last checkpoint, whose losses the device has summed.
    let mut since = 0usize;
    let close_interval = |population: &mut DevicePopulation,
                          dev: &mut D,
                          since: usize,
                          curve_loss: &mut [Vec<f64>]|
     -> Result<(), ModelError> {
        let sums = population.take_loss_sums(dev)?;
        for (losses, sum) in curve_loss.iter_mut().zip(sums) {
            losses.push(if since == 0 {
                f64::NAN
            } else {
                sum / since as f64
            });
        }
        Ok(())
    };
    let mut episode = resumed.checked_sub(1).map_or(0, |k| curve_episodes[k]);
    for (k, &at) in curve_episodes.iter().enumerate().skip(resumed) {
        if at > episode {
            train_span(&mut population, dev, recipe, plans, episode, at)?;
            since += at - episode;
            episode = at;
            on_progress(episode);
        }
        if k > 0 {
            close_interval(&mut population, dev, since, &mut curve_loss)?;
        }
        since = 0;
        let _s = tracing::debug_span!("curve_point", k).entered();
        for (c, f) in curve.iter_mut().zip(population.curve(dev)?) {
            c.push(f);
        }
        if k + 1 < recipe.curve_points && checkpoints.keeps() {
            let _s = tracing::debug_span!("save_checkpoint", k).entered();
            checkpoints.save(&TrainingCheckpoint {
                curve_points: k + 1,
                curve: curve.clone(),
                curve_loss: curve_loss.clone(),
                device: population.state(dev)?,
            });
        }
    }
    if recipe.episodes > episode {
        train_span(
            &mut population,
            dev,
            recipe,
            plans,
            episode,
            recipe.episodes,
        )?;
        since += recipe.episodes - episode;
    }
    on_progress(recipe.episodes);
    close_interval(&mut population, dev, since, &mut curve_loss)?;

    let counters = population.counters(dev)?;
    let params = population.params(dev)?;
    let curve_forwards = (recipe.curve_points * recipe.test_mazes * n_steps) as u64;
    plans
        .iter()
        .zip(initial)
        .zip(params)
        .zip(curve.into_iter().zip(curve_loss))
        .zip(counters)
        .map(
            |((((plan, initial), params), (curve, curve_loss)), counts)| {
                Ok(TrainedPrnn {
                    plan: *plan,
                    initial,
                    trained: Prnn::from_params(plan.architecture, params)?,
                    curve_episodes: curve_episodes.clone(),
                    curve,
                    curve_loss,
                    clipped_updates: counts.clipped_updates,
                    train_steps: counts.train_steps,
                    forwards: counts.forwards + curve_forwards,
                })
            },
        )
        .collect()
}

/// Episodes `from..to` on the device, then the first failure (a non-finite loss or gradient
/// norm) as the CPU reports it: the earliest episode, a loss before a norm, the first
/// network.
fn train_span<D: Device + ?Sized>(
    population: &mut DevicePopulation,
    dev: &mut D,
    recipe: &QRecipe,
    plans: &[PrnnPlan],
    from: usize,
    to: usize,
) -> Result<(), ModelError> {
    let _s = tracing::debug_span!("device_episodes", from, to).entered();
    // At most 1 000 episodes a launch, the stop request checked between launches.
    for start in (from..to).step_by(1000) {
        crate::stop::check("pRNN training on the device")?;
        let end = (start + 1000).min(to);
        let epsilons: Vec<f32> = (start..end).map(|e| recipe.exploration(e) as f32).collect();
        population.train(dev, start, &epsilons)?;
    }
    let failures = population.failures(dev)?;
    let first = failures
        .iter()
        .enumerate()
        .filter_map(|(l, f)| f.map(|f| (f.episode(), matches!(f, Failure::GradientNorm { .. }), l)))
        .min();
    match first {
        None => Ok(()),
        Some((episode, norm, l)) => Err(ModelError::NonFinite {
            network_id: plans[l].seeds.network_id,
            what: if norm {
                "gradient norm"
            } else {
                "Q-learning loss"
            },
            epoch: episode,
            batch: 0,
        }),
    }
}

/// The population of `nets` (one per plan, all of one hidden size) on `dev`, with every
/// stream of its plan where it starts.
fn upload<D: Device + ?Sized>(
    dev: &mut D,
    recipe: &QRecipe,
    task: &MazeConfig,
    plans: &[PrnnPlan],
    nets: &[Prnn<f32>],
) -> Result<DevicePopulation, ModelError> {
    let maze = DeviceMazeConfig::new(task)?;
    let n_hidden = nets.first().map_or(8, |n| n.architecture().n_hidden());
    let n_steps = task.kind.n_steps();
    let spec = DeviceRecipe {
        n_hidden,
        n_steps,
        maze_batch: recipe.maze_batch,
        test_mazes: recipe.test_mazes,
        separate_greedy_forward: recipe.separate_greedy_forward,
        discount: recipe.discount as f32,
        target_offset: recipe.target_offset as f32,
        reward_scale: recipe.reward_scale as f32,
        sensor_noise: recipe.sensor_noise as f32,
        jitter: recipe.jitter as f32,
        clip_norm: recipe.clip_norm,
        adam: AdamParams {
            lr: recipe.learning_rate,
            beta1: recipe.beta1,
            beta2: recipe.beta2,
            epsilon: recipe.adam_epsilon,
            form: AdamForm::PyTorch,
        },
        maze_ints: maze.ints,
        maze_doubles: maze.doubles,
    };
    let streams: Vec<[[u64; 4]; 6]> = plans
        .iter()
        .map(|p| STREAM_SLOTS.map(|name| state(p, name)))
        .collect();
    let nets: Vec<(&[f32], _)> = nets.iter().map(|n| (n.params(), n.mask())).collect();
    Ok(DevicePopulation::new(dev, &spec, &nets, &streams)?)
}

/// Refuses plans of more than one hidden size (a population shares its kernels' shapes).
fn one_hidden_size(plans: &[PrnnPlan]) -> Result<(), ModelError> {
    let Some(first) = plans.first() else {
        return Ok(());
    };
    let n_hidden = first.architecture.n_hidden();
    match plans.iter().find(|p| p.architecture.n_hidden() != n_hidden) {
        None => Ok(()),
        Some(p) => Err(ModelError::InvalidField {
            field: "population",
            expected: "networks of one hidden size",
            got: format!(
                "{} hidden units next to {n_hidden}",
                p.architecture.n_hidden()
            ),
        }),
    }
}

/// Where stream `name` of the network of `plan` starts.
fn state(plan: &PrnnPlan, name: &str) -> [u64; 4] {
    xoshiro_state(stream_seed(
        plan.seeds.study_seed,
        plan.seeds.network_id,
        name,
    ))
}

/// [`super::evaluate_population`] on `dev`: the measures of the trained `nets` (one per plan,
/// all of one hidden size), each network's in one device thread, equal to the CPU's.
///
/// # Errors
/// As the CPU's (an invalid recipe, sparsity sweeps on mazes that have no sparsity), what the
/// device kernels cannot hold, or the device's.
pub fn evaluate_population_on<D: Device + ?Sized>(
    dev: &mut D,
    recipe: &QRecipe,
    eval: &EvaluationRecipe,
    task: &MazeConfig,
    plans: &[PrnnPlan],
    nets: &[&Prnn<f32>],
) -> Result<Vec<(PrnnEvaluation, StepMeasures)>, ModelError> {
    recipe.validate()?;
    eval.validate()?;
    one_hidden_size(plans)?;
    if nets.len() != plans.len()
        || nets
            .iter()
            .zip(plans)
            .any(|(n, p)| n.architecture() != p.architecture)
    {
        return Err(ModelError::InvalidField {
            field: "population",
            expected: "one trained network per plan, of its architecture",
            got: format!("{} networks for {} plans", nets.len(), plans.len()),
        });
    }
    if nets.is_empty() {
        return Ok(Vec::new());
    }
    let owned: Vec<Prnn<f32>> = nets.iter().map(|&n| n.clone()).collect();
    let mut population = upload(dev, recipe, task, plans, &owned)?;
    let headline = headline_level(eval);
    let mut sparsity_mazes = Vec::new();
    if eval.sparsity_robustness {
        for field in ["cue", "wall"] {
            for &p in &eval.sparsity_levels {
                let mut cfg = *task;
                if field == "cue" {
                    cfg.cue_sparsity = p;
                } else {
                    cfg.wall_sparsity = p;
                }
                sparsity_mazes.push(DeviceMazeConfig::new(&cfg)?.doubles);
            }
        }
    }
    let plan = DeviceEvaluationPlan {
        noise_levels: eval.noise_levels.clone(),
        headline,
        headline_noise: eval.headline_noise,
        sparsity_mazes,
    };
    let streams: Vec<[[u64; 4]; 4]> = plans
        .iter()
        .map(|p| EVAL_STREAM_SLOTS.map(|name| state(p, name)))
        .collect();
    let measured = population.evaluate(dev, &plan, &streams)?;
    let curves = |v: Vec<f64>| eval.sparsity_robustness.then_some(v);
    Ok(measured
        .into_iter()
        .zip(nets)
        .map(|(m, net)| {
            let parts = HeadlineParts {
                fitness: m.headline_fitness,
                goal_rate: m.goal_rate,
                steps: StepMeasures {
                    trial: m.steps.iter().map(|s| s.0).collect(),
                    step: m.steps.iter().map(|s| s.1).collect(),
                    sensitivity: m.steps.iter().map(|s| s.2).collect(),
                    coherence: m.steps.iter().map(|s| s.3).collect(),
                },
                memory_curve: m
                    .memory_sums
                    .iter()
                    .zip(&m.memory_counts)
                    .map(|(&s, &c)| if c == 0 { f64::NAN } else { s / f64::from(c) })
                    .collect(),
            };
            finish(
                eval,
                headline,
                m.fitness_by_noise,
                parts,
                curves(m.cue_sparsity),
                curves(m.wall_sparsity),
                net,
            )
        })
        .collect())
}
