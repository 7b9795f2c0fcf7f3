//! The matrix exponential `E = expm(A)` and its adjoint, for the seRNN communicability
//! regulariser.
//!
//! Every training batch the regulariser computes the communicability `C = expm(A)` of the
//! normalised connectome `A = S^{-1/2} |W| S^{-1/2}` (`n × n`, entries ≥ 0) and then needs the
//! gradient of the scalar `Σ_ij G_ij expm(A)_ij` with respect to `A`. That gradient is the
//! Fréchet derivative of `exp` at `Aᵀ` in the direction `G`:
//!
//! ```text
//! ∂/∂A Σ_ij G_ij expm(A)_ij = L_exp(Aᵀ, G) = L_exp(A, Gᵀ)ᵀ,
//! L_exp(A, E) = ∫₀¹ e^{sA} E e^{(1-s)A} ds.
//! ```
//!
//! ## Where to start
//! - [`ExpmWorkspace::new`] once per network (all buffers for size `n`, allocated once);
//! - [`expm`] every batch, then [`expm_adjoint_last`] with the upstream gradient `G`: the
//!   adjoint reuses the powers of `A`, the Padé degree, the scaling and the LU factors the
//!   forward left in the workspace, so it costs only the derivative's own products;
//! - [`expm_frechet`] (`E` and `L_exp(A, E_dir)`) and [`expm_adjoint`] (forward + adjoint in one
//!   call) when there is no separate forward.
//!
//! ## Algorithm (the fast path, `faer.rs`)
//! Scaling and squaring with a diagonal `[m/m]` Padé approximant `r_m(x) = p_m(x) / p_m(-x)`
//! (Higham 2005, "The scaling and squaring method for the matrix exponential revisited",
//! SIAM J. Matrix Anal. Appl. 26(4)), with its Fréchet derivative carried along as in
//! Al-Mohy & Higham 2009, "Computing the Fréchet derivative of the matrix exponential, with an
//! application to condition number estimation", SIAM J. Matrix Anal. Appl. 30(4),
//! Algorithm 6.4 — the algorithm of SciPy's `scipy.linalg.expm_frechet`:
//!
//! 1. `m` = the smallest degree of the table with `‖A‖₁ ≤ ℓ_m`; if none, `m` = the largest
//!    degree and `s = ⌈log₂(‖A‖₁ / ℓ_m)⌉`, `X = 2^{-s} A` (exact: a power of two).
//! 2. `U = X · Σ_{k odd} b_k X^{k-1}`, `V = Σ_{k even} b_k X^k` from the even powers
//!    `X², X⁴, X⁶ (, X⁸)` (degree 13: `U = X(X⁶W₁ + W₂)`, `V = X⁶Z₁ + Z₂`, Higham 2005 (2.3)).
//! 3. `R₀ = r_m(X)` solves `(V - U) R₀ = V + U` (LU with partial pivoting, factors kept).
//! 4. `expm(A) ≈ R_s`, `R_{k+1} = R_k²`.
//!
//! The Fréchet derivative in direction `E` differentiates each step: `M₂ = XE' + E'X`
//! (`E' = 2^{-s}E`), `M₄ = X²M₂ + M₂X²`, `M₆ = X⁴M₂ + M₄X²`, `M₈ = X⁴M₄ + M₄X⁴`, `L_U`, `L_V`
//! the same polynomials in the `M`s (Al-Mohy & Higham 2009 (6.11)–(6.13)),
//! `(V - U) L₀ = L_U + L_V + (L_U - L_V) R₀`, and `L_{k+1} = R_k L_k + L_k R_k`.
//! The result is the exact Fréchet derivative of the computed approximant, so the adjoint is
//! consistent with the forward to rounding.
//!
//! ### Tables (`ℓ_m`, the largest `‖X‖₁` for which the backward error of both `r_m` and its
//! Fréchet derivative is below the unit roundoff `u`)
//! - `f64`: SciPy's `ell_table_61` (Al-Mohy & Higham 2009 Table 6.1, `u = 2⁻⁵³`), degrees
//!   3, 5, 7, 9, 13: `ℓ = 1.08e-2, 2.00e-1, 7.83e-1, 1.78, 4.74`. The forward uses the same
//!   table (not Higham 2005's slightly larger `θ_m`) because it must leave the state the
//!   derivative needs.
//! - `f32`: degrees 3, 5, 7 (Higham 2005 §2: degree 7 is the cost-optimal top degree in single
//!   precision) with `ℓ = 3.08e-1, 1.48, 3.24` — the same bound evaluated at `u = 2⁻²⁴`,
//!   rounded down to three digits. We computed these from the series of
//!   `log(e^{-x} r_m(x))` in exact rational arithmetic (`kernels/tests/data/
//!   expm_pade_bounds.py`); the same computation reproduces the
//!   published `f64` `θ_m` (Higham 2005 Table 2.3) to 15 digits, `f64` `ℓ_m` (Table 6.1) to
//!   all printed digits, and the single-precision `θ_3, θ_5, θ_7 = 0.4258730, 1.880153,
//!   3.925725` Higham 2005 gives (and Eigen's `MatrixExponential.h` uses) to 7 digits.
//!
//! ### Accumulation order
//! Dense products go through faer (`Par` as given; blocked, FMA, not bit-reproducible across
//! `Par` choices). The polynomial sums are evaluated elementwise with fused multiply-adds,
//! zero-started, in the term order `faer.rs` lists (degree 13: highest power first, as
//! SciPy; degrees 3–9: lowest first). The adjoint computes `L_exp(A, Gᵀ)` with the forward's state and transposes
//! the result (exact for `exp`: `L(Aᵀ, G) = L(A, Gᵀ)ᵀ`); it re-squares `R_k` from `R₀` rather
//! than storing every square, so its `s` squaring steps cost three products each (as SciPy's).
//!
//! ## The matmul-only variant
//! [`taylor`](mod@taylor): the degree-8 Taylor polynomial in Bader–Blanes–Casas form (three
//! products), scaling and squaring, and its adjoint by reverse differentiation of those
//! products — no solve, so it batches over networks on a GPU. The CUDA backend runs it; on the
//! CPU it is the second variant the benchmarks pit against this Padé path.
//!
//! ## The oracle
//! [`reference`](mod@reference) is plain scalar Rust in `f64`: a Taylor series with scaling and squaring, and
//! the adjoint from the `2n × 2n` block matrix `expm([[Aᵀ, G], [0, Aᵀ]])`.
//!
//! Matrices are row-major `n × n` slices. Inputs holding NaN or infinities are refused. When
//! `expm(A)` itself overflows (e.g. an eigenvalue ≳ 88 in `f32`) the output holds infinities,
//! and NaNs where the squarings meet `inf · 0`; the call still returns `Ok`.

pub mod cuda;
mod faer;
pub mod reference;
pub mod taylor;

use crate::{check_len, KernelError, Par, Real};

/// All buffers [`expm`] and its derivatives need for one size `n`, allocated once by
/// [`ExpmWorkspace::new`], plus the state the last [`expm`] left for [`expm_adjoint_last`].
///
/// `20 n²` scalars (`n = 100`: 0.8 MB in `f32`, 1.6 MB in `f64`). `Send`, so each network's
/// training thread can own one.
pub struct ExpmWorkspace<T: Real> {
    pub(crate) n: usize,
    /// Degree and squarings of the last successful [`expm`]; `None` before it.
    pub(crate) last: Option<PadeChoice>,
    /// `X = 2^{-s} A`.
    pub(crate) x: Vec<T>,
    /// `X²`, `X⁴`, `X⁶`, `X⁸` (as far as the degree needs).
    pub(crate) x2: Vec<T>,
    pub(crate) x4: Vec<T>,
    pub(crate) x6: Vec<T>,
    pub(crate) x8: Vec<T>,
    /// Degree 13 only: `W₁ = b₁₃X⁶ + b₁₁X⁴ + b₉X²`, `Z₁ = b₁₂X⁶ + b₁₀X⁴ + b₈X²`.
    pub(crate) w1: Vec<T>,
    pub(crate) z1: Vec<T>,
    /// `W`, the odd polynomial with `U = X W`.
    pub(crate) w: Vec<T>,
    /// `R₀ = r_m(X)`.
    pub(crate) r0: Vec<T>,
    /// LU factors of `V - U` (unit lower `L` below the diagonal, `U` on and above) and the
    /// row permutation.
    pub(crate) lu: Vec<T>,
    pub(crate) perm: Vec<usize>,
    pub(crate) perm_inv: Vec<usize>,
    /// Scratch of the derivative: the scaled direction, `M₂ … M₈`, temporaries.
    pub(crate) dir: Vec<T>,
    pub(crate) m2: Vec<T>,
    pub(crate) m4: Vec<T>,
    pub(crate) m6: Vec<T>,
    pub(crate) m8: Vec<T>,
    pub(crate) t0: Vec<T>,
    pub(crate) t1: Vec<T>,
    pub(crate) t2: Vec<T>,
    pub(crate) t3: Vec<T>,
    /// `expm(A)` for [`expm_adjoint`], which has no output for it.
    pub(crate) e: Vec<T>,
    /// faer's scratch for the LU factorisation and solves.
    pub(crate) stack: ::faer::dyn_stack::MemBuffer,
}

/// The Padé degree `m` and the number of squarings `s` an [`expm`] call chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PadeChoice {
    /// Degree `m` of the diagonal Padé approximant: 3, 5, 7, 9 or 13.
    pub degree: u8,
    /// Number of squarings `s` (`X = 2^{-s} A`).
    pub squarings: u32,
}

impl<T: Real> ExpmWorkspace<T> {
    /// Allocates every buffer for `n × n` matrices.
    pub fn new(n: usize) -> Self {
        let z = || vec![T::ZERO; n * n];
        Self {
            n,
            last: None,
            x: z(),
            x2: z(),
            x4: z(),
            x6: z(),
            x8: z(),
            w1: z(),
            z1: z(),
            w: z(),
            r0: z(),
            lu: z(),
            perm: vec![0; n],
            perm_inv: vec![0; n],
            dir: z(),
            m2: z(),
            m4: z(),
            m6: z(),
            m8: z(),
            t0: z(),
            t1: z(),
            t2: z(),
            t3: z(),
            e: z(),
            stack: ::faer::dyn_stack::MemBuffer::new(faer::stack_req::<T>(n)),
        }
    }

    /// The matrix size this workspace was made for.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Degree and squarings of the last successful [`expm`] on this workspace (`None` before
    /// the first, or after a call that failed).
    pub fn last_pade(&self) -> Option<PadeChoice> {
        self.last
    }
}

fn check_ws<T: Real>(
    op: &'static str,
    ws: &ExpmWorkspace<T>,
    len: usize,
) -> Result<(), KernelError> {
    let n = ws.n;
    if len == n * n {
        Ok(())
    } else {
        Err(KernelError::Dimension {
            op,
            what: format!(
                "input of length {len} does not match the workspace, made for n = {n} (length {})",
                n * n
            ),
        })
    }
}

fn check_finite<T: Real>(
    op: &'static str,
    buffer: &'static str,
    m: &[T],
) -> Result<(), KernelError> {
    match m.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(index) => Err(KernelError::NonFinite { op, buffer, index }),
    }
}

/// `e = expm(a)` for a row-major `n × n` matrix `a`, `n = ws.n()`.
///
/// Remembers in `ws` what [`expm_adjoint_last`] needs: the degree and scaling, `X = 2^{-s}A`
/// and its even powers, `W` (and `W₁`, `Z₁`), the LU factors of `V - U` and `R₀`. The algorithm
/// is described in the [module docs](self). A failed call forgets the previous state.
pub fn expm<T: Real>(
    a: &[T],
    e: &mut [T],
    ws: &mut ExpmWorkspace<T>,
    par: Par,
) -> Result<(), KernelError> {
    const OP: &str = "expm";
    ws.last = None;
    check_ws(OP, ws, a.len())?;
    check_len(OP, "e", e, ws.n * ws.n)?;
    check_finite(OP, "a", a)?;
    let choice = faer::forward(a, e, ws, par);
    ws.last = Some(choice);
    Ok(())
}

/// `out = ∂/∂A Σ_ij g_ij expm(A)_ij = L_exp(Aᵀ, g)` for the `A` of the last [`expm`] call on
/// this workspace.
///
/// Computes `L_exp(A, gᵀ)` from the saved state (Al-Mohy & Higham 2009 Algorithm 6.4 without
/// the forward's products) and transposes it. May be called several times after one `expm`.
pub fn expm_adjoint_last<T: Real>(
    g: &[T],
    out: &mut [T],
    ws: &mut ExpmWorkspace<T>,
    par: Par,
) -> Result<(), KernelError> {
    const OP: &str = "expm_adjoint_last";
    check_ws(OP, ws, g.len())?;
    check_len(OP, "out", out, ws.n * ws.n)?;
    check_finite(OP, "g", g)?;
    let Some(choice) = ws.last else {
        return Err(KernelError::MissingState {
            op: OP,
            what: "no successful `expm` on this workspace yet",
        });
    };
    faer::frechet_from_state(g, true, out, ws, choice, par);
    Ok(())
}

/// Fréchet derivative: `e = expm(a)`, `l = L_exp(a, dir) = ∫₀¹ e^{s a} dir e^{(1-s) a} ds`.
pub fn expm_frechet<T: Real>(
    a: &[T],
    dir: &[T],
    e: &mut [T],
    l: &mut [T],
    ws: &mut ExpmWorkspace<T>,
    par: Par,
) -> Result<(), KernelError> {
    const OP: &str = "expm_frechet";
    check_ws(OP, ws, dir.len())?;
    check_len(OP, "l", l, ws.n * ws.n)?;
    check_finite(OP, "dir", dir)?;
    expm(a, e, ws, par)?;
    let choice = ws.last.ok_or(KernelError::MissingState {
        op: OP,
        what: "forward state missing after `expm`",
    })?;
    faer::frechet_from_state(dir, false, l, ws, choice, par);
    Ok(())
}

/// `out = ∂/∂A Σ_ij g_ij expm(A)_ij = L_exp(aᵀ, g)`, standalone: [`expm`] into the workspace's
/// own buffer, then [`expm_adjoint_last`]. Leaves the forward state of `a` in `ws`.
pub fn expm_adjoint<T: Real>(
    a: &[T],
    g: &[T],
    out: &mut [T],
    ws: &mut ExpmWorkspace<T>,
    par: Par,
) -> Result<(), KernelError> {
    const OP: &str = "expm_adjoint";
    check_ws(OP, ws, g.len())?;
    check_len(OP, "out", out, ws.n * ws.n)?;
    check_finite(OP, "g", g)?;
    let mut e = core::mem::take(&mut ws.e);
    let forward = expm(a, &mut e, ws, par);
    ws.e = e;
    forward?;
    expm_adjoint_last(g, out, ws, par)
}

/// Floating-point operations of one [`expm`] that chose `choice`, counted from the algorithm:
/// `2n³` per dense product (`X²`, `X⁴`, `X⁶`, `X⁸` as the degree needs, the products inside
/// `U` and `V`, and one per squaring), `⅔n³` for the LU factorisation and `2n³` for the
/// triangular solves with `n` right-hand sides. Elementwise sums (`O(n²)`) are not counted.
pub fn expm_flops(n: usize, choice: PadeChoice) -> u64 {
    let n3 = (n as u64).pow(3);
    let products = match choice.degree {
        3 => 2,
        5 => 3,
        7 => 4,
        9 => 5,
        _ => 6,
    } + u64::from(choice.squarings);
    2 * n3 * products + 2 * n3 / 3 + 2 * n3
}

/// Floating-point operations of one [`expm_adjoint_last`] (or the derivative half of
/// [`expm_frechet`]) after a forward that chose `choice`, counted as in [`expm_flops`]:
/// the `M_k` (two products each), the products inside `L_U`, `L_V`, one for
/// `(L_U - L_V)R₀`, the solves (`2n³`, the LU is reused), and three products per squaring
/// (`R_kL_k`, `L_kR_k`, `R_{k+1} = R_k²`) but the last, which needs no `R_{k+1}`.
pub fn expm_adjoint_flops(n: usize, choice: PadeChoice) -> u64 {
    let n3 = (n as u64).pow(3);
    let pade = match choice.degree {
        3 => 5,
        5 => 7,
        7 => 9,
        9 => 11,
        _ => 13,
    };
    let s = u64::from(choice.squarings);
    let squaring = if s == 0 { 0 } else { 3 * s - 1 };
    2 * n3 * (pade + squaring) + 2 * n3
}
