//! [`CpuEngine`]: networks on the calling thread, one after another.

use wiring_kernels::adam::{self, AdamParams, AdamVariant};
use wiring_kernels::rnn::RnnVariant;

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
}

/// The CPU engine: the RNN kernel `variant` over a workspace of `batch` trials, the
/// regulariser's faer path, and the SIMD Adam (Keras form), all sequential (a study runs one
/// network per engine and parallelises over engines).
pub struct CpuEngine {
    variant: RnnVariant,
    steps: usize,
    nets: Vec<Network>,
    ws: Workspace<f32>,
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
            })
            .collect();
        Self {
            variant,
            steps,
            nets,
            ws: Workspace::new(steps, batch, n_hidden),
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
