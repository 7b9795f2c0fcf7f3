//! The measures of a trained population (spec "Evaluation and measures"): the noise sweep and
//! its robustness area, the cue- and wall-sparsity sweeps, input sensitivity and coherence,
//! the memory curve, weight norms.

use serde::{Deserialize, Serialize};
use wiring_kernels::prnn::{memory_jacobians_len, PrnnVariant, N_BLOCKS};
use wiring_tasks::maze::{Maze, MazeConfig};

use super::arch::PrnnPlan;
use super::engine::{frobenius, with_cpu_engine, EngineBody, PrnnEngine, N_IN, N_OUT};
use super::network::Prnn;
use super::recipe::{EvaluationRecipe, QRecipe};
use super::streams::StepStreams;
use super::train::test_mazes;
use super::trial::{greedy_trial, mean_fitness, nan_mean, TrialOutcome};
use crate::ModelError;

/// Everything measured on one trained network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PrnnEvaluation {
    /// Sensor noise levels of the sweep and the mean test fitness at each.
    pub noise_levels: Vec<f64>,
    pub fitness_by_noise: Vec<f64>,
    /// The headline fitness: the sweep's value at the headline noise.
    pub fitness: f64,
    /// Trapezoid area under fitness against noise (0.5 at most on `[0, 0.5]`).
    pub robustness: f64,
    /// Fitness against cue sparsity and its area (when measured).
    pub cue_sparsity_fitness: Option<Vec<f64>>,
    pub cue_sparsity_robustness: Option<f64>,
    /// Fitness against wall sparsity and its area (when measured).
    pub wall_sparsity_fitness: Option<Vec<f64>>,
    pub wall_sparsity_robustness: Option<f64>,
    /// Mean over every step of every test trial (headline noise) of `‖∂o_t/∂x_t‖_F`.
    pub sensitivity: f64,
    /// Mean input coherence over the same steps.
    pub coherence: f64,
    /// `M_k`, `k = 0..n_steps`: NaN-ignoring mean over (trial, `t ≥ k`) of
    /// `‖∂o_t/∂x_{t−k}‖_F / ‖∂o_t/∂x_t‖_F`.
    pub memory_curve: Vec<f64>,
    /// NaN-ignoring sum of `memory_curve`.
    pub memory: f64,
    /// Frobenius norms `[ih, ho, ii, hh, oo, io, oi, hi, oh]` (0 when absent).
    pub weight_norms: [f64; N_BLOCKS],
    /// Fraction of headline test trials that reached the goal.
    pub goal_rate: f64,
}

/// Per-step values of the headline test trials: which trial and step, the input sensitivity
/// and the input coherence (kept as arrays beside the record).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StepMeasures {
    pub trial: Vec<u32>,
    pub step: Vec<u32>,
    pub sensitivity: Vec<f32>,
    pub coherence: Vec<f32>,
}

/// Input coherence of one sensed vector `[L0, L1, R0, R1, U0, U1, D0, D1]`:
/// `‖Σ_s m_s d_s‖ / Σ_s m_s`, `m_s` the sum of sensor `s`'s channels and `d_s` its unit
/// direction (left, right, up, down); 0 when there is no input.
pub fn input_coherence(x: &[f32; N_IN]) -> f64 {
    const DIRECTIONS: [(f64, f64); 4] = [(-1.0, 0.0), (1.0, 0.0), (0.0, 1.0), (0.0, -1.0)];
    let (mut vx, mut vy, mut total) = (0.0, 0.0, 0.0);
    for (s, (dx, dy)) in DIRECTIONS.iter().enumerate() {
        let m = f64::from(x[2 * s]) + f64::from(x[2 * s + 1]);
        vx += m * dx;
        vy += m * dy;
        total += m;
    }
    if total == 0.0 {
        0.0
    } else {
        (vx * vx + vy * vy).sqrt() / total
    }
}

/// Trapezoid area under `y(x)` (NaN if any `y` is NaN).
pub fn trapezoid(x: &[f64], y: &[f64]) -> f64 {
    x.windows(2)
        .zip(y.windows(2))
        .map(|(xs, ys)| 0.5 * (xs[1] - xs[0]) * (ys[0] + ys[1]))
        .sum()
}

/// Evaluates every trained network of a population (one hidden size) in lockstep.
///
/// Streams per network: `"test"` (the test set, as in training), `"eval/noise"` (noise and
/// jitter of the whole noise sweep, level by level), `"eval/cue_sparsity"`,
/// `"eval/wall_sparsity"` (fresh test sets, then noise and jitter, level by level).
pub fn evaluate_population(
    recipe: &QRecipe,
    eval: &EvaluationRecipe,
    task: &MazeConfig,
    variant: PrnnVariant,
    plans: &[PrnnPlan],
    nets: &[&Prnn<f32>],
) -> Result<Vec<(PrnnEvaluation, StepMeasures)>, ModelError> {
    eval.validate()?;
    let Some(first) = nets.first() else {
        return Ok(Vec::new());
    };
    let n = nets.len();
    let dims = first.dims();
    let n_steps = task.kind.n_steps();
    with_cpu_engine(
        variant,
        dims,
        n,
        n_steps,
        Evaluation {
            recipe,
            eval,
            task,
            plans,
            nets,
        },
    )
}

/// [`evaluate_population`]'s work, generic over the engine.
struct Evaluation<'a> {
    recipe: &'a QRecipe,
    eval: &'a EvaluationRecipe,
    task: &'a MazeConfig,
    plans: &'a [PrnnPlan],
    nets: &'a [&'a Prnn<f32>],
}

impl EngineBody<Vec<(PrnnEvaluation, StepMeasures)>> for Evaluation<'_> {
    fn run<E: PrnnEngine>(
        self,
        engine: &mut E,
    ) -> Result<Vec<(PrnnEvaluation, StepMeasures)>, ModelError> {
        let Evaluation {
            recipe,
            eval,
            task,
            plans,
            nets,
        } = self;
        let n = nets.len();
        let n_steps = task.kind.n_steps();
        let jitter = recipe.jitter as f32;
        let tests: Vec<Vec<Maze>> = plans
            .iter()
            .map(|p| test_mazes(task, recipe, p.seeds))
            .collect::<Result<_, _>>()?;
        let test_refs: Vec<&[Maze]> = tests.iter().map(Vec::as_slice).collect();
        let rngs_for = |name: &str| StepStreams::new(plans, name);

        // The noise sweep; the headline level also records every step for the Jacobians.
        let headline = headline_level(eval);
        let mut noise_rngs = rngs_for("eval/noise");
        let mut by_noise = vec![Vec::with_capacity(eval.noise_levels.len()); n];
        let mut headline_parts = None;
        for (i, &sigma) in eval.noise_levels.iter().enumerate() {
            let fitness = if Some(i) == headline {
                let parts = measure_headline(
                    engine,
                    nets,
                    &test_refs,
                    sigma as f32,
                    jitter,
                    n_steps,
                    &mut noise_rngs,
                )?;
                let f = parts.iter().map(|p| p.fitness).collect();
                headline_parts = Some(parts);
                f
            } else {
                mean_fitness(
                    engine,
                    nets,
                    &test_refs,
                    sigma as f32,
                    jitter,
                    n_steps,
                    &mut noise_rngs,
                )?
            };
            for (b, f) in by_noise.iter_mut().zip(fitness) {
                b.push(f);
            }
        }
        let headline_parts = match headline_parts {
            Some(p) => p,
            None => measure_headline(
                engine,
                nets,
                &test_refs,
                eval.headline_noise as f32,
                jitter,
                n_steps,
                &mut noise_rngs,
            )?,
        };

        let mut sparsity = |field: &str| -> Result<Option<Vec<Vec<f64>>>, ModelError> {
            if !eval.sparsity_robustness {
                return Ok(None);
            }
            let mut rngs = rngs_for(&format!("eval/{field}"));
            let mut curves = vec![Vec::with_capacity(eval.sparsity_levels.len()); n];
            for &p in &eval.sparsity_levels {
                let mut cfg = *task;
                if field == "cue_sparsity" {
                    cfg.cue_sparsity = p;
                } else {
                    cfg.wall_sparsity = p;
                }
                let sets: Vec<Vec<Maze>> = (0..n)
                    .map(|l| cfg.generate(recipe.test_mazes, &mut rngs.lane(l)))
                    .collect::<Result<_, _>>()?;
                let refs: Vec<&[Maze]> = sets.iter().map(Vec::as_slice).collect();
                let f = mean_fitness(
                    engine,
                    nets,
                    &refs,
                    eval.headline_noise as f32,
                    jitter,
                    n_steps,
                    &mut rngs,
                )?;
                for (c, v) in curves.iter_mut().zip(f) {
                    c.push(v);
                }
            }
            Ok(Some(curves))
        };
        let cue = sparsity("cue_sparsity")?;
        let wall = sparsity("wall_sparsity")?;

        Ok(headline_parts
            .into_iter()
            .enumerate()
            .map(|(l, parts)| {
                let pick = |c: &Option<Vec<Vec<f64>>>| c.as_ref().map(|c| c[l].clone());
                finish(
                    eval,
                    headline,
                    by_noise[l].clone(),
                    parts,
                    pick(&cue),
                    pick(&wall),
                    nets[l],
                )
            })
            .collect())
    }
}

/// One network's evaluation from its measured parts (shared by the CPU engines and the
/// device): the sweep `by_noise`, the headline pass (`headline`: its level in the sweep, if
/// any), the sparsity curves when measured, and the weight norms of `net`.
pub(super) fn finish(
    eval: &EvaluationRecipe,
    headline: Option<usize>,
    curve: Vec<f64>,
    parts: HeadlineParts,
    cue_curve: Option<Vec<f64>>,
    wall_curve: Option<Vec<f64>>,
    net: &Prnn<f32>,
) -> (PrnnEvaluation, StepMeasures) {
    let fitness = match headline {
        Some(i) => curve[i],
        None => parts.fitness,
    };
    let area = |c: &Option<Vec<f64>>| c.as_ref().map(|c| trapezoid(&eval.sparsity_levels, c));
    let (cue_area, wall_area) = (area(&cue_curve), area(&wall_curve));
    let memory = parts
        .memory_curve
        .iter()
        .filter(|v| !v.is_nan())
        .sum::<f64>();
    let mean32 = |v: &[f32]| nan_mean(&v.iter().map(|&v| f64::from(v)).collect::<Vec<_>>());
    (
        PrnnEvaluation {
            robustness: trapezoid(&eval.noise_levels, &curve),
            noise_levels: eval.noise_levels.clone(),
            fitness_by_noise: curve,
            fitness,
            cue_sparsity_fitness: cue_curve,
            cue_sparsity_robustness: cue_area,
            wall_sparsity_fitness: wall_curve,
            wall_sparsity_robustness: wall_area,
            sensitivity: mean32(&parts.steps.sensitivity),
            coherence: mean32(&parts.steps.coherence),
            memory_curve: parts.memory_curve,
            memory,
            weight_norms: net.weight_norms(),
            goal_rate: parts.goal_rate,
        },
        parts.steps,
    )
}

/// The level of the noise sweep that is the headline one, if any.
pub(super) fn headline_level(eval: &EvaluationRecipe) -> Option<usize> {
    eval.noise_levels
        .iter()
        .position(|&v| (v - eval.headline_noise).abs() <= 1e-12)
}

/// What the headline pass measures for one lane.
pub(super) struct HeadlineParts {
    pub(super) fitness: f64,
    pub(super) goal_rate: f64,
    pub(super) steps: StepMeasures,
    pub(super) memory_curve: Vec<f64>,
}

/// The test set at the headline noise, recording every step: fitness, per-step sensitivity
/// and coherence, and the memory curve from the Jacobians of each trial's re-run (the
/// recorded trial itself: it starts from the zero state on the same inputs and jitter).
fn measure_headline<E: PrnnEngine>(
    engine: &mut E,
    nets: &[&Prnn<f32>],
    mazes: &[&[Maze]],
    sigma: f32,
    jitter: f32,
    n_steps: usize,
    rngs: &mut StepStreams,
) -> Result<Vec<HeadlineParts>, ModelError> {
    let n = nets.len();
    let n_mazes = mazes.iter().map(|s| s.len()).min().unwrap_or(0);
    engine.load(nets)?;
    let mut outcomes = vec![TrialOutcome::NONE; n];
    let mut fitness = vec![Vec::with_capacity(n_mazes); n];
    let mut goals = vec![0usize; n];
    let mut steps = vec![StepMeasures::default(); n];
    let mut mem_sum = vec![vec![0.0f64; n_steps]; n];
    let mut mem_count = vec![vec![0usize; n_steps]; n];
    let dims = engine.dims();
    let mut jac = vec![0.0f32; memory_jacobians_len(dims, n_steps)];
    let block = N_OUT * N_IN;
    for m in 0..n_mazes {
        greedy_trial(
            engine,
            nets,
            mazes,
            m,
            sigma,
            jitter,
            n_steps,
            rngs,
            true,
            &mut outcomes,
        )?;
        for l in 0..n {
            let o = outcomes[l];
            fitness[l].push(o.fitness);
            goals[l] += usize::from(o.reached_goal);
            let t_len = o.steps;
            engine.memory_jacobians(nets[l], l, t_len, &mut jac)?;
            for t in 0..t_len {
                let coherence = input_coherence(engine.input(l, t));
                let sens = frobenius(&jac[(t * t_len) * block..(t * t_len + 1) * block]);
                let s = &mut steps[l];
                s.trial.push(m as u32);
                s.step.push(t as u32);
                s.sensitivity.push(sens as f32);
                s.coherence.push(coherence as f32);
                for k in 0..=t {
                    let at = (t * t_len + k) * block;
                    let ratio = frobenius(&jac[at..at + block]) / sens;
                    if ratio.is_finite() {
                        mem_sum[l][k] += ratio;
                        mem_count[l][k] += 1;
                    }
                }
            }
        }
    }
    Ok((0..n)
        .map(|l| HeadlineParts {
            fitness: nan_mean(&fitness[l]),
            goal_rate: goals[l] as f64 / n_mazes.max(1) as f64,
            steps: std::mem::take(&mut steps[l]),
            memory_curve: mem_sum[l]
                .iter()
                .zip(&mem_count[l])
                .map(|(&s, &c)| if c == 0 { f64::NAN } else { s / c as f64 })
                .collect(),
        })
        .collect())
}
