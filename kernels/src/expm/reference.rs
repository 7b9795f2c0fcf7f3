//! The oracle: plain scalar Rust, never optimised, accumulated in `f64` whatever `T` is.
//! Allocates freely.
//!
//! - [`expm`]: Taylor series with scaling and squaring. `s` is the smallest integer with
//!   `‖2^{-s}A‖₁ ≤ 1/2`; `X = 2^{-s}A`; `T_K = Σ_{k=0}^{K} X^k / k!` with each term formed as
//!   `X^k/k! = (X^{k-1}/(k-1)!) · X / k` and added in increasing `k`, stopping when
//!   `‖X^k/k!‖₁ ≤ 2⁻⁶⁴ ‖T_k‖₁` (at most 60 terms; with `‖X‖₁ ≤ ½` the truncation error is
//!   below `f64` rounding after ~18 terms); then `s` squarings. Every product is the naive
//!   `i-k-j` triple loop, `k` ascending. The series of a non-negative `A` has no cancellation,
//!   so it is most accurate exactly where the seRNN uses it.
//! - [`expm_frechet`]: `L_exp(A, D)` as the upper-right block of
//!   `expm([[A, cD], [0, A]]) / c` (Higham 2008, "Functions of Matrices", (3.16)), with `c` a
//!   power of two that brings `‖cD‖₁` to `max(‖A‖₁, 1)` so the block's norm, hence its
//!   scaling, is set by `A`.
//! - [`expm_adjoint`]: `∂/∂A Σ G∘expm(A) = L_exp(Aᵀ, G)` the same way.

use crate::{check_len, KernelError, Real};

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

fn to_f64<T: Real>(m: &[T]) -> Vec<f64> {
    m.iter().map(|v| v.to_f64()).collect()
}

fn norm1(a: &[f64], n: usize) -> f64 {
    (0..n)
        .map(|j| (0..n).map(|i| a[i * n + j].abs()).sum::<f64>())
        .fold(0.0, f64::max)
}

/// `a · b`, naive `i-k-j` loops, `k` ascending.
fn matmul(a: &[f64], b: &[f64], n: usize) -> Vec<f64> {
    let mut c = vec![0.0; n * n];
    for i in 0..n {
        for k in 0..n {
            let aik = a[i * n + k];
            for j in 0..n {
                c[i * n + j] += aik * b[k * n + j];
            }
        }
    }
    c
}

/// `expm(a)` of a row-major `n × n` `f64` matrix by the Taylor series with scaling and
/// squaring described in the module docs.
fn expm_f64(a: &[f64], n: usize) -> Vec<f64> {
    let norm = norm1(a, n);
    let mut s = 0i32;
    while norm * (-f64::from(s)).exp2() > 0.5 {
        s += 1;
    }
    let scale = (-f64::from(s)).exp2();
    let x: Vec<f64> = a.iter().map(|v| v * scale).collect();
    let mut sum = vec![0.0; n * n];
    let mut term = vec![0.0; n * n];
    for i in 0..n {
        sum[i * n + i] = 1.0;
        term[i * n + i] = 1.0;
    }
    for k in 1..=60 {
        term = matmul(&term, &x, n);
        let inv_k = 1.0 / f64::from(k);
        term.iter_mut().for_each(|t| *t *= inv_k);
        sum.iter_mut().zip(&term).for_each(|(s, t)| *s += t);
        if norm1(&term, n) <= (-64f64).exp2() * norm1(&sum, n) {
            break;
        }
    }
    for _ in 0..s {
        sum = matmul(&sum, &sum, n);
    }
    sum
}

/// Upper-right `n × n` block of `expm([[top_left, c·d], [0, top_left]]) / c`, i.e.
/// `L_exp(top_left, d)`.
fn frechet_by_block(top_left: &[f64], d: &[f64], n: usize) -> Vec<f64> {
    let norm_a = norm1(top_left, n).max(1.0);
    let norm_d = norm1(d, n);
    let c = if norm_d > 0.0 {
        (norm_a / norm_d).log2().round().exp2()
    } else {
        1.0
    };
    let n2 = 2 * n;
    let mut block = vec![0.0; n2 * n2];
    for i in 0..n {
        for j in 0..n {
            block[i * n2 + j] = top_left[i * n + j];
            block[(i + n) * n2 + (j + n)] = top_left[i * n + j];
            block[i * n2 + (j + n)] = c * d[i * n + j];
        }
    }
    let e = expm_f64(&block, n2);
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            l[i * n + j] = e[i * n2 + (j + n)] / c;
        }
    }
    l
}

/// `e = expm(a)` for a row-major `n × n` matrix (Taylor, scaling and squaring, in `f64`).
pub fn expm<T: Real>(n: usize, a: &[T], e: &mut [T]) -> Result<(), KernelError> {
    const OP: &str = "expm::reference::expm";
    check_len(OP, "a", a, n * n)?;
    check_len(OP, "e", e, n * n)?;
    check_finite(OP, "a", a)?;
    let r = expm_f64(&to_f64(a), n);
    e.iter_mut().zip(&r).for_each(|(o, &v)| *o = T::from_f64(v));
    Ok(())
}

/// `l = L_exp(a, dir)`, the Fréchet derivative, from the `2n × 2n` block matrix.
pub fn expm_frechet<T: Real>(n: usize, a: &[T], dir: &[T], l: &mut [T]) -> Result<(), KernelError> {
    const OP: &str = "expm::reference::expm_frechet";
    check_len(OP, "a", a, n * n)?;
    check_len(OP, "dir", dir, n * n)?;
    check_len(OP, "l", l, n * n)?;
    check_finite(OP, "a", a)?;
    check_finite(OP, "dir", dir)?;
    let r = frechet_by_block(&to_f64(a), &to_f64(dir), n);
    l.iter_mut().zip(&r).for_each(|(o, &v)| *o = T::from_f64(v));
    Ok(())
}

/// `out = ∂/∂A Σ_ij g_ij expm(A)_ij = L_exp(aᵀ, g)`, from the block matrix
/// `expm([[aᵀ, g], [0, aᵀ]])`.
pub fn expm_adjoint<T: Real>(n: usize, a: &[T], g: &[T], out: &mut [T]) -> Result<(), KernelError> {
    const OP: &str = "expm::reference::expm_adjoint";
    check_len(OP, "a", a, n * n)?;
    check_len(OP, "g", g, n * n)?;
    check_len(OP, "out", out, n * n)?;
    check_finite(OP, "a", a)?;
    check_finite(OP, "g", g)?;
    let a = to_f64(a);
    let mut at = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            at[i * n + j] = a[j * n + i];
        }
    }
    let r = frechet_by_block(&at, &to_f64(g), n);
    out.iter_mut()
        .zip(&r)
        .for_each(|(o, &v)| *o = T::from_f64(v));
    Ok(())
}
