//! The fast path: scaling-and-squaring Padé (Higham 2005) with the Fréchet derivative of
//! Al-Mohy & Higham 2009 Algorithm 6.4, dense products and the LU through faer, every buffer
//! in the [`ExpmWorkspace`]. See the [module docs](super) for the formulas and tables.
//!
//! All matrices are row-major `n × n`; faer sees them through row-major views.

use ::faer::dyn_stack::{MemStack, StackReq};
use ::faer::linalg::lu::partial_pivoting::{factor, solve};
use ::faer::linalg::matmul::matmul;
use ::faer::perm::PermRef;
use ::faer::{Accum, MatMut, MatRef, Par};

use super::{ExpmWorkspace, PadeChoice};
use crate::Real;

/// `ℓ_m` for `f64` below the top degree (SciPy's `ell_table_61`, Al-Mohy & Higham 2009
/// Table 6.1, `u = 2⁻⁵³`).
const ELL_F64: [(u8, f64); 4] = [(3, 1.08e-2), (5, 2.00e-1), (7, 7.83e-1), (9, 1.78e0)];
/// Top `f64` degree and its `ℓ_13`; larger norms are scaled down to it.
const TOP_F64: (u8, f64) = (13, 4.74e0);
/// `ℓ_m` for `f32` below the top degree (same bound at `u = 2⁻²⁴`, rounded down; see the
/// module docs for how they were computed and checked).
const ELL_F32: [(u8, f64); 2] = [(3, 3.08e-1), (5, 1.48e0)];
/// Top `f32` degree (Higham 2005: 7 in single precision) and its `ℓ_7`.
const TOP_F32: (u8, f64) = (7, 3.24e0);

/// Coefficients `b_k` of `p_m(x) = Σ_k b_k x^k` (Higham 2005 Table 2.2 scaled to integers,
/// as in SciPy).
const B3: [f64; 4] = [120., 60., 12., 1.];
const B5: [f64; 6] = [30240., 15120., 3360., 420., 30., 1.];
const B7: [f64; 8] = [
    17297280., 8648640., 1995840., 277200., 25200., 1512., 56., 1.,
];
const B9: [f64; 10] = [
    17643225600.,
    8821612800.,
    2075673600.,
    302702400.,
    30270240.,
    2162160.,
    110880.,
    3960.,
    90.,
    1.,
];
const B13: [f64; 14] = [
    64764752532480000.,
    32382376266240000.,
    7771770303897600.,
    1187353796428800.,
    129060195264000.,
    10559470521600.,
    670442572800.,
    33522128640.,
    1323241920.,
    40840800.,
    960960.,
    16380.,
    182.,
    1.,
];

fn coefficients(degree: u8) -> &'static [f64] {
    match degree {
        3 => &B3,
        5 => &B5,
        7 => &B7,
        9 => &B9,
        _ => &B13,
    }
}

/// faer's scratch for one LU factorisation and one solve with `n` right-hand sides.
pub(super) fn stack_req<T: Real>(n: usize) -> StackReq {
    factor::lu_in_place_scratch::<usize, T>(n, n, Par::Seq, Default::default())
        .or(solve::solve_in_place_scratch::<usize, T>(n, n, Par::Seq))
}

/// `‖A‖₁ = max_j Σ_i |a_ij|`, accumulated in `f64` (no overflow for any finite `f32` input).
fn norm1<T: Real>(a: &[T], n: usize) -> f64 {
    (0..n)
        .map(|j| (0..n).map(|i| a[i * n + j].to_f64().abs()).sum::<f64>())
        .fold(0.0, f64::max)
}

/// The degree and scaling for `‖A‖₁ = norm` in the precision of `T`.
pub(super) fn choose<T: Real>(norm: f64) -> PadeChoice {
    let single = T::EPSILON.to_f64() > 1e-10;
    let (table, top): (&[(u8, f64)], (u8, f64)) = if single {
        (&ELL_F32, TOP_F32)
    } else {
        (&ELL_F64, TOP_F64)
    };
    if let Some(&(degree, _)) = table.iter().find(|&&(_, ell)| norm <= ell) {
        return PadeChoice {
            degree,
            squarings: 0,
        };
    }
    let s = (norm / top.1).log2().ceil().max(0.0);
    PadeChoice {
        degree: top.0,
        squarings: s as u32,
    }
}

fn view<T: Real>(m: &[T], n: usize) -> MatRef<'_, T> {
    MatRef::from_row_major_slice(m, n, n)
}

fn view_mut<T: Real>(m: &mut [T], n: usize) -> MatMut<'_, T> {
    MatMut::from_row_major_slice_mut(m, n, n)
}

/// `dst = lhs · rhs` (`add = false`) or `dst += lhs · rhs` (`add = true`).
fn mm<T: Real>(dst: &mut [T], add: bool, lhs: &[T], rhs: &[T], n: usize, par: Par) {
    let accum = if add { Accum::Add } else { Accum::Replace };
    matmul(
        view_mut(dst, n),
        accum,
        view(lhs, n),
        view(rhs, n),
        T::ONE,
        par,
    );
}

/// `dst = diag · I + Σ_k c_k M_k`, elementwise, terms in the order given.
fn combine<T: Real>(dst: &mut [T], terms: &[(f64, &[T])], diag: f64, n: usize) {
    let terms_t = terms.iter().map(|&(c, m)| (T::from_f64(c), m));
    dst.fill(T::ZERO);
    for (c, m) in terms_t {
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

/// `e = expm(a)`; leaves in `ws` everything [`frechet_from_state`] needs. `a` is finite and
/// every length has been checked.
pub(super) fn forward<T: Real>(
    a: &[T],
    e: &mut [T],
    ws: &mut ExpmWorkspace<T>,
    par: Par,
) -> PadeChoice {
    let n = ws.n;
    let choice = choose::<T>(norm1(a, n));
    let m = choice.degree;
    let b = coefficients(m);
    let scale = T::from_f64((-f64::from(choice.squarings)).exp2());
    for (x, &v) in ws.x.iter_mut().zip(a) {
        *x = v * scale;
    }

    // Even powers X², X⁴, X⁶, X⁸ as far as the degree needs.
    mm(&mut ws.x2, false, &ws.x, &ws.x, n, par);
    if m >= 5 {
        mm(&mut ws.x4, false, &ws.x2, &ws.x2, n, par);
    }
    if m >= 7 {
        mm(&mut ws.x6, false, &ws.x4, &ws.x2, n, par);
    }
    if m == 9 {
        mm(&mut ws.x8, false, &ws.x4, &ws.x4, n, par);
    }

    // W (with U = X W) into ws.w, V into t1.
    if m == 13 {
        let (x2, x4, x6) = (&ws.x2[..], &ws.x4[..], &ws.x6[..]);
        combine(&mut ws.w1, &[(b[13], x6), (b[11], x4), (b[9], x2)], 0.0, n);
        combine(&mut ws.z1, &[(b[12], x6), (b[10], x4), (b[8], x2)], 0.0, n);
        combine(&mut ws.w, &[(b[7], x6), (b[5], x4), (b[3], x2)], b[1], n);
        mm(&mut ws.w, true, x6, &ws.w1, n, par);
        combine(&mut ws.t1, &[(b[6], x6), (b[4], x4), (b[2], x2)], b[0], n);
        mm(&mut ws.t1, true, x6, &ws.z1, n, par);
    } else {
        let powers: [&[T]; 4] = [&ws.x2, &ws.x4, &ws.x6, &ws.x8];
        let k = usize::from(m / 2); // number of powers X², …, X^{m-1}
        let mut odd = [(0.0, &ws.x2[..]); 4];
        let mut even = [(0.0, &ws.x2[..]); 4];
        for j in 0..k {
            odd[j] = (b[2 * j + 3], powers[j]);
            even[j] = (b[2 * j + 2], powers[j]);
        }
        combine(&mut ws.w, &odd[..k], b[1], n);
        combine(&mut ws.t1, &even[..k], b[0], n);
    }
    mm(&mut ws.t0, false, &ws.x, &ws.w, n, par); // U

    // (V - U) R₀ = V + U.
    for (((q, p), &v), &u) in ws
        .lu
        .iter_mut()
        .zip(ws.r0.iter_mut())
        .zip(&ws.t1)
        .zip(&ws.t0)
    {
        *q = v - u;
        *p = v + u;
    }
    factor::lu_in_place(
        view_mut(&mut ws.lu, n),
        &mut ws.perm,
        &mut ws.perm_inv,
        par,
        MemStack::new(&mut ws.stack),
        Default::default(),
    );
    let perm = PermRef::new_checked(&ws.perm, &ws.perm_inv, n);
    let lu = view(&ws.lu, n);
    solve::solve_in_place(
        lu,
        lu,
        perm,
        view_mut(&mut ws.r0, n),
        par,
        MemStack::new(&mut ws.stack),
    );

    // Squaring: R_{k+1} = R_k², ping-ponging between t0 and e so that R_s lands in e.
    let s = choice.squarings as usize;
    if s == 0 {
        e.copy_from_slice(&ws.r0);
    }
    for k in 0..s {
        let into_e = (s - 1 - k) & 1 == 0; // an even number of squarings follows
        match (k == 0, into_e) {
            (true, true) => mm(e, false, &ws.r0, &ws.r0, n, par),
            (true, false) => mm(&mut ws.t0, false, &ws.r0, &ws.r0, n, par),
            (false, true) => mm(e, false, &ws.t0, &ws.t0, n, par),
            (false, false) => mm(&mut ws.t0, false, e, e, n, par),
        }
    }
    choice
}

/// `out = L_exp(A, D)` with `D = dir` (or `D = dirᵀ` when `transpose`, and then `out` holds
/// `L_exp(A, D)ᵀ = L_exp(Aᵀ, dir)`), for the `A` whose [`forward`] state `choice` and `ws`
/// hold. Does not disturb that state.
pub(super) fn frechet_from_state<T: Real>(
    dir: &[T],
    transpose: bool,
    out: &mut [T],
    ws: &mut ExpmWorkspace<T>,
    choice: PadeChoice,
    par: Par,
) {
    let n = ws.n;
    let m = choice.degree;
    let b = coefficients(m);
    let scale = T::from_f64((-f64::from(choice.squarings)).exp2());
    for i in 0..n {
        for j in 0..n {
            let v = if transpose {
                dir[j * n + i]
            } else {
                dir[i * n + j]
            };
            ws.dir[i * n + j] = v * scale;
        }
    }

    // M₂ = XD + DX, M₄ = X²M₂ + M₂X², M₆ = X⁴M₂ + M₄X², M₈ = X⁴M₄ + M₄X⁴.
    mm(&mut ws.m2, false, &ws.x, &ws.dir, n, par);
    mm(&mut ws.m2, true, &ws.dir, &ws.x, n, par);
    if m >= 5 {
        mm(&mut ws.m4, false, &ws.x2, &ws.m2, n, par);
        mm(&mut ws.m4, true, &ws.m2, &ws.x2, n, par);
    }
    if m >= 7 {
        mm(&mut ws.m6, false, &ws.x4, &ws.m2, n, par);
        mm(&mut ws.m6, true, &ws.m4, &ws.x2, n, par);
    }
    if m == 9 {
        mm(&mut ws.m8, false, &ws.x4, &ws.m4, n, par);
        mm(&mut ws.m8, true, &ws.m4, &ws.x4, n, par);
    }

    // L_U into t2, L_V into t3.
    if m == 13 {
        let (m2, m4, m6) = (&ws.m2[..], &ws.m4[..], &ws.m6[..]);
        // L_W = X⁶ L_W₁ + M₆ W₁ + L_W₂; L_U = X L_W + D W.
        combine(&mut ws.t0, &[(b[13], m6), (b[11], m4), (b[9], m2)], 0.0, n);
        combine(&mut ws.t1, &[(b[7], m6), (b[5], m4), (b[3], m2)], 0.0, n);
        mm(&mut ws.t1, true, &ws.x6, &ws.t0, n, par);
        mm(&mut ws.t1, true, m6, &ws.w1, n, par);
        mm(&mut ws.t2, false, &ws.x, &ws.t1, n, par);
        mm(&mut ws.t2, true, &ws.dir, &ws.w, n, par);
        // L_V = X⁶ L_Z₁ + M₆ Z₁ + L_Z₂.
        combine(&mut ws.t0, &[(b[12], m6), (b[10], m4), (b[8], m2)], 0.0, n);
        combine(&mut ws.t3, &[(b[6], m6), (b[4], m4), (b[2], m2)], 0.0, n);
        mm(&mut ws.t3, true, &ws.x6, &ws.t0, n, par);
        mm(&mut ws.t3, true, m6, &ws.z1, n, par);
    } else {
        let ms: [&[T]; 4] = [&ws.m2, &ws.m4, &ws.m6, &ws.m8];
        let k = usize::from(m / 2);
        let mut odd = [(0.0, &ws.m2[..]); 4];
        let mut even = [(0.0, &ws.m2[..]); 4];
        for j in 0..k {
            odd[j] = (b[2 * j + 3], ms[j]);
            even[j] = (b[2 * j + 2], ms[j]);
        }
        // L_U = X L_W + D W, L_W = Σ b_{2j+1} M_{2j}; L_V = Σ b_{2j} M_{2j}.
        combine(&mut ws.t0, &odd[..k], 0.0, n);
        mm(&mut ws.t2, false, &ws.x, &ws.t0, n, par);
        mm(&mut ws.t2, true, &ws.dir, &ws.w, n, par);
        combine(&mut ws.t3, &even[..k], 0.0, n);
    }

    // (V - U) L₀ = L_U + L_V + (L_U - L_V) R₀, with the forward's LU factors.
    for (((sum, diff), &lu), &lv) in ws
        .t0
        .iter_mut()
        .zip(ws.t1.iter_mut())
        .zip(&ws.t2)
        .zip(&ws.t3)
    {
        *sum = lu + lv;
        *diff = lu - lv;
    }
    mm(&mut ws.t0, true, &ws.t1, &ws.r0, n, par);
    let perm = PermRef::new_checked(&ws.perm, &ws.perm_inv, n);
    let lu = view(&ws.lu, n);
    solve::solve_in_place(
        lu,
        lu,
        perm,
        view_mut(&mut ws.t0, n),
        par,
        MemStack::new(&mut ws.stack),
    );

    // Squaring: L_{k+1} = R_k L_k + L_k R_k (L in t0, next in t1), R_{k+1} = R_k² (in t2,
    // next in t3; R₀ is read from ws.r0 and never overwritten).
    let s = choice.squarings as usize;
    for k in 0..s {
        let rk: &[T] = if k == 0 { &ws.r0 } else { &ws.t2 };
        mm(&mut ws.t1, false, rk, &ws.t0, n, par);
        mm(&mut ws.t1, true, &ws.t0, rk, n, par);
        if k + 1 < s {
            mm(&mut ws.t3, false, rk, rk, n, par);
            core::mem::swap(&mut ws.t2, &mut ws.t3);
        }
        core::mem::swap(&mut ws.t0, &mut ws.t1);
    }

    if transpose {
        for i in 0..n {
            for j in 0..n {
                out[i * n + j] = ws.t0[j * n + i];
            }
        }
    } else {
        out.copy_from_slice(&ws.t0);
    }
}
