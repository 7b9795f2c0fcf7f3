//! The population kernel: [`POPULATION_LANES`] networks of one [`PrnnDims`] advance in the
//! lanes of `wide::f32x8`, lane `l` = network `l`. Every scalar operation of the f32
//! reference becomes one vector operation, in the same order and fused exactly where the
//! reference fuses (the multiply–adds of matrix–vector and outer products), so each lane is
//! bit-identical to the reference run on its network alone (the argument, including the
//! `0·v` terms of absent blocks, is in the module docs of `prnn`, "Population").
//!
//! Buffers arrive as `&[f32]` in the lane-interleaved layout (value `k` of lane `l` at
//! `k·L + l`) and are viewed as `&[[f32; L]]`; a `[f32; L]` is loaded and stored unaligned.
//! Shapes are checked by the callers in `mod.rs`.
//!
//! ## Speed
//! - Every body is written once over a [`Shape`] and instantiated for the study's two shapes
//!   (8/8/5 and 8/34/5, sizes known at compile time: loops unrolled, no bounds checks) and
//!   for any other shape ([`Dyn`]).
//! - Matrix–vector products run [`ROWS`] output elements at once: independent accumulator
//!   chains for the out-of-order core (the add latency, not the multiply throughput, bounds
//!   one chain), each still summed in the reference's order.
//! - The backward first runs the adjoint recursion over the whole episode, keeping every
//!   step's local adjoints, and then forms each weight gradient `Σ_t δ_t v_tᵀ` tile by tile
//!   with the tile in registers, `t` decreasing — the reference's order of additions into
//!   each gradient element, without a load and a store per term.

use wide::{f32x8, i32x8, CmpGt, CmpLt};

use super::reference::{softmax_exp, ExpLanes};
use super::{PrnnDims, PrnnMask, N_BLOCKS, POPULATION_LANES};

/// One value of every lane.
type Lanes = [f32; POPULATION_LANES];

const ZERO: f32x8 = f32x8::ZERO;

impl ExpLanes for f32x8 {
    #[inline(always)]
    fn splat(c: f32) -> Self {
        f32x8::splat(c)
    }
    #[inline(always)]
    fn clamp_keep_nan(self, lo: f32, hi: f32) -> Self {
        let (lo, hi) = (f32x8::splat(lo), f32x8::splat(hi));
        let x = self.cmp_lt(lo).blend(lo, self);
        x.cmp_gt(hi).blend(hi, x)
    }
    #[inline(always)]
    fn floor(self) -> Self {
        f32x8::floor(self)
    }
    #[inline(always)]
    fn pow2(self) -> Self {
        // `round_int` maps NaN to 0, like the scalar `as i32`; `k` is integral, so exact.
        let bits: i32x8 = (self.round_int() + i32x8::splat(127)) << 23;
        bytemuck::cast(bits)
    }
}

/// [`softmax_exp`] on eight values at once, for tests.
pub(super) fn exp_lanes(x: Lanes) -> Lanes {
    softmax_exp(f32x8::new(x)).to_array()
}

/// `a·b + c` with one rounding in every lane, as the reference's `f32::mul_add`: one
/// instruction where the build has FMA (the x86-64-v3 baseline), else lane by lane (`wide`
/// would round twice there).
#[inline(always)]
fn fma(a: f32x8, b: f32x8, c: f32x8) -> f32x8 {
    #[cfg(target_feature = "fma")]
    {
        a.mul_add(b, c)
    }
    #[cfg(not(target_feature = "fma"))]
    {
        let (a, b, c) = (a.to_array(), b.to_array(), c.to_array());
        f32x8::new(core::array::from_fn(|l| a[l].mul_add(b[l], c[l])))
    }
}

#[inline(always)]
fn ld(v: &Lanes) -> f32x8 {
    f32x8::new(*v)
}

#[inline(always)]
fn lanes(s: &[f32]) -> &[Lanes] {
    bytemuck::cast_slice(s)
}

#[inline(always)]
fn lanes_mut(s: &mut [f32]) -> &mut [Lanes] {
    bytemuck::cast_slice_mut(s)
}

/// Layer sizes, known at compile time ([`Fixed`]) or not ([`Dyn`]).
trait Shape: Copy {
    fn n_in(self) -> usize;
    fn n_h(self) -> usize;
    fn n_out(self) -> usize;
    #[inline(always)]
    fn state_len(self) -> usize {
        self.n_in() + self.n_h() + self.n_out()
    }
    #[inline(always)]
    fn record_len(self) -> usize {
        self.state_len() + self.n_h()
    }
    /// Start of each block in [`super::Block::ALL`] order, and the end of the last.
    #[inline(always)]
    fn offsets(self) -> [usize; N_BLOCKS + 1] {
        let (i, h, o) = (self.n_in(), self.n_h(), self.n_out());
        let lens = [
            h * i,
            o * h,
            i * i,
            h * h,
            o * o,
            o * i,
            i * o,
            i * h,
            h * o,
        ];
        let mut off = [0; N_BLOCKS + 1];
        for b in 0..N_BLOCKS {
            off[b + 1] = off[b] + lens[b];
        }
        off
    }
}

#[derive(Clone, Copy)]
struct Dyn(PrnnDims);

impl Shape for Dyn {
    #[inline(always)]
    fn n_in(self) -> usize {
        self.0.n_in
    }
    #[inline(always)]
    fn n_h(self) -> usize {
        self.0.n_hidden
    }
    #[inline(always)]
    fn n_out(self) -> usize {
        self.0.n_out
    }
}

#[derive(Clone, Copy)]
struct Fixed<const I: usize, const H: usize, const O: usize>;

impl<const I: usize, const H: usize, const O: usize> Shape for Fixed<I, H, O> {
    #[inline(always)]
    fn n_in(self) -> usize {
        I
    }
    #[inline(always)]
    fn n_h(self) -> usize {
        H
    }
    #[inline(always)]
    fn n_out(self) -> usize {
        O
    }
}

/// Runs `$f($shape, args…)` with the study's shapes known at compile time.
macro_rules! with_shape {
    ($d:expr, $f:ident($($arg:expr),* $(,)?)) => {{
        let d: PrnnDims = $d;
        match (d.n_in, d.n_hidden, d.n_out) {
            (8, 8, 5) => $f(Fixed::<8, 8, 5>, $($arg),*),
            (8, 34, 5) => $f(Fixed::<8, 34, 5>, $($arg),*),
            _ => $f(Dyn(d), $($arg),*),
        }
    }};
}

/// `(i, h, o)` views of a state (or the first `state_len` rows of a record).
#[inline(always)]
fn split_state<S: Shape>(s: &[Lanes], d: S) -> (&[Lanes], &[Lanes], &[Lanes]) {
    let (i, rest) = s.split_at(d.n_in());
    let (h, rest) = rest.split_at(d.n_h());
    (i, h, &rest[..d.n_out()])
}

#[inline(always)]
fn split_state_mut<S: Shape>(s: &mut [Lanes], d: S) -> (&mut [Lanes], &mut [Lanes], &mut [Lanes]) {
    let (i, rest) = s.split_at_mut(d.n_in());
    let (h, rest) = rest.split_at_mut(d.n_h());
    (i, h, &mut rest[..d.n_out()])
}

/// The blocks present in at least one lane.
#[inline]
pub(super) fn union(masks: &[PrnnMask; POPULATION_LANES]) -> [bool; N_BLOCKS] {
    let mut any = [false; N_BLOCKS];
    for mask in masks {
        for (any, present) in any.iter_mut().zip(mask.present()) {
            *any |= present;
        }
    }
    any
}

/// The nine blocks of a population parameter vector, in [`super::Block::ALL`] order; a block
/// no lane has is an empty slice, and every product with it is skipped (it would add only
/// `±0`).
#[inline(always)]
fn blocks<S: Shape>(d: S, params: &[Lanes], used: [bool; N_BLOCKS]) -> [&[Lanes]; N_BLOCKS] {
    let off = d.offsets();
    let params = &params[..off[N_BLOCKS]];
    let mut w: [&[Lanes]; N_BLOCKS] = [&[]; N_BLOCKS];
    for (b, w) in w.iter_mut().enumerate() {
        if used[b] {
            *w = &params[off[b]..off[b + 1]];
        }
    }
    w
}

/// Output elements (rows, or columns of a transposed product) computed together.
const ROWS: usize = 8;

/// Runs `$body` with `const $k: usize` = `$n` for `$n` in `1..=ROWS` (`$n` ≤ `ROWS`).
macro_rules! with_const {
    ($n:expr, $k:ident => $body:expr) => {
        match $n {
            1 => {
                const $k: usize = 1;
                $body
            }
            2 => {
                const $k: usize = 2;
                $body
            }
            3 => {
                const $k: usize = 3;
                $body
            }
            4 => {
                const $k: usize = 4;
                $body
            }
            5 => {
                const $k: usize = 5;
                $body
            }
            6 => {
                const $k: usize = 6;
                $body
            }
            7 => {
                const $k: usize = 7;
                $body
            }
            _ => {
                const $k: usize = 8;
                $body
            }
        }
    };
}

/// Rows `r0..r0 + K`: `acc[k] + Σ_(w,v) Σ_c w[r0 + k, c]·v[c]`, terms in the order given, `c`
/// increasing. `w` is `· × v.len()`, or empty for a skipped block.
#[inline(always)]
fn rows_block<const K: usize>(
    r0: usize,
    mut acc: [f32x8; K],
    terms: &[(&[Lanes], &[Lanes])],
) -> [f32x8; K] {
    for &(w, v) in terms {
        if w.is_empty() {
            continue;
        }
        let cols = v.len();
        let w = &w[r0 * cols..(r0 + K) * cols];
        for (c, vc) in v.iter().enumerate() {
            let vc = ld(vc);
            for k in 0..K {
                acc[k] = fma(ld(&w[k * cols + c]), vc, acc[k]);
            }
        }
    }
    acc
}

/// For every row `r < rows`: `finish(r, init(r) + Σ_(w,v) Σ_c w[r, c]·v[c])`, the terms in
/// the order given and `c` increasing — the reference's chained `matvec_add`s per element.
/// `w` is `rows × v.len()`, or empty for a skipped block.
#[inline(always)]
fn rows_sum(
    rows: usize,
    init: impl Fn(usize) -> f32x8,
    terms: &[(&[Lanes], &[Lanes])],
    mut finish: impl FnMut(usize, f32x8),
) {
    let mut r0 = 0;
    while r0 < rows {
        let n = (rows - r0).min(ROWS);
        with_const!(n, K => {
            let mut acc = [ZERO; K];
            for (k, a) in acc.iter_mut().enumerate() {
                *a = init(r0 + k);
            }
            let acc = rows_block::<K>(r0, acc, terms);
            for (k, a) in acc.into_iter().enumerate() {
                finish(r0 + k, a);
            }
        });
        r0 += n;
    }
}

/// [`rows_sum`] over the terms `first` and then `rest`, which also hands every row's sum
/// after `first` to `mid(r, sum)` — the same additions in the same order as one
/// [`rows_sum`] over both (the accumulators stay in registers between the two).
#[inline(always)]
fn rows_sum_split(
    rows: usize,
    first: &[(&[Lanes], &[Lanes])],
    mut mid: impl FnMut(usize, f32x8),
    rest: &[(&[Lanes], &[Lanes])],
    mut finish: impl FnMut(usize, f32x8),
) {
    let mut r0 = 0;
    while r0 < rows {
        let n = (rows - r0).min(ROWS);
        with_const!(n, K => {
            let acc = rows_block::<K>(r0, [ZERO; K], first);
            for (k, &a) in acc.iter().enumerate() {
                mid(r0 + k, a);
            }
            let acc = rows_block::<K>(r0, acc, rest);
            for (k, a) in acc.into_iter().enumerate() {
                finish(r0 + k, a);
            }
        });
        r0 += n;
    }
}

/// Columns `c0..c0 + K`: `acc[k] + Σ_(w,v) Σ_r w[r, c0 + k]·v[r]`, terms in the order given,
/// `r` increasing. `w` is `v.len() × cols`, or empty for a skipped block.
#[inline(always)]
fn cols_block<const K: usize>(
    cols: usize,
    c0: usize,
    mut acc: [f32x8; K],
    terms: &[(&[Lanes], &[Lanes])],
) -> [f32x8; K] {
    for &(w, v) in terms {
        if w.is_empty() {
            continue;
        }
        let w = &w[..v.len() * cols];
        for (r, vr) in v.iter().enumerate() {
            let vr = ld(vr);
            let row: &[Lanes; K] = w[r * cols + c0..r * cols + c0 + K].try_into().unwrap();
            for k in 0..K {
                acc[k] = fma(ld(&row[k]), vr, acc[k]);
            }
        }
    }
    acc
}

/// For every column `c < cols`: `finish(c, init(c) + Σ_(w,v) Σ_r w[r, c]·v[r])`, the terms in
/// the order given and `r` increasing — the reference's chained `matvec_t_add`s per element.
/// `w` is `v.len() × cols`, or empty for a skipped block.
#[inline(always)]
fn cols_sum(
    cols: usize,
    init: impl Fn(usize) -> f32x8,
    terms: &[(&[Lanes], &[Lanes])],
    mut finish: impl FnMut(usize, f32x8),
) {
    let mut c0 = 0;
    while c0 < cols {
        let n = (cols - c0).min(ROWS);
        with_const!(n, K => {
            let mut acc = [ZERO; K];
            for (k, a) in acc.iter_mut().enumerate() {
                *a = init(c0 + k);
            }
            let acc = cols_block::<K>(cols, c0, acc, terms);
            for (k, a) in acc.into_iter().enumerate() {
                finish(c0 + k, a);
            }
        });
        c0 += n;
    }
}

/// `o ← softmax(o)` in place: the reference's fold from `z[0]`, `+0 + Σ`, then divisions.
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
pub(super) fn step(
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
pub(super) fn step_recurrent(
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

/// Where [`step`] puts its recurrent sums: rows of a buffer, or nowhere.
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

/// A sibling of the step that wrote `recurrent` ([`step`]): the step from the same previous
/// state with the input `x` and jitter `u`, into `next` — its recurrent sums are the
/// other's, so only the terms that wait for `x` are computed, each sum continued from the
/// stored one in the order [`step`] adds them (bit-identical to a [`step`] from that state).
pub(super) fn sibling(
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
pub(super) fn forward(
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

/// Per block, `1.0` in the lanes whose network has it and `0.0` elsewhere.
fn block_multipliers(masks: &[PrnnMask; POPULATION_LANES]) -> [f32x8; N_BLOCKS] {
    core::array::from_fn(|b| f32x8::new(masks.map(|m| if m.present()[b] { 1.0 } else { 0.0 })))
}

/// Scratch of [`backward`] in lane rows: the carried adjoints and every step's local ones.
pub(super) fn backward_scratch_rows(d: PrnnDims, steps: usize) -> usize {
    (1 + steps) * d.state_len()
}

#[allow(clippy::too_many_arguments)] // the family's backward API plus the lane masks
pub(super) fn backward(
    d: PrnnDims,
    masks: &[PrnnMask; POPULATION_LANES],
    params: &[f32],
    steps: usize,
    initial: &[f32],
    records: &[f32],
    dout: &[f32],
    grads: &mut [f32],
    scratch: &mut [f32],
) {
    with_shape!(
        d,
        backward_shaped(
            masks,
            lanes(params),
            steps,
            lanes(initial),
            lanes(records),
            lanes(dout),
            lanes_mut(grads),
            lanes_mut(scratch),
        )
    )
}

#[allow(clippy::too_many_arguments)] // as `backward`
#[inline(always)]
fn backward_shaped<S: Shape>(
    d: S,
    masks: &[PrnnMask; POPULATION_LANES],
    params: &[Lanes],
    steps: usize,
    initial: &[Lanes],
    records: &[Lanes],
    dout: &[Lanes],
    grads: &mut [Lanes],
    scratch: &mut [Lanes],
) {
    let used = union(masks);
    let [w_ih, w_ho, w_ii, w_hh, w_oo, w_io, w_oi, w_hi, w_oh] = blocks(d, params, used);
    let (n_in, n_h, n_out) = (d.n_in(), d.n_h(), d.n_out());
    let (sl, rl) = (d.state_len(), d.record_len());
    let (carried, locals) = scratch.split_at_mut(sl);
    let locals = &mut locals[..steps * sl];
    carried.fill([0.0; POPULATION_LANES]);

    // 1. The adjoint recursion, t decreasing; step t's local adjoints [δ^i, δ^a, δ^z] are
    //    kept at locals[t].
    for t in (0..steps).rev() {
        let record = &records[t * rl..(t + 1) * rl];
        let g = &dout[t * n_out..(t + 1) * n_out];
        let (_, _, o) = split_state(record, d);
        let a = &record[sl..rl];
        let local = &mut locals[t * sl..(t + 1) * sl];

        // Local adjoints, as the reference's `local_adjoints`.
        {
            let (ci, ch, co) = split_state(carried, d);
            let (di, da, dz) = split_state_mut(local, d);
            // γ^o = g + c^o, δ^z = o ∘ (γ^o − ⟨o, γ^o⟩).
            let mut dot = ZERO;
            for (j, dzj) in dz.iter_mut().enumerate() {
                let gamma = ld(&g[j]) + ld(&co[j]);
                dot += ld(&o[j]) * gamma;
                *dzj = gamma.to_array();
            }
            for (dzj, oj) in dz.iter_mut().zip(o) {
                *dzj = (ld(oj) * (ld(dzj) - dot)).to_array();
            }
            // δ^a = (c^h + W_hoᵀ δ^z) ∘ [a > 0].
            cols_sum(
                n_h,
                |c| ld(&ch[c]),
                &[(w_ho, dz)],
                |c, acc| da[c] = ld(&a[c]).cmp_gt(ZERO).blend(acc, ZERO).to_array(),
            );
            // δ^i = c^i + W_ihᵀ δ^a + W_ioᵀ δ^z.
            let (da, dz): (&[Lanes], &[Lanes]) = (da, dz);
            cols_sum(
                n_in,
                |c| ld(&ci[c]),
                &[(w_ih, da), (w_io, dz)],
                |c, acc| di[c] = acc.to_array(),
            );
        }
        if t == 0 {
            break;
        }

        // Carry back, as the reference's `carry_back` (every block, absent ones add ±0).
        let (di, da, dz) = split_state(local, d);
        let (ci, ch, co) = split_state_mut(carried, d);
        cols_sum(
            n_in,
            |_| ZERO,
            &[(w_ii, di)],
            |c, acc| ci[c] = acc.to_array(),
        );
        cols_sum(
            n_h,
            |_| ZERO,
            &[(w_hi, di), (w_hh, da)],
            |c, acc| ch[c] = acc.to_array(),
        );
        cols_sum(
            n_out,
            |_| ZERO,
            &[(w_oi, di), (w_oh, da), (w_oo, dz)],
            |c, acc| co[c] = acc.to_array(),
        );
    }

    // 2. Gradients: ∂W[r, c] += (δ_t[r]·keep)·v_t[c] for t decreasing, as the reference's
    //    `outer_add` per step; a block some lanes lack only gets ±0 terms there (`keep` = 0),
    //    one no lane has none. `δ` and `v` are rows of `locals` and of the records (the
    //    previous state of step 0 is `initial`).
    if steps == 0 {
        return;
    }
    let terms = Terms {
        locals: &*locals,
        records: &records[..steps * rl],
        initial: &initial[..sl],
        sl,
        rl,
    };
    let keep = block_multipliers(masks);
    let off = d.offsets();
    let grads = &mut grads[..off[N_BLOCKS]];
    // Offsets of δ^i, δ^a, δ^z in a local row and of i, h, o in a state.
    let (at_i, at_h, at_o) = (0, n_in, n_in + n_h);
    for b in 0..N_BLOCKS {
        if !used[b] {
            continue;
        }
        // (δ offset, rows, v offset, cols, v from the previous state?)
        let (delta_at, rows, from_at, cols, from_prev) = match b {
            0 => (at_h, n_h, at_i, n_in, false),   // ih: δ^a i_tᵀ
            1 => (at_o, n_out, at_h, n_h, false),  // ho: δ^z h_tᵀ
            2 => (at_i, n_in, at_i, n_in, true),   // ii: δ^i i_{t−1}ᵀ
            3 => (at_h, n_h, at_h, n_h, true),     // hh: δ^a h_{t−1}ᵀ
            4 => (at_o, n_out, at_o, n_out, true), // oo: δ^z o_{t−1}ᵀ
            5 => (at_o, n_out, at_i, n_in, false), // io: δ^z i_tᵀ
            6 => (at_i, n_in, at_o, n_out, true),  // oi: δ^i o_{t−1}ᵀ
            7 => (at_i, n_in, at_h, n_h, true),    // hi: δ^i h_{t−1}ᵀ
            _ => (at_h, n_h, at_o, n_out, true),   // oh: δ^a o_{t−1}ᵀ
        };
        // Blocks every lane has need no multiplier (`δ·1 = δ`).
        let all = masks.iter().all(|m| m.present()[b]);
        let shape = Outer {
            rows,
            cols,
            delta_at,
            from_at,
            from_prev,
            keep: (!all).then_some(keep[b]),
        };
        outer_sum(&shape, &mut grads[off[b]..off[b + 1]], &terms);
    }
}

/// One block's gradient: `rows × cols`, `δ` at `delta_at` of a local-adjoint row, `v` at
/// `from_at` of the step's state or, `from_prev`, of the previous one; the lane multiplier
/// of a block some lanes lack.
struct Outer {
    rows: usize,
    cols: usize,
    delta_at: usize,
    from_at: usize,
    from_prev: bool,
    keep: Option<f32x8>,
}

/// The rows the gradient terms are formed from: every step's local adjoints (`sl` lane rows
/// each), the recorded steps (`rl` each) and the state before step 0.
struct Terms<'a> {
    locals: &'a [Lanes],
    records: &'a [Lanes],
    initial: &'a [Lanes],
    sl: usize,
    rl: usize,
}

/// Gradient tile: rows and columns kept in registers.
const TILE_R: usize = 4;
const TILE_C: usize = 2;

/// `g[r, c] += Σ_t (δ_t[r]·keep)·v_t[c]` over one block (one rounding per term, `t`
/// decreasing), tile by tile.
#[inline(always)]
fn outer_sum(o: &Outer, g: &mut [Lanes], terms: &Terms) {
    let mut r0 = 0;
    while r0 < o.rows {
        let nr = (o.rows - r0).min(TILE_R);
        let mut c0 = 0;
        while c0 < o.cols {
            let nc = (o.cols - c0).min(TILE_C);
            match (nr, nc, o.keep.is_some()) {
                (4, 2, false) => outer_tile::<4, 2, false>(o, g, r0, c0, terms),
                (4, 2, true) => outer_tile::<4, 2, true>(o, g, r0, c0, terms),
                (4, 1, false) => outer_tile::<4, 1, false>(o, g, r0, c0, terms),
                (4, 1, true) => outer_tile::<4, 1, true>(o, g, r0, c0, terms),
                // Edge tiles (the last row of a 5-row block) always multiply (`δ·1` is exact).
                (3, 2, _) => outer_tile::<3, 2, true>(o, g, r0, c0, terms),
                (3, 1, _) => outer_tile::<3, 1, true>(o, g, r0, c0, terms),
                (2, 2, _) => outer_tile::<2, 2, true>(o, g, r0, c0, terms),
                (2, 1, _) => outer_tile::<2, 1, true>(o, g, r0, c0, terms),
                (1, 2, _) => outer_tile::<1, 2, true>(o, g, r0, c0, terms),
                _ => outer_tile::<1, 1, true>(o, g, r0, c0, terms),
            }
            c0 += nc;
        }
        r0 += nr;
    }
}

/// One `R × C` tile of [`outer_sum`], the tile in registers. `KEEP`: multiply `δ` by the
/// lane multiplier (when `o.keep` is `None` the multiplier is taken as 1, exactly).
#[inline(always)]
fn outer_tile<const R: usize, const C: usize, const KEEP: bool>(
    o: &Outer,
    g: &mut [Lanes],
    r0: usize,
    c0: usize,
    terms: &Terms,
) {
    let cols = o.cols;
    let mut acc = [[ZERO; C]; R];
    for (r, row) in acc.iter_mut().enumerate() {
        for (c, a) in row.iter_mut().enumerate() {
            *a = ld(&g[(r0 + r) * cols + c0 + c]);
        }
    }
    let (d_at, f_at) = (o.delta_at + r0, o.from_at + c0);
    let keep = o.keep.unwrap_or(f32x8::ONE);
    // (δ_t, v_t) for t = steps − 1 down to 0; from the previous state, v_t is record t − 1
    // and, for t = 0, `initial`. Plain offsets: a reversed `chunks_exact` would divide by
    // the (run-time) row length per step.
    let Terms {
        locals,
        records,
        initial,
        sl,
        rl,
    } = *terms;
    let skip = usize::from(o.from_prev);
    for t in (0..records.len() / rl).rev() {
        // One call site: a second one for the `initial` term made LLVM spill the tile.
        let state = if t >= skip {
            &records[(t - skip) * rl..]
        } else {
            initial
        };
        let delta = &locals[t * sl + d_at..][..R];
        acc = outer_term::<R, C, KEEP>(acc, delta, &state[f_at..][..C], keep);
    }
    for (r, row) in acc.iter().enumerate() {
        for (c, a) in row.iter().enumerate() {
            g[(r0 + r) * cols + c0 + c] = a.to_array();
        }
    }
}

/// `acc[r][c] + (δ[r]·keep)·v[c]`, one rounding per term (the multiplier only with `KEEP`).
#[inline(always)]
fn outer_term<const R: usize, const C: usize, const KEEP: bool>(
    mut acc: [[f32x8; C]; R],
    delta: &[Lanes],
    from: &[Lanes],
    keep: f32x8,
) -> [[f32x8; C]; R] {
    let mut v = [ZERO; C];
    for (v, f) in v.iter_mut().zip(from) {
        *v = ld(f);
    }
    for (row, d) in acc.iter_mut().zip(delta) {
        let a = if KEEP { ld(d) * keep } else { ld(d) };
        for (acc, &v) in row.iter_mut().zip(&v) {
            *acc = fma(a, v, *acc);
        }
    }
    acc
}
