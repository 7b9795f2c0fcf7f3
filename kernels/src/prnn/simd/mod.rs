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
//! The forward step and its siblings are in `forward.rs`, the episode's BPTT in `backward.rs`;
//! this file holds what both use: lane loads, the [`Shape`]s, the block views and the
//! matrix–vector products.
//!
//! ## Speed
//! - Every body is written once over a [`Shape`] and instantiated for the study's two shapes
//!   (8/8/5 and 8/34/5, sizes known at compile time: loops unrolled, no bounds checks) and
//!   for any other shape ([`Dyn`]).
//! - Matrix–vector products run [`ROWS`] output elements at once: independent accumulator
//!   chains for the out-of-order core (the add latency, not the multiply throughput, bounds
//!   one chain), each still summed in the reference's order.
//! - The backward (`backward.rs`) first runs the adjoint recursion over the whole episode, keeping every
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
mod backward;
mod forward;

pub(super) use backward::{backward, backward_scratch_rows};
pub(super) use forward::{forward, sibling, step, step_recurrent};
