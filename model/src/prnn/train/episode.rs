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
        let Trainer {
            recipe,
            plans,
            n_steps,
            lanes,
            nets,
            adams,
            explore,
            sense: sense_rngs,
            jitter: jitter_rngs,
            loss_sum,
            loss_count,
            clipped,
            train_steps,
            forwards,
            step,
            ..
        } = self;
        let StepBuffers {
            x,
            x_target,
            u,
            u_target,
            u_probe,
            out,
            probe_out,
            next_out,
            active,
            greedy,
            action,
            pos,
            r0,
            steps,
            owed,
            losses,
            douts,
        } = step;
        // The buffers as slices: their pointers and lengths stay in registers (through the
        // `Vec`s they would be reloaded after every store: 1.9 % more instructions).
        let (x, x_target, u, u_target, u_probe) = (
            &mut x[..],
            &mut x_target[..],
            &mut u[..],
            &mut u_target[..],
            &mut u_probe[..],
        );
        let (out, probe_out, next_out) = (&mut out[..], &mut probe_out[..], &mut next_out[..]);
        let (active, greedy, action, pos, r0, steps, owed, douts) = (
            &mut active[..],
            &mut greedy[..],
            &mut action[..],
            &mut pos[..],
            &mut r0[..],
            &mut steps[..],
            &mut owed[..],
            &mut douts[..],
        );
        let (loss_sum, clipped, train_steps, forwards) = (
            &mut loss_sum[..],
            &mut clipped[..],
            &mut train_steps[..],
            &mut forwards[..],
        );
        let (recipe, n_steps, n) = (*recipe, *n_steps, nets.len());
        let (sigma, jitter) = (recipe.sensor_noise as f32, recipe.jitter as f32);
        let scale = recipe.reward_scale as f32;
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
                sense_rngs.sense_twice(&mazes, pos, sigma, owed, x_target, active, x)?;
            } else {
                sense_rngs.sense(&mazes, pos, sigma, active, x)?;
            }
            for (g, &a) in greedy.iter_mut().zip(active.iter()) {
                *g &= a;
            }
            explore.explore(active, epsilon, greedy, action);
            // 3: the recorded forward — with the greedy lanes' probe fused in (same input,
            // its own jitter drawn first, as a separate probe forward would); the owed
            // targets' jitter is drawn before both.
            if target_owed {
                jitter_rngs.jitter(owed, jitter, u_target);
            }
            let fused_probe = recipe.separate_greedy_forward && greedy.iter().any(|&g| g);
            if fused_probe {
                jitter_rngs.jitter(greedy, jitter, u_probe);
            }
            jitter_rngs.jitter(active, jitter, u);
            // 5–6 of the previous step: its target, a forward from the state this step starts
            // from, computed with the step.
            let fused_probe = fused_probe.then_some(Probe {
                on: greedy,
                u: u_probe,
                out: probe_out,
            });
            let target = target_owed.then_some(Target {
                on: owed,
                x: x_target,
                u: u_target,
                out: next_out,
            });
            engine.advance_probe(&net_refs, active, t, x, u, out, fused_probe, target)?;
            if target_owed {
                owe_loss(owed, next_out, losses, douts);
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
            sense_rngs.sense(&mazes, pos, sigma, owed, x_target)?;
            jitter_rngs.jitter(owed, jitter, u_target);
            engine.probe(&net_refs, owed, x_target, u_target, next_out)?;
            owe_loss(owed, next_out, losses, douts);
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
        let norms = engine.gradients(&net_refs, steps, &dout_refs, recipe.clip_norm)?;
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
        engine.adam_step(nets, adams)?;
        *loss_count += 1;
        Ok(())
    }
}
