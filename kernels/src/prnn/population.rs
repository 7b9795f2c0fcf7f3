//! The population kernel's API: `L = POPULATION_LANES` f32 networks in the lanes of `f32x8`
//! vectors — step, recorded step (with the fused greedy probe), forward over an episode,
//! BPTT over an episode, the lane layout (scatter/gather) and the shared softmax exponential.
//! Every lane is bit-identical to the one-network functions of the parent module; see the
//! parent's docs for why.

use super::{reference, simd, Block, PrnnDims, PrnnMask, PrnnNet, POPULATION_LANES};
use crate::{check_len, KernelError};

/// The f32 softmax's exponential shared by the reference and the population kernel (see
/// the module docs): Cephes `expf`, < 1 ulp against the exact value, `exp(±0) = 1`,
/// correctly rounded from its polynomial into the subnormal range, `+0` below −103.97,
/// `+∞` above 88.73, NaN for NaN.
pub fn softmax_exp(x: f32) -> f32 {
    reference::softmax_exp(x)
}

/// [`softmax_exp`] in the eight lanes of one `f32x8`, as the population kernel runs it.
pub fn softmax_exp_lanes(x: [f32; POPULATION_LANES]) -> [f32; POPULATION_LANES] {
    simd::exp_lanes(x)
}

/// Scratch length of [`population_backward`] over episodes of up to `steps` steps:
/// `(1 + steps) · state_len · L` (the carried adjoints and every step's local ones). The
/// population steps need no scratch.
pub fn population_backward_scratch(dims: PrnnDims, steps: usize) -> usize {
    simd::backward_scratch_rows(dims, steps) * POPULATION_LANES
}

/// Writes `one` (one network's vector of length `n`) into lane `lane` of `population`
/// (`[n][L]`): `population[k·L + lane] = one[k]`. Works for states, inputs, records,
/// `dout` and gradients; for parameters prefer [`scatter_params`].
pub fn scatter_lane(lane: usize, one: &[f32], population: &mut [f32]) -> Result<(), KernelError> {
    const OP: &str = "prnn::scatter_lane";
    check_lane(OP, lane)?;
    check_len(OP, "population", population, one.len() * POPULATION_LANES)?;
    for (row, &v) in population.chunks_exact_mut(POPULATION_LANES).zip(one) {
        row[lane] = v;
    }
    Ok(())
}

/// Reads lane `lane` of `population` (`[n][L]`) into `one` (length `n`).
pub fn gather_lane(lane: usize, population: &[f32], one: &mut [f32]) -> Result<(), KernelError> {
    const OP: &str = "prnn::gather_lane";
    check_lane(OP, lane)?;
    check_len(OP, "population", population, one.len() * POPULATION_LANES)?;
    for (row, v) in population.chunks_exact(POPULATION_LANES).zip(one) {
        *v = row[lane];
    }
    Ok(())
}

/// Writes `net`'s parameters into lane `lane` of the population parameters
/// (`[param_len][L]`), with **`+0` in every block `net.mask` lacks** whatever `net.params`
/// holds there — the population kernel treats absent blocks as zero weights.
pub fn scatter_params(
    net: PrnnNet<'_, f32>,
    lane: usize,
    population: &mut [f32],
) -> Result<(), KernelError> {
    const OP: &str = "prnn::scatter_params";
    net.check(OP)?;
    check_lane(OP, lane)?;
    let d = net.dims;
    check_len(
        OP,
        "population",
        population,
        d.param_len() * POPULATION_LANES,
    )?;
    for block in Block::ALL {
        let present = net.mask.has(block);
        for k in d.block_range(block) {
            population[k * POPULATION_LANES + lane] = if present { net.params[k] } else { 0.0 };
        }
    }
    Ok(())
}

fn check_lane(op: &'static str, lane: usize) -> Result<(), KernelError> {
    if lane < POPULATION_LANES {
        Ok(())
    } else {
        Err(KernelError::Dimension {
            op,
            what: format!("lane {lane} is out of range, expected 0..{POPULATION_LANES}"),
        })
    }
}

/// Checks the dims, masks and the population buffers every step needs.
#[inline]
#[allow(clippy::too_many_arguments)] // one check per argument of the steps
fn check_population_step(
    op: &'static str,
    dims: PrnnDims,
    masks: &[PrnnMask; POPULATION_LANES],
    params: &[f32],
    prev: (&'static str, &[f32]),
    x: &[f32],
    u: &[f32],
    steps: usize,
) -> Result<(), KernelError> {
    const L: usize = POPULATION_LANES;
    dims.check(op)?;
    for mask in masks {
        mask.check(op)?;
    }
    check_len(op, "params", params, dims.param_len() * L)?;
    check_len(op, prev.0, prev.1, dims.state_len() * L)?;
    check_len(op, "x", x, steps * dims.n_in * L)?;
    check_len(op, "u", u, steps * dims.n_out * L)
}

/// One population step without a record (greedy action choice, Q-targets, evaluation):
/// `masks[l]` is lane `l`'s architecture (blocks no lane has are skipped; blocks some lanes
/// lack must hold `+0` there, see [`scatter_params`]), `params` `[param_len][L]`, `prev` and
/// `next` `[state_len][L]` (distinct), `x` `[n_in][L]`, `u` `[n_out][L]`. Lane `l` of `next` is
/// bit-identical to [`step`](super::step) of the f32 reference on network `l`.
pub fn population_step(
    dims: PrnnDims,
    masks: &[PrnnMask; POPULATION_LANES],
    params: &[f32],
    prev: &[f32],
    x: &[f32],
    u: &[f32],
    next: &mut [f32],
) -> Result<(), KernelError> {
    const OP: &str = "prnn::population_step";
    check_population_step(OP, dims, masks, params, ("prev", prev), x, u, 1)?;
    check_len(OP, "next", next, dims.state_len() * POPULATION_LANES)?;
    simd::step(
        dims,
        simd::union(masks),
        params,
        prev,
        x,
        u,
        next,
        None,
        None,
    );
    Ok(())
}

/// One population step that writes its record `[record_len][L]` (the new state is
/// `record[..state_len · L]`) for [`population_backward`]; otherwise as [`population_step`].
pub fn population_step_record(
    dims: PrnnDims,
    masks: &[PrnnMask; POPULATION_LANES],
    params: &[f32],
    prev: &[f32],
    x: &[f32],
    u: &[f32],
    record: &mut [f32],
) -> Result<(), KernelError> {
    const OP: &str = "prnn::population_step_record";
    check_population_step(OP, dims, masks, params, ("prev", prev), x, u, 1)?;
    check_len(OP, "record", record, dims.record_len() * POPULATION_LANES)?;
    let (state, pre) = record.split_at_mut(dims.state_len() * POPULATION_LANES);
    simd::step(
        dims,
        simd::union(masks),
        params,
        prev,
        x,
        u,
        state,
        Some(pre),
        None,
    );
    Ok(())
}

/// [`population_step_record`] that also writes to `probe_out` (`[n_out][L]`) the output
/// [`population_step`] gives from the same `prev` and `x` with the jitter `u_probe`
/// (`[n_out][L]`) instead of `u` — bit for bit, because the jitter is the last term of
/// `z_t`, so the two steps share everything before it. (Training's greedy probe and
/// recorded forward of a step differ only by their jitter draws.)
#[allow(clippy::too_many_arguments)] // the step API plus the probe's jitter and output
pub fn population_step_record_probe(
    dims: PrnnDims,
    masks: &[PrnnMask; POPULATION_LANES],
    params: &[f32],
    prev: &[f32],
    x: &[f32],
    u: &[f32],
    u_probe: &[f32],
    record: &mut [f32],
    probe_out: &mut [f32],
) -> Result<(), KernelError> {
    const OP: &str = "prnn::population_step_record_probe";
    check_population_step(OP, dims, masks, params, ("prev", prev), x, u, 1)?;
    check_len(OP, "u_probe", u_probe, dims.n_out * POPULATION_LANES)?;
    check_len(OP, "record", record, dims.record_len() * POPULATION_LANES)?;
    check_len(OP, "probe_out", probe_out, dims.n_out * POPULATION_LANES)?;
    let (state, pre) = record.split_at_mut(dims.state_len() * POPULATION_LANES);
    simd::step(
        dims,
        simd::union(masks),
        params,
        prev,
        x,
        u,
        state,
        Some(pre),
        Some((u_probe, probe_out)),
    );
    Ok(())
}

/// [`population_step_record`] — with `probe = Some((u_probe, probe_out))`
/// [`population_step_record_probe`] — that also keeps in `recurrent` (`[state_len][L]`) the
/// step's **recurrent sums**, the part of each sum that does not depend on its input `x_t`:
/// `W_ii i + W_oi o + W_hi h`, `W_hh h + W_oh o` and `W_oo o` of the previous state
/// (`[n_in | n_hidden | n_out]` rows). With them [`population_step_sibling`] runs another step
/// from the same previous state for the cost of the rest (training's Q-target of a step
/// starts from the state the next step starts from). Outputs as the two steps named.
#[allow(clippy::too_many_arguments)] // the step API plus the probe and the sums
pub fn population_step_record_recurrent(
    dims: PrnnDims,
    masks: &[PrnnMask; POPULATION_LANES],
    params: &[f32],
    prev: &[f32],
    x: &[f32],
    u: &[f32],
    probe: Option<(&[f32], &mut [f32])>,
    record: &mut [f32],
    recurrent: &mut [f32],
) -> Result<(), KernelError> {
    const OP: &str = "prnn::population_step_record_recurrent";
    check_population_step(OP, dims, masks, params, ("prev", prev), x, u, 1)?;
    if let Some((u_probe, probe_out)) = &probe {
        check_len(OP, "u_probe", u_probe, dims.n_out * POPULATION_LANES)?;
        check_len(OP, "probe_out", probe_out, dims.n_out * POPULATION_LANES)?;
    }
    check_len(OP, "record", record, dims.record_len() * POPULATION_LANES)?;
    check_len(
        OP,
        "recurrent",
        recurrent,
        dims.state_len() * POPULATION_LANES,
    )?;
    let (state, pre) = record.split_at_mut(dims.state_len() * POPULATION_LANES);
    simd::step_recurrent(
        dims,
        simd::union(masks),
        params,
        prev,
        x,
        u,
        state,
        Some(pre),
        probe,
        recurrent,
    );
    Ok(())
}

/// The step from the previous state of the step that wrote `recurrent`
/// ([`population_step_record_recurrent`], same `params`) with input `x` and jitter `u`, into
/// `next` (`[state_len][L]`): only the terms that wait for `x` are computed, each sum
/// continued from its stored recurrent part in [`population_step`]'s order, so lane `l` of
/// `next` is bit for bit what [`population_step`] from that state gives.
pub fn population_step_sibling(
    dims: PrnnDims,
    masks: &[PrnnMask; POPULATION_LANES],
    params: &[f32],
    recurrent: &[f32],
    x: &[f32],
    u: &[f32],
    next: &mut [f32],
) -> Result<(), KernelError> {
    const OP: &str = "prnn::population_step_sibling";
    check_population_step(OP, dims, masks, params, ("recurrent", recurrent), x, u, 1)?;
    check_len(OP, "next", next, dims.state_len() * POPULATION_LANES)?;
    simd::sibling(dims, simd::union(masks), params, recurrent, x, u, next);
    Ok(())
}

/// A whole population episode from `initial` (`[state_len][L]`): `x` `[steps][n_in][L]`,
/// `u` `[steps][n_out][L]`, `records` `[steps][record_len][L]` — `steps` chained
/// [`population_step_record`] calls.
#[allow(clippy::too_many_arguments)] // the family's forward API plus the lane masks
pub fn population_forward(
    dims: PrnnDims,
    masks: &[PrnnMask; POPULATION_LANES],
    params: &[f32],
    steps: usize,
    initial: &[f32],
    x: &[f32],
    u: &[f32],
    records: &mut [f32],
) -> Result<(), KernelError> {
    const OP: &str = "prnn::population_forward";
    check_population_step(OP, dims, masks, params, ("initial", initial), x, u, steps)?;
    check_len(
        OP,
        "records",
        records,
        steps * dims.record_len() * POPULATION_LANES,
    )?;
    simd::forward(
        dims,
        simd::union(masks),
        params,
        steps,
        initial,
        x,
        u,
        records,
    );
    Ok(())
}

/// Population BPTT over an episode: **adds** every lane's `∂L/∂W` to `grads`
/// (`[param_len][L]`). `masks[l]` is lane `l`'s architecture: a block it lacks only gets `±0`
/// terms (its slots keep their value; see the module docs for the `−0` corner), so with
/// gradients zeroed to `+0` they stay `+0`. `initial` `[state_len][L]` and `records`
/// `[steps][record_len][L]` are the episode's start and forward; `dout`
/// (`[steps][n_out][L]`) is `∂L/∂o_t`, zero in a lane after its episode ended — that lane's
/// gradient then equals the reference's over its own shorter episode. `scratch` has at least
/// [`population_backward_scratch`]`(dims, steps)` values. Lane `l` is bit-identical to
/// [`backward`](super::backward) of the f32 reference on network `l`.
#[allow(clippy::too_many_arguments)] // the family's backward API plus the lane masks
pub fn population_backward(
    dims: PrnnDims,
    masks: &[PrnnMask; POPULATION_LANES],
    params: &[f32],
    steps: usize,
    initial: &[f32],
    records: &[f32],
    dout: &[f32],
    grads: &mut [f32],
    scratch: &mut [f32],
) -> Result<(), KernelError> {
    const OP: &str = "prnn::population_backward";
    const L: usize = POPULATION_LANES;
    dims.check(OP)?;
    for mask in masks {
        mask.check(OP)?;
    }
    check_len(OP, "params", params, dims.param_len() * L)?;
    check_len(OP, "initial", initial, dims.state_len() * L)?;
    check_len(OP, "records", records, steps * dims.record_len() * L)?;
    check_len(OP, "dout", dout, steps * dims.n_out * L)?;
    check_len(OP, "grads", grads, dims.param_len() * L)?;
    // At least: a caller may keep one scratch for its longest episode.
    let need = population_backward_scratch(dims, steps);
    if scratch.len() < need {
        return Err(KernelError::BufferLength {
            op: OP,
            buffer: "scratch",
            expected: need,
            actual: scratch.len(),
        });
    }
    simd::backward(
        dims, masks, params, steps, initial, records, dout, grads, scratch,
    );
    Ok(())
}
