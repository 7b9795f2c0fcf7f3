//! Newman's spectral modularity maximisation with fine-tuning (BCT `modularity_und`).

use faer::diag::Diag;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::evd::{self, ComputeEigenvectors};
use faer::{Mat, Par};
use serde::{Deserialize, Serialize};

use super::{check_weights, quality, strengths, Communities};
use crate::error::MetricsError;

/// The fine-tuning step after each spectral bisection of [`modularity_und`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FineTuning {
    /// Newman's fine-tuning as MATLAB BCT intends it: starting from the spectral split, move
    /// one not-yet-moved node at a time, each time the one whose move gives the largest
    /// `ΔQ` (Kernighan–Lin: also when `ΔQ < 0`), until every node has moved once; keep (a copy
    /// of) the best assignment seen. Ties: the first node (lowest index within the module)
    /// whose gain is within `1e-10` of the maximum. MATLAB BCT instead moves *all* nodes whose
    /// gain equals the maximum bit for bit (`imax = (Qit == qmax)`); on binary graphs exact
    /// ties are common and whether two mathematically equal gains compare equal depends on
    /// the summation order of the BLAS used, so that rule is not reproducible; ours is its
    /// rounding-proof reading. Validated against a NumPy port with the same rule
    /// (`make_golden.py`, `modularity_und_newman`).
    #[default]
    Newman,
    /// bctpy 0.6.1: the same loop, but `mod_asgn = mod_asgn_iter` binds the *same* array, so
    /// once any move improved `Q`, the kept assignment follows every later move and ends with
    /// all nodes flipped, i.e. the spectral split unchanged. The fine-tuning therefore never
    /// changes bctpy's partition; this variant reproduces bctpy's output exactly.
    Bctpy,
}

/// BCT `modularity_und(A, gamma)`: recursive spectral bisection of the modularity matrix
/// (Newman 2006, PNAS 103:8577).
///
/// `B = A − γ k kᵀ / 2m`. A module `g` is split by the leading eigenvector `v` of
/// `B⁽ᵍ⁾ = B[g, g] − diag(Σ_{i∈g} B[i, g])` (`s_i = +1` if `v_i ≥ 0` else `−1`) when
/// `ΔQ = sᵀ B⁽ᵍ⁾ s > 0`, then fine-tuned ([`FineTuning`]; the default is [`FineTuning::Newman`]); a module is final when `ΔQ ≤ 0` or
/// all nodes land on one side. Recursion is depth-first, the `+1` side first; modules are
/// numbered in the order they become final. `Q` is [`super::modularity_quality`] of the result.
///
/// Determinism and BCT agreement: the eigenvector comes from faer's symmetric eigensolver
/// (sequential); its sign is fixed so that its first largest-magnitude component is positive
/// (`s` and `−s` give the same split, but the sign decides the side of zero components).
/// Components below `1e-12 · max|v|` in magnitude are taken as exactly 0 (so `+1`): BCT's
/// LAPACK leaves rounding noise of either sign there (e.g. for isolated nodes, whose row of
/// `B` is 0), so BCT's placement of such nodes is itself arbitrary; ours is fixed. Likewise, a
/// degenerate leading eigenvalue makes BCT's choice of eigenvector arbitrary. `ΔQ` and the
/// fine-tuning gains are compared with an absolute tolerance of `1e-10` instead of BCT's exact
/// 0, so rounding noise never splits a module. A graph without edges returns one module and
/// `Q = NaN` (BCT divides by `2m = 0`).
pub fn modularity_und(
    a: &[f64],
    n: usize,
    gamma: f64,
    fine_tuning: FineTuning,
) -> Result<Communities, MetricsError> {
    const OP: &str = "modularity_und";
    check_weights(OP, a, n)?;
    let k = strengths(a, n);
    let two_m: f64 = k.iter().sum();
    if n == 0 || two_m == 0.0 {
        return Ok(Communities {
            labels: vec![0; n],
            q: f64::NAN,
        });
    }
    let b: Vec<f64> = (0..n * n)
        .map(|ij| a[ij] - gamma * k[ij / n] * k[ij % n] / two_m)
        .collect();
    let tol = 1e-10;
    let mut modules: Vec<Vec<usize>> = Vec::new();
    let mut stack: Vec<Vec<usize>> = vec![(0..n).collect()];
    // Depth-first, `+1` side first: push the `−1` side, then the `+1` side.
    while let Some(module) = stack.pop() {
        match bisect(&b, n, &module, tol, fine_tuning)? {
            None => modules.push(module),
            Some((plus, minus)) => {
                stack.push(minus);
                stack.push(plus);
            }
        }
    }
    let mut labels = vec![0; n];
    for (c, module) in modules.iter().enumerate() {
        for &i in module {
            labels[i] = c;
        }
    }
    let q = quality(a, n, &k, two_m, &labels, gamma);
    Ok(Communities { labels, q })
}

type Split = Option<(Vec<usize>, Vec<usize>)>;

fn bisect(
    b: &[f64],
    n: usize,
    module: &[usize],
    tol: f64,
    fine_tuning: FineTuning,
) -> Result<Split, MetricsError> {
    let ng = module.len();
    let mut bg = vec![0.0; ng * ng];
    for (r, &i) in module.iter().enumerate() {
        for (c, &j) in module.iter().enumerate() {
            bg[r * ng + c] = b[i * n + j];
        }
    }
    for c in 0..ng {
        let col: f64 = (0..ng).map(|r| bg[r * ng + c]).sum();
        bg[c * ng + c] -= col;
    }
    let v = leading_eigenvector(&bg, ng)?;
    let vmax = v.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    // Fix the eigenvector's sign: its first largest-magnitude component is positive.
    let lead = v
        .iter()
        .position(|x| x.abs() >= (1.0 - 1e-9) * vmax)
        .unwrap_or(0);
    let sign = if v[lead] < 0.0 { -1.0 } else { 1.0 };
    let v: Vec<f64> = v.iter().map(|x| sign * x).collect();
    let mut s: Vec<f64> = v
        .iter()
        .map(|&x| {
            if x >= 0.0 || x.abs() < 1e-12 * vmax {
                1.0
            } else {
                -1.0
            }
        })
        .collect();
    let mut q = quadratic_form(&bg, &s);
    if q <= tol {
        return Ok(None);
    }
    // Fine-tuning on B⁽ᵍ⁾ with a zero diagonal.
    for c in 0..ng {
        bg[c * ng + c] = 0.0;
    }
    let mut qmax = q;
    let mut moved = vec![false; ng];
    let mut sit = s.clone();
    let mut aliased = false;
    let mut qit = vec![0.0; ng];
    while moved.iter().any(|&m| !m) {
        for (i, qi) in qit.iter_mut().enumerate() {
            let bs: f64 = bg[i * ng..(i + 1) * ng]
                .iter()
                .zip(&sit)
                .map(|(x, y)| x * y)
                .sum();
            *qi = qmax - 4.0 * sit[i] * bs;
        }
        qmax = (0..ng)
            .filter(|&i| !moved[i])
            .map(|i| qit[i])
            .fold(f64::NEG_INFINITY, f64::max);
        match fine_tuning {
            FineTuning::Newman => {
                let imax = (0..ng)
                    .find(|&i| !moved[i] && qit[i] >= qmax - tol)
                    .unwrap_or_else(|| (0..ng).find(|&i| !moved[i]).unwrap_or(0));
                qmax = qit[imax];
                sit[imax] = -sit[imax];
                moved[imax] = true;
                if qmax > q + tol {
                    q = qmax;
                    s.copy_from_slice(&sit);
                }
            }
            FineTuning::Bctpy => {
                // np.argmax over the unmoved entries: the first maximum.
                let imax = (0..ng)
                    .find(|&i| !moved[i] && qit[i] == qmax)
                    .unwrap_or_else(|| (0..ng).find(|&i| !moved[i]).unwrap_or(0));
                sit[imax] = -sit[imax];
                moved[imax] = true;
                if qmax > q {
                    q = qmax;
                    aliased = true;
                }
            }
        }
    }
    if aliased {
        s.copy_from_slice(&sit);
    }
    let plus: Vec<usize> = (0..ng).filter(|&r| s[r] > 0.0).map(|r| module[r]).collect();
    if plus.is_empty() || plus.len() == ng {
        return Ok(None);
    }
    let minus: Vec<usize> = (0..ng).filter(|&r| s[r] < 0.0).map(|r| module[r]).collect();
    Ok(Some((plus, minus)))
}

fn quadratic_form(m: &[f64], s: &[f64]) -> f64 {
    let n = s.len();
    (0..n)
        .map(|i| {
            s[i] * m[i * n..(i + 1) * n]
                .iter()
                .zip(s)
                .map(|(x, y)| x * y)
                .sum::<f64>()
        })
        .sum()
}

/// Eigenvector of the largest eigenvalue of a symmetric `n × n` matrix (the first such in
/// faer's ascending order if it is repeated). faer, sequential.
fn leading_eigenvector(m: &[f64], n: usize) -> Result<Vec<f64>, MetricsError> {
    if n == 1 {
        return Ok(vec![1.0]);
    }
    let a = Mat::<f64>::from_fn(n, n, |i, j| m[i * n + j]);
    let mut s = Diag::<f64>::zeros(n);
    let mut u = Mat::<f64>::zeros(n, n);
    let par = Par::Seq;
    let params = Default::default();
    let mut buf = MemBuffer::new(evd::self_adjoint_evd_scratch::<f64>(
        n,
        ComputeEigenvectors::Yes,
        par,
        params,
    ));
    evd::self_adjoint_evd(
        a.as_ref(),
        s.as_mut(),
        Some(u.as_mut()),
        par,
        MemStack::new(&mut buf),
        params,
    )
    .map_err(|_| MetricsError::NoConvergence {
        op: "modularity_und (symmetric eigensolver)",
        iterations: 0,
    })?;
    let vals = s.column_vector();
    let mut best = 0;
    for i in 1..n {
        if vals[i] > vals[best] {
            best = i;
        }
    }
    Ok((0..n).map(|i| u[(i, best)]).collect())
}
