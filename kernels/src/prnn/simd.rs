//! The population kernel: [`POPULATION_LANES`] networks of one [`PrnnDims`] advance in the
//! lanes of `wide::f32x8`, lane `l` = network `l`. Every scalar operation of the f32
//! reference becomes one vector operation, in the same order and unfused, so each lane is
//! bit-identical to the reference run on its network alone (the argument, including the
//! `0·v` terms of absent blocks, is in the module docs of `prnn`, "Population").
//!
//! Buffers arrive as `&[f32]` in the lane-interleaved layout (value `k` of lane `l` at
//! `k·L + l`) and are viewed as `&[[f32; L]]`; a `[f32; L]` is loaded and stored unaligned.
//! Shapes are checked by the callers in `mod.rs`.

use wide::{f32x8, i32x8, CmpGt, CmpLt};

use super::reference::{softmax_exp, ExpLanes};
use super::{Block, PrnnDims, PrnnMask, N_BLOCKS, POPULATION_LANES};

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

/// `(i, h, o)` views of a state (or the first `state_len` rows of a record).
#[inline(always)]
fn split_state(s: &[Lanes], d: PrnnDims) -> (&[Lanes], &[Lanes], &[Lanes]) {
    let (i, rest) = s.split_at(d.n_in);
    let (h, rest) = rest.split_at(d.n_hidden);
    (i, h, &rest[..d.n_out])
}

#[inline(always)]
fn split_state_mut(s: &mut [Lanes], d: PrnnDims) -> (&mut [Lanes], &mut [Lanes], &mut [Lanes]) {
    let (i, rest) = s.split_at_mut(d.n_in);
    let (h, rest) = rest.split_at_mut(d.n_hidden);
    (i, h, &mut rest[..d.n_out])
}

/// The blocks present in at least one lane.
pub(super) fn union(masks: &[PrnnMask; POPULATION_LANES]) -> [bool; N_BLOCKS] {
    core::array::from_fn(|b| masks.iter().any(|m| m.present()[b]))
}

/// The nine blocks of a population parameter vector, in [`Block::ALL`] order; a block no lane
/// has is an empty slice, and every product with it is skipped (it would add only `±0`).
#[inline(always)]
fn blocks(d: PrnnDims, params: &[Lanes], used: [bool; N_BLOCKS]) -> [&[Lanes]; N_BLOCKS] {
    Block::ALL.map(|b| {
        if used[b.index()] {
            &params[d.block_range(b)]
        } else {
            &[]
        }
    })
}

/// `acc + Σ_c w[r, c]·v[c]`, `c` increasing (the reference's `matvec_add` for row `r`), `w`
/// is `· × v.len()`; `acc` unchanged when `w` is empty (a skipped block).
#[inline(always)]
fn row_dot_add(mut acc: f32x8, w: &[Lanes], r: usize, v: &[Lanes]) -> f32x8 {
    let row = w.get(r * v.len()..(r + 1) * v.len()).unwrap_or(&[]);
    for (w, x) in row.iter().zip(v) {
        acc += ld(w) * ld(x);
    }
    acc
}

/// `acc + Σ_r w[r, c]·v[r]`, `r` increasing, `w` is `v.len() × cols` (the reference's
/// `matvec_t_add` for output `c`); `acc` unchanged when `w` is empty (a skipped block).
#[inline(always)]
fn col_dot_add(mut acc: f32x8, w: &[Lanes], cols: usize, c: usize, v: &[Lanes]) -> f32x8 {
    let col = w.get(c..).unwrap_or(&[]);
    for (w, x) in col.iter().step_by(cols).zip(v) {
        acc += ld(w) * ld(x);
    }
    acc
}

/// Rows (or columns) computed together: independent accumulator chains for the out-of-order
/// core, each still summed in the reference's order.
const K: usize = 4;

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
    while r0 + K <= rows {
        let mut acc: [f32x8; K] = core::array::from_fn(|k| init(r0 + k));
        for &(w, v) in terms {
            if w.is_empty() {
                continue;
            }
            let cols = v.len();
            let w = &w[r0 * cols..(r0 + K) * cols];
            for (c, vc) in v.iter().enumerate() {
                let vc = ld(vc);
                for (k, a) in acc.iter_mut().enumerate() {
                    *a += ld(&w[k * cols + c]) * vc;
                }
            }
        }
        for (k, a) in acc.into_iter().enumerate() {
            finish(r0 + k, a);
        }
        r0 += K;
    }
    for r in r0..rows {
        let mut acc = init(r);
        for &(w, v) in terms {
            acc = row_dot_add(acc, w, r, v);
        }
        finish(r, acc);
    }
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
    while c0 + K <= cols {
        let mut acc: [f32x8; K] = core::array::from_fn(|k| init(c0 + k));
        for &(w, v) in terms {
            if w.is_empty() {
                continue;
            }
            for (r, vr) in v.iter().enumerate() {
                let vr = ld(vr);
                let row = &w[r * cols + c0..r * cols + c0 + K];
                for (a, wk) in acc.iter_mut().zip(row) {
                    *a += ld(wk) * vr;
                }
            }
        }
        for (k, a) in acc.into_iter().enumerate() {
            finish(c0 + k, a);
        }
        c0 += K;
    }
    for c in c0..cols {
        let mut acc = init(c);
        for &(w, v) in terms {
            acc = col_dot_add(acc, w, cols, c, v);
        }
        finish(c, acc);
    }
}

/// One population step into `next` (a population state); `pre`, when given, receives `a_t`.
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
) {
    let [w_ih, w_ho, w_ii, w_hh, w_oo, w_io, w_oi, w_hi, w_oh] = blocks(d, lanes(params), used);
    let (pi, ph, po) = split_state(lanes(prev), d);
    let (x, u) = (lanes(x), lanes(u));
    let (ni, nh, no) = split_state_mut(lanes_mut(next), d);

    // i_t = (x_t + 0) + W_ii i + W_oi o + W_hi h.
    let terms = [(w_ii, pi), (w_oi, po), (w_hi, ph)];
    rows_sum(
        d.n_in,
        |r| ld(&x[r]) + ZERO,
        &terms,
        |r, acc| ni[r] = acc.to_array(),
    );
    let ni: &[Lanes] = ni;

    // a_t = W_ih i_t + W_hh h + W_oh o;  h_t = relu(a_t) (−0 and NaN kept, as the reference).
    let mut pre = pre.map(lanes_mut);
    let terms = [(w_ih, ni), (w_hh, ph), (w_oh, po)];
    rows_sum(
        d.n_hidden,
        |_| ZERO,
        &terms,
        |r, acc| {
            if let Some(pre) = pre.as_deref_mut() {
                pre[r] = acc.to_array();
            }
            nh[r] = acc.cmp_lt(ZERO).blend(ZERO, acc).to_array();
        },
    );
    let nh: &[Lanes] = nh;

    // z_t = W_ho h_t + W_oo o + W_io i_t + u_t.
    let terms = [(w_ho, nh), (w_oo, po), (w_io, ni)];
    rows_sum(
        d.n_out,
        |_| ZERO,
        &terms,
        |r, acc| no[r] = (acc + ld(&u[r])).to_array(),
    );

    // o_t = softmax(z_t): the reference's fold from z[0], `+0 + Σ`, then divisions.
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
        );
    }
}

/// Per block, `1.0` in the lanes whose network has it and `0.0` elsewhere.
fn block_multipliers(masks: &[PrnnMask; POPULATION_LANES]) -> [f32x8; N_BLOCKS] {
    Block::ALL.map(|b| f32x8::new(masks.map(|m| if m.has(b) { 1.0 } else { 0.0 })))
}

/// `g[r, c] += (a[r]·keep)·b[c]`: the reference's `outer_add`, with `a[r]·1 = a[r]` exactly
/// in lanes that have the block and `±0` terms in lanes that lack it.
#[inline(always)]
fn outer_add_masked(g: &mut [Lanes], a: &[Lanes], b: &[Lanes], keep: Option<f32x8>) {
    let cols = b.len();
    for (r, ar) in a.iter().enumerate() {
        let ar = match keep {
            Some(k) => ld(ar) * k,
            None => ld(ar),
        };
        for (gc, bc) in g[r * cols..(r + 1) * cols].iter_mut().zip(b) {
            *gc = (ld(gc) + ar * ld(bc)).to_array();
        }
    }
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
    let used = union(masks);
    let [w_ih, w_ho, w_ii, w_hh, w_oo, w_io, w_oi, w_hi, w_oh] = blocks(d, lanes(params), used);
    let (initial, records, dout) = (lanes(initial), lanes(records), lanes(dout));
    let grads = lanes_mut(grads);
    let keep = block_multipliers(masks);
    let (n_in, n_h, n_out) = (d.n_in, d.n_hidden, d.n_out);
    let (sl, rl) = (d.state_len(), d.record_len());
    let (carried, local) = lanes_mut(scratch).split_at_mut(sl);
    carried.fill([0.0; POPULATION_LANES]);
    for t in (0..steps).rev() {
        let record = &records[t * rl..(t + 1) * rl];
        let prev = if t == 0 {
            initial
        } else {
            &records[(t - 1) * rl..(t - 1) * rl + sl]
        };
        let g = &dout[t * n_out..(t + 1) * n_out];
        let (it, ht, o) = split_state(record, d);
        let a = &record[sl..rl];

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

        // Gradients; a block some lanes lack only gets ±0 terms there, one no lane has none.
        let (di, da, dz) = split_state(local, d);
        let (ip, hp, op) = split_state(prev, d);
        for block in Block::ALL {
            if !used[block.index()] {
                continue;
            }
            let (delta, from) = match block {
                Block::Ih => (da, it),
                Block::Ho => (dz, ht),
                Block::Ii => (di, ip),
                Block::Hh => (da, hp),
                Block::Oo => (dz, op),
                Block::Io => (dz, it),
                Block::Oi => (di, op),
                Block::Hi => (di, hp),
                Block::Oh => (da, op),
            };
            let always = matches!(block, Block::Ih | Block::Ho);
            let k = (!always).then_some(keep[block.index()]);
            outer_add_masked(&mut grads[d.block_range(block)], delta, from, k);
        }

        // Carry back, as the reference's `carry_back` (every block, absent ones add ±0).
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
}
