//! Deep Q-learning of a population of pRNNs (spec `prnn.md`, "Training"), one episode per
//! update, every network deterministic from its own seeds whatever population it runs in.

use rand::Rng;
use rand_xoshiro::Xoshiro256PlusPlus;
use wiring_kernels::adam::{AdamForm, AdamParams};
use wiring_kernels::prnn::PrnnVariant;
use wiring_tasks::maze::{self, Action, Cell, Layout, Maze, MazeConfig, MazeSketch, LANES};

use super::arch::Architecture;
use super::episode::{argmax, Engine, LaneInputs, LaneJitter, Probe, Target, N_IN, N_OUT};
use super::network::{Prnn, PrnnAdam};
use super::recipe::QRecipe;
use super::streams::StepStreams;
use super::trial::mean_fitness;
use crate::rng::stream;
use crate::rng::NetworkSeeds;
use crate::ModelError;

/// One network to train: its architecture and the coordinates of its random streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrnnPlan {
    pub architecture: Architecture,
    pub seeds: NetworkSeeds,
}

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

/// Where a network's training mazes come from: batches of `maze_batch` generated from the
/// `"mazes"` stream ([`MazeConfig::generate`]: the batch's plan, then each maze's build),
/// each visited in a shuffled order drawn from the same stream after the batch.
///
/// A batch is not kept: a pass over the batch at generation time makes every maze's draws
/// ([`MazeConfig::skip`]) to advance the stream as generating the batch does, and records
/// what rebuilds each maze when its episode comes — for the default general maze its
/// 24-byte sketch (walk, start and goal), for any other the layout and the state of the
/// stream where its build begins (the same draws, so the same maze). Rebuilding costs less
/// than keeping the batch: 1 000 mazes of about 1.4 KB per network outgrow the caches, and
/// visited in shuffled order each episode's maze would arrive miss by miss, while a maze
/// just rebuilt is in L1.
struct MazeSource {
    task: MazeConfig,
    batch: usize,
    rng: Xoshiro256PlusPlus,
    /// Per maze of the current batch, in visiting order: what builds it.
    plan: Vec<Planned>,
    next: usize,
    /// The maze of the current episode (and the pass's scratch maze).
    maze: Maze,
    /// The distance map's buffers, reused maze after maze.
    scratch: maze::DistanceScratch,
}

impl MazeSource {
    fn new(task: MazeConfig, batch: usize, rng: Xoshiro256PlusPlus) -> Self {
        Self {
            task,
            batch,
            rng,
            plan: Vec::new(),
            next: 0,
            maze: Maze::blank(),
            scratch: maze::DistanceScratch::default(),
        }
    }

    fn next_maze(&mut self) -> Result<&Maze, ModelError> {
        if self.next == self.plan.len() {
            self.plan.clear();
            for layout in self.task.plan(self.batch, &mut self.rng)? {
                let at = self.rng.clone();
                let sketch =
                    self.task
                        .skip(layout, &mut self.rng, &mut self.maze, &mut self.scratch)?;
                self.plan.push(match sketch {
                    Some(sketch) => Planned::Sketch(sketch),
                    None => Planned::Stream(layout, at),
                });
            }
            // The shuffle's swaps applied to the plan itself (as to an index vector that
            // starts as the identity): the plan is then read in order, line after line,
            // where a shuffled index would miss the cache at every episode.
            for i in (1..self.plan.len()).rev() {
                let j = self.rng.random_range(0..=i);
                self.plan.swap(i, j);
            }
            self.next = 0;
        }
        match &self.plan[self.next] {
            Planned::Sketch(sketch) => self.task.build_sketch(sketch, &mut self.maze),
            Planned::Stream(layout, at) => {
                self.task
                    .build_into(*layout, &mut at.clone(), &mut self.maze, &mut self.scratch)?
            }
        }
        self.next += 1;
        Ok(&self.maze)
    }
}

/// Per lane, the step whose Q-target is owed ([`train_population`]): its prediction, reward
/// and entry of `∂L/∂o`; and the episode's loss so far.
struct Losses {
    gamma: f32,
    offset: f32,
    pred: Vec<f32>,
    reward: Vec<f32>,
    /// `t · 5 + action` of the owed step.
    at: Vec<usize>,
    episode: Vec<f32>,
}

/// Steps 5–6 of the owed step of every lane in `owed`, from the output of its target
/// forward: `target = reward + γ·max o − offset`, `loss += (pred − target)²`, `∂L/∂o_t[action]
/// = 2·(pred − target)` (f32, as the reference).
fn owe_loss(owed: &[bool], target_out: &[[f32; N_OUT]], l: &mut Losses, douts: &mut [Vec<f32>]) {
    for (k, q) in target_out.iter().enumerate() {
        if !owed[k] {
            continue;
        }
        let q_max = q.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let target = l.reward[k] + l.gamma * q_max - l.offset;
        let diff = l.pred[k] - target;
        l.episode[k] += diff * diff;
        douts[k][l.at[k]] = 2.0 * diff;
    }
}

/// How a maze of a batch is rebuilt: from its sketch (the default general maze: its walk's
/// tree, start and goal, drawn once) or from the stream where its build begins.
enum Planned {
    Sketch(MazeSketch),
    Stream(Layout, Xoshiro256PlusPlus),
}

/// Per-network training state (parameters and Adam moments live in `nets` / `adams`, or in
/// the engine for the population kernel; the per-step streams and buffers beside the loop).
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
/// which it differs only by the jitter ([`Engine::advance_probe`]); the Q-target's sensing of
/// step `t` waits for step `t + 1`'s, at the same position, and both gather the cues once
/// ([`StepStreams::sense_twice`]; each stream still draws in the order above), and its
/// forward, from the state step `t + 1` starts from, runs with that step, sharing the sums
/// that do not wait for the input ([`Engine::advance_probe`]'s target); with the population
/// kernel the parameters and Adam moments stay interleaved in the engine during training.
///
/// `on_episode(done)` is called every 1 000 episodes (for progress bars).
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
    let n_steps = task.kind.n_steps();
    let hp = AdamParams {
        lr: recipe.learning_rate,
        beta1: recipe.beta1,
        beta2: recipe.beta2,
        epsilon: recipe.adam_epsilon,
        form: AdamForm::PyTorch,
    };
    let mut lanes = Vec::with_capacity(plans.len());
    let mut nets = Vec::with_capacity(plans.len());
    let mut adams = Vec::with_capacity(plans.len());
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
    let n = lanes.len();
    let mut explore = StepStreams::new(plans, "explore");
    let mut sense_rngs = StepStreams::new(plans, "sense");
    let mut jitter_rngs = StepStreams::new(plans, "jitter");
    let mut curve_rngs = StepStreams::new(plans, "curve");
    let mut douts = vec![vec![0.0f32; n_steps * N_OUT]; n];
    let mut engine = Engine::new(variant, dims, n, n_steps)?;
    engine.load(&nets.iter().collect::<Vec<_>>())?;
    let (sigma, jitter) = (recipe.sensor_noise as f32, recipe.jitter as f32);
    let (gamma, offset, scale) = (
        recipe.discount as f32,
        recipe.target_offset as f32,
        recipe.reward_scale as f32,
    );

    let mut curve = vec![Vec::with_capacity(recipe.curve_points); n];
    let mut curve_loss = vec![Vec::with_capacity(recipe.curve_points); n];
    let curve_episodes: Vec<usize> = (0..recipe.curve_points)
        .map(|k| recipe.checkpoint_episode(k))
        .collect();
    let mut loss_sum = vec![0.0f64; n];
    let mut loss_count = 0usize;
    let mut clipped = vec![0u64; n];
    let (mut train_steps, mut forwards) = (vec![0u64; n], vec![0u64; n]);
    let mut next_checkpoint = 0;

    let chunks = n.div_ceil(LANES);
    let mut x: Vec<LaneInputs> = vec![[[0.0; LANES]; N_IN]; chunks];
    let mut x_target: Vec<LaneInputs> = vec![[[0.0; LANES]; N_IN]; chunks];
    let mut u_target: Vec<LaneJitter> = vec![[[0.0; LANES]; N_OUT]; chunks];
    let mut u: Vec<LaneJitter> = vec![[[0.0; LANES]; N_OUT]; chunks];
    let mut u_probe: Vec<LaneJitter> = vec![[[0.0; LANES]; N_OUT]; chunks];
    let mut out = vec![[0.0f32; N_OUT]; n];
    let mut probe_out = vec![[0.0f32; N_OUT]; n];
    let mut next_out = vec![[0.0f32; N_OUT]; n];
    let mut active = vec![true; n];
    let mut greedy = vec![false; n];
    let mut action = vec![0usize; n];
    let mut pos: Vec<Cell> = vec![(0, 0); n];
    let mut r0 = vec![0.0f32; n];
    let mut steps = vec![0usize; n];
    let mut owed = vec![false; n];
    let mut losses = Losses {
        gamma,
        offset,
        pred: vec![0.0; n],
        reward: vec![0.0; n],
        at: vec![0; n],
        episode: vec![0.0; n],
    };

    for episode in 0..recipe.episodes {
        while next_checkpoint < curve_episodes.len() && curve_episodes[next_checkpoint] == episode {
            let _s = tracing::debug_span!("curve_point", k = next_checkpoint).entered();
            if next_checkpoint > 0 {
                for (l, losses) in curve_loss.iter_mut().enumerate() {
                    losses.push(if loss_count == 0 {
                        f64::NAN
                    } else {
                        loss_sum[l] / loss_count as f64
                    });
                }
            }
            loss_sum.fill(0.0);
            loss_count = 0;
            engine.store(&mut nets)?;
            let net_refs: Vec<&Prnn<f32>> = nets.iter().collect();
            let tests: Vec<&[Maze]> = lanes.iter().map(|l| l.test.as_slice()).collect();
            let fitness = mean_fitness(
                &mut engine,
                &net_refs,
                &tests,
                sigma,
                jitter,
                n_steps,
                &mut curve_rngs,
            )?;
            for f in &mut forwards {
                *f += (recipe.test_mazes * n_steps) as u64;
            }
            for (c, f) in curve.iter_mut().zip(fitness) {
                c.push(f);
            }
            next_checkpoint += 1;
        }
        if episode % 1000 == 0 && episode > 0 {
            on_progress(episode);
        }

        let epsilon = recipe.exploration(episode) as f32;
        for (l, lane) in lanes.iter_mut().enumerate() {
            let m = lane.source.next_maze()?;
            pos[l] = m.start;
            r0[l] = m.progress(m.start);
            douts[l].fill(0.0);
            active[l] = true;
            steps[l] = 0;
            losses.episode[l] = 0.0;
        }
        let mazes: Vec<&Maze> = lanes.iter().map(|lane| &lane.source.maze).collect();
        let net_refs: Vec<&Prnn<f32>> = nets.iter().collect();
        engine.reset();
        // The Q-target of step t is owed until step t + 1 has sensed: both sense at the same
        // position, in one pass over the mazes. `owed`: the lanes that took step t (their
        // target is owed); `active`: those still running.
        let mut target_owed = false;
        for t in 0..n_steps {
            // 1–2 (and 5 of the previous step): sense for the owed targets, then for this
            // step; ε-greedy choice.
            if target_owed {
                sense_rngs.sense_twice(
                    &mazes,
                    &pos,
                    sigma,
                    &owed,
                    &mut x_target,
                    &active,
                    &mut x,
                )?;
            } else {
                sense_rngs.sense(&mazes, &pos, sigma, &active, &mut x)?;
            }
            for (g, &a) in greedy.iter_mut().zip(&active) {
                *g &= a;
            }
            explore.explore(&active, epsilon, &mut greedy, &mut action);
            // 3: the recorded forward — with the greedy lanes' probe fused in (same input,
            // its own jitter drawn first, as a separate probe forward would); the owed
            // targets' jitter is drawn before both.
            if target_owed {
                jitter_rngs.jitter(&owed, jitter, &mut u_target);
            }
            let fused_probe = recipe.separate_greedy_forward && greedy.iter().any(|&g| g);
            if fused_probe {
                jitter_rngs.jitter(&greedy, jitter, &mut u_probe);
            }
            jitter_rngs.jitter(&active, jitter, &mut u);
            // 5–6 of the previous step: its target, a forward from the state this step starts
            // from, computed with the step.
            let fused_probe = fused_probe.then_some(Probe {
                on: &greedy,
                u: &u_probe,
                out: &mut probe_out,
            });
            let target = target_owed.then_some(Target {
                on: &owed,
                x: &x_target,
                u: &u_target,
                out: &mut next_out,
            });
            engine.advance_probe(&net_refs, &active, t, &x, &u, &mut out, fused_probe, target)?;
            if target_owed {
                owe_loss(&owed, &next_out, &mut losses, &mut douts);
            }
            if recipe.separate_greedy_forward {
                for l in 0..n {
                    if greedy[l] {
                        action[l] = argmax(&probe_out[l]);
                        forwards[l] += 1;
                    }
                }
            }
            for l in 0..n {
                let a = u64::from(active[l]);
                train_steps[l] += a;
                forwards[l] += 2 * a; // the recorded forward and the target's probe
            }
            // 3–4: act, reward; the target is owed; stop on the goal.
            for l in 0..n {
                owed[l] = active[l];
                if !active[l] {
                    continue;
                }
                if !recipe.separate_greedy_forward && greedy[l] {
                    action[l] = argmax(&out[l]);
                }
                let m = mazes[l];
                pos[l] = maze::step(m, pos[l], Action::ALL[action[l]]);
                losses.pred[l] = out[l][action[l]];
                losses.reward[l] = scale * (m.progress(pos[l]) - r0[l]);
                losses.at[l] = t * N_OUT + action[l];
                steps[l] = t + 1;
                active[l] = !m.is_goal(pos[l]);
            }
            target_owed = true;
            if !active.iter().any(|&a| a) {
                break;
            }
        }
        // 5–6 of the last step.
        if target_owed {
            sense_rngs.sense(&mazes, &pos, sigma, &owed, &mut x_target)?;
            jitter_rngs.jitter(&owed, jitter, &mut u_target);
            engine.probe(&net_refs, &owed, &x_target, &u_target, &mut next_out)?;
            owe_loss(&owed, &next_out, &mut losses, &mut douts);
        }
        // Update every network: BPTT of the summed loss, clip, Adam.
        if let Some(l) = losses.episode.iter().position(|v| !v.is_finite()) {
            return Err(ModelError::NonFinite {
                network_id: plans[l].seeds.network_id,
                what: "Q-learning loss",
                epoch: episode,
                batch: 0,
            });
        }
        let dout_refs: Vec<&[f32]> = douts.iter().map(Vec::as_slice).collect();
        let norms = engine.gradients(&net_refs, &steps, &dout_refs, recipe.clip_norm)?;
        drop(net_refs);
        drop(mazes);
        for (l, &norm) in norms.iter().enumerate() {
            if !norm.is_finite() {
                return Err(ModelError::NonFinite {
                    network_id: plans[l].seeds.network_id,
                    what: "gradient norm",
                    epoch: episode,
                    batch: 0,
                });
            }
            clipped[l] += u64::from(norm > recipe.clip_norm);
            loss_sum[l] += f64::from(losses.episode[l]);
        }
        engine.adam_step(&mut nets, &mut adams)?;
        loss_count += 1;
    }
    on_progress(recipe.episodes);
    engine.store(&mut nets)?;
    // The interval after the last checkpoint (one entry per checkpoint in all).
    for (l, losses) in curve_loss.iter_mut().enumerate() {
        losses.push(if loss_count == 0 {
            f64::NAN
        } else {
            loss_sum[l] / loss_count as f64
        });
    }
    Ok(lanes
        .into_iter()
        .zip(nets)
        .zip(plans)
        .zip(curve.into_iter().zip(curve_loss))
        .zip(
            clipped
                .into_iter()
                .zip(train_steps.into_iter().zip(forwards)),
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
        .collect())
}
