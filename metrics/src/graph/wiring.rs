//! Spatial and weighted measures of a weight matrix `W` with unit distances `D`: total weight,
//! wiring cost, mean weighted edge length, weight–distance correlation, and communicability.

use crate::error::{check_square, MetricsError};

/// Total absolute weight `Σ_ij |W_ij|` (diagonal included).
pub fn total_weight(w: &[f64], n: usize) -> Result<f64, MetricsError> {
    check_square("total_weight", "w", w, n)?;
    Ok(w.iter().map(|x| x.abs()).sum())
}

/// Wiring cost `Σ_ij |W_ij| D_ij` (the spatial regulariser's penalty without `γ`).
pub fn wiring_cost(w: &[f64], d: &[f64], n: usize) -> Result<f64, MetricsError> {
    check_square("wiring_cost", "w", w, n)?;
    check_square("wiring_cost", "distance", d, n)?;
    Ok(w.iter().zip(d).map(|(x, y)| x.abs() * y).sum())
}

/// Mean weighted edge length (our definition): `Σ |W_ij| D_ij / Σ |W_ij|`, the
/// weight-averaged distance spanned by the connections; NaN when `W = 0`.
pub fn mean_weighted_edge_length(w: &[f64], d: &[f64], n: usize) -> Result<f64, MetricsError> {
    Ok(wiring_cost(w, d, n)? / total_weight(w, n)?)
}

/// Pearson correlation of `|W_ij|` and `D_ij` over the off-diagonal pairs with `W_ij ≠ 0`
/// (our reading of "correlation of weight and distance over non-zero weights"; absolute
/// weights, since the sign of a weight is not its strength). NaN with fewer than two such
/// pairs or when either side is constant. Two-pass (means first) in `f64`.
pub fn weight_distance_correlation(w: &[f64], d: &[f64], n: usize) -> Result<f64, MetricsError> {
    check_square("weight_distance_correlation", "w", w, n)?;
    check_square("weight_distance_correlation", "distance", d, n)?;
    let pairs: Vec<(f64, f64)> = (0..n * n)
        .filter(|&ij| ij / n != ij % n && w[ij] != 0.0)
        .map(|ij| (w[ij].abs(), d[ij]))
        .collect();
    Ok(pearson(&pairs))
}

pub(crate) fn pearson(pairs: &[(f64, f64)]) -> f64 {
    let len = pairs.len() as f64;
    if pairs.len() < 2 {
        return f64::NAN;
    }
    let mx = pairs.iter().map(|p| p.0).sum::<f64>() / len;
    let my = pairs.iter().map(|p| p.1).sum::<f64>() / len;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for &(x, y) in pairs {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    if sxx == 0.0 || syy == 0.0 {
        return f64::NAN;
    }
    sxy / (sxx.sqrt() * syy.sqrt())
}

/// The spec's communicability `C = expm(S^{-1/2} |W| S^{-1/2})` with its diagonal set to 0,
/// `S = diag(row sums of |W|)`; a unit whose row of `|W|` sums to 0 gets `S^{-1/2} = 0` (the
/// spec's definition). `|W|` is used as given (directed, diagonal included), as in the seRNN
/// regulariser. Row-major `n × n`.
pub fn communicability(w: &[f64], n: usize) -> Result<Vec<f64>, MetricsError> {
    check_square("communicability", "w", w, n)?;
    let inv_sqrt: Vec<f64> = w
        .chunks_exact(n.max(1))
        .take(n)
        .map(|row| {
            let s: f64 = row.iter().map(|x| x.abs()).sum();
            if s > 0.0 {
                1.0 / s.sqrt()
            } else {
                0.0
            }
        })
        .collect();
    let a: Vec<f64> = (0..n * n)
        .map(|ij| inv_sqrt[ij / n] * w[ij].abs() * inv_sqrt[ij % n])
        .collect();
    let mut c = expm(&a, n);
    for i in 0..n {
        c[i * n + i] = 0.0;
    }
    Ok(c)
}

/// Mean communicability (our definition): the mean of [`communicability`] over the `n (n − 1)`
/// off-diagonal entries; NaN for `n < 2`.
pub fn mean_communicability(w: &[f64], n: usize) -> Result<f64, MetricsError> {
    let c = communicability(w, n)?;
    Ok(c.iter().sum::<f64>() / (n * n.saturating_sub(1)) as f64)
}

/// `expm(A)` in `f64` by scaling and squaring with the degree-13 diagonal Padé approximant
/// (Higham 2005, SIAM J. Matrix Anal. Appl. 26(4), Algorithm 2.3 with `m = 13` always):
/// `s = max(0, ⌈log₂(‖A‖₁ / θ₁₃)⌉)`, `θ₁₃ = 5.371920351148152`, `X = 2^{-s} A`,
/// `U = X (X⁶(b₁₃X⁶ + b₁₁X⁴ + b₉X²) + b₇X⁶ + b₅X⁴ + b₃X² + b₁I)`,
/// `V = X⁶(b₁₂X⁶ + b₁₀X⁴ + b₈X²) + b₆X⁶ + b₄X⁴ + b₂X² + b₀I`, `(V − U) R = V + U`
/// (LU with partial pivoting), then `s` squarings. Plain triple loops: this runs once per
/// network, not per training step (the training-time expm lives in `wiring-kernels`).
pub(crate) fn expm(a: &[f64], n: usize) -> Vec<f64> {
    const B: [f64; 14] = [
        64764752532480000.0,
        32382376266240000.0,
        7771770303897600.0,
        1187353796428800.0,
        129060195264000.0,
        10559470521600.0,
        670442572800.0,
        33522128640.0,
        1323241920.0,
        40840800.0,
        960960.0,
        16380.0,
        182.0,
        1.0,
    ];
    const THETA13: f64 = 5.371920351148152;
    if n == 0 {
        return Vec::new();
    }
    let norm1 = (0..n)
        .map(|j| (0..n).map(|i| a[i * n + j].abs()).sum::<f64>())
        .fold(0.0, f64::max);
    let s = if norm1 > THETA13 {
        (norm1 / THETA13).log2().ceil() as i32
    } else {
        0
    };
    let scale = 2f64.powi(-s);
    let x: Vec<f64> = a.iter().map(|v| v * scale).collect();
    let x2 = matmul(&x, &x, n);
    let x4 = matmul(&x2, &x2, n);
    let x6 = matmul(&x4, &x2, n);
    let eye = |i: usize, j: usize| if i == j { 1.0 } else { 0.0 };
    let lin = |c: [f64; 4], k: usize| -> f64 {
        let (i, j) = (k / n, k % n);
        c[0] * x6[k] + c[1] * x4[k] + c[2] * x2[k] + c[3] * eye(i, j)
    };
    let inner_u: Vec<f64> = (0..n * n)
        .map(|k| B[13] * x6[k] + B[11] * x4[k] + B[9] * x2[k])
        .collect();
    let inner_v: Vec<f64> = (0..n * n)
        .map(|k| B[12] * x6[k] + B[10] * x4[k] + B[8] * x2[k])
        .collect();
    let mut w_u = matmul(&x6, &inner_u, n);
    for (k, v) in w_u.iter_mut().enumerate() {
        *v += lin([B[7], B[5], B[3], B[1]], k);
    }
    let u = matmul(&x, &w_u, n);
    let mut v = matmul(&x6, &inner_v, n);
    for (k, e) in v.iter_mut().enumerate() {
        *e += lin([B[6], B[4], B[2], B[0]], k);
    }
    let p: Vec<f64> = v.iter().zip(&u).map(|(v, u)| v + u).collect();
    let q: Vec<f64> = v.iter().zip(&u).map(|(v, u)| v - u).collect();
    let mut r = solve(q, p, n);
    for _ in 0..s {
        r = matmul(&r, &r, n);
    }
    r
}

fn matmul(a: &[f64], b: &[f64], n: usize) -> Vec<f64> {
    let mut c = vec![0.0; n * n];
    for i in 0..n {
        for k in 0..n {
            let aik = a[i * n + k];
            if aik != 0.0 {
                for (cij, bkj) in c[i * n..(i + 1) * n].iter_mut().zip(&b[k * n..(k + 1) * n]) {
                    *cij += aik * bkj;
                }
            }
        }
    }
    c
}

/// Solves `Q R = P` for `R` (`n × n` right-hand sides) by LU with partial pivoting.
fn solve(mut q: Vec<f64>, mut p: Vec<f64>, n: usize) -> Vec<f64> {
    for col in 0..n {
        let piv = (col..n)
            .max_by(|&i, &j| q[i * n + col].abs().total_cmp(&q[j * n + col].abs()))
            .unwrap_or(col);
        if piv != col {
            for j in 0..n {
                q.swap(piv * n + j, col * n + j);
                p.swap(piv * n + j, col * n + j);
            }
        }
        let d = q[col * n + col];
        for i in col + 1..n {
            let f = q[i * n + col] / d;
            if f != 0.0 {
                for j in col..n {
                    q[i * n + j] -= f * q[col * n + j];
                }
                for j in 0..n {
                    p[i * n + j] -= f * p[col * n + j];
                }
            }
        }
    }
    for i in (0..n).rev() {
        for j in 0..n {
            let mut acc = p[i * n + j];
            for k in i + 1..n {
                acc -= q[i * n + k] * p[k * n + j];
            }
            p[i * n + j] = acc / q[i * n + i];
        }
    }
    p
}
