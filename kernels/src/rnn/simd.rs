//! The fast variant: faer for the dense products over all steps, hand-written `wide`
//! kernels that skip ReLU's exact zeros for everything whose cost scales with `n_hidden²`.
//!
//! ## What runs where
//! - Input projection `X W_in + b` (one `(steps·batch) × n_in · n_in × n_hidden` product)
//!   and `∂W_in = Xᵀ Δ`: faer (dense, `n_in` is small; nothing to skip).
//! - Recurrent step, per batch row, fused with bias and ReLU (forward) or with the mask
//!   `relu'(h_t)` (backward), as a row-wise axpy over the non-zero inputs only:
//!
//!   ```text
//!   forward:  a[b,:] = (x W_in)[b,:] + bias + Σ_{k: h_{t-1}[b,k] ≠ 0} h_{t-1}[b,k] · W_rec[k,:]
//!             h_t[b,:] = relu(a[b,:])
//!   backward: g[b,:] = dh_t[b,:] + Σ_{j: δ_{t+1}[b,j] ≠ 0} δ_{t+1}[b,j] · W_recᵀ[j,:]
//!             δ_t[b,:] = g[b,:] ∘ [h_t[b,:] > 0]
//!   ```
//!
//!   The non-zero inputs of a row are found once per row as a bitmask (a vector compare and
//!   `movemask` per `L` lanes) and visited with `trailing_zeros`, so a silent unit costs no
//!   multiply and no branch misprediction. The output row lives in registers (up to
//!   [`MAX_VECTORS`] vectors per block); every visited input costs one broadcast and one
//!   load + FMA per vector. A row length that is not a multiple of the lane count `L` is
//!   covered by a last vector that overlaps the previous one (offset `n - L`): both see the
//!   same initial values and the same FMAs in the same order, so the overlapping lanes are
//!   bit-identical and storing both is harmless. Rows shorter than `L` use scalar code.
//!   The backward step needs `W_recᵀ` row-major; it is built in `grads.w_rec`, which is free
//!   until `∂W_rec` is written at the end.
//! - `∂W_rec = Σ_{t≥1} h_{t-1}ᵀ δ_t`: row `k` of `∂W_rec` is `Σ_r h_prev[r,k] · δ[r,:]`,
//!   accumulated in registers over only the rows `r` where `h_prev[r,k] ≠ 0`. Rows are taken
//!   in chunks of 64: a bitmask per `k` marks the chunk's non-zero `h_prev[·,k]`.
//! - `∂b`: a sequential column sum.
//!
//! ## Accumulation order (sets the test tolerances against the reference)
//! Forward: `((x W_in) + b)` from faer, then the recurrent terms in increasing `k`, one FMA
//! each. Backward: `dh_t` then the terms in increasing `j`, one FMA each. `∂W_rec[k,j]`: rows
//! `r = (t-1)·batch + b` in increasing order, one FMA each. Skipping a zero input is exact
//! for finite weights (it differs from the dense sum only when a weight is ±∞ or NaN).
//!
//! ## Parallelism
//! `Par::Rayon(n)` splits the batch rows into `n` contiguous ranges for the whole sequence
//! (one fork-join per call, rows are independent through time) and `∂W_rec` into ranges of
//! its rows; no element's accumulation order depends on the split.
//!
//! ## Measurements (study shape, one core, `cargo bench -p wiring-benches --bench rnn`)
//! See the crate's benchmark report; summarised in the doc of [`forward`] and [`backward`].

// The register-blocked kernels index the accumulator array and the column offset with the
// same fully unrolled `i`; iterator chains would hide that from the reader, not the compiler.
#![allow(clippy::needless_range_loop)]

use core::any::TypeId;

use rayon::prelude::*;
use wide::{f32x8, f64x4};

use super::faer::{bias_grad, input_projection, weight_grad_in};
use super::{RnnGrads, RnnShape, RnnWeights};
use crate::{Par, Real};

/// Most vectors of an output row kept in registers at once (13 × 8 f32 = 104 ≥ the study's
/// 100 units, so the study's f32 row is one block).
pub(crate) const MAX_VECTORS: usize = 13;

/// Rows of `h_prev` per chunk of the `∂W_rec` kernel (one `u64` bitmask per `k`).
const GRAD_ROW_CHUNK: usize = 64;

/// Bits per input chunk of a row step; rows longer than this are done in several passes.
const ROW_CHUNK_BITS: usize = 1024;

/// A `wide` vector type for one scalar type.
pub(crate) trait Lanes: Real {
    type V: Copy;
    const L: usize;
    fn splat(x: Self) -> Self::V;
    /// # Safety
    /// `p..p+L` must be readable.
    unsafe fn load(p: *const Self) -> Self::V;
    /// # Safety
    /// `p..p+L` must be writable.
    unsafe fn store(p: *mut Self, v: Self::V);
    /// `a·b + c`, fused.
    fn fma(a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    fn vadd(a: Self::V, b: Self::V) -> Self::V;
    /// `v` where `v > 0`, else `+0` (NaN ↦ 0, as the reference's `if a > 0`).
    fn relu(v: Self::V) -> Self::V;
    /// `v` where `h > 0`, else `+0`.
    fn keep_active(v: Self::V, h: Self::V) -> Self::V;
    /// Bit `i` set when lane `i` is not `±0` (NaN counts as non-zero).
    fn nonzero_bits(v: Self::V) -> u64;
}

macro_rules! impl_lanes {
    ($t:ty, $v:ty, $l:literal) => {
        impl Lanes for $t {
            type V = $v;
            const L: usize = $l;
            #[inline(always)]
            fn splat(x: Self) -> $v {
                <$v>::splat(x)
            }
            #[inline(always)]
            unsafe fn load(p: *const Self) -> $v {
                // SAFETY: the caller guarantees L readable elements; `wide` vectors are
                // plain arrays, so an unaligned read of one is a valid value.
                unsafe { (p as *const $v).read_unaligned() }
            }
            #[inline(always)]
            unsafe fn store(p: *mut Self, v: $v) {
                // SAFETY: the caller guarantees L writable elements.
                unsafe { (p as *mut $v).write_unaligned(v) }
            }
            #[inline(always)]
            fn fma(a: $v, b: $v, c: $v) -> $v {
                a.mul_add(b, c)
            }
            #[inline(always)]
            fn vadd(a: $v, b: $v) -> $v {
                a + b
            }
            #[inline(always)]
            fn relu(v: $v) -> $v {
                use wide::CmpGt;
                v & v.cmp_gt(<$v>::splat(0.0))
            }
            #[inline(always)]
            fn keep_active(v: $v, h: $v) -> $v {
                use wide::CmpGt;
                v & h.cmp_gt(<$v>::splat(0.0))
            }
            #[inline(always)]
            fn nonzero_bits(v: $v) -> u64 {
                use wide::CmpEq;
                let zero = v.cmp_eq(<$v>::splat(0.0)).move_mask() as u64;
                !zero & ((1u64 << $l) - 1)
            }
        }
    };
}
impl_lanes!(f32, f32x8, 8);
impl_lanes!(f64, f64x4, 4);

/// Runs `f32` or `f64` code for a generic `T: Real` (exactly one of the two).
macro_rules! dispatch {
    ($t:ty, $f:ident ( $($args:tt)* )) => {
        if TypeId::of::<$t>() == TypeId::of::<f32>() {
            $f::<f32>($($args)*)
        } else if TypeId::of::<$t>() == TypeId::of::<f64>() {
            $f::<f64>($($args)*)
        } else {
            unreachable!("Real is implemented for f32 and f64 only")
        }
    };
}

/// Reinterprets `&[T]` as `&[S]` when `T` and `S` are the same type.
fn same<T: Real, S: Real>(s: &[T]) -> &[S] {
    assert_eq!(TypeId::of::<T>(), TypeId::of::<S>());
    bytemuck::cast_slice(s)
}

fn same_mut<T: Real, S: Real>(s: &mut [T]) -> &mut [S] {
    assert_eq!(TypeId::of::<T>(), TypeId::of::<S>());
    bytemuck::cast_slice_mut(s)
}

/// What happens to an output row after its last input chunk.
#[derive(Clone, Copy)]
enum Epilogue<'a, S> {
    /// Intermediate chunk: store as is.
    Store,
    /// Forward: `relu`.
    Relu,
    /// Backward: keep where the unit is active (`h > 0`).
    KeepActive(&'a [S]),
}

/// Where the `NV` vectors of a block start in a row of `n ≥ L` elements: vector `i` at
/// `first·L + i·L`, except the last at `min((first+NV-1)·L, n - L)` (the overlapping tail).
/// Keeping all but one offset a compile-time displacement from one base frees the
/// general-purpose registers the inner loop needs (13 run-time offsets would spill).
#[derive(Clone, Copy)]
struct BlockCols {
    base: usize,
    last: usize,
}

impl BlockCols {
    #[inline(always)]
    fn new<S: Lanes, const NV: usize>(n: usize, first: usize) -> Self {
        BlockCols {
            base: first * S::L,
            last: ((first + NV - 1) * S::L).min(n - S::L),
        }
    }

    /// Offset of vector `i` (constant-folded once the loop over `i` is unrolled).
    #[inline(always)]
    fn at<S: Lanes, const NV: usize>(self, i: usize) -> usize {
        if i + 1 == NV {
            self.last
        } else {
            self.base + i * S::L
        }
    }
}

/// Bytes of the rows of `w` one pass of a row step reads (or of the `δ` rows of one
/// `∂W_rec` chunk): small enough to stay in L1 (Zen 3: 32 KiB per core) while the pass sweeps
/// all batch rows. Without this the study's f32 `W_rec` (40 KB) is re-read from L2 for every
/// row and the recurrence runs at L2 bandwidth (measured: 3.8 ms instead of 2.x ms dense).
const L1_PANEL_BYTES: usize = 20 * 1024;

/// The blocks of vectors a row of `n ≥ L` elements is computed in, `(first vector, count)`,
/// at most [`MAX_VECTORS`] each, balanced so that, when there are several, each holds ≥ 2
/// vectors (the overlapping last vector shares its block with the vector it overlaps).
fn blocks<S: Lanes>(n: usize) -> impl Iterator<Item = (usize, usize)> {
    let nv = n.div_ceil(S::L);
    let nb = nv.div_ceil(MAX_VECTORS);
    let (base, extra) = (nv / nb, nv % nb);
    (0..nb).map(move |i| (i * base + i.min(extra), base + usize::from(i < extra)))
}

/// `count` balanced ranges covering `0..len`.
fn balanced(len: usize, count: usize) -> impl Iterator<Item = core::ops::Range<usize>> {
    let (base, extra) = (len / count, len % count);
    (0..count).map(move |i| {
        let start = i * base + i.min(extra);
        start..start + base + usize::from(i < extra)
    })
}

/// How many rows of `n` elements fit in [`L1_PANEL_BYTES`] (≥ 1, ≤ `cap`).
fn rows_in_l1<S>(n: usize, cap: usize) -> usize {
    (L1_PANEL_BYTES / (n * core::mem::size_of::<S>()).max(1)).clamp(1, cap)
}

/// One pass of a row step over all batch rows: input rows `k` of `w` and one block of
/// output vectors (`count == 0`: the whole row in scalar code, for `n < L`).
#[derive(Clone, Copy)]
struct Pass {
    k: (usize, usize),
    first: usize,
    count: usize,
    first_k: bool,
    last_k: bool,
}

/// The passes of a row step with `n` inputs and `n` outputs, in order: `k`-chunks that fit
/// L1 (outer), then blocks of output vectors (inner). Each output element still sums its
/// terms in increasing `k`.
fn passes<S: Lanes>(n: usize) -> impl Iterator<Item = Pass> {
    // Rows shorter than one vector: one scalar pass over everything.
    let scalar = n < S::L;
    let nk = if scalar {
        1
    } else {
        n.div_ceil(rows_in_l1::<S>(n, ROW_CHUNK_BITS))
    };
    let nb = if scalar { 1 } else { blocks::<S>(n).count() };
    balanced(n, nk).enumerate().flat_map(move |(c, k)| {
        blocks::<S>(n.max(S::L))
            .take(nb)
            .map(move |(first, count)| Pass {
                k: (k.start, k.end),
                first,
                count: if scalar { 0 } else { count },
                first_k: c == 0,
                last_k: c + 1 == nk,
            })
    })
}

macro_rules! by_count {
    ($count:expr, $f:ident::<$s:ty>($($args:expr),*)) => {
        match $count {
            1 => $f::<$s, 1>($($args),*),
            2 => $f::<$s, 2>($($args),*),
            3 => $f::<$s, 3>($($args),*),
            4 => $f::<$s, 4>($($args),*),
            5 => $f::<$s, 5>($($args),*),
            6 => $f::<$s, 6>($($args),*),
            7 => $f::<$s, 7>($($args),*),
            8 => $f::<$s, 8>($($args),*),
            9 => $f::<$s, 9>($($args),*),
            10 => $f::<$s, 10>($($args),*),
            11 => $f::<$s, 11>($($args),*),
            12 => $f::<$s, 12>($($args),*),
            13 => $f::<$s, 13>($($args),*),
            _ => unreachable!("block of more than MAX_VECTORS vectors"),
        }
    };
}

/// Bitmask of the non-zero entries of `src` (≤ [`ROW_CHUNK_BITS`] long): bit `k % 64` of
/// word `k / 64`.
#[inline(always)]
fn nonzero_mask<S: Lanes>(src: &[S], words: &mut [u64]) {
    debug_assert_eq!(words.len(), src.len().div_ceil(64));
    words.fill(0);
    let mut k = 0;
    while k + S::L <= src.len() {
        // SAFETY: k + L ≤ src.len().
        let bits = S::nonzero_bits(unsafe { S::load(src.as_ptr().add(k)) });
        words[k / 64] |= bits << (k % 64);
        k += S::L;
    }
    for (k, &v) in src.iter().enumerate().skip(k) {
        if v != S::ZERO {
            words[k / 64] |= 1 << (k % 64);
        }
    }
}

/// One block of `NV` vectors of `out ← epilogue(out [+ bias] + Σ_{k∈mask} src[k]·w[k0+k,:])`.
#[inline(always)]
#[allow(clippy::too_many_arguments)] // one fused step, all its operands
fn row_block<S: Lanes, const NV: usize>(
    out: &mut [S],
    bias: Option<&[S]>,
    src: &[S],
    k0: usize,
    words: &[u64],
    w: &[S],
    first: usize,
    epi: Epilogue<'_, S>,
) {
    let n = out.len();
    let cols = BlockCols::new::<S, NV>(n, first);
    assert!(n >= S::L && w.len() >= (k0 + src.len()) * n);
    assert!(bias.is_none_or(|b| b.len() == n));
    // SAFETY (all loads/stores below): every offset is ≤ n - L, so `p + off .. p + off + L`
    // lies inside a row of length n of `out`, `bias`, the mask row or `w` (row index
    // k0 + k < k0 + src.len(), checked above).
    let mut acc: [S::V; NV] =
        core::array::from_fn(|i| unsafe { S::load(out.as_ptr().add(cols.at::<S, NV>(i))) });
    if let Some(b) = bias {
        for i in 0..NV {
            acc[i] = S::vadd(acc[i], unsafe {
                S::load(b.as_ptr().add(cols.at::<S, NV>(i)))
            });
        }
    }
    for (wi, &word) in words.iter().enumerate() {
        let mut m = word;
        while m != 0 {
            let k = wi * 64 + m.trailing_zeros() as usize;
            m &= m - 1;
            let s = S::splat(src[k]);
            let wr = unsafe { w.as_ptr().add((k0 + k) * n) };
            for i in 0..NV {
                acc[i] = S::fma(s, unsafe { S::load(wr.add(cols.at::<S, NV>(i))) }, acc[i]);
            }
        }
    }
    match epi {
        Epilogue::Store => {}
        Epilogue::Relu => acc.iter_mut().for_each(|a| *a = S::relu(*a)),
        Epilogue::KeepActive(h) => {
            assert_eq!(h.len(), n);
            for i in 0..NV {
                acc[i] = S::keep_active(acc[i], unsafe {
                    S::load(h.as_ptr().add(cols.at::<S, NV>(i)))
                });
            }
        }
    }
    for i in 0..NV {
        unsafe { S::store(out.as_mut_ptr().add(cols.at::<S, NV>(i)), acc[i]) };
    }
}

/// One [`Pass`] of `out ← epilogue(out [+ bias] + Σ_{k: src[k]≠0} src[k]·w[k,:])`, `w` is
/// `src.len() × n` (`src = None`: no input terms). The bias is added in the pass of the
/// first `k`-chunk, the epilogue applied in the pass of the last.
fn row_step<S: Lanes>(
    out: &mut [S],
    bias: Option<&[S]>,
    src: Option<&[S]>,
    w: &[S],
    epi: Epilogue<'_, S>,
    pass: Pass,
) {
    if pass.count == 0 {
        return row_step_scalar(out, bias, src, w, epi);
    }
    let mut words = [0u64; ROW_CHUNK_BITS / 64];
    let (k0, part) = match src {
        Some(src) => (pass.k.0, &src[pass.k.0..pass.k.1]),
        None => (0, &[][..]),
    };
    let words = &mut words[..part.len().div_ceil(64)];
    nonzero_mask(part, words);
    let bias = if pass.first_k { bias } else { None };
    let epi = if pass.last_k { epi } else { Epilogue::Store };
    by_count!(
        pass.count,
        row_block::<S>(&mut *out, bias, part, k0, words, w, pass.first, epi)
    );
}

/// [`row_step`] for rows shorter than one vector; same order of operations.
fn row_step_scalar<S: Lanes>(
    out: &mut [S],
    bias: Option<&[S]>,
    src: Option<&[S]>,
    w: &[S],
    epi: Epilogue<'_, S>,
) {
    let n = out.len();
    for (j, o) in out.iter_mut().enumerate() {
        let mut a = *o;
        if let Some(b) = bias {
            a += b[j];
        }
        for (k, &s) in src.unwrap_or(&[]).iter().enumerate() {
            if s != S::ZERO {
                a = a.mul_add(s, w[k * n + j]);
            }
        }
        *o = match epi {
            Epilogue::Store => a,
            Epilogue::Relu | Epilogue::KeepActive(_) => {
                let keep = match epi {
                    Epilogue::KeepActive(h) => h[j] > S::ZERO,
                    _ => a > S::ZERO,
                };
                if keep {
                    a
                } else {
                    S::ZERO
                }
            }
        };
    }
}

/// A buffer shared by threads that write disjoint batch rows of it.
#[derive(Clone, Copy)]
struct SharedRows<S> {
    ptr: *mut S,
    len: usize,
}
// SAFETY: only used to hand disjoint rows to threads (see `row_mut`).
unsafe impl<S: Send> Send for SharedRows<S> {}
unsafe impl<S: Send> Sync for SharedRows<S> {}

impl<S> SharedRows<S> {
    fn new(s: &mut [S]) -> Self {
        SharedRows {
            ptr: s.as_mut_ptr(),
            len: s.len(),
        }
    }
    /// Row `row` of length `n`.
    ///
    /// # Safety
    /// No other live reference may cover this row (threads own disjoint batch ranges).
    #[allow(clippy::mut_from_ref)] // disjointness is the caller's contract
    unsafe fn row_mut(&self, row: usize, n: usize) -> &mut [S] {
        assert!((row + 1) * n <= self.len);
        unsafe { core::slice::from_raw_parts_mut(self.ptr.add(row * n), n) }
    }
    /// # Safety
    /// No live mutable reference may cover this row.
    unsafe fn row(&self, row: usize, n: usize) -> &[S] {
        assert!((row + 1) * n <= self.len);
        unsafe { core::slice::from_raw_parts(self.ptr.add(row * n), n) }
    }
}

/// Runs `f(rows)` over `batch` split into `par.degree()` contiguous ranges.
fn for_batch_ranges(batch: usize, par: Par, f: impl Fn(core::ops::Range<usize>) + Sync) {
    let nt = par.degree().clamp(1, batch.max(1));
    if nt == 1 {
        return f(0..batch);
    }
    let chunk = batch.div_ceil(nt);
    (0..nt)
        .into_par_iter()
        .for_each(|c| f(c * chunk..((c + 1) * chunk).min(batch)));
}

/// Forward: faer input projection, then the sparse recurrent steps per batch row.
pub(super) fn forward<T: Real>(
    shape: RnnShape,
    w: RnnWeights<'_, T>,
    x: &[T],
    h: &mut [T],
    par: Par,
) {
    input_projection(shape, w, x, h, par);
    dispatch!(
        T,
        forward_recurrence(shape, same(w.w_rec), same_mut(h), par)
    );
}

fn forward_recurrence<S: Lanes>(shape: RnnShape, w_rec: &[S], h: &mut [S], par: Par) {
    let (steps, batch, n) = (shape.steps, shape.batch, shape.n_hidden);
    let rows = SharedRows::new(h);
    for_batch_ranges(batch, par, |range| {
        // Step by step, pass by pass: a pass's rows of W_rec stay in L1 for all batch rows.
        for t in 0..steps {
            for pass in passes::<S>(n) {
                for r in range.clone() {
                    // SAFETY: this thread owns batch row r at every step; rows t-1, t differ.
                    let (out, prev) = unsafe {
                        let prev = (t > 0).then(|| rows.row((t - 1) * batch + r, n));
                        (rows.row_mut(t * batch + r, n), prev)
                    };
                    row_step(out, None, prev, w_rec, Epilogue::Relu, pass);
                }
            }
        }
    });
}

/// Backward: sparse `δ` recursion per batch row (with `W_recᵀ` built in `grads.w_rec`),
/// then sparse `∂W_rec`, faer `∂W_in`, sequential `∂b`.
pub(super) fn backward<T: Real>(
    shape: RnnShape,
    w: RnnWeights<'_, T>,
    x: &[T],
    h: &[T],
    dh: &mut [T],
    grads: RnnGrads<'_, T>,
    par: Par,
) {
    dispatch!(
        T,
        backward_recurrence(
            shape,
            same(w.w_rec),
            same(h),
            same_mut(dh),
            same_mut(grads.w_rec),
            par
        )
    );
    dispatch!(
        T,
        weight_grad_rec(shape, same(h), same(dh), same_mut(grads.w_rec), par)
    );
    weight_grad_in(shape, x, dh, grads.w_in, par);
    bias_grad(dh, grads.b);
}

fn backward_recurrence<S: Lanes>(
    shape: RnnShape,
    w_rec: &[S],
    h: &[S],
    dh: &mut [S],
    w_rec_t: &mut [S],
    par: Par,
) {
    let (steps, batch, n) = (shape.steps, shape.batch, shape.n_hidden);
    for (i, row) in w_rec_t.chunks_exact_mut(n).enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = w_rec[j * n + i];
        }
    }
    let w_rec_t = &*w_rec_t;
    let rows = SharedRows::new(dh);
    for_batch_ranges(batch, par, |range| {
        for t in (0..steps).rev() {
            for pass in passes::<S>(n) {
                for r in range.clone() {
                    let row = t * batch + r;
                    // SAFETY: this thread owns batch row r at every step; rows t, t+1 differ.
                    let (out, next) = unsafe {
                        let next = (t + 1 < steps).then(|| rows.row(row + batch, n));
                        (rows.row_mut(row, n), next)
                    };
                    let active = &h[row * n..(row + 1) * n];
                    let epi = Epilogue::KeepActive(active);
                    row_step(out, None, next, w_rec_t, epi, pass);
                }
            }
        }
    });
}

/// `∂W_rec[k,:] = Σ_{r: h_prev[r,k] ≠ 0} h_prev[r,k] · δ[r,:]`, rows `r` of `H_prev` /
/// `Δ_{1..}` in increasing order; threads split the rows `k` of `∂W_rec`.
fn weight_grad_rec<S: Lanes>(shape: RnnShape, h: &[S], delta: &[S], gw: &mut [S], par: Par) {
    let n = shape.n_hidden;
    let step_len = shape.batch * n;
    let prev_rows = (shape.steps - 1) * shape.batch;
    let hp = &h[..prev_rows * n];
    let d = &delta[step_len..];
    let nt = par.degree().clamp(1, n);
    if nt == 1 {
        return grad_rows(hp, d, n, 0, gw);
    }
    let per = n.div_ceil(nt);
    gw.par_chunks_mut(per * n)
        .enumerate()
        .for_each(|(c, part)| grad_rows(hp, d, n, c * per, part));
}

/// Rows `k0 .. k0 + gw.len()/n` of `∂W_rec`.
fn grad_rows<S: Lanes>(hp: &[S], d: &[S], n: usize, k0: usize, gw: &mut [S]) {
    gw.fill(S::ZERO);
    let nk = gw.len() / n;
    let rows = hp.len() / n;
    if n < S::L {
        for (kk, g) in gw.chunks_exact_mut(n).enumerate() {
            for r in 0..rows {
                let s = hp[r * n + k0 + kk];
                if s != S::ZERO {
                    for (gj, &dj) in g.iter_mut().zip(&d[r * n..(r + 1) * n]) {
                        *gj = gj.mul_add(s, dj);
                    }
                }
            }
        }
        return;
    }
    const KB: usize = 128;
    let mut cols = [0u64; KB];
    for kb0 in (0..nk).step_by(KB) {
        let kb = KB.min(nk - kb0);
        let chunk = rows_in_l1::<S>(n, GRAD_ROW_CHUNK);
        for r0 in (0..rows).step_by(chunk) {
            let rc = chunk.min(rows - r0);
            // Bitmask per k of the chunk's rows with h_prev[r, k] ≠ 0.
            cols[..kb].fill(0);
            for i in 0..rc {
                let hrow = &hp[(r0 + i) * n + k0 + kb0..][..kb];
                for (c, &v) in cols.iter_mut().zip(hrow) {
                    *c |= u64::from(v != S::ZERO) << i;
                }
            }
            // Block by block: the chunk's panel of δ rows stays in L1 for all k.
            for (first, count) in blocks::<S>(n) {
                for kk in 0..kb {
                    if cols[kk] == 0 {
                        continue;
                    }
                    let out = &mut gw[(kb0 + kk) * n..][..n];
                    let k = k0 + kb0 + kk;
                    by_count!(
                        count,
                        grad_block::<S>(&mut *out, hp, d, n, k, r0, cols[kk], first)
                    );
                }
            }
        }
    }
}

/// One block of `NV` vectors of `out += Σ_{i ∈ mask} hp[r0+i, k] · d[r0+i, :]`.
#[inline(always)]
#[allow(clippy::too_many_arguments)] // one fused accumulation, all its operands
fn grad_block<S: Lanes, const NV: usize>(
    out: &mut [S],
    hp: &[S],
    d: &[S],
    n: usize,
    k: usize,
    r0: usize,
    mask: u64,
    first: usize,
) {
    let cols = BlockCols::new::<S, NV>(n, first);
    assert!(out.len() == n && n >= S::L && k < n);
    assert!(d.len() >= (r0 + 64 - mask.leading_zeros() as usize) * n);
    // SAFETY: offsets are ≤ n - L, and every visited row r0 + i is < d.len() / n (checked
    // above via the highest set bit), so each load/store stays inside one row.
    let mut acc: [S::V; NV] =
        core::array::from_fn(|i| unsafe { S::load(out.as_ptr().add(cols.at::<S, NV>(i))) });
    let mut m = mask;
    while m != 0 {
        let r = r0 + m.trailing_zeros() as usize;
        m &= m - 1;
        let s = S::splat(hp[r * n + k]);
        let dr = unsafe { d.as_ptr().add(r * n) };
        for i in 0..NV {
            acc[i] = S::fma(s, unsafe { S::load(dr.add(cols.at::<S, NV>(i))) }, acc[i]);
        }
    }
    for i in 0..NV {
        unsafe { S::store(out.as_mut_ptr().add(cols.at::<S, NV>(i)), acc[i]) };
    }
}
