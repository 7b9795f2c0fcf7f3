//! Greedy trials (no exploration, no gradient) of a population in lockstep, and the fitness
//! of a trial (spec "Evaluation and measures").

use wiring_tasks::maze::{self, Action, Cell, Maze, LANES};

use super::engine::{argmax, LaneInputs, LaneJitter, PrnnEngine, N_IN, N_OUT};
use super::network::Prnn;
use super::streams::StepStreams;
use crate::ModelError;

/// Fitness of one trial that ended on `final_pos` at step index `time` (the step at which the
/// goal was reached, else `n_steps − 1`):
///
/// ```text
/// 0.5 · [1 − (time − fastest) / (n_steps − 1 − fastest)] + 0.5 · (dmax − d(final)) / dmax
/// ```
///
/// A zero denominator (`fastest = n_steps − 1`) gives NaN, as the reference; network fitness
/// is the NaN-ignoring mean over trials.
pub fn trial_fitness(maze: &Maze, time: usize, final_pos: Cell, n_steps: usize) -> f64 {
    let fastest = maze.fastest as f64;
    let denominator = (n_steps as f64 - 1.0) - fastest;
    let speed = 1.0 - (time as f64 - fastest) / denominator;
    let progress = f64::from(maze.dmax - maze.distance(final_pos)) / f64::from(maze.dmax);
    0.5 * speed + 0.5 * progress
}

/// The NaN-ignoring mean (NaN when every value is NaN or there are none).
pub fn nan_mean(values: &[f64]) -> f64 {
    let (sum, n) = values
        .iter()
        .filter(|v| !v.is_nan())
        .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        f64::NAN
    } else {
        sum / n as f64
    }
}

/// How one lane's trial went.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrialOutcome {
    /// Steps taken (records kept when recording): `time + 1`.
    pub steps: usize,
    /// The step index at which the goal was reached, else `n_steps − 1`.
    pub time: usize,
    pub final_pos: Cell,
    pub reached_goal: bool,
    pub fitness: f64,
}

impl TrialOutcome {
    /// A placeholder before any trial ran.
    pub const NONE: TrialOutcome = TrialOutcome {
        steps: 0,
        time: 0,
        final_pos: (0, 0),
        reached_goal: false,
        fitness: 0.0,
    };
}

/// Runs trial `m` of every lane (lane `l` on `mazes[l][m]`) greedily in lockstep: each step,
/// sense (noise σ from the lane's stream in `rngs`), draw the jitter (same stream), one
/// forward, take the argmax action; a lane stops on its goal. With `record`, every step is recorded in the
/// engine (read them through the engine before the next trial). The engine must hold
/// `nets`' parameters ([`PrnnEngine::load`]).
///
/// Random draws per lane and step, in order: 8 sensor normals (none when σ = 0), 5 jitter
/// uniforms.
#[allow(clippy::too_many_arguments)]
pub fn greedy_trial(
    engine: &mut impl PrnnEngine,
    nets: &[&Prnn<f32>],
    mazes: &[&[Maze]],
    m: usize,
    sensor_noise: f32,
    jitter: f32,
    n_steps: usize,
    rngs: &mut StepStreams,
    record: bool,
    outcomes: &mut [TrialOutcome],
) -> Result<(), ModelError> {
    let lanes = nets.len();
    let chunks = lanes.div_ceil(LANES);
    let mut x: Vec<LaneInputs> = vec![[[0.0; LANES]; N_IN]; chunks];
    let mut u: Vec<LaneJitter> = vec![[[0.0; LANES]; N_OUT]; chunks];
    let mut out = vec![[0.0f32; N_OUT]; lanes];
    let mut active = vec![true; lanes];
    let trial: Vec<&Maze> = mazes.iter().map(|set| &set[m]).collect();
    let mut pos: Vec<Cell> = trial.iter().map(|maze| maze.start).collect();
    let mut time = vec![n_steps - 1; lanes];
    let mut steps = vec![n_steps; lanes];
    let mut reached = vec![false; lanes];
    engine.reset();
    for t in 0..n_steps {
        rngs.sense(&trial, &pos, sensor_noise, &active, &mut x)?;
        rngs.jitter(&active, jitter, &mut u);
        engine.advance(nets, &active, t, &x, &u, &mut out, record)?;
        for l in 0..lanes {
            if !active[l] {
                continue;
            }
            let action = Action::ALL[argmax(&out[l])];
            pos[l] = maze::step(&mazes[l][m], pos[l], action);
            if mazes[l][m].is_goal(pos[l]) {
                active[l] = false;
                time[l] = t;
                steps[l] = t + 1;
                reached[l] = true;
            }
        }
        if !active.iter().any(|&a| a) {
            break;
        }
    }
    for l in 0..lanes {
        outcomes[l] = TrialOutcome {
            steps: steps[l],
            time: time[l],
            final_pos: pos[l],
            reached_goal: reached[l],
            fitness: trial_fitness(&mazes[l][m], time[l], pos[l], n_steps),
        };
    }
    Ok(())
}

/// Mean fitness of every lane over its test set at sensor noise σ (no recording).
pub fn mean_fitness(
    engine: &mut impl PrnnEngine,
    nets: &[&Prnn<f32>],
    mazes: &[&[Maze]],
    sensor_noise: f32,
    jitter: f32,
    n_steps: usize,
    rngs: &mut StepStreams,
) -> Result<Vec<f64>, ModelError> {
    let lanes = nets.len();
    let n_mazes = mazes.iter().map(|s| s.len()).min().unwrap_or(0);
    engine.load(nets)?;
    let mut fitness = vec![Vec::with_capacity(n_mazes); lanes];
    let mut outcomes = vec![TrialOutcome::NONE; lanes];
    for m in 0..n_mazes {
        greedy_trial(
            engine,
            nets,
            mazes,
            m,
            sensor_noise,
            jitter,
            n_steps,
            rngs,
            false,
            &mut outcomes,
        )?;
        for (f, o) in fitness.iter_mut().zip(&outcomes) {
            f.push(o.fitness);
        }
    }
    Ok(fitness.iter().map(|f| nan_mean(f)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_mean_ignores_nan() {
        assert_eq!(nan_mean(&[1.0, f64::NAN, 0.0]), 0.5);
        assert!(nan_mean(&[f64::NAN]).is_nan());
        assert!(nan_mean(&[]).is_nan());
    }
}
