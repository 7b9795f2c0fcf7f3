//! [`LanesEngine`]: eight networks at once in the SIMD population kernel, every lane
//! bit-identical to the reference.
//!
//! The engine keeps its own interleaved copy of the parameters ([`PrnnEngine::load`]) and
//! updates it in place during training — clipping and Adam are elementwise per lane, so lane
//! `l` gets the very operations of its network alone — and [`PrnnEngine::store`] writes it
//! back.

use wiring_kernels::adam::{self, AdamVariant};
use wiring_kernels::prnn::{self, Block, PrnnDims, PrnnMask, POPULATION_LANES as L};

use super::{lane_of, LaneInputs, LaneJitter, PrnnEngine, Probe, Target, N_IN, N_OUT};
use crate::prnn::network::{Prnn, PrnnAdam};
use crate::ModelError;

/// The population engine: interleaved parameters, masks (unused lanes: feedforward, zero
/// weights), state, records, upstream gradients, gradients and Adam moments of up to
/// [`L`] networks.
pub struct LanesEngine {
    dims: PrnnDims,
    masks: [PrnnMask; L],
    params: Vec<f32>,
    /// The current state: `state`, or after a recorded step `t` the state at the head of
    /// record `t` (`state_in = Some(t)`), which is then not copied.
    state: Vec<f32>,
    state_in: Option<usize>,
    records: Vec<f32>,
    dout: Vec<f32>,
    grads: Vec<f32>,
    /// Adam moments, interleaved like the parameters (zero until the first update).
    m: Vec<f32>,
    v: Vec<f32>,
    /// Outputs of the greedy probe fused into a recorded step.
    probe_out: Vec<f32>,
    /// The recurrent sums of the last recorded step that kept them, for a sibling step.
    recurrent: Vec<f32>,
    /// One lane's records, gathered for the one-network Jacobian kernels.
    lane_records: Vec<f32>,
    /// Per lane: the sensed input of each step recorded by `advance`.
    inputs: Vec<Vec<[f32; N_IN]>>,
    /// One interleaved state of scratch, and the zero state trials start from.
    next: Vec<f32>,
    zero: Vec<f32>,
    scratch: Vec<f32>,
}

impl LanesEngine {
    /// An engine for `lanes` networks of `dims` and episodes of at most `max_steps`.
    ///
    /// # Errors
    /// More than [`L`] lanes.
    pub fn new(dims: PrnnDims, lanes: usize, max_steps: usize) -> Result<Self, ModelError> {
        if lanes > L {
            return Err(ModelError::InvalidField {
                field: "population",
                expected: "at most 8 networks for the population kernel",
                got: lanes.to_string(),
            });
        }
        let (sl, rl) = (dims.state_len(), dims.record_len());
        let scratch = prnn::backward_scratch(dims)
            .max(prnn::jacobian_scratch(dims))
            .max(prnn::population_backward_scratch(dims, max_steps));
        Ok(Self {
            dims,
            masks: [PrnnMask::FEEDFORWARD; L],
            params: vec![0.0; dims.param_len() * L],
            state: vec![0.0; sl * L],
            state_in: None,
            records: vec![0.0; max_steps * rl * L],
            dout: vec![0.0; max_steps * dims.n_out * L],
            grads: vec![0.0; dims.param_len() * L],
            m: vec![0.0; dims.param_len() * L],
            v: vec![0.0; dims.param_len() * L],
            probe_out: vec![0.0; dims.n_out * L],
            recurrent: vec![0.0; sl * L],
            lane_records: vec![0.0; max_steps * rl],
            inputs: vec![vec![[0.0; N_IN]; max_steps]; lanes],
            next: vec![0.0; sl * L],
            zero: vec![0.0; sl * L],
            scratch: vec![0.0; scratch],
        })
    }
}

impl PrnnEngine for LanesEngine {
    fn dims(&self) -> PrnnDims {
        self.dims
    }

    /// Copies the parameters into the interleaved layout.
    fn load(&mut self, nets: &[&Prnn<f32>]) -> Result<(), ModelError> {
        self.params.fill(0.0);
        for (l, net) in nets.iter().enumerate() {
            self.masks[l] = net.mask();
            prnn::scatter_params(net.net(), l, &mut self.params)?;
        }
        Ok(())
    }

    fn store(&self, nets: &mut [Prnn<f32>]) -> Result<(), ModelError> {
        for (l, net) in nets.iter_mut().enumerate() {
            prnn::gather_lane(l, &self.params, net.params_mut())?;
        }
        Ok(())
    }

    fn reset(&mut self) {
        self.state.fill(0.0);
        self.state_in = None;
    }

    fn probe(
        &mut self,
        _nets: &[&Prnn<f32>],
        active: &[bool],
        x: &[LaneInputs],
        u: &[LaneJitter],
        out: &mut [[f32; N_OUT]],
    ) -> Result<(), ModelError> {
        let o = self.dims.n_in + self.dims.n_hidden;
        let (x, u) = (flat(&x[0]), flat(&u[0]));
        let prev = current(self.dims, &self.records, &self.state, self.state_in);
        prnn::population_step(
            self.dims,
            &self.masks,
            &self.params,
            prev,
            x,
            u,
            &mut self.next,
        )?;
        gather_outputs(&self.next, o, active, out);
        Ok(())
    }

    fn advance(
        &mut self,
        _nets: &[&Prnn<f32>],
        active: &[bool],
        t: usize,
        x: &[LaneInputs],
        u: &[LaneJitter],
        out: &mut [[f32; N_OUT]],
        record: bool,
    ) -> Result<(), ModelError> {
        let dims = self.dims;
        let o = dims.n_in + dims.n_hidden;
        if record {
            for (l, _) in active.iter().enumerate().filter(|(_, &a)| a) {
                self.inputs[l][t] = lane_of(x, l);
            }
        }
        let (x, u) = (flat(&x[0]), flat(&u[0]));
        if record {
            let (prev, rec) = state_and_record(
                &mut self.records,
                &mut self.state,
                &mut self.state_in,
                dims,
                t,
            );
            prnn::population_step_record(dims, &self.masks, &self.params, prev, x, u, rec)?;
            self.state_in = Some(t);
        } else {
            let prev = current(dims, &self.records, &self.state, self.state_in);
            prnn::population_step(dims, &self.masks, &self.params, prev, x, u, &mut self.next)?;
            self.state.copy_from_slice(&self.next);
            self.state_in = None;
        }
        gather_outputs(self.current(), o, active, out);
        Ok(())
    }

    /// The greedy probe in the step's pass (it differs only in the jitter, the last term
    /// before the softmax) and the target as a sibling of the step: the step keeps its
    /// recurrent sums (the terms that do not wait for the input) and the target computes only
    /// the rest ([`prnn::population_step_sibling`]).
    fn advance_probe(
        &mut self,
        _nets: &[&Prnn<f32>],
        active: &[bool],
        t: usize,
        x: &[LaneInputs],
        u: &[LaneJitter],
        out: &mut [[f32; N_OUT]],
        greedy: Option<Probe<'_>>,
        target: Option<Target<'_>>,
    ) -> Result<(), ModelError> {
        let (dims, o) = (self.dims, self.dims.n_in + self.dims.n_hidden);
        let (prev, rec) = state_and_record(
            &mut self.records,
            &mut self.state,
            &mut self.state_in,
            dims,
            t,
        );
        let (x_flat, u_flat) = (flat(&x[0]), flat(&u[0]));
        let probe = greedy
            .as_ref()
            .map(|g| (flat(&g.u[0]), &mut self.probe_out[..]));
        match (probe, &target) {
            (probe, Some(_)) => prnn::population_step_record_recurrent(
                dims,
                &self.masks,
                &self.params,
                prev,
                x_flat,
                u_flat,
                probe,
                rec,
                &mut self.recurrent,
            )?,
            (Some((u_probe, probe_out)), None) => prnn::population_step_record_probe(
                dims,
                &self.masks,
                &self.params,
                prev,
                x_flat,
                u_flat,
                u_probe,
                rec,
                probe_out,
            )?,
            (None, None) => prnn::population_step_record(
                dims,
                &self.masks,
                &self.params,
                prev,
                x_flat,
                u_flat,
                rec,
            )?,
        }
        self.state_in = Some(t);
        gather_outputs(self.current(), o, active, out);
        if let Some(g) = greedy {
            gather_outputs(&self.probe_out, 0, g.on, g.out);
        }
        if let Some(q) = target {
            prnn::population_step_sibling(
                dims,
                &self.masks,
                &self.params,
                &self.recurrent,
                flat(&q.x[0]),
                flat(&q.u[0]),
                &mut self.next,
            )?;
            gather_outputs(&self.next, o, q.on, q.out);
        }
        Ok(())
    }

    fn gradients(
        &mut self,
        nets: &[&Prnn<f32>],
        steps: &[usize],
        dout: &[&[f32]],
        max_norm: f64,
    ) -> Result<Vec<f64>, ModelError> {
        let dims = self.dims;
        population_gradients(dims, self, steps, dout)?;
        Ok(clip_interleaved(dims, self, nets.len(), max_norm))
    }

    /// Updates the interleaved parameters and moments (every lane has taken the same number
    /// of steps; `adams` keep their step count).
    fn adam_step(
        &mut self,
        nets: &mut [Prnn<f32>],
        adams: &mut [PrnnAdam<f32>],
    ) -> Result<(), ModelError> {
        let Some(first) = adams.first() else {
            return Ok(());
        };
        let (hp, t) = (first.hp, first.t + 1);
        if adams.iter().any(|a| a.t + 1 != t || a.hp != hp) {
            return Err(ModelError::InvalidField {
                field: "population",
                expected: "networks updated in lockstep with one Adam recipe",
                got: "differing Adam steps or hyper-parameters".into(),
            });
        }
        // Absent blocks hold +0 parameters, gradients and moments in a lane: their update
        // is +0 and they stay +0 (module docs of the kernels' `prnn`, "Population").
        let used = used_blocks(&self.masks[..nets.len()]);
        for block in Block::ALL {
            if !used[block.index()] {
                continue;
            }
            let r = self.dims.block_range(block);
            let r = r.start * L..r.end * L;
            adam::step(
                AdamVariant::Simd,
                &hp,
                t,
                &mut self.params[r.clone()],
                &self.grads[r.clone()],
                &mut self.m[r.clone()],
                &mut self.v[r],
            )?;
        }
        for adam in adams.iter_mut() {
            adam.t = t;
        }
        Ok(())
    }

    fn input(&self, lane: usize, t: usize) -> &[f32; N_IN] {
        &self.inputs[lane][t]
    }

    /// Gathers the lane's records and runs the one-network (reference) Jacobian kernel.
    fn memory_jacobians(
        &mut self,
        net: &Prnn<f32>,
        lane: usize,
        steps: usize,
        jac: &mut [f32],
    ) -> Result<(), ModelError> {
        let rl = self.dims.record_len();
        let one = &mut self.lane_records[..steps * rl];
        prnn::gather_lane(lane, &self.records[..steps * rl * L], one)?;
        let scratch = &mut self.scratch[..prnn::jacobian_scratch(self.dims)];
        prnn::memory_jacobians(
            net.net(),
            steps,
            one,
            &mut jac[..prnn::memory_jacobians_len(self.dims, steps)],
            scratch,
        )?;
        Ok(())
    }
}

impl LanesEngine {
    /// The current state (`[state_len][L]`).
    fn current(&self) -> &[f32] {
        current(self.dims, &self.records, &self.state, self.state_in)
    }
}

/// The current state of a population: `state`, or the head of record `state_in`.
fn current<'a>(
    dims: PrnnDims,
    records: &'a [f32],
    state: &'a [f32],
    state_in: Option<usize>,
) -> &'a [f32] {
    let sl = dims.state_len() * L;
    match state_in {
        Some(t) => &records[t * dims.record_len() * L..][..sl],
        None => state,
    }
}

/// The current state of a population and the slot of record `t`, disjoint (a state at the
/// head of record `t` itself is copied out first): [`LanesEngine`]'s fields, apart so that
/// the others stay free to borrow.
fn state_and_record<'a>(
    records: &'a mut [f32],
    state: &'a mut [f32],
    state_in: &mut Option<usize>,
    dims: PrnnDims,
    t: usize,
) -> (&'a [f32], &'a mut [f32]) {
    let (sl, rl) = (dims.state_len() * L, dims.record_len() * L);
    if *state_in == Some(t) {
        state.copy_from_slice(&records[t * rl..][..sl]);
        *state_in = None;
    }
    match *state_in {
        None => (state, &mut records[t * rl..(t + 1) * rl]),
        Some(s) if s < t => {
            let (done, rest) = records.split_at_mut(t * rl);
            (&done[s * rl..][..sl], &mut rest[..rl])
        }
        Some(s) => {
            let (rest, later) = records.split_at_mut(s * rl);
            (&later[..sl], &mut rest[t * rl..(t + 1) * rl])
        }
    }
}

/// The population's BPTT into `p.grads` (zeroed first), lane `l` over its `steps[l]` steps.
fn population_gradients(
    dims: PrnnDims,
    p: &mut LanesEngine,
    steps: &[usize],
    dout: &[&[f32]],
) -> Result<(), ModelError> {
    let rl = dims.record_len();
    let t_max = steps.iter().copied().max().unwrap_or(0);
    let d = &mut p.dout[..t_max * N_OUT * L];
    d.fill(0.0);
    for (l, (&s, g)) in steps.iter().zip(dout).enumerate() {
        for (t, row) in g[..s * N_OUT].chunks_exact(N_OUT).enumerate() {
            for (k, &v) in row.iter().enumerate() {
                d[(t * N_OUT + k) * L + l] = v;
            }
        }
    }
    p.grads.fill(0.0);
    prnn::population_backward(
        dims,
        &p.masks,
        &p.params,
        t_max,
        &p.zero,
        &p.records[..t_max * rl * L],
        d,
        &mut p.grads,
        &mut p.scratch,
    )?;
    Ok(())
}

/// The blocks some lane has.
fn used_blocks(masks: &[PrnnMask]) -> [bool; prnn::N_BLOCKS] {
    core::array::from_fn(|b| masks.iter().any(|m| m.present()[b]))
}

/// [`clip_grad_norm`] of every lane of the interleaved gradients at once: per lane, the norm
/// over its present blocks accumulated in f64 in the same order (a block the lane lacks
/// holds `+0` there and adds nothing), and the same scaling. Returns the lanes' norms.
fn clip_interleaved(dims: PrnnDims, p: &mut LanesEngine, lanes: usize, max_norm: f64) -> Vec<f64> {
    let used = used_blocks(&p.masks[..lanes]);
    // `Sum for f64` folds from −0.0.
    let mut total = [-0.0f64; L];
    for block in Block::ALL {
        if !used[block.index()] {
            continue;
        }
        let r = dims.block_range(block);
        for row in p.grads[r.start * L..r.end * L].chunks_exact(L) {
            for (acc, &g) in total.iter_mut().zip(row) {
                *acc += f64::from(g) * f64::from(g);
            }
        }
    }
    let norms: Vec<f64> = total[..lanes].iter().map(|t| t.sqrt()).collect();
    let mut scale = [1.0f32; L];
    let mut any = false;
    for (s, &norm) in scale.iter_mut().zip(&norms) {
        let coef = max_norm / (norm + 1e-6);
        if coef < 1.0 {
            *s = coef as f32;
            any = true;
        }
    }
    if any {
        // `g · 1 = g` exactly in the lanes that are not clipped.
        for block in Block::ALL {
            if !used[block.index()] {
                continue;
            }
            let r = dims.block_range(block);
            for row in p.grads[r.start * L..r.end * L].chunks_exact_mut(L) {
                for (g, &s) in row.iter_mut().zip(&scale) {
                    *g *= s;
                }
            }
        }
    }
    norms
}

/// A chunk of eight lanes' values as the population kernel's interleaved slice
/// (value `k` of lane `l` at `k·8 + l`).
#[inline]
fn flat<const K: usize>(chunk: &[[f32; L]; K]) -> &[f32] {
    chunk.as_flattened()
}

/// The outputs `o` (at offset `o_at` of an interleaved state) of the active lanes.
#[inline]
fn gather_outputs(state: &[f32], o_at: usize, active: &[bool], out: &mut [[f32; N_OUT]]) {
    let rows: &[[f32; L]; N_OUT] = state[o_at * L..].as_chunks::<L>().0[..N_OUT]
        .try_into()
        .expect("N_OUT rows");
    for ((o, &a), l) in out.iter_mut().zip(active).zip(0..L) {
        if a {
            *o = core::array::from_fn(|k| rows[k][l]);
        }
    }
}
