//! Deep Q-learning of a population of pRNNs (spec `prnn.md`, "Training"), one episode per
//! update, every network deterministic from its own seeds whatever population it runs in.
//!
//! [`train_population`] checks the plans and runs a `Trainer` on the CPU engine of the
//! chosen variant; the trainer holds everything beside the engine (networks, Adam moments,
//! mazes, per-step streams, the curve) and runs checkpoints (`Trainer::checkpoint`) and
//! episodes (`episode.rs`) over the [`PrnnEngine`] trait.

mod episode;
mod mazes;

use wiring_kernels::adam::{AdamForm, AdamParams};
use wiring_kernels::prnn::PrnnVariant;
use wiring_tasks::maze::{Maze, MazeConfig};

use super::arch::PrnnPlan;
use super::engine::{with_cpu_engine, EngineBody, PrnnEngine};
use super::network::{Prnn, PrnnAdam};
use super::recipe::QRecipe;
use super::streams::StepStreams;
use super::trial::mean_fitness;
use crate::rng::{stream, NetworkSeeds};
use crate::ModelError;
use episode::StepBuffers;
use mazes::MazeSource;

/// A trained network and its training curve.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainedPrnn {
    pub plan: PrnnPlan,
    /// Parameters before training and after the last update (masked layout of
    /// [`wiring_kernels::prnn`]).
    pub initial: Prnn<f32>,
    pub trained: Prnn<f32>,
    /// Episode before which each training-curve point was evaluated.
    pub curve_episodes: Vec<usize>,
    /// Mean fitness on the test set at the training sensor noise, at each checkpoint.
    pub curve: Vec<f64>,
    /// Mean episode loss `Σ_t (pred − target)²` over the episodes after each checkpoint
    /// (until the next one; NaN for an empty interval).
    pub curve_loss: Vec<f64>,
    /// Updates whose gradient norm exceeded the clip.
    pub clipped_updates: u64,
    /// Recorded training steps (one per step of every episode).
    pub train_steps: u64,
    /// Network forwards of every kind (training probes and targets, curve evaluations).
    pub forwards: u64,
}

/// Per-network training state beside the engine's: its initial parameters, training mazes
/// and test set.
struct Lane {
    initial: Prnn<f32>,
    source: MazeSource,
    test: Vec<Maze>,
}

/// The test set of a network: `recipe.test_mazes` mazes from its `"test"` stream.
pub fn test_mazes(
    task: &MazeConfig,
    recipe: &QRecipe,
    seeds: NetworkSeeds,
) -> Result<Vec<Maze>, ModelError> {
    let mut rng = stream(seeds.study_seed, seeds.network_id, "test");
    Ok(task.generate(recipe.test_mazes, &mut rng)?)
}

/// Trains every network of `plans` (all with the same hidden size) in lockstep, each exactly
/// as it would train alone.
///
/// Random streams of each network ([`crate::rng::stream`]): `"init"` (weights), `"mazes"`
/// (training mazes and their order), `"test"` (the test set), `"explore"` (ε-tests and random
/// actions), `"sense"` (sensor noise), `"jitter"` (output jitter of every forward), `"curve"`
/// (noise and jitter of the training-curve evaluations). Per episode `a` and network:
/// zero state; `r0 = progress(start)`; for each step until the goal or `n_steps`:
/// sense; ε-test (`U(0,1) < ε_a`: a uniform random action, else the argmax of a probe
/// forward with its own jitter — or of the recorded forward when
/// `separate_greedy_forward = false`); recorded forward, `pred = o_t[action]`; act;
/// `reward = reward_scale·(progress(pos) − r0)`; sense again; probe forward from the new
/// state, `target = reward + γ·max o − target_offset`; `loss += (pred − target)²`. Then BPTT
/// of the summed loss, global-norm clip, Adam (PyTorch form). Arithmetic of reward, target
/// and loss is f32 as in the reference.
///
/// How the work is laid out changes no number: the greedy probe forward (its jitter drawn
/// before the recorded forward's) is computed in the same pass as the recorded forward, from
/// which it differs only by the jitter ([`PrnnEngine::advance_probe`]); the Q-target's sensing of
/// step `t` waits for step `t + 1`'s, at the same position, and both gather the cues once
/// ([`StepStreams::sense_twice`]; each stream still draws in the order above), and its
/// forward, from the state step `t + 1` starts from, runs with that step, sharing the sums
/// that do not wait for the input ([`PrnnEngine::advance_probe`]'s target); with the population
/// kernel the parameters and Adam moments stay interleaved in the engine during training.
///
/// `on_progress(done)` is called every 1 000 episodes and once at the end (for progress
/// bars). The engine is the CPU one of `variant` ([`with_cpu_engine`]).
pub fn train_population(
    recipe: &QRecipe,
    task: &MazeConfig,
    variant: PrnnVariant,
    plans: &[PrnnPlan],
    on_progress: &mut dyn FnMut(usize),
) -> Result<Vec<TrainedPrnn>, ModelError> {
    recipe.validate()?;
    task.validate()?;
    let Some(first) = plans.first() else {
        return Ok(Vec::new());
    };
    let dims = first.architecture.dims();
    if let Some(p) = plans.iter().find(|p| p.architecture.dims() != dims) {
        return Err(ModelError::InvalidField {
            field: "population",
            expected: "networks of one hidden size",
            got: format!(
                "{} hidden units next to {}",
                p.architecture.n_hidden(),
                first.architecture.n_hidden()
            ),
        });
    }
    let trainer = Trainer::new(recipe, task, plans)?;
    let n_steps = trainer.n_steps;
    with_cpu_engine(
        variant,
        dims,
        plans.len(),
        n_steps,
        Training {
            trainer,
            on_progress,
        },
    )
}

/// [`train_population`]'s work, generic over the engine.
struct Training<'a, 'p> {
    trainer: Trainer<'a>,
    on_progress: &'p mut dyn FnMut(usize),
}

impl EngineBody<Vec<TrainedPrnn>> for Training<'_, '_> {
    fn run<E: PrnnEngine>(self, engine: &mut E) -> Result<Vec<TrainedPrnn>, ModelError> {
        let Training {
            mut trainer,
            on_progress,
        } = self;
        let recipe = trainer.recipe;
        engine.load(&trainer.nets.iter().collect::<Vec<_>>())?;
        let mut next_checkpoint = 0;
        for episode in 0..recipe.episodes {
            while trainer
                .curve_episodes
                .get(next_checkpoint)
                .is_some_and(|&e| e == episode)
            {
                trainer.checkpoint(engine, next_checkpoint)?;
                next_checkpoint += 1;
            }
            if episode % 1000 == 0 && episode > 0 {
                crate::stop::check("pRNN training")?;
                on_progress(episode);
            }
            trainer.episode(engine, episode)?;
        }
        on_progress(recipe.episodes);
        engine.store(&mut trainer.nets)?;
        Ok(trainer.finish())
    }
}

/// Everything training keeps beside the engine.
struct Trainer<'a> {
    recipe: &'a QRecipe,
    plans: &'a [PrnnPlan],
    n_steps: usize,
    lanes: Vec<Lane>,
    /// The networks' parameters (the engine's copy is authoritative between
    /// [`PrnnEngine::load`] and [`PrnnEngine::store`]) and Adam states.
    nets: Vec<Prnn<f32>>,
    adams: Vec<PrnnAdam<f32>>,
    explore: StepStreams,
    sense: StepStreams,
    jitter: StepStreams,
    curve_rngs: StepStreams,
    curve: Vec<Vec<f64>>,
    curve_loss: Vec<Vec<f64>>,
    curve_episodes: Vec<usize>,
    /// Summed episode losses and episodes since the last checkpoint.
    loss_sum: Vec<f64>,
    loss_count: usize,
    clipped: Vec<u64>,
    train_steps: Vec<u64>,
    forwards: Vec<u64>,
    step: StepBuffers,
}

impl<'a> Trainer<'a> {
    /// Initial networks (`"init"`), Adam states, maze sources (`"mazes"`), test sets
    /// (`"test"`) and per-step streams of `plans`.
    fn new(
        recipe: &'a QRecipe,
        task: &MazeConfig,
        plans: &'a [PrnnPlan],
    ) -> Result<Self, ModelError> {
        let n = plans.len();
        let hp = AdamParams {
            lr: recipe.learning_rate,
            beta1: recipe.beta1,
            beta2: recipe.beta2,
            epsilon: recipe.adam_epsilon,
            form: AdamForm::PyTorch,
        };
        let mut lanes = Vec::with_capacity(n);
        let mut nets = Vec::with_capacity(n);
        let mut adams = Vec::with_capacity(n);
        for plan in plans {
            let (s, id) = (plan.seeds.study_seed, plan.seeds.network_id);
            let net = Prnn::<f32>::init(plan.architecture, &mut stream(s, id, "init"));
            adams.push(PrnnAdam::new(plan.architecture, hp));
            lanes.push(Lane {
                initial: net.clone(),
                source: MazeSource::new(*task, recipe.maze_batch, stream(s, id, "mazes")),
                test: test_mazes(task, recipe, plan.seeds)?,
            });
            nets.push(net);
        }
        let n_steps = task.kind.n_steps();
        Ok(Self {
            recipe,
            plans,
            n_steps,
            lanes,
            nets,
            adams,
            explore: StepStreams::new(plans, "explore"),
            sense: StepStreams::new(plans, "sense"),
            jitter: StepStreams::new(plans, "jitter"),
            curve_rngs: StepStreams::new(plans, "curve"),
            curve: vec![Vec::with_capacity(recipe.curve_points); n],
            curve_loss: vec![Vec::with_capacity(recipe.curve_points); n],
            curve_episodes: (0..recipe.curve_points)
                .map(|k| recipe.checkpoint_episode(k))
                .collect(),
            loss_sum: vec![0.0; n],
            loss_count: 0,
            clipped: vec![0; n],
            train_steps: vec![0; n],
            forwards: vec![0; n],
            step: StepBuffers::new(recipe, n, n_steps),
        })
    }

    /// The mean episode loss since the last checkpoint, per network, onto `curve_loss`.
    fn close_loss_interval(&mut self) {
        for (l, losses) in self.curve_loss.iter_mut().enumerate() {
            losses.push(if self.loss_count == 0 {
                f64::NAN
            } else {
                self.loss_sum[l] / self.loss_count as f64
            });
        }
    }

    /// Training-curve point `k`: the loss interval before it closes, and every network's
    /// mean fitness on its test set at the training noise (`"curve"` streams).
    fn checkpoint<E: PrnnEngine>(&mut self, engine: &mut E, k: usize) -> Result<(), ModelError> {
        let _s = tracing::debug_span!("curve_point", k).entered();
        if k > 0 {
            self.close_loss_interval();
        }
        self.loss_sum.fill(0.0);
        self.loss_count = 0;
        engine.store(&mut self.nets)?;
        let net_refs: Vec<&Prnn<f32>> = self.nets.iter().collect();
        let tests: Vec<&[Maze]> = self.lanes.iter().map(|l| l.test.as_slice()).collect();
        let fitness = mean_fitness(
            engine,
            &net_refs,
            &tests,
            self.recipe.sensor_noise as f32,
            self.recipe.jitter as f32,
            self.n_steps,
            &mut self.curve_rngs,
        )?;
        for f in &mut self.forwards {
            *f += (self.recipe.test_mazes * self.n_steps) as u64;
        }
        for (c, f) in self.curve.iter_mut().zip(fitness) {
            c.push(f);
        }
        Ok(())
    }

    /// The trained networks, with their curves and counters.
    fn finish(mut self) -> Vec<TrainedPrnn> {
        // The interval after the last checkpoint (one entry per checkpoint in all).
        self.close_loss_interval();
        let curve_episodes = self.curve_episodes;
        self.lanes
            .into_iter()
            .zip(self.nets)
            .zip(self.plans)
            .zip(self.curve.into_iter().zip(self.curve_loss))
            .zip(
                self.clipped
                    .into_iter()
                    .zip(self.train_steps.into_iter().zip(self.forwards)),
            )
            .map(
                |(
                    (((lane, net), plan), (curve, curve_loss)),
                    (clipped_updates, (train_steps, forwards)),
                )| TrainedPrnn {
                    plan: *plan,
                    initial: lane.initial,
                    trained: net,
                    curve_episodes: curve_episodes.clone(),
                    curve,
                    curve_loss,
                    clipped_updates,
                    train_steps,
                    forwards,
                },
            )
            .collect()
    }
}
