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
//! Call [`Engine::load`] whenever the networks' parameters changed outside the engine (the
//! population kernel works on its own interleaved copy). Training updates them through the
//! engine ([`Engine::gradients`], [`Engine::adam_step`]): the population kernel then updates
//! its interleaved copy in place — clipping and Adam are elementwise per lane, so lane `l`
//! gets the very operations of its network alone — and [`Engine::store`] writes it back.

use wiring_kernels::adam::{self, AdamVariant};
use wiring_kernels::prnn::{self, Block, PrnnDims, PrnnMask, PrnnVariant, POPULATION_LANES as L};

use super::network::{clip_grad_norm, Prnn, PrnnAdam};
use crate::ModelError;

/// Inputs per step (`[L0, L1, R0, R1, U0, U1, D0, D1]`).
pub const N_IN: usize = 8;
/// Outputs (Q-values over L, R, U, D, stay).
pub const N_OUT: usize = 5;

/// One step's inputs of up to eight lanes, lane-interleaved: `x[k][l]` is input `k` of lane
/// `l` (the population kernel's layout). A population of `n` lanes uses `⌈n / 8⌉` of them,
/// lane `l` in chunk `l / 8`.
pub type LaneInputs = [[f32; L]; N_IN];
/// One forward's jitter of up to eight lanes, lane-interleaved like [`LaneInputs`].
pub type LaneJitter = [[f32; L]; N_OUT];

/// A greedy probe fused into a recorded step ([`Engine::advance_probe`]): the lanes that
/// probe, their jitter, and where their outputs go.
pub struct Probe<'a> {
    pub on: &'a [bool],
    pub u: &'a [LaneJitter],
    pub out: &'a mut [[f32; N_OUT]],
}

/// A Q-target forward computed with a recorded step from the same state
/// ([`Engine::advance_probe`]): the lanes that owe one, their input and jitter, and where
/// their outputs go.
pub struct Target<'a> {
    pub on: &'a [bool],
    pub x: &'a [LaneInputs],
    pub u: &'a [LaneJitter],
    pub out: &'a mut [[f32; N_OUT]],
}

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
    /// state, records, upstream gradients, gradients and Adam moments.
    pop: Option<Population>,
    /// Reference: each lane's gradient (masked layout).
    grads: Vec<Vec<f32>>,
}

struct Population {
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
                    state_in: None,
                    records: vec![0.0; max_steps * rl * L],
                    dout: vec![0.0; max_steps * dims.n_out * L],
                    grads: vec![0.0; dims.param_len() * L],
                    m: vec![0.0; dims.param_len() * L],
                    v: vec![0.0; dims.param_len() * L],
                    probe_out: vec![0.0; dims.n_out * L],
                    recurrent: vec![0.0; sl * L],
                    lane_records: vec![0.0; max_steps * rl],
                })
            }
        };
        let interleaved = if pop.is_some() { L } else { 1 };
        let scratch = prnn::backward_scratch(dims)
            .max(prnn::jacobian_scratch(dims))
            .max(if pop.is_some() {
                prnn::population_backward_scratch(dims, max_steps)
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
            grads: vec![vec![0.0; dims.param_len()]; if pop.is_some() { 0 } else { lanes }],
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

    /// Writes the engine's copy of the parameters back into `nets` (population kernel, after
    /// [`Self::adam_step`]; the reference updates `nets` directly, nothing to do).
    pub fn store(&self, nets: &mut [Prnn<f32>]) -> Result<(), ModelError> {
        if let Some(p) = &self.pop {
            for (l, net) in nets.iter_mut().enumerate() {
                prnn::gather_lane(l, &p.params, net.params_mut())?;
            }
        }
        Ok(())
    }

    /// Zero state in every lane (a trial starts).
    pub fn reset(&mut self) {
        match &mut self.pop {
            Some(p) => {
                p.state.fill(0.0);
                p.state_in = None;
            }
            None => self.state.iter_mut().for_each(|s| s.fill(0.0)),
        }
    }

    /// Output of one step from the current state of every active lane, leaving the state as
    /// it is (the greedy probe and the Q-target). Inputs and jitter are lane-interleaved in
    /// chunks of eight ([`LaneInputs`], [`LaneJitter`]), zero in inactive lanes.
    pub fn probe(
        &mut self,
        nets: &[&Prnn<f32>],
        active: &[bool],
        x: &[LaneInputs],
        u: &[LaneJitter],
        out: &mut [[f32; N_OUT]],
    ) -> Result<(), ModelError> {
        let o = self.dims.n_in + self.dims.n_hidden;
        if let Some(p) = &self.pop {
            let (x, u) = (flat(&x[0]), flat(&u[0]));
            prnn::population_step(
                self.dims,
                &p.masks,
                &p.params,
                p.state(self.dims),
                x,
                u,
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
                &lane_of(x, l),
                &lane_of(u, l),
                &mut self.next,
            )?;
            out[l].copy_from_slice(&self.next[o..o + N_OUT]);
        }
        Ok(())
    }

    /// One step of every active lane from its current state, which it replaces; with
    /// `record`, the step is kept as record `t` for [`Self::gradients`] and the Jacobians.
    /// Inputs as for [`Self::probe`].
    #[allow(clippy::too_many_arguments)]
    pub fn advance(
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
        if record {
            for l in active_lanes(active) {
                self.inputs[l][t] = lane_of(x, l);
            }
        }
        if let Some(p) = &mut self.pop {
            let (x, u) = (flat(&x[0]), flat(&u[0]));
            if record {
                let (prev, rec) =
                    state_and_record(&mut p.records, &mut p.state, &mut p.state_in, self.dims, t);
                prnn::population_step_record(self.dims, &p.masks, &p.params, prev, x, u, rec)?;
                p.state_in = Some(t);
            } else {
                prnn::population_step(
                    self.dims,
                    &p.masks,
                    &p.params,
                    p.state(self.dims),
                    x,
                    u,
                    &mut self.next,
                )?;
                p.state.copy_from_slice(&self.next);
                p.state_in = None;
            }
            gather_outputs(p.state(self.dims), o, active, out);
            return Ok(());
        }
        for l in active_lanes(active) {
            let (xl, ul) = (lane_of(x, l), lane_of(u, l));
            if record {
                let rec = &mut self.records[l][t * rl..(t + 1) * rl];
                prnn::step_record(self.variant, nets[l].net(), &self.state[l], &xl, &ul, rec)?;
                self.state[l].copy_from_slice(&rec[..sl]);
            } else {
                prnn::step(
                    self.variant,
                    nets[l].net(),
                    &self.state[l],
                    &xl,
                    &ul,
                    &mut self.next,
                )?;
                self.state[l].copy_from_slice(&self.next);
            }
            out[l].copy_from_slice(&self.state[l][o..o + N_OUT]);
        }
        Ok(())
    }

    /// [`Self::advance`] with recording, together with up to two other forwards from the
    /// current state, each giving what [`Self::probe`] before the step gives:
    /// - `greedy`: the greedy probe of its lanes (which must be active), with the step's
    ///   input and its own jitter;
    /// - `target`: the Q-target owed by the previous step, with its own input and jitter.
    ///
    /// The population kernel computes the greedy probe in the step's pass (it differs only
    /// in the jitter, the last term before the softmax) and the target as a sibling of the
    /// step: the step keeps its recurrent sums (the terms that do not wait for the input)
    /// and the target computes only the rest ([`prnn::population_step_sibling`]).
    #[allow(clippy::too_many_arguments)]
    pub fn advance_probe(
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
        let Some(p) = &mut self.pop else {
            if let Some(q) = target {
                self.probe(nets, q.on, q.x, q.u, q.out)?;
            }
            if let Some(g) = greedy {
                self.probe(nets, g.on, x, g.u, g.out)?;
            }
            return self.advance(nets, active, t, x, u, out, true);
        };
        let (dims, o) = (self.dims, self.dims.n_in + self.dims.n_hidden);
        let (prev, rec) = state_and_record(&mut p.records, &mut p.state, &mut p.state_in, dims, t);
        let (x_flat, u_flat) = (flat(&x[0]), flat(&u[0]));
        let probe = greedy
            .as_ref()
            .map(|g| (flat(&g.u[0]), &mut p.probe_out[..]));
        match (probe, &target) {
            (probe, Some(_)) => prnn::population_step_record_recurrent(
                dims,
                &p.masks,
                &p.params,
                prev,
                x_flat,
                u_flat,
                probe,
                rec,
                &mut p.recurrent,
            )?,
            (Some((u_probe, probe_out)), None) => prnn::population_step_record_probe(
                dims, &p.masks, &p.params, prev, x_flat, u_flat, u_probe, rec, probe_out,
            )?,
            (None, None) => {
                prnn::population_step_record(dims, &p.masks, &p.params, prev, x_flat, u_flat, rec)?
            }
        }
        p.state_in = Some(t);
        gather_outputs(p.state(dims), o, active, out);
        if let Some(g) = greedy {
            gather_outputs(&p.probe_out, 0, g.on, g.out);
        }
        if let Some(q) = target {
            prnn::population_step_sibling(
                dims,
                &p.masks,
                &p.params,
                &p.recurrent,
                flat(&q.x[0]),
                flat(&q.u[0]),
                &mut self.next,
            )?;
            gather_outputs(&self.next, o, q.on, q.out);
        }
        Ok(())
    }

    /// BPTT of every lane's recorded episode from the zero state, then PyTorch's global
    /// gradient-norm clip per network ([`clip_grad_norm`]); the gradients stay in the engine
    /// for [`Self::adam_step`]. Lane `l` ran `steps[l]` steps with `dout[l] = ∂L/∂o_t`
    /// (`steps[l] × 5`; only the first `steps[l]` rows are read). Returns each network's
    /// gradient norm before clipping.
    pub fn gradients(
        &mut self,
        nets: &[&Prnn<f32>],
        steps: &[usize],
        dout: &[&[f32]],
        max_norm: f64,
    ) -> Result<Vec<f64>, ModelError> {
        let dims = self.dims;
        if let Some(p) = &mut self.pop {
            population_gradients(dims, p, &mut self.scratch, &self.zero, steps, dout)?;
            return Ok(clip_interleaved(dims, p, nets.len(), max_norm));
        }
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

    /// One Adam update of every network with the gradients of [`Self::gradients`]. The
    /// reference updates `nets` and `adams`; the population kernel updates its interleaved
    /// parameters and moments (every lane has taken the same number of steps; `adams` keep
    /// their step count) — call [`Self::store`] before reading `nets`.
    pub fn adam_step(
        &mut self,
        nets: &mut [Prnn<f32>],
        adams: &mut [PrnnAdam<f32>],
    ) -> Result<(), ModelError> {
        let Some(p) = &mut self.pop else {
            for ((net, adam), g) in nets.iter_mut().zip(adams.iter_mut()).zip(&self.grads) {
                adam.step(net, g)?;
            }
            return Ok(());
        };
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
        let used = used_blocks(&p.masks[..nets.len()]);
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
                &mut p.params[r.clone()],
                &p.grads[r.clone()],
                &mut p.m[r.clone()],
                &mut p.v[r],
            )?;
        }
        for adam in adams.iter_mut() {
            adam.t = t;
        }
        Ok(())
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
            self.variant,
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

    /// The sensed input of lane `l`'s step `t` recorded by [`Self::advance`] (evaluation's
    /// measures read it; with the population kernel, training's steps through
    /// [`Self::advance_probe`] do not keep it).
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

impl Population {
    /// The current state (`[state_len][L]`).
    fn state(&self, dims: PrnnDims) -> &[f32] {
        let sl = dims.state_len() * L;
        match self.state_in {
            Some(t) => &self.records[t * dims.record_len() * L..][..sl],
            None => &self.state,
        }
    }
}

/// The current state of a population and the slot of record `t`, disjoint (a state at the
/// head of record `t` itself is copied out first): [`Population`]'s fields, apart so that
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
    p: &mut Population,
    scratch: &mut [f32],
    zero: &[f32],
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
        zero,
        &p.records[..t_max * rl * L],
        d,
        &mut p.grads,
        scratch,
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
fn clip_interleaved(dims: PrnnDims, p: &mut Population, lanes: usize, max_norm: f64) -> Vec<f64> {
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

fn active_lanes(active: &[bool]) -> impl Iterator<Item = usize> + '_ {
    active
        .iter()
        .enumerate()
        .filter(|(_, &a)| a)
        .map(|(l, _)| l)
}

/// A chunk of eight lanes' values as the population kernel's interleaved slice
/// (value `k` of lane `l` at `k·8 + l`).
#[inline]
fn flat<const K: usize>(chunk: &[[f32; L]; K]) -> &[f32] {
    chunk.as_flattened()
}

/// Lane `l`'s values out of chunks of eight interleaved lanes.
#[inline]
fn lane_of<const K: usize>(chunks: &[[[f32; L]; K]], l: usize) -> [f32; K] {
    let chunk = &chunks[l / L];
    core::array::from_fn(|k| chunk[k][l % L])
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
