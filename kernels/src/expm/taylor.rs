//! The matmul-only variant: the degree-8 Taylor polynomial in Bader–Blanes–Casas form (three
//! products), scaling and squaring, and its adjoint by reverse-mode differentiation of exactly
//! those products. No solve, no pivoting — the method the CUDA backend runs batched over
//! networks (`kernels/cuda/expm.cu` and the device engine), here on one matrix through faer so
//! that the two can be compared and the method benchmarked against the Padé path.
//!
//! ## Forward
//! Bader, Blanes & Casas 2019, "Computing the matrix exponential with an optimized Taylor
//! polynomial approximation", Mathematics 7(12) 1174, §4 (`m = 8`): with `X = 2^{-s} A`,
//!
//! ```text
//! X₂ = X X
//! X₄ = X₂ (x₁ X + x₂ X₂)
//! X₈ = (x₃ X₂ + X₄)(x₄ I + x₅ X + x₆ X₂ + x₇ X₄)
//! T₈ = I + X + y₂ X₂ + X₈          = Σ_{k ≤ 8} X^k / k!   exactly (as polynomials)
//! E₀ = T₈,  E_{k+1} = E_k E_k,  expm(A) ≈ E_s
//! ```
//!
//! with `x₃ = 2/3`, `x₁ = x₃(1+√177)/88`, `x₂ = x₃(1+√177)/352`, `x₄ = (−271+29√177)/(315x₃)`,
//! `x₅ = 11(−1+√177)/(1260x₃)`, `x₆ = 11(−9+√177)/(5040x₃)`, `x₇ = (89−√177)/(5040x₃²)`,
//! `y₂ = (857−58√177)/630` ([`COEFFS`]; a test expands the product and finds `1/k!`).
//!
//! `s` is the smallest with `‖X‖₁ ≤ θ`, where `θ` solves `Σ_{k≥9} θ^k/k! = u` (the truncation
//! bound): `θ = 0.648` in `f32` (`u = 2⁻²⁴`), `0.0699` in `f64` (`u = 2⁻⁵³`). Degree 8 is the
//! right degree for single precision (three products reach `θ ≈ 0.65`); in double it needs
//! about three more squarings than the Padé path, which is why this variant exists for the
//! device's `f32` and for comparison, and the Padé path stays the CPU's.
//!
//! ## Adjoint
//! For `f = Σ G ∘ E_s`, the reverse sweep with `Ē_s = G` and every `E_k` kept from the forward:
//!
//! ```text
//! Ē_k = Ē_{k+1} E_kᵀ + E_kᵀ Ē_{k+1}                  (k = s−1 … 0)
//! T̄ = Ē₀;  X̄ = T̄,  X̄₂ = y₂ T̄,  X̄₈ = T̄
//! L̄ = X̄₈ Rᵀ,  R̄ = Lᵀ X̄₈           (L = x₃X₂ + X₄, R = x₄I + x₅X + x₆X₂ + x₇X₄)
//! X̄₂ += x₃ L̄ + x₆ R̄,  X̄₄ = L̄ + x₇ R̄,  X̄ += x₅ R̄
//! B̄ = X₂ᵀ X̄₄,  X̄₂ += X̄₄ Bᵀ          (B = x₁X + x₂X₂)
//! X̄ += x₁ B̄,  X̄₂ += x₂ B̄
//! X̄ += X̄₂ Xᵀ + Xᵀ X̄₂
//! Ā = 2^{-s} X̄
//! ```
//!
//! which is the exact gradient of the computed approximant, `L_exp(Aᵀ, G)` to its accuracy.
//! Cost: `3 + s` products forward, `8 + 2s` for the adjoint.

use ::faer::linalg::matmul::matmul;
use ::faer::{Accum, MatMut, MatRef, Par};

use super::check_finite;
use crate::{check_len, KernelError, Real};

/// The Bader–Blanes–Casas degree-8 coefficients `[x₁, x₂, x₃, x₄, x₅, x₆, x₇, y₂]`, from the
/// closed forms in the module docs (evaluated in `f64` and printed to 17 digits).
pub const COEFFS: [f64; 8] = [
    0.108_364_656_785_227_8,
    0.027_091_164_196_306_95,
    2.0 / 3.0,
    0.546_761_457_970_724,
    0.161_125_573_395_417_58,
    0.014_090_917_158_378_206,
    0.033_792_797_010_870_5,
    0.135_492_361_352_850_73,
];

/// `θ` of the module docs: the largest `‖X‖₁` the degree-8 polynomial takes without scaling,
/// for single (`u = 2⁻²⁴`) and double (`u = 2⁻⁵³`) precision.
pub const THETA_F32: f64 = 0.648;
pub const THETA_F64: f64 = 0.0699;

/// The number of squarings for `‖A‖₁ = norm` in the precision of `T`: the smallest `s ≥ 0`
/// with `norm / 2^s ≤ θ`.
pub fn squarings<T: Real>(norm: f64) -> u32 {
    let theta = if T::EPSILON.to_f64() > 1e-10 {
        THETA_F32
    } else {
        THETA_F64
    };
    let mut s = 0u32;
    let mut x = norm;
    while x > theta && s < 1100 {
        x *= 0.5;
        s += 1;
    }
    s
}

/// Buffers for one size `n` and the state the last [`expm`] leaves for [`adjoint_last`]:
/// `X`, `X₂`, `B`, `X₄`, `L`, `R` and every `E_k` (`n²` each; the squares grow with the largest
/// `s` seen, the only allocation after [`TaylorWorkspace::new`]).
pub struct TaylorWorkspace<T: Real> {
    n: usize,
    last: Option<u32>,
    x: Vec<T>,
    x2: Vec<T>,
    b: Vec<T>,
    x4: Vec<T>,
    l: Vec<T>,
    r: Vec<T>,
    /// `E₀ … E_s`.
    squares: Vec<Vec<T>>,
    // Adjoint scratch.
    dx: Vec<T>,
    dx2: Vec<T>,
    dx4: Vec<T>,
    dl: Vec<T>,
    dr: Vec<T>,
    de: Vec<T>,
    de_next: Vec<T>,
}

impl<T: Real> TaylorWorkspace<T> {
    /// Allocates the buffers for `n × n` matrices (with room for three squarings).
    pub fn new(n: usize) -> Self {
        let z = || vec![T::ZERO; n * n];
        Self {
            n,
            last: None,
            x: z(),
            x2: z(),
            b: z(),
            x4: z(),
            l: z(),
            r: z(),
            squares: (0..4).map(|_| z()).collect(),
            dx: z(),
            dx2: z(),
            dx4: z(),
            dl: z(),
            dr: z(),
            de: z(),
            de_next: z(),
        }
    }

    pub fn n(&self) -> usize {
        self.n
    }

    /// Squarings `s` of the last successful [`expm`]; `None` before it.
    pub fn last_squarings(&self) -> Option<u32> {
        self.last
    }
}

fn view<T: Real>(m: &[T], n: usize, t: bool) -> MatRef<'_, T> {
    let v = MatRef::from_row_major_slice(m, n, n);
    if t {
        v.transpose()
    } else {
        v
    }
}

/// `dst (+)= op(lhs) · op(rhs)`, `op` a transpose where the flag says so.
#[allow(clippy::too_many_arguments)]
fn mm<T: Real>(
    dst: &mut [T],
    add: bool,
    lhs: &[T],
    lt: bool,
    rhs: &[T],
    rt: bool,
    n: usize,
    par: Par,
) {
    let accum = if add { Accum::Add } else { Accum::Replace };
    matmul(
        MatMut::from_row_major_slice_mut(dst, n, n),
        accum,
        view(lhs, n, lt),
        view(rhs, n, rt),
        T::ONE,
        par,
    );
}

/// `dst = diag·I + Σ c_k M_k` (zero-started fused multiply-adds, terms in order).
fn combine<T: Real>(dst: &mut [T], terms: &[(f64, &[T])], diag: f64, n: usize) {
    dst.fill(T::ZERO);
    for &(c, m) in terms {
        let c = T::from_f64(c);
        for (d, &v) in dst.iter_mut().zip(m) {
            *d = d.mul_add(c, v);
        }
    }
    if diag != 0.0 {
        let diag = T::from_f64(diag);
        for i in 0..n {
            dst[i * n + i] += diag;
        }
    }
}

/// `dst += Σ c_k M_k`.
fn accumulate<T: Real>(dst: &mut [T], terms: &[(f64, &[T])]) {
    for &(c, m) in terms {
        let c = T::from_f64(c);
        for (d, &v) in dst.iter_mut().zip(m) {
            *d = d.mul_add(c, v);
        }
    }
}

/// `e = expm(a)` by the degree-8 Taylor polynomial with scaling and squaring; remembers what
/// [`adjoint_last`] needs. Returns the squarings `s`.
pub fn expm<T: Real>(
    a: &[T],
    e: &mut [T],
    ws: &mut TaylorWorkspace<T>,
    par: Par,
) -> Result<u32, KernelError> {
    const OP: &str = "expm_taylor";
    ws.last = None;
    let n = ws.n;
    check_len(OP, "a", a, n * n)?;
    check_len(OP, "e", e, n * n)?;
    check_finite(OP, "a", a)?;
    let norm = (0..n)
        .map(|j| (0..n).map(|i| a[i * n + j].to_f64().abs()).sum::<f64>())
        .fold(0.0, f64::max);
    let s = squarings::<T>(norm);
    let scale = T::from_f64(0.5f64.powi(s as i32));
    for (x, &v) in ws.x.iter_mut().zip(a) {
        *x = v * scale;
    }
    let [x1, x2, x3, x4, x5, x6, x7, y2] = COEFFS;
    mm(&mut ws.x2, false, &ws.x, false, &ws.x, false, n, par);
    combine(&mut ws.b, &[(x1, &ws.x), (x2, &ws.x2)], 0.0, n);
    mm(&mut ws.x4, false, &ws.x2, false, &ws.b, false, n, par);
    combine(&mut ws.l, &[(x3, &ws.x2), (1.0, &ws.x4)], 0.0, n);
    combine(&mut ws.r, &[(x5, &ws.x), (x6, &ws.x2), (x7, &ws.x4)], x4, n);
    while ws.squares.len() < s as usize + 1 {
        ws.squares.push(vec![T::ZERO; n * n]);
    }
    {
        let e0 = &mut ws.squares[0];
        mm(e0, false, &ws.l, false, &ws.r, false, n, par);
        accumulate(e0, &[(1.0, &ws.x), (y2, &ws.x2)]);
        for i in 0..n {
            e0[i * n + i] += T::ONE;
        }
    }
    for k in 0..s as usize {
        let (done, rest) = ws.squares.split_at_mut(k + 1);
        mm(
            &mut rest[0],
            false,
            &done[k],
            false,
            &done[k],
            false,
            n,
            par,
        );
    }
    e.copy_from_slice(&ws.squares[s as usize]);
    ws.last = Some(s);
    Ok(s)
}

/// `out = ∂/∂A Σ g ∘ expm(A)` for the `A` of the last [`expm`] on this workspace (the reverse
/// sweep of the module docs).
pub fn adjoint_last<T: Real>(
    g: &[T],
    out: &mut [T],
    ws: &mut TaylorWorkspace<T>,
    par: Par,
) -> Result<(), KernelError> {
    const OP: &str = "expm_taylor_adjoint_last";
    let n = ws.n;
    check_len(OP, "g", g, n * n)?;
    check_len(OP, "out", out, n * n)?;
    check_finite(OP, "g", g)?;
    let Some(s) = ws.last else {
        return Err(KernelError::MissingState {
            op: OP,
            what: "no successful `expm_taylor` on this workspace yet",
        });
    };
    let [x1, x2, x3, _x4, x5, x6, x7, y2] = COEFFS;
    ws.de.copy_from_slice(g);
    for k in (0..s as usize).rev() {
        let ek = &ws.squares[k];
        mm(&mut ws.de_next, false, &ws.de, false, ek, true, n, par);
        mm(&mut ws.de_next, true, ek, true, &ws.de, false, n, par);
        core::mem::swap(&mut ws.de, &mut ws.de_next);
    }
    // T̄ = Ē₀ = X̄₈.
    let dt = &ws.de;
    mm(&mut ws.dl, false, dt, false, &ws.r, true, n, par);
    mm(&mut ws.dr, false, &ws.l, true, dt, false, n, par);
    combine(&mut ws.dx2, &[(y2, dt), (x3, &ws.dl), (x6, &ws.dr)], 0.0, n);
    combine(&mut ws.dx4, &[(1.0, &ws.dl), (x7, &ws.dr)], 0.0, n);
    combine(&mut ws.dx, &[(1.0, dt), (x5, &ws.dr)], 0.0, n);
    // B̄ into dl (free now).
    mm(&mut ws.dl, false, &ws.x2, true, &ws.dx4, false, n, par);
    mm(&mut ws.dx2, true, &ws.dx4, false, &ws.b, true, n, par);
    accumulate(&mut ws.dx, &[(x1, &ws.dl)]);
    accumulate(&mut ws.dx2, &[(x2, &ws.dl)]);
    mm(&mut ws.dx, true, &ws.dx2, false, &ws.x, true, n, par);
    mm(&mut ws.dx, true, &ws.x, true, &ws.dx2, false, n, par);
    let scale = T::from_f64(0.5f64.powi(s as i32));
    for (o, &d) in out.iter_mut().zip(&ws.dx) {
        *o = d * scale;
    }
    Ok(())
}

/// Floating-point operations of one [`expm`] with `s` squarings: `2n³` per product (`3 + s`).
pub fn flops(n: usize, s: u32) -> u64 {
    2 * (n as u64).pow(3) * (3 + u64::from(s))
}

/// Floating-point operations of one [`adjoint_last`] after `s` squarings: `8 + 2s` products.
pub fn adjoint_flops(n: usize, s: u32) -> u64 {
    2 * (n as u64).pow(3) * (8 + 2 * u64::from(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coefficients_give_the_degree_8_taylor_polynomial() {
        let [x1, x2, x3, x4, x5, x6, x7, y2] = COEFFS;
        // (x₃a² + x₁a³ + x₂a⁴)(x₄ + x₅a + x₆a² + x₇x₁a³ + x₇x₂a⁴), coefficient by power.
        let l = [0.0, 0.0, x3, x1, x2];
        let r = [x4, x5, x6, x7 * x1, x7 * x2];
        let mut c = [0.0f64; 9];
        for (i, &li) in l.iter().enumerate() {
            for (j, &rj) in r.iter().enumerate() {
                c[i + j] += li * rj;
            }
        }
        c[0] += 1.0;
        c[1] += 1.0;
        c[2] += y2;
        let mut fact = 1.0;
        for (k, &ck) in c.iter().enumerate() {
            if k > 0 {
                fact *= k as f64;
            }
            assert!((ck * fact - 1.0).abs() < 1e-14, "a^{k}: {} vs 1/{k}!", ck);
        }
    }

    #[test]
    fn theta_bounds_the_truncation_error() {
        for (theta, u) in [(THETA_F32, 2f64.powi(-24)), (THETA_F64, 2f64.powi(-53))] {
            let tail = |t: f64| {
                let (mut term, mut sum) = (1.0f64, 0.0);
                for k in 1..40 {
                    term *= t / k as f64;
                    if k >= 9 {
                        sum += term;
                    }
                }
                sum
            };
            assert!(tail(theta) <= u, "θ = {theta}: {} > {u}", tail(theta));
            assert!(tail(theta * 1.01) > u, "θ = {theta} is not the largest");
        }
    }
}
