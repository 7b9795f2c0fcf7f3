//! [`ReferenceEngine`]: one network after another through the scalar one-network kernels.

use wiring_kernels::prnn::{self, PrnnDims};

use super::{
    active_lanes, lane_of, LaneInputs, LaneJitter, PrnnEngine, Probe, Target, N_IN, N_OUT,
};
use crate::prnn::network::{clip_grad_norm, Prnn, PrnnAdam};
use crate::ModelError;

/// The oracle engine: per lane its own state and records, each network stepped by the
/// scalar kernels; the parameters stay in the networks themselves (`load` and `store` have
/// nothing to do) and a lane that is not active is skipped.
pub struct ReferenceEngine {
    dims: PrnnDims,
    /// Per lane, the current state and `max_steps × record_len` records.
    state: Vec<Vec<f32>>,
    records: Vec<Vec<f32>>,
    /// Per lane: the sensed input of each recorded step.
    inputs: Vec<Vec<[f32; N_IN]>>,
    /// One state of scratch.
    next: Vec<f32>,
    /// The zero state trials start from.
    zero: Vec<f32>,
    scratch: Vec<f32>,
    /// Each lane's gradient (masked layout).
    grads: Vec<Vec<f32>>,
}

impl ReferenceEngine {
    /// An engine for `lanes` networks of `dims` and episodes of at most `max_steps`.
    pub fn new(dims: PrnnDims, lanes: usize, max_steps: usize) -> Self {
        let (sl, rl) = (dims.state_len(), dims.record_len());
        Self {
            dims,
            state: vec![vec![0.0; sl]; lanes],
            records: vec![vec![0.0; max_steps * rl]; lanes],
            inputs: vec![vec![[0.0; N_IN]; max_steps]; lanes],
            next: vec![0.0; sl],
            zero: vec![0.0; sl],
            scratch: vec![0.0; prnn::backward_scratch(dims).max(prnn::jacobian_scratch(dims))],
            grads: vec![vec![0.0; dims.param_len()]; lanes],
        }
    }

    fn backward_one(
        &mut self,
        net: &Prnn<f32>,
        lane: usize,
        steps: usize,
        dout: &[f32],
        g: &mut [f32],
    ) -> Result<(), ModelError> {
        let rl = self.dims.record_len();
        g.fill(0.0);
        let scratch = &mut self.scratch[..prnn::backward_scratch(self.dims)];
        prnn::backward(
            net.net(),
            steps,
            &self.zero,
            &self.records[lane][..steps * rl],
            &dout[..steps * N_OUT],
            g,
            scratch,
        )?;
        Ok(())
    }
}

impl PrnnEngine for ReferenceEngine {
    fn dims(&self) -> PrnnDims {
        self.dims
    }

    fn load(&mut self, _nets: &[&Prnn<f32>]) -> Result<(), ModelError> {
        Ok(())
    }

    fn store(&self, _nets: &mut [Prnn<f32>]) -> Result<(), ModelError> {
        Ok(())
    }

    fn reset(&mut self) {
        self.state.iter_mut().for_each(|s| s.fill(0.0));
    }

    fn probe(
        &mut self,
        nets: &[&Prnn<f32>],
        active: &[bool],
        x: &[LaneInputs],
        u: &[LaneJitter],
        out: &mut [[f32; N_OUT]],
    ) -> Result<(), ModelError> {
        let o = self.dims.n_in + self.dims.n_hidden;
        for l in active_lanes(active) {
            prnn::step(
                nets[l].net(),
                &self.state[l],
                &lane_of(x, l),
                &lane_of(u, l),
                &mut self.next,
            )?;
            out[l].copy_from_slice(&self.next[o..o + N_OUT]);
        }
        Ok(())
    }

    fn advance(
        &mut self,
        nets: &[&Prnn<f32>],
        active: &[bool],
        t: usize,
        x: &[LaneInputs],
        u: &[LaneJitter],
        out: &mut [[f32; N_OUT]],
        record: bool,
    ) -> Result<(), ModelError> {
        let (sl, rl) = (self.dims.state_len(), self.dims.record_len());
        let o = self.dims.n_in + self.dims.n_hidden;
        for l in active_lanes(active) {
            let (xl, ul) = (lane_of(x, l), lane_of(u, l));
            if record {
                self.inputs[l][t] = xl;
                let rec = &mut self.records[l][t * rl..(t + 1) * rl];
                prnn::step_record(nets[l].net(), &self.state[l], &xl, &ul, rec)?;
                self.state[l].copy_from_slice(&rec[..sl]);
            } else {
                prnn::step(nets[l].net(), &self.state[l], &xl, &ul, &mut self.next)?;
                self.state[l].copy_from_slice(&self.next);
            }
            out[l].copy_from_slice(&self.state[l][o..o + N_OUT]);
        }
        Ok(())
    }

    /// The target's probe, then the greedy probe, then the recorded step.
    fn advance_probe(
        &mut self,
        nets: &[&Prnn<f32>],
        active: &[bool],
        t: usize,
        x: &[LaneInputs],
        u: &[LaneJitter],
        out: &mut [[f32; N_OUT]],
        greedy: Option<Probe<'_>>,
        target: Option<Target<'_>>,
    ) -> Result<(), ModelError> {
        if let Some(q) = target {
            self.probe(nets, q.on, q.x, q.u, q.out)?;
        }
        if let Some(g) = greedy {
            self.probe(nets, g.on, x, g.u, g.out)?;
        }
        self.advance(nets, active, t, x, u, out, true)
    }

    fn gradients(
        &mut self,
        nets: &[&Prnn<f32>],
        steps: &[usize],
        dout: &[&[f32]],
        max_norm: f64,
    ) -> Result<Vec<f64>, ModelError> {
        let dims = self.dims;
        let mut grads = std::mem::take(&mut self.grads);
        let result = (|| {
            let mut norms = Vec::with_capacity(nets.len());
            for (l, g) in grads.iter_mut().enumerate() {
                self.backward_one(nets[l], l, steps[l], dout[l], g)?;
                norms.push(clip_grad_norm(dims, nets[l].mask(), g, max_norm));
            }
            Ok(norms)
        })();
        self.grads = grads;
        result
    }

    /// Updates `nets` and `adams` directly.
    fn adam_step(
        &mut self,
        nets: &mut [Prnn<f32>],
        adams: &mut [PrnnAdam<f32>],
    ) -> Result<(), ModelError> {
        for ((net, adam), g) in nets.iter_mut().zip(adams.iter_mut()).zip(&self.grads) {
            adam.step(net, g)?;
        }
        Ok(())
    }

    fn input(&self, lane: usize, t: usize) -> &[f32; N_IN] {
        &self.inputs[lane][t]
    }

    fn memory_jacobians(
        &mut self,
        net: &Prnn<f32>,
        lane: usize,
        steps: usize,
        jac: &mut [f32],
    ) -> Result<(), ModelError> {
        let rl = self.dims.record_len();
        let scratch = &mut self.scratch[..prnn::jacobian_scratch(self.dims)];
        prnn::memory_jacobians(
            net.net(),
            steps,
            &self.records[lane][..steps * rl],
            &mut jac[..prnn::memory_jacobians_len(self.dims, steps)],
            scratch,
        )?;
        Ok(())
    }
}
