//! Deep Q-learning of a population on a [`Device`]: every network's whole episode loop on the
//! device, one thread each ([`wiring_kernels::prnn::cuda::DevicePopulation`]), and the host
//! only scheduling the checkpoints of the training curve.
//!
//! The device runs the CPU recipe of [`super::train_population`] step for step — the same
//! streams (`"init"` drawn here; `"mazes"`, `"explore"`, `"sense"`, `"jitter"`, `"curve"`,
//! `"test"` on the device), the same draws in the same order, the same operations — so the
//! result is the [`TrainedPrnn`] the CPU gives: bit for bit on the emulated device, where the
//! kernels are compiled for the host (`tests/prnn_device.rs`).

use wiring_kernels::adam::{AdamForm, AdamParams};
use wiring_kernels::device::Device;
use wiring_kernels::lanes::xoshiro_state;
use wiring_kernels::prnn::cuda::{DevicePopulation, DeviceRecipe, Failure, STREAM_SLOTS};
use wiring_tasks::maze::cuda::DeviceMazeConfig;
use wiring_tasks::maze::MazeConfig;

use super::TrainedPrnn;
use crate::prnn::arch::PrnnPlan;
use crate::prnn::network::Prnn;
use crate::prnn::recipe::QRecipe;
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
    recipe.validate()?;
    task.validate()?;
    let Some(first) = plans.first() else {
        return Ok(Vec::new());
    };
    let n_hidden = first.architecture.n_hidden();
    if let Some(p) = plans.iter().find(|p| p.architecture.n_hidden() != n_hidden) {
        return Err(ModelError::InvalidField {
            field: "population",
            expected: "networks of one hidden size",
            got: format!(
                "{} hidden units next to {n_hidden}",
                p.architecture.n_hidden()
            ),
        });
    }
    let n_steps = task.kind.n_steps();
    let maze = DeviceMazeConfig::new(task)?;
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
    let initial: Vec<Prnn<f32>> = plans
        .iter()
        .map(|p| {
            let (s, id) = (p.seeds.study_seed, p.seeds.network_id);
            Prnn::<f32>::init(p.architecture, &mut stream(s, id, "init"))
        })
        .collect();
    let streams: Vec<[[u64; 4]; 6]> = plans
        .iter()
        .map(|p| {
            STREAM_SLOTS.map(|name| {
                xoshiro_state(stream_seed(p.seeds.study_seed, p.seeds.network_id, name))
            })
        })
        .collect();
    let nets: Vec<(&[f32], _)> = initial.iter().map(|n| (n.params(), n.mask())).collect();
    let mut population = DevicePopulation::new(dev, &spec, &nets, &streams)?;

    let n = plans.len();
    let curve_episodes: Vec<usize> = (0..recipe.curve_points)
        .map(|k| recipe.checkpoint_episode(k))
        .collect();
    let mut curve = vec![Vec::with_capacity(recipe.curve_points); n];
    let mut curve_loss = vec![Vec::with_capacity(recipe.curve_points); n];
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
    let mut episode = 0;
    for (k, &at) in curve_episodes.iter().enumerate() {
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
    let epsilons: Vec<f32> = (from..to).map(|e| recipe.exploration(e) as f32).collect();
    population.train(dev, from, &epsilons)?;
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
