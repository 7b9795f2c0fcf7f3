//! The population's forward: one step (with its record, a fused greedy probe, or its
//! recurrent sums kept), the sibling step that continues those sums, and an episode.

use wide::{f32x8, CmpLt};

use super::super::reference::softmax_exp;
use super::*;

#[inline(always)]
fn softmax(no: &mut [Lanes]) {
    let mut m = ld(&no[0]);
    for z in no.iter() {
        m = m.max(ld(z));
    }
    let mut sum = ZERO;
    for z in no.iter_mut() {
        let e = softmax_exp(ld(z) - m);
        sum += e;
        *z = e.to_array();
    }
    for z in no.iter_mut() {
        *z = (ld(z) / sum).to_array();
    }
}

/// One population step into `next` (a population state); `pre`, when given, receives `a_t`;
/// `probe`, when given as `(u', o')`, receives in `o'` the output of the same step with
/// jitter `u'` instead of `u` (the jitter is added last, so everything before is shared).
#[allow(clippy::too_many_arguments)] // the family's step API plus the used blocks
pub(in crate::prnn) fn step(
    d: PrnnDims,
    used: [bool; N_BLOCKS],
    params: &[f32],
    prev: &[f32],
    x: &[f32],
    u: &[f32],
    next: &mut [f32],
    pre: Option<&mut [f32]>,
    probe: Option<(&[f32], &mut [f32])>,
) {
    step_into(d, used, params, prev, x, u, next, pre, probe, Discard);
}

/// [`step`] that also keeps the step's recurrent sums in `recurrent` (`[n_in | n_h | n_out]`
/// rows), for [`sibling`]. (A function of its own: one body with both instances per shape
/// grew past what the compiler inlines into, and the plain step lost a fifth of its speed.)
#[allow(clippy::too_many_arguments)] // as `step`
pub(in crate::prnn) fn step_recurrent(
    d: PrnnDims,
    used: [bool; N_BLOCKS],
    params: &[f32],
    prev: &[f32],
    x: &[f32],
    u: &[f32],
    next: &mut [f32],
    pre: Option<&mut [f32]>,
    probe: Option<(&[f32], &mut [f32])>,
    recurrent: &mut [f32],
) {
    step_into(
        d,
        used,
        params,
        prev,
        x,
        u,
        next,
        pre,
        probe,
        lanes_mut(recurrent),
    );
}

/// [`step`] and [`step_recurrent`]: the buffers as lanes, the shape known at compile time.
#[allow(clippy::too_many_arguments)] // as `step`
#[inline(always)]
fn step_into(
    d: PrnnDims,
    used: [bool; N_BLOCKS],
    params: &[f32],
    prev: &[f32],
    x: &[f32],
    u: &[f32],
    next: &mut [f32],
    pre: Option<&mut [f32]>,
    probe: Option<(&[f32], &mut [f32])>,
    recurrent: impl Recurrent,
) {
    let probe = probe.map(|(u, o)| (lanes(u), lanes_mut(o)));
    with_shape!(
        d,
        step_shaped(
            used,
            lanes(params),
            lanes(prev),
            lanes(x),
            lanes(u),
            lanes_mut(next),
            pre.map(lanes_mut),
            probe,
            recurrent
        )
    )
}

/// Where a step puts its recurrent sums: rows of a buffer ([`step_recurrent`]), or nowhere
/// ([`step`]).
trait Recurrent {
    fn keep(&mut self, row: usize, sum: f32x8);
}

/// Recurrent sums not kept.
struct Discard;

impl Recurrent for Discard {
    #[inline(always)]
    fn keep(&mut self, _: usize, _: f32x8) {}
}

impl Recurrent for &mut [Lanes] {
    #[inline(always)]
    fn keep(&mut self, row: usize, sum: f32x8) {
        self[row] = sum.to_array();
    }
}

/// A sibling of the step that wrote `recurrent` ([`step_recurrent`]): the step from the same previous
/// state with the input `x` and jitter `u`, into `next` — its recurrent sums are the
/// other's, so only the terms that wait for `x` are computed, each sum continued from the
/// stored one in the order [`step`] adds them (bit-identical to a [`step`] from that state).
pub(in crate::prnn) fn sibling(
    d: PrnnDims,
    used: [bool; N_BLOCKS],
    params: &[f32],
    recurrent: &[f32],
    x: &[f32],
    u: &[f32],
    next: &mut [f32],
) {
    with_shape!(
        d,
        sibling_shaped(
            used,
            lanes(params),
            lanes(recurrent),
            lanes(x),
            lanes(u),
            lanes_mut(next)
        )
    )
}

#[inline(always)]
fn sibling_shaped<S: Shape>(
    d: S,
    used: [bool; N_BLOCKS],
    params: &[Lanes],
    recurrent: &[Lanes],
    x: &[Lanes],
    u: &[Lanes],
    next: &mut [Lanes],
) {
    let [w_ih, w_ho, _, _, _, w_io, ..] = blocks(d, params, used);
    let (ri, ra, rz) = split_state(recurrent, d);
    let (x, u) = (&x[..d.n_in()], &u[..d.n_out()]);
    let (ni, nh, no) = split_state_mut(next, d);
    for ((ni, ri), x) in ni.iter_mut().zip(ri).zip(x) {
        *ni = (ld(ri) + ld(x)).to_array();
    }
    let ni: &[Lanes] = ni;
    rows_sum(
        d.n_h(),
        |r| ld(&ra[r]),
        &[(w_ih, ni)],
        |r, acc| nh[r] = acc.cmp_lt(ZERO).blend(ZERO, acc).to_array(),
    );
    let nh: &[Lanes] = nh;
    rows_sum(
        d.n_out(),
        |r| ld(&rz[r]),
        &[(w_io, ni), (w_ho, nh)],
        |r, acc| no[r] = (acc + ld(&u[r])).to_array(),
    );
    softmax(no);
}

#[allow(clippy::too_many_arguments)] // as `step`
#[inline(always)]
fn step_shaped<S: Shape>(
    d: S,
    used: [bool; N_BLOCKS],
    params: &[Lanes],
    prev: &[Lanes],
    x: &[Lanes],
    u: &[Lanes],
    next: &mut [Lanes],
    pre: Option<&mut [Lanes]>,
    mut probe: Option<(&[Lanes], &mut [Lanes])>,
    mut recurrent: impl Recurrent,
) {
    let [w_ih, w_ho, w_ii, w_hh, w_oo, w_io, w_oi, w_hi, w_oh] = blocks(d, params, used);
    let (pi, ph, po) = split_state(prev, d);
    let (x, u) = (&x[..d.n_in()], &u[..d.n_out()]);
    let (ni, nh, no) = split_state_mut(next, d);
    let (n_i, n_h) = (d.n_in(), d.n_h());

    // i_t = ((W_ii i + W_oi o) + W_hi h) + x_t, from +0 (the reference's order: the terms
    // that wait for this step's input or layers come last, so the out-of-order core runs
    // the others ahead and the step's dependent chain is short; they are the recurrent sums
    // a sibling step shares).
    rows_sum_split(
        d.n_in(),
        &[(w_ii, pi), (w_oi, po), (w_hi, ph)],
        |r, acc| recurrent.keep(r, acc),
        &[],
        |r, acc| ni[r] = (acc + ld(&x[r])).to_array(),
    );
    let ni: &[Lanes] = ni;

    // a_t = (W_hh h + W_oh o) + W_ih i_t;  h_t = relu(a_t) (−0 and NaN kept, as the reference).
    let first = [(w_hh, ph), (w_oh, po)];
    let rest = [(w_ih, ni)];
    let mid = |r: usize, acc: f32x8| recurrent.keep(n_i + r, acc);
    if let Some(pre) = pre {
        let pre = &mut pre[..d.n_h()];
        rows_sum_split(d.n_h(), &first, mid, &rest, |r, acc| {
            pre[r] = acc.to_array();
            nh[r] = acc.cmp_lt(ZERO).blend(ZERO, acc).to_array();
        });
    } else {
        rows_sum_split(d.n_h(), &first, mid, &rest, |r, acc| {
            nh[r] = acc.cmp_lt(ZERO).blend(ZERO, acc).to_array()
        });
    }
    let nh: &[Lanes] = nh;

    // z_t = W_oo o + (W_io i_t + W_ho h_t) + u_t.
    let first = [(w_oo, po)];
    let rest = [(w_io, ni), (w_ho, nh)];
    let mid = |r: usize, acc: f32x8| recurrent.keep(n_i + n_h + r, acc);
    if let Some((up, op)) = probe.as_mut() {
        let (up, op) = (&up[..d.n_out()], &mut op[..d.n_out()]);
        rows_sum_split(d.n_out(), &first, mid, &rest, |r, acc| {
            no[r] = (acc + ld(&u[r])).to_array();
            op[r] = (acc + ld(&up[r])).to_array();
        });
        softmax(op);
    } else {
        rows_sum_split(d.n_out(), &first, mid, &rest, |r, acc| {
            no[r] = (acc + ld(&u[r])).to_array()
        });
    }
    softmax(no);
}

#[allow(clippy::too_many_arguments)] // the family's forward API plus the used blocks
pub(in crate::prnn) fn forward(
    d: PrnnDims,
    used: [bool; N_BLOCKS],
    params: &[f32],
    steps: usize,
    initial: &[f32],
    x: &[f32],
    u: &[f32],
    records: &mut [f32],
) {
    const L: usize = POPULATION_LANES;
    let (sl, rl) = (d.state_len() * L, d.record_len() * L);
    let (xl, ul) = (d.n_in * L, d.n_out * L);
    for t in 0..steps {
        let (done, rest) = records.split_at_mut(t * rl);
        let prev = if t == 0 {
            initial
        } else {
            &done[(t - 1) * rl..(t - 1) * rl + sl]
        };
        let (state, pre) = rest[..rl].split_at_mut(sl);
        step(
            d,
            used,
            params,
            prev,
            &x[t * xl..(t + 1) * xl],
            &u[t * ul..(t + 1) * ul],
            state,
            Some(pre),
            None,
        );
    }
}
