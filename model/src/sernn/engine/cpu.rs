//! [`CpuEngine`]: networks on the calling thread, one after another.

use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use rand_xoshiro::Xoshiro256PlusPlus;
use wiring_kernels::adam::{self, AdamParams, AdamVariant};
use wiring_kernels::rnn::RnnVariant;
use wiring_tasks::goal_choice::{GoalChoice, N_INPUTS};

use super::SernnEngine;
use crate::sernn::network::{self, BatchStats, Params, Workspace};
use crate::sernn::regulariser::Regulariser;
use crate::ModelError;

/// One network's state on the CPU.
struct Network {
    params: Params<f32>,
    grads: Params<f32>,
    /// Adam's first and second moments.
    m: Params<f32>,
    v: Params<f32>,
    reg: Regulariser<f32>,
    reg_flops: u64,
    /// The training inputs' noise stream.
    noise: Option<Xoshiro256PlusPlus>,
}

/// How training inputs are made ([`SernnEngine::set_training_inputs`]).
struct Inputs {
    task: GoalChoice,
    /// `None` when σ = 0 (no draws).
    normal: Option<Normal<f32>>,
    x: Vec<f32>,
}

/// The CPU engine: the RNN kernel `variant` over a workspace of `batch` trials, the
/// regulariser's faer path, and the SIMD Adam (Keras form), all sequential (a study runs one
/// network per engine and parallelises over engines).
pub struct CpuEngine {
    variant: RnnVariant,
    steps: usize,
    nets: Vec<Network>,
    ws: Workspace<f32>,
    inputs: Option<Inputs>,
}

impl CpuEngine {
    /// An engine for one network per regulariser in `regs` (each of `n_hidden` units), on
    /// trials of `steps` steps, `batch` at a time, with the RNN kernel `variant`; parameters
    /// zero until [`SernnEngine::load`].
    pub fn new(
        variant: RnnVariant,
        n_hidden: usize,
        steps: usize,
        batch: usize,
        regs: Vec<Regulariser<f32>>,
    ) -> Self {
        let nets = regs
            .into_iter()
            .map(|reg| Network {
                params: Params::zeros(n_hidden),
                grads: Params::zeros(n_hidden),
                m: Params::zeros(n_hidden),
                v: Params::zeros(n_hidden),
                reg,
                reg_flops: 0,
                noise: None,
            })
            .collect();
        Self {
            variant,
            steps,
            nets,
            ws: Workspace::new(steps, batch, n_hidden),
            inputs: None,
        }
    }

    /// Network `i`'s part of a population array of `per` elements per network.
    fn part<T>(all: &[T], i: usize, per: usize) -> &[T] {
        &all[i * per..(i + 1) * per]
    }
}

fn check_shapes(
    engine: &CpuEngine,
    x: &[f32],
    labels: &[u8],
    stats: &[BatchStats],
) -> Result<usize, ModelError> {
    let p = engine.nets.len();
    let trials = labels.len() / p.max(1);
    let ok = p > 0
        && labels.len() == p * trials
        && x.len() == p * engine.steps * trials * wiring_tasks::goal_choice::N_INPUTS
        && stats.len() == p;
    if ok {
        Ok(trials)
    } else {
        Err(ModelError::InvalidField {
            field: "batch",
            expected: "one batch of equal size per network",
            got: format!(
                "{} inputs, {} labels, {} stats for {p} networks",
                x.len(),
                labels.len(),
                stats.len()
            ),
        })
    }
}

impl SernnEngine for CpuEngine {
    fn networks(&self) -> usize {
        self.nets.len()
    }

    fn batch(&self) -> usize {
        self.ws.batch
    }

    fn load(&mut self, params: &[Params<f32>]) -> Result<(), ModelError> {
        for (net, p) in self.nets.iter_mut().zip(params) {
            net.params.clone_from(p);
        }
        Ok(())
    }

    fn store(&mut self, params: &mut [Params<f32>]) -> Result<(), ModelError> {
        for (net, p) in self.nets.iter().zip(params) {
            p.clone_from(&net.params);
        }
        Ok(())
    }

    fn store_gradients(&mut self, grads: &mut [Params<f32>]) -> Result<(), ModelError> {
        for (net, g) in self.nets.iter().zip(grads) {
            g.clone_from(&net.grads);
        }
        Ok(())
    }

    fn forward(
        &mut self,
        x: &[f32],
        labels: &[u8],
        stats: &mut [BatchStats],
    ) -> Result<(), ModelError> {
        let trials = check_shapes(self, x, labels, stats)?;
        let per_x = x.len() / self.nets.len();
        for (i, (net, s)) in self.nets.iter().zip(stats.iter_mut()).enumerate() {
            *s = network::forward(
                self.variant,
                &net.params,
                Self::part(x, i, per_x),
                Self::part(labels, i, trials),
                &mut self.ws,
            )?;
        }
        Ok(())
    }

    fn set_training_inputs(
        &mut self,
        task: GoalChoice,
        noise_seeds: &[u64],
        sigma: f64,
    ) -> Result<(), ModelError> {
        let bad = || ModelError::InvalidField {
            field: "input_noise_std",
            expected: "a finite number ≥ 0",
            got: sigma.to_string(),
        };
        if noise_seeds.len() != self.nets.len() {
            return Err(ModelError::InvalidField {
                field: "networks",
                expected: "one noise stream per network",
                got: format!("{} for {} networks", noise_seeds.len(), self.nets.len()),
            });
        }
        let normal = if sigma > 0.0 {
            Some(Normal::new(0.0f32, sigma as f32).map_err(|_| bad())?)
        } else if sigma == 0.0 {
            None
        } else {
            return Err(bad());
        };
        for (net, &seed) in self.nets.iter_mut().zip(noise_seeds) {
            net.noise = Some(Xoshiro256PlusPlus::seed_from_u64(seed));
        }
        let len = self.nets.len() * self.steps * self.ws.batch * N_INPUTS;
        self.inputs = Some(Inputs {
            task,
            normal,
            x: vec![0.0; len],
        });
        Ok(())
    }

    fn train_batch(
        &mut self,
        problems: &[u8],
        labels: &[u8],
        stats: &mut [BatchStats],
    ) -> Result<(), ModelError> {
        let mut inputs = self.inputs.take().ok_or(ModelError::InvalidField {
            field: "training inputs",
            expected: "set_training_inputs before train_batch",
            got: "none".into(),
        })?;
        let p = self.nets.len();
        let trials = problems.len() / p.max(1);
        let len = self.steps * trials * N_INPUTS;
        if problems.len() != p * trials || p * len > inputs.x.len() {
            self.inputs = Some(inputs);
            return Err(ModelError::InvalidField {
                field: "batch",
                expected: "one batch of equal size (at most the engine's) per network",
                got: format!("{} problems for {p} networks", problems.len()),
            });
        }
        // Each network's inputs and noise, as training always drew them: the task's inputs,
        // then one draw per value in order.
        for (i, net) in self.nets.iter_mut().enumerate() {
            let xb = &mut inputs.x[i * len..(i + 1) * len];
            inputs
                .task
                .fill_inputs(&problems[i * trials..(i + 1) * trials], xb);
            if let (Some(normal), Some(rng)) = (&inputs.normal, net.noise.as_mut()) {
                for v in xb.iter_mut() {
                    *v += normal.sample(rng);
                }
            }
        }
        let result = self.task_gradient(&inputs.x[..p * len], labels, stats);
        self.inputs = Some(inputs);
        result
    }

    fn task_gradient(
        &mut self,
        x: &[f32],
        labels: &[u8],
        stats: &mut [BatchStats],
    ) -> Result<(), ModelError> {
        let trials = check_shapes(self, x, labels, stats)?;
        let per_x = x.len() / self.nets.len();
        for (i, (net, s)) in self.nets.iter_mut().zip(stats.iter_mut()).enumerate() {
            *s = network::loss_and_gradient(
                self.variant,
                &net.params,
                Self::part(x, i, per_x),
                Self::part(labels, i, trials),
                &mut self.ws,
                &mut net.grads,
            )?;
        }
        Ok(())
    }

    fn regulariser_gradient(&mut self, penalties: &mut [f64]) -> Result<(), ModelError> {
        for (net, out) in self.nets.iter_mut().zip(penalties) {
            *out = net
                .reg
                .penalty_and_gradient(&net.params.w_rec, &mut net.grads.w_rec)?;
            net.reg_flops = net.reg.last_flops();
        }
        Ok(())
    }

    fn penalty(&mut self, penalties: &mut [f64]) -> Result<(), ModelError> {
        for (net, out) in self.nets.iter_mut().zip(penalties) {
            *out = net.reg.penalty(&net.params.w_rec)?;
            net.reg_flops = net.reg.last_flops();
        }
        Ok(())
    }

    fn regulariser_flops(&self, flops: &mut [u64]) {
        for (net, f) in self.nets.iter().zip(flops) {
            *f = net.reg_flops;
        }
    }

    fn adam_step(&mut self, hp: &AdamParams, t: u64) -> Result<(), ModelError> {
        for net in &mut self.nets {
            let moments = net.m.arrays_mut().into_iter().zip(net.v.arrays_mut());
            for ((p, g), (m, v)) in net
                .params
                .arrays_mut()
                .into_iter()
                .zip(net.grads.arrays())
                .zip(moments)
            {
                adam::step(AdamVariant::Simd, hp, t, p, g, m, v)?;
            }
        }
        Ok(())
    }
}
