//! Plain scalar loops over one network, the oracle. Formulas, layouts and accumulation order
//! in the module docs of `prnn`; shapes are checked by the callers in `mod.rs`.

use core::any::TypeId;
use core::ops::{Add, Mul, Sub};

use super::{Block, PrnnDims, PrnnNet};
use crate::Real;

/// The lane arithmetic [`softmax_exp`] is written in: IEEE `+ − ×` (from the operator
/// traits, never fused), `floor`, a NaN-keeping clamp and `2^k` from exponent bits.
/// Implemented for `f32` here and for `wide::f32x8` in `simd.rs`, so the scalar reference and
/// the population kernel run the very same operation sequence.
pub(super) trait ExpLanes:
    Copy + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self>
{
    fn splat(c: f32) -> Self;
    /// `lo` where `self < lo`, `hi` where `self > hi`, else `self` (NaN stays NaN).
    fn clamp_keep_nan(self, lo: f32, hi: f32) -> Self;
    /// Round toward −∞ (exact).
    fn floor(self) -> Self;
    /// `2^k` for an integral `k` in `[−126, 127]`, built from exponent bits (exact). A NaN
    /// `k` gives a finite value (the caller's result is NaN anyway).
    fn pow2(self) -> Self;
}

impl ExpLanes for f32 {
    #[inline(always)]
    fn splat(c: f32) -> Self {
        c
    }
    #[inline(always)]
    fn clamp_keep_nan(self, lo: f32, hi: f32) -> Self {
        if self < lo {
            lo
        } else if self > hi {
            hi
        } else {
            self
        }
    }
    #[inline(always)]
    fn floor(self) -> Self {
        f32::floor(self)
    }
    #[inline(always)]
    fn pow2(self) -> Self {
        // `as i32` maps NaN to 0, like `f32x8::round_int`.
        f32::from_bits(((self as i32).wrapping_add(127) as u32) << 23)
    }
}

/// Clamp of the argument: below `ln 2^−150` every result rounds to +0, above 89 to +∞.
const EXP_LO: f32 = -104.0;
const EXP_HI: f32 = 89.0;
const LOG2E: f32 = core::f32::consts::LOG2_E;
/// `ln 2 = C1 + C2` split so that `n·C1` is exact (`C1` has 9 significant bits, `|n| ≤ 150`;
/// Cephes `expf`).
#[allow(clippy::excessive_precision)] // Cephes' published digits, kept verbatim
const LN2_C1: f32 = 0.693359375;
#[allow(clippy::excessive_precision)] // Cephes' published digits, kept verbatim
const LN2_C2: f32 = -2.12194440e-4;
/// Cephes `expf` minimax coefficients of `(e^r − 1 − r)/r²` on `|r| ≤ ln2/2`, highest first.
#[allow(clippy::excessive_precision)] // Cephes' published digits, kept verbatim
const EXP_POLY: [f32; 6] = [
    1.9875691500e-4,
    1.3981999507e-3,
    8.3334519073e-3,
    4.1665795894e-2,
    1.6666665459e-1,
    5.0000001201e-1,
];

/// The exponential of the f32 softmax, shared bit for bit by the reference and the
/// population kernel (Cephes `expf`; < 1 ulp, max 0.990 ulp over every f32, `tests/prnn_softmax_exp.rs`):
///
/// ```text
/// x ← clamp(x, −104, 89)                    (NaN kept)
/// n = floor(x·log2e + 1/2)                  (n ∈ [−150, 128])
/// r = (x − n·C1) − n·C2                     (C1 + C2 = ln 2, n·C1 exact)
/// p = ((((((c0 r + c1) r + c2) r + c3) r + c4) r + c5) · r²) + r) + 1   (Horner, unfused)
/// e^x = (p · 2^⌊n/2⌋) · 2^(n − ⌊n/2⌋)
/// ```
///
/// Splitting `2^n` into two normal factors lets the first product stay exact and the
/// second round once, so subnormal results (`x < −87.34`) are rounded correctly from `p`
/// instead of flushed, and `x > 88.72` overflows to `+∞` naturally. `exp(±0) = 1` exactly
/// (so the softmax's maximum always contributes exactly 1).
#[inline(always)]
pub(super) fn softmax_exp<V: ExpLanes>(x: V) -> V {
    let x = x.clamp_keep_nan(EXP_LO, EXP_HI);
    let n = (x * V::splat(LOG2E) + V::splat(0.5)).floor();
    let r = x - n * V::splat(LN2_C1);
    let r = r - n * V::splat(LN2_C2);
    let rr = r * r;
    let mut p = V::splat(EXP_POLY[0]);
    for &c in &EXP_POLY[1..] {
        p = p * r + V::splat(c);
    }
    let p = p * rr + r + V::splat(1.0);
    let half = (n * V::splat(0.5)).floor();
    p * half.pow2() * (n - half).pow2()
}

/// The softmax's `exp` in `T`: [`softmax_exp`] for `f32` (shared with the population
/// kernel); the platform's correctly-rounded-ish `f64::exp` for `f64`, whose only job is
/// the gradient checks against finite differences (a polynomial's derivative is not
/// exactly itself, which would show up at their `1e−6` tolerance).
#[inline(always)]
fn exp_for<T: Real>(x: T) -> T {
    if TypeId::of::<T>() == TypeId::of::<f32>() {
        // f32 → f64 → f32 round trips are exact.
        T::from_f64(softmax_exp(x.to_f64() as f32) as f64)
    } else {
        x.exp()
    }
}

/// The block's weights (`to × from` row-major) when present.
#[inline]
fn weights<'a, T>(net: &PrnnNet<'a, T>, block: Block) -> Option<&'a [T]> {
    net.mask
        .has(block)
        .then(|| &net.params[net.dims.block_range(block)])
}

/// `y[r] += Σ_c w[r, c] x[c]`, `w` is `y.len() × x.len()`, `c` increasing, one fused
/// multiply–add per term.
#[inline]
fn matvec_add<T: Real>(w: &[T], x: &[T], y: &mut [T]) {
    let cols = x.len();
    for (r, yr) in y.iter_mut().enumerate() {
        let row = &w[r * cols..(r + 1) * cols];
        let mut acc = *yr;
        for (&wc, &xc) in row.iter().zip(x) {
            acc = acc.mul_add(wc, xc);
        }
        *yr = acc;
    }
}

/// `y[c] += Σ_r w[r, c] v[r]`, `w` is `v.len() × y.len()`, `r` increasing, one fused
/// multiply–add per term.
#[inline]
fn matvec_t_add<T: Real>(w: &[T], v: &[T], y: &mut [T]) {
    let cols = y.len();
    for (r, &vr) in v.iter().enumerate() {
        let row = &w[r * cols..(r + 1) * cols];
        for (yc, &wc) in y.iter_mut().zip(row) {
            *yc = yc.mul_add(wc, vr);
        }
    }
}

/// `g[r, c] += a[r] b[c]`, `g` is `a.len() × b.len()`, one fused multiply–add per element.
#[inline]
fn outer_add<T: Real>(g: &mut [T], a: &[T], b: &[T]) {
    let cols = b.len();
    for (r, &ar) in a.iter().enumerate() {
        for (gc, &bc) in g[r * cols..(r + 1) * cols].iter_mut().zip(b) {
            *gc = gc.mul_add(ar, bc);
        }
    }
}

/// `(i, h, o)` views of a state (or the first `state_len` values of a record).
#[inline]
fn split_state<T>(s: &[T], d: PrnnDims) -> (&[T], &[T], &[T]) {
    let (i, rest) = s.split_at(d.n_in);
    let (h, rest) = rest.split_at(d.n_hidden);
    (i, h, &rest[..d.n_out])
}

/// One forward step into `next` (a state); `pre`, when given, receives `a_t`.
pub(super) fn step<T: Real>(
    net: PrnnNet<'_, T>,
    prev: &[T],
    x: &[T],
    u: &[T],
    next: &mut [T],
    pre: Option<&mut [T]>,
) {
    let d = net.dims;
    let (pi, ph, po) = split_state(prev, d);
    let (ni, rest) = next.split_at_mut(d.n_in);
    let (nh, no) = rest.split_at_mut(d.n_hidden);

    // i_t = ((W_ii i + W_oi o) + W_hi h) + x_t (previous states): each sum starts at +0 and
    // takes the terms that do not wait for this step first — the input last here, `i_t` and
    // `h_t` last below — so that a step's chain of dependent operations after its input is
    // short. Starting at +0 also keeps every sum off −0 (module docs, "Population").
    ni.fill(T::ZERO);
    if let Some(w) = weights(&net, Block::Ii) {
        matvec_add(w, pi, ni);
    }
    if let Some(w) = weights(&net, Block::Oi) {
        matvec_add(w, po, ni);
    }
    if let Some(w) = weights(&net, Block::Hi) {
        matvec_add(w, ph, ni);
    }
    for (n, &xv) in ni.iter_mut().zip(x) {
        *n += xv;
    }

    // a_t = W_hh h + W_oh o + W_ih i_t;  h_t = relu(a_t).
    nh.fill(T::ZERO);
    if let Some(w) = weights(&net, Block::Hh) {
        matvec_add(w, ph, nh);
    }
    if let Some(w) = weights(&net, Block::Oh) {
        matvec_add(w, po, nh);
    }
    matvec_add(&net.params[d.block_range(Block::Ih)], ni, nh);
    if let Some(pre) = pre {
        pre.copy_from_slice(nh);
    }
    for v in nh.iter_mut() {
        // NaN propagates (as torch.relu); −0 stays −0, which is inactive either way.
        if *v < T::ZERO {
            *v = T::ZERO;
        }
    }

    // z_t = W_oo o + W_io i_t + W_ho h_t + u_t;  o_t = softmax(z_t).
    no.fill(T::ZERO);
    if let Some(w) = weights(&net, Block::Oo) {
        matvec_add(w, po, no);
    }
    if let Some(w) = weights(&net, Block::Io) {
        matvec_add(w, ni, no);
    }
    matvec_add(&net.params[d.block_range(Block::Ho)], nh, no);
    for (z, &uj) in no.iter_mut().zip(u) {
        *z += uj;
    }
    softmax_in_place(no);
}

/// `z ← exp(z − max z) / Σ exp(z − max z)`.
fn softmax_in_place<T: Real>(z: &mut [T]) {
    let m = z.iter().fold(z[0], |m, &v| m.max(v));
    let mut sum = T::ZERO;
    for v in z.iter_mut() {
        *v = exp_for(*v - m);
        sum += *v;
    }
    for v in z.iter_mut() {
        *v /= sum;
    }
}

pub(super) fn forward<T: Real>(
    net: PrnnNet<'_, T>,
    steps: usize,
    initial: &[T],
    x: &[T],
    u: &[T],
    records: &mut [T],
) {
    let d = net.dims;
    let (sl, rl) = (d.state_len(), d.record_len());
    for t in 0..steps {
        let (done, rest) = records.split_at_mut(t * rl);
        let prev = if t == 0 {
            initial
        } else {
            &done[(t - 1) * rl..(t - 1) * rl + sl]
        };
        let (state, pre) = rest[..rl].split_at_mut(sl);
        step(
            net,
            prev,
            &x[t * d.n_in..(t + 1) * d.n_in],
            &u[t * d.n_out..(t + 1) * d.n_out],
            state,
            Some(pre),
        );
    }
}

/// The local adjoints `local = [δ^i, δ^a, δ^z]` of the step recorded in `record`, from the
/// carried adjoints `carried = [c^i, c^h, c^o]` and the direct `g = ∂L/∂o_t` (if any).
fn local_adjoints<T: Real>(
    net: &PrnnNet<'_, T>,
    record: &[T],
    g: Option<&[T]>,
    carried: &[T],
    local: &mut [T],
) {
    let d = net.dims;
    let (ci, ch, co) = split_state(carried, d);
    let (_, _, o) = split_state(record, d);
    let a = &record[d.state_len()..d.record_len()];
    let (di, rest) = local.split_at_mut(d.n_in);
    let (da, dz) = rest.split_at_mut(d.n_hidden);

    // γ^o = g + c^o, then δ^z = o ∘ (γ^o − ⟨o, γ^o⟩).
    dz.copy_from_slice(co);
    if let Some(g) = g {
        for (v, &gv) in dz.iter_mut().zip(g) {
            *v = gv + *v;
        }
    }
    let mut dot = T::ZERO;
    for (&oj, &gj) in o.iter().zip(dz.iter()) {
        dot += oj * gj;
    }
    for (v, &oj) in dz.iter_mut().zip(o) {
        *v = oj * (*v - dot);
    }

    // δ^a = (c^h + W_hoᵀ δ^z) ∘ [a > 0].
    da.copy_from_slice(ch);
    matvec_t_add(&net.params[d.block_range(Block::Ho)], dz, da);
    for (v, &aj) in da.iter_mut().zip(a) {
        let active = aj > T::ZERO;
        if !active {
            *v = T::ZERO;
        }
    }

    // δ^i = c^i + W_ihᵀ δ^a + W_ioᵀ δ^z.
    di.copy_from_slice(ci);
    matvec_t_add(&net.params[d.block_range(Block::Ih)], da, di);
    if let Some(w) = weights(net, Block::Io) {
        matvec_t_add(w, dz, di);
    }
}

/// `carried ← ∂L/∂(i, h, o)_{t−1}` through step `t`, from its local adjoints.
fn carry_back<T: Real>(net: &PrnnNet<'_, T>, local: &[T], carried: &mut [T]) {
    let d = net.dims;
    let (di, da, dz) = split_state(local, d);
    carried.fill(T::ZERO);
    let (ci, rest) = carried.split_at_mut(d.n_in);
    let (ch, co) = rest.split_at_mut(d.n_hidden);
    if let Some(w) = weights(net, Block::Ii) {
        matvec_t_add(w, di, ci);
    }
    if let Some(w) = weights(net, Block::Hi) {
        matvec_t_add(w, di, ch);
    }
    if let Some(w) = weights(net, Block::Hh) {
        matvec_t_add(w, da, ch);
    }
    if let Some(w) = weights(net, Block::Oi) {
        matvec_t_add(w, di, co);
    }
    if let Some(w) = weights(net, Block::Oh) {
        matvec_t_add(w, da, co);
    }
    if let Some(w) = weights(net, Block::Oo) {
        matvec_t_add(w, dz, co);
    }
}

pub(super) fn backward<T: Real>(
    net: PrnnNet<'_, T>,
    steps: usize,
    initial: &[T],
    records: &[T],
    dout: &[T],
    grads: &mut [T],
    scratch: &mut [T],
) {
    let d = net.dims;
    let (sl, rl) = (d.state_len(), d.record_len());
    let (carried, local) = scratch.split_at_mut(sl);
    carried.fill(T::ZERO);
    for t in (0..steps).rev() {
        let record = &records[t * rl..(t + 1) * rl];
        let prev = if t == 0 {
            initial
        } else {
            &records[(t - 1) * rl..(t - 1) * rl + sl]
        };
        let g = &dout[t * d.n_out..(t + 1) * d.n_out];
        local_adjoints(&net, record, Some(g), carried, local);

        let (di, da, dz) = split_state(local, d);
        let (it, ht, _) = split_state(record, d);
        let (ip, hp, op) = split_state(prev, d);
        for block in Block::ALL {
            if !net.mask.has(block) {
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
            outer_add(&mut grads[d.block_range(block)], delta, from);
        }

        carry_back(&net, local, carried);
    }
}

pub(super) fn input_jacobian<T: Real>(
    net: PrnnNet<'_, T>,
    record: &[T],
    jac: &mut [T],
    scratch: &mut [T],
) {
    let d = net.dims;
    let (carried, local) = scratch.split_at_mut(d.state_len());
    for r in 0..d.n_out {
        // L = o_t[r]: seed γ^o = e_r through the carried output adjoint.
        carried.fill(T::ZERO);
        carried[d.n_in + d.n_hidden + r] = T::ONE;
        local_adjoints(&net, record, None, carried, local);
        jac[r * d.n_in..(r + 1) * d.n_in].copy_from_slice(&local[..d.n_in]);
    }
}

pub(super) fn memory_jacobians<T: Real>(
    net: PrnnNet<'_, T>,
    steps: usize,
    records: &[T],
    jac: &mut [T],
    scratch: &mut [T],
) {
    let d = net.dims;
    let rl = d.record_len();
    let block = d.n_out * d.n_in;
    let (carried, local) = scratch.split_at_mut(d.state_len());
    jac.fill(T::ZERO);
    for t in 0..steps {
        for r in 0..d.n_out {
            carried.fill(T::ZERO);
            carried[d.n_in + d.n_hidden + r] = T::ONE;
            for s in (0..=t).rev() {
                let record = &records[s * rl..(s + 1) * rl];
                local_adjoints(&net, record, None, carried, local);
                let at = (t * steps + (t - s)) * block + r * d.n_in;
                jac[at..at + d.n_in].copy_from_slice(&local[..d.n_in]);
                if s == 0 {
                    break;
                }
                carry_back(&net, local, carried);
                // Nothing flows further back (no recurrent path, or every unit off): the
                // remaining lags stay zero.
                if carried.iter().all(|&v| v == T::ZERO) {
                    break;
                }
            }
        }
    }
}
