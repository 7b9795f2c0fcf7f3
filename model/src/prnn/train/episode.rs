//! One training episode of every network of a population ([`Trainer::episode`]): the steps
//! in lockstep until every lane has reached its goal or `n_steps`, each Q-target computed with
//! the next step, then BPTT, clipping and Adam.

use wiring_tasks::maze::{self, Action, Cell, Maze, LANES};

use super::Trainer;
use crate::prnn::engine::{argmax, LaneInputs, LaneJitter, PrnnEngine, Probe, Target, N_IN, N_OUT};
use crate::prnn::network::Prnn;
use crate::prnn::recipe::QRecipe;
use crate::ModelError;

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

/// The per-step buffers of a population: inputs and jitter (lane-interleaved), outputs,
/// each lane's position, action, activity and owed target, and `∂L/∂o` of its episode.
pub(super) struct StepBuffers {
    x: Vec<LaneInputs>,
    x_target: Vec<LaneInputs>,
    u: Vec<LaneJitter>,
    u_target: Vec<LaneJitter>,
    u_probe: Vec<LaneJitter>,
    out: Vec<[f32; N_OUT]>,
    probe_out: Vec<[f32; N_OUT]>,
    next_out: Vec<[f32; N_OUT]>,
    active: Vec<bool>,
    greedy: Vec<bool>,
    action: Vec<usize>,
    pos: Vec<Cell>,
    r0: Vec<f32>,
    steps: Vec<usize>,
    owed: Vec<bool>,
    losses: Losses,
    douts: Vec<Vec<f32>>,
}

impl StepBuffers {
    pub(super) fn new(recipe: &QRecipe, n: usize, n_steps: usize) -> Self {
        let chunks = n.div_ceil(LANES);
        Self {
            x: vec![[[0.0; LANES]; N_IN]; chunks],
            x_target: vec![[[0.0; LANES]; N_IN]; chunks],
            u: vec![[[0.0; LANES]; N_OUT]; chunks],
            u_target: vec![[[0.0; LANES]; N_OUT]; chunks],
            u_probe: vec![[[0.0; LANES]; N_OUT]; chunks],
            out: vec![[0.0; N_OUT]; n],
            probe_out: vec![[0.0; N_OUT]; n],
            next_out: vec![[0.0; N_OUT]; n],
            active: vec![true; n],
            greedy: vec![false; n],
            action: vec![0; n],
            pos: vec![(0, 0); n],
            r0: vec![0.0; n],
            steps: vec![0; n],
            owed: vec![false; n],
            losses: Losses {
                gamma: recipe.discount as f32,
                offset: recipe.target_offset as f32,
                pred: vec![0.0; n],
                reward: vec![0.0; n],
                at: vec![0; n],
                episode: vec![0.0; n],
            },
            douts: vec![vec![0.0; n_steps * N_OUT]; n],
        }
    }
}

impl Trainer<'_> {
    /// Episode `episode` of every network, then its update (see [`super::train_population`]).
    pub(super) fn episode<E: PrnnEngine>(
        &mut self,
        engine: &mut E,
        episode: usize,
    ) -> Result<(), ModelError> {
        let recipe = self.recipe;
        let (n, n_steps) = (self.nets.len(), self.n_steps);
        let (sigma, jitter) = (recipe.sensor_noise as f32, recipe.jitter as f32);
        let scale = recipe.reward_scale as f32;
        let b = &mut self.step;
        let epsilon = recipe.exploration(episode) as f32;
        for (l, lane) in self.lanes.iter_mut().enumerate() {
            let m = lane.source.next_maze()?;
            b.pos[l] = m.start;
            b.r0[l] = m.progress(m.start);
            b.douts[l].fill(0.0);
            b.active[l] = true;
            b.steps[l] = 0;
            b.losses.episode[l] = 0.0;
        }
        let mazes: Vec<&Maze> = self.lanes.iter().map(|lane| &lane.source.maze).collect();
        let net_refs: Vec<&Prnn<f32>> = self.nets.iter().collect();
        engine.reset();
        // The Q-target of step t is owed until step t + 1 has sensed: both sense at the same
        // position, in one pass over the mazes. `owed`: the lanes that took step t (their
        // target is owed); `active`: those still running.
        let mut target_owed = false;
        for t in 0..n_steps {
            // 1–2 (and 5 of the previous step): sense for the owed targets, then for this
            // step; ε-greedy choice.
            if target_owed {
                self.sense.sense_twice(
                    &mazes,
                    &b.pos,
                    sigma,
                    &b.owed,
                    &mut b.x_target,
                    &b.active,
                    &mut b.x,
                )?;
            } else {
                self.sense
                    .sense(&mazes, &b.pos, sigma, &b.active, &mut b.x)?;
            }
            for (g, &a) in b.greedy.iter_mut().zip(&b.active) {
                *g &= a;
            }
            self.explore
                .explore(&b.active, epsilon, &mut b.greedy, &mut b.action);
            // 3: the recorded forward — with the greedy lanes' probe fused in (same input,
            // its own jitter drawn first, as a separate probe forward would); the owed
            // targets' jitter is drawn before both.
            if target_owed {
                self.jitter.jitter(&b.owed, jitter, &mut b.u_target);
            }
            let fused_probe = recipe.separate_greedy_forward && b.greedy.iter().any(|&g| g);
            if fused_probe {
                self.jitter.jitter(&b.greedy, jitter, &mut b.u_probe);
            }
            self.jitter.jitter(&b.active, jitter, &mut b.u);
            // 5–6 of the previous step: its target, a forward from the state this step starts
            // from, computed with the step.
            let fused_probe = fused_probe.then_some(Probe {
                on: &b.greedy,
                u: &b.u_probe,
                out: &mut b.probe_out,
            });
            let target = target_owed.then_some(Target {
                on: &b.owed,
                x: &b.x_target,
                u: &b.u_target,
                out: &mut b.next_out,
            });
            engine.advance_probe(
                &net_refs,
                &b.active,
                t,
                &b.x,
                &b.u,
                &mut b.out,
                fused_probe,
                target,
            )?;
            if target_owed {
                owe_loss(&b.owed, &b.next_out, &mut b.losses, &mut b.douts);
            }
            if recipe.separate_greedy_forward {
                for l in 0..n {
                    if b.greedy[l] {
                        b.action[l] = argmax(&b.probe_out[l]);
                        self.forwards[l] += 1;
                    }
                }
            }
            for l in 0..n {
                let a = u64::from(b.active[l]);
                self.train_steps[l] += a;
                self.forwards[l] += 2 * a; // the recorded forward and the target's probe
            }
            // 3–4: act, reward; the target is owed; stop on the goal.
            for (l, &m) in mazes.iter().enumerate() {
                b.owed[l] = b.active[l];
                if !b.active[l] {
                    continue;
                }
                if !recipe.separate_greedy_forward && b.greedy[l] {
                    b.action[l] = argmax(&b.out[l]);
                }
                b.pos[l] = maze::step(m, b.pos[l], Action::ALL[b.action[l]]);
                b.losses.pred[l] = b.out[l][b.action[l]];
                b.losses.reward[l] = scale * (m.progress(b.pos[l]) - b.r0[l]);
                b.losses.at[l] = t * N_OUT + b.action[l];
                b.steps[l] = t + 1;
                b.active[l] = !m.is_goal(b.pos[l]);
            }
            target_owed = true;
            if !b.active.iter().any(|&a| a) {
                break;
            }
        }
        // 5–6 of the last step.
        if target_owed {
            self.sense
                .sense(&mazes, &b.pos, sigma, &b.owed, &mut b.x_target)?;
            self.jitter.jitter(&b.owed, jitter, &mut b.u_target);
            engine.probe(
                &net_refs,
                &b.owed,
                &b.x_target,
                &b.u_target,
                &mut b.next_out,
            )?;
            owe_loss(&b.owed, &b.next_out, &mut b.losses, &mut b.douts);
        }
        // Update every network: BPTT of the summed loss, clip, Adam.
        if let Some(l) = b.losses.episode.iter().position(|v| !v.is_finite()) {
            return Err(ModelError::NonFinite {
                network_id: self.plans[l].seeds.network_id,
                what: "Q-learning loss",
                epoch: episode,
                batch: 0,
            });
        }
        let dout_refs: Vec<&[f32]> = b.douts.iter().map(Vec::as_slice).collect();
        let norms = engine.gradients(&net_refs, &b.steps, &dout_refs, recipe.clip_norm)?;
        drop(net_refs);
        drop(mazes);
        for (l, &norm) in norms.iter().enumerate() {
            if !norm.is_finite() {
                return Err(ModelError::NonFinite {
                    network_id: self.plans[l].seeds.network_id,
                    what: "gradient norm",
                    epoch: episode,
                    batch: 0,
                });
            }
            self.clipped[l] += u64::from(norm > recipe.clip_norm);
            self.loss_sum[l] += f64::from(b.losses.episode[l]);
        }
        engine.adam_step(&mut self.nets, &mut self.adams)?;
        self.loss_count += 1;
        Ok(())
    }
}
