//! The lockstep engine under training and evaluation: a population of networks of the same
//! [`PrnnDims`], each with its own state, advanced one step at a time together.
//!
//! Every lane's numbers are exactly those of its network run alone: the engine only decides
//! how the work is laid out — one network after another with the scalar reference kernel
//! ([`PrnnVariant::Reference`]), or all lanes at once in the SIMD population kernel
//! ([`PrnnVariant::Population`], lanes bit-identical to the reference). With the reference a
//! lane that is not active this step is skipped; with the population kernel it is computed
//! on zero inputs (finite, never read: its later records only meet zero upstream gradients).
//!
//! Call [`Engine::load`] whenever the networks' parameters changed (the population kernel
//! works on its own interleaved copy).

use wiring_kernels::prnn::{self, PrnnDims, PrnnMask, PrnnVariant, POPULATION_LANES as L};

use super::network::Prnn;
use crate::ModelError;

/// Inputs per step (`[L0, L1, R0, R1, U0, U1, D0, D1]`).
pub const N_IN: usize = 8;
/// Outputs (Q-values over L, R, U, D, stay).
pub const N_OUT: usize = 5;

/// States and per-step records of a population, advanced in lockstep.
pub struct Engine {
    variant: PrnnVariant,
    dims: PrnnDims,
    lanes: usize,
    max_steps: usize,
    /// Reference: per lane, the current state and `max_steps × record_len` records.
    state: Vec<Vec<f32>>,
    records: Vec<Vec<f32>>,
    /// Per lane: the sensed input of each recorded step.
    inputs: Vec<Vec<[f32; N_IN]>>,
    /// One state of scratch (reference) or an interleaved one (population).
    next: Vec<f32>,
    /// The zero state trials start from (`state_len`, or interleaved).
    zero: Vec<f32>,
    scratch: Vec<f32>,
    /// Population: interleaved parameters, masks (unused lanes: feedforward, zero weights),
    /// state, records, inputs, jitter, upstream gradients and gradients.
    pop: Option<Population>,
}

struct Population {
    masks: [PrnnMask; L],
    params: Vec<f32>,
    state: Vec<f32>,
    records: Vec<f32>,
    x: Vec<f32>,
    u: Vec<f32>,
    dout: Vec<f32>,
    grads: Vec<f32>,
    /// One lane's records, gathered for the one-network Jacobian kernels.
    lane_records: Vec<f32>,
}

impl Engine {
    /// An engine for `lanes` networks of `dims` and episodes of at most `max_steps`.
    ///
    /// # Errors
    /// More than [`prnn::POPULATION_LANES`] lanes for the population kernel.
    pub fn new(
        variant: PrnnVariant,
        dims: PrnnDims,
        lanes: usize,
        max_steps: usize,
    ) -> Result<Self, ModelError> {
        let (sl, rl) = (dims.state_len(), dims.record_len());
        let pop = match variant {
            PrnnVariant::Reference => None,
            PrnnVariant::Population => {
                if lanes > L {
                    return Err(ModelError::InvalidField {
                        field: "population",
                        expected: "at most 8 networks for the population kernel",
                        got: lanes.to_string(),
                    });
                }
                Some(Population {
                    masks: [PrnnMask::FEEDFORWARD; L],
                    params: vec![0.0; dims.param_len() * L],
                    state: vec![0.0; sl * L],
                    records: vec![0.0; max_steps * rl * L],
                    x: vec![0.0; dims.n_in * L],
                    u: vec![0.0; dims.n_out * L],
                    dout: vec![0.0; max_steps * dims.n_out * L],
                    grads: vec![0.0; dims.param_len() * L],
                    lane_records: vec![0.0; max_steps * rl],
                })
            }
        };
        let interleaved = if pop.is_some() { L } else { 1 };
        let scratch = prnn::backward_scratch(dims)
            .max(prnn::jacobian_scratch(dims))
            .max(if pop.is_some() {
                prnn::population_backward_scratch(dims)
            } else {
                0
            });
        Ok(Self {
            variant,
            dims,
            lanes,
            max_steps,
            state: vec![vec![0.0; sl]; if pop.is_some() { 0 } else { lanes }],
            records: vec![vec![0.0; max_steps * rl]; if pop.is_some() { 0 } else { lanes }],
            inputs: vec![vec![[0.0; N_IN]; max_steps]; lanes],
            next: vec![0.0; sl * interleaved],
            zero: vec![0.0; sl * interleaved],
            scratch: vec![0.0; scratch],
            pop,
        })
    }

    pub fn dims(&self) -> PrnnDims {
        self.dims
    }

    pub fn lanes(&self) -> usize {
        self.lanes
    }

    pub fn max_steps(&self) -> usize {
        self.max_steps
    }

    /// Takes the networks' current parameters (population kernel: copies them into the
    /// interleaved layout; reference: nothing to do).
    pub fn load(&mut self, nets: &[&Prnn<f32>]) -> Result<(), ModelError> {
        if let Some(p) = &mut self.pop {
            p.params.fill(0.0);
            for (l, net) in nets.iter().enumerate() {
                p.masks[l] = net.mask();
                prnn::scatter_params(net.net(), l, &mut p.params)?;
            }
        }
        Ok(())
    }

    /// Zero state in every lane (a trial starts).
    pub fn reset(&mut self) {
        match &mut self.pop {
            Some(p) => p.state.fill(0.0),
            None => self.state.iter_mut().for_each(|s| s.fill(0.0)),
        }
    }

    /// Output of one step from the current state of every active lane, leaving the state as
    /// it is (the greedy probe and the Q-target).
    pub fn probe(
        &mut self,
        nets: &[&Prnn<f32>],
        active: &[bool],
        x: &[[f32; N_IN]],
        u: &[[f32; N_OUT]],
        out: &mut [[f32; N_OUT]],
    ) -> Result<(), ModelError> {
        let o = self.dims.n_in + self.dims.n_hidden;
        if let Some(p) = &mut self.pop {
            interleave_inputs(p, active, x, u);
            prnn::population_step(
                self.dims,
                &p.masks,
                &p.params,
                &p.state,
                &p.x,
                &p.u,
                &mut self.next,
            )?;
            gather_outputs(&self.next, o, active, out);
            return Ok(());
        }
        for l in active_lanes(active) {
            prnn::step(
                self.variant,
                nets[l].net(),
                &self.state[l],
                &x[l],
                &u[l],
                &mut self.next,
            )?;
            out[l].copy_from_slice(&self.next[o..o + N_OUT]);
        }
        Ok(())
    }

    /// One step of every active lane from its current state, which it replaces; with
    /// `record`, the step is kept as record `t` for [`Self::backward`] and the Jacobians.
    #[allow(clippy::too_many_arguments)]
    pub fn advance(
        &mut self,
        nets: &[&Prnn<f32>],
        active: &[bool],
        t: usize,
        x: &[[f32; N_IN]],
        u: &[[f32; N_OUT]],
        out: &mut [[f32; N_OUT]],
        record: bool,
    ) -> Result<(), ModelError> {
        let (sl, rl) = (self.dims.state_len(), self.dims.record_len());
        let o = self.dims.n_in + self.dims.n_hidden;
        if record {
            for l in active_lanes(active) {
                self.inputs[l][t] = x[l];
            }
        }
        if let Some(p) = &mut self.pop {
            interleave_inputs(p, active, x, u);
            if record {
                let rec = &mut p.records[t * rl * L..(t + 1) * rl * L];
                prnn::population_step_record(
                    self.dims, &p.masks, &p.params, &p.state, &p.x, &p.u, rec,
                )?;
                p.state.copy_from_slice(&rec[..sl * L]);
            } else {
                prnn::population_step(
                    self.dims,
                    &p.masks,
                    &p.params,
                    &p.state,
                    &p.x,
                    &p.u,
                    &mut self.next,
                )?;
                p.state.copy_from_slice(&self.next);
            }
            gather_outputs(&p.state, o, active, out);
            return Ok(());
        }
        for l in active_lanes(active) {
            if record {
                let rec = &mut self.records[l][t * rl..(t + 1) * rl];
                prnn::step_record(
                    self.variant,
                    nets[l].net(),
                    &self.state[l],
                    &x[l],
                    &u[l],
                    rec,
                )?;
                self.state[l].copy_from_slice(&rec[..sl]);
            } else {
                prnn::step(
                    self.variant,
                    nets[l].net(),
                    &self.state[l],
                    &x[l],
                    &u[l],
                    &mut self.next,
                )?;
                self.state[l].copy_from_slice(&self.next);
            }
            out[l].copy_from_slice(&self.state[l][o..o + N_OUT]);
        }
        Ok(())
    }

    /// BPTT of every lane's recorded episode from the zero state: lane `l` ran `steps[l]`
    /// steps and `grads[l]` (its network's masked layout) receives `∂L/∂W` for
    /// `dout[l] = ∂L/∂o_t` (`steps[l] × 5`; only the first `steps[l]` rows are read).
    pub fn backward(
        &mut self,
        nets: &[&Prnn<f32>],
        steps: &[usize],
        dout: &[&[f32]],
        grads: &mut [&mut [f32]],
    ) -> Result<(), ModelError> {
        let rl = self.dims.record_len();
        if let Some(p) = &mut self.pop {
            let t_max = steps.iter().copied().max().unwrap_or(0);
            let d = &mut p.dout[..t_max * N_OUT * L];
            d.fill(0.0);
            for (l, (&s, g)) in steps.iter().zip(dout).enumerate() {
                for t in 0..s {
                    for k in 0..N_OUT {
                        d[(t * N_OUT + k) * L + l] = g[t * N_OUT + k];
                    }
                }
            }
            p.grads.fill(0.0);
            let scratch = &mut self.scratch[..prnn::population_backward_scratch(self.dims)];
            prnn::population_backward(
                self.dims,
                &p.masks,
                &p.params,
                t_max,
                &self.zero,
                &p.records[..t_max * rl * L],
                d,
                &mut p.grads,
                scratch,
            )?;
            for (l, g) in grads.iter_mut().enumerate() {
                prnn::gather_lane(l, &p.grads, g)?;
            }
            return Ok(());
        }
        for (l, g) in grads.iter_mut().enumerate() {
            g.fill(0.0);
            let scratch = &mut self.scratch[..prnn::backward_scratch(self.dims)];
            prnn::backward(
                self.variant,
                nets[l].net(),
                steps[l],
                &self.zero,
                &self.records[l][..steps[l] * rl],
                &dout[l][..steps[l] * N_OUT],
                g,
                scratch,
            )?;
        }
        Ok(())
    }

    /// The sensed input of lane `l`'s recorded step `t`.
    pub fn input(&self, lane: usize, t: usize) -> &[f32; N_IN] {
        &self.inputs[lane][t]
    }

    /// Every `∂o_t/∂x_{t−k}` of lane `l`'s first `steps` records (see
    /// [`prnn::memory_jacobians`]) into `jac` (`steps² · 5 · 8`).
    pub fn memory_jacobians(
        &mut self,
        net: &Prnn<f32>,
        lane: usize,
        steps: usize,
        jac: &mut [f32],
    ) -> Result<(), ModelError> {
        let rl = self.dims.record_len();
        let records: &[f32] = match &mut self.pop {
            Some(p) => {
                let one = &mut p.lane_records[..steps * rl];
                prnn::gather_lane(lane, &p.records[..steps * rl * L], one)?;
                one
            }
            None => &self.records[lane][..steps * rl],
        };
        let scratch = &mut self.scratch[..prnn::jacobian_scratch(self.dims)];
        prnn::memory_jacobians(
            PrnnVariant::Reference,
            net.net(),
            steps,
            records,
            &mut jac[..prnn::memory_jacobians_len(self.dims, steps)],
            scratch,
        )?;
        Ok(())
    }
}

fn active_lanes(active: &[bool]) -> impl Iterator<Item = usize> + '_ {
    active
        .iter()
        .enumerate()
        .filter(|(_, &a)| a)
        .map(|(l, _)| l)
}

/// Interleaves the active lanes' `x` and `u`; inactive lanes get zeros.
fn interleave_inputs(p: &mut Population, active: &[bool], x: &[[f32; N_IN]], u: &[[f32; N_OUT]]) {
    p.x.fill(0.0);
    p.u.fill(0.0);
    for l in active_lanes(active) {
        for (c, &v) in x[l].iter().enumerate() {
            p.x[c * L + l] = v;
        }
        for (k, &v) in u[l].iter().enumerate() {
            p.u[k * L + l] = v;
        }
    }
}

/// The outputs `o` (at offset `o_at` of an interleaved state) of the active lanes.
fn gather_outputs(state: &[f32], o_at: usize, active: &[bool], out: &mut [[f32; N_OUT]]) {
    for l in active_lanes(active) {
        for (k, v) in out[l].iter_mut().enumerate() {
            *v = state[(o_at + k) * L + l];
        }
    }
}

/// Frobenius norm, accumulated in f64.
pub fn frobenius(m: &[f32]) -> f64 {
    m.iter()
        .map(|&v| f64::from(v) * f64::from(v))
        .sum::<f64>()
        .sqrt()
}

/// Index of the largest value, the first one on ties (`torch.argmax`); NaN never wins (0 if
/// every value is NaN).
pub fn argmax(q: &[f32; N_OUT]) -> usize {
    let mut best = 0;
    for a in 1..N_OUT {
        if q[a] > q[best] || q[best].is_nan() && !q[a].is_nan() {
            best = a;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_takes_the_first_maximum_and_skips_nan() {
        assert_eq!(argmax(&[0.1, 0.3, 0.3, 0.2, 0.0]), 1);
        assert_eq!(argmax(&[0.2; 5]), 0);
        assert_eq!(argmax(&[f32::NAN, 0.1, 0.4, f32::NAN, 0.4]), 2);
        assert_eq!(argmax(&[f32::NAN; 5]), 0);
    }
}
