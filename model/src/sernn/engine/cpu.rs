//! [`CpuEngine`]: one network on one core.

use wiring_kernels::adam::{self, AdamParams, AdamVariant};
use wiring_kernels::rnn::RnnVariant;

use super::SernnEngine;
use crate::sernn::network::{self, BatchStats, Params, Workspace};
use crate::sernn::regulariser::Regulariser;
use crate::ModelError;

/// The CPU engine: the RNN kernel `variant` over a workspace of `batch` trials, the
/// regulariser's faer path, and the SIMD Adam (Keras form), all sequential (parallelism is
/// over networks).
pub struct CpuEngine {
    variant: RnnVariant,
    params: Params<f32>,
    grads: Params<f32>,
    /// Adam's first and second moments.
    m: Params<f32>,
    v: Params<f32>,
    ws: Workspace<f32>,
}

impl CpuEngine {
    /// An engine for networks of `n_hidden` units on trials of `steps` steps, `batch` at a
    /// time, with the RNN kernel `variant`; parameters zero until [`SernnEngine::load`].
    pub fn new(variant: RnnVariant, n_hidden: usize, steps: usize, batch: usize) -> Self {
        Self {
            variant,
            params: Params::zeros(n_hidden),
            grads: Params::zeros(n_hidden),
            m: Params::zeros(n_hidden),
            v: Params::zeros(n_hidden),
            ws: Workspace::new(steps, batch, n_hidden),
        }
    }
}

impl SernnEngine for CpuEngine {
    fn batch(&self) -> usize {
        self.ws.batch
    }

    fn load(&mut self, params: &Params<f32>) -> Result<(), ModelError> {
        self.params.clone_from(params);
        Ok(())
    }

    fn store(&self, params: &mut Params<f32>) -> Result<(), ModelError> {
        params.clone_from(&self.params);
        Ok(())
    }

    fn forward(&mut self, x: &[f32], labels: &[u8]) -> Result<BatchStats, ModelError> {
        network::forward(self.variant, &self.params, x, labels, &mut self.ws)
    }

    fn task_gradient(&mut self, x: &[f32], labels: &[u8]) -> Result<BatchStats, ModelError> {
        network::loss_and_gradient(
            self.variant,
            &self.params,
            x,
            labels,
            &mut self.ws,
            &mut self.grads,
        )
    }

    fn regulariser_gradient(&mut self, reg: &mut Regulariser<f32>) -> Result<f64, ModelError> {
        reg.penalty_and_gradient(&self.params.w_rec, &mut self.grads.w_rec)
    }

    fn adam_step(&mut self, hp: &AdamParams, t: u64) -> Result<(), ModelError> {
        let moments = self.m.arrays_mut().into_iter().zip(self.v.arrays_mut());
        for ((p, g), (m, v)) in self
            .params
            .arrays_mut()
            .into_iter()
            .zip(self.grads.arrays())
            .zip(moments)
        {
            adam::step(AdamVariant::Simd, hp, t, p, g, m, v)?;
        }
        Ok(())
    }
}
