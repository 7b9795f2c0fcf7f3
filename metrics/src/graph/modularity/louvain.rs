//! The Louvain method (BCT `community_louvain`, Blondel et al. 2008).

use rand::seq::SliceRandom;
use rand::Rng;

use super::{check_weights, strengths, Communities};
use crate::error::MetricsError;

/// BCT `community_louvain(W, gamma)` with the default `'modularity'` objective and no initial
/// partition, as bctpy 0.6.1.
///
/// `B = W − γ k_out k_inᵀ / s` (`s = Σ W`, row and column sums). Each level starts with every
/// (super)node alone and sweeps the nodes in a random order (a fresh permutation per sweep,
/// drawn from `rng`), moving node `u` from its module `a` to the module `b` maximising
///
/// ```text
/// ΔQ_b = H[u, b] − H[u, a] + B[u, u],   H[u, c] = Σ_{v ∈ c} B[u, v],
/// ```
///
/// (first maximum; a move needs `ΔQ > 1e-10`) until a sweep moves nothing. Modules are then
/// renumbered in order of their old labels, pooled into super-nodes (`B' = Σ` of the blocks of
/// `B`), and a new level starts while `q − q₀ > 1e-10`, `q = trace(B')`. The returned
/// `Q = q / s`. As in bctpy, the first comparison is against `q₀ = trace(B) / s` (normalised),
/// later ones against the unnormalised previous `q`.
///
/// Random stream: bctpy draws its permutations from NumPy; ours come from `rng` (the spec's
/// seeded Xoshiro256++), so partitions match bctpy only where the optimum is clear, not draw
/// for draw. Errors on negative weights (BCT: `min(W) < −1e-10`) and after 1 000 sweeps of one
/// level (BCT's "infinite loop" guard). A graph without edges gives one module per node and
/// `Q = NaN` (BCT divides by `s = 0`).
pub fn community_louvain<R: Rng + ?Sized>(
    w: &[f64],
    n: usize,
    gamma: f64,
    rng: &mut R,
) -> Result<Communities, MetricsError> {
    const OP: &str = "community_louvain";
    check_weights(OP, w, n)?;
    let s: f64 = w.iter().sum();
    if n == 0 || s == 0.0 {
        return Ok(Communities {
            labels: (0..n).collect(),
            q: f64::NAN,
        });
    }
    let k_in = strengths(w, n);
    let k_out: Vec<f64> = w.chunks_exact(n).map(|r| r.iter().sum()).collect();
    let mut b: Vec<f64> = (0..n * n)
        .map(|ij| w[ij] - gamma * k_out[ij / n] * k_in[ij % n] / s)
        .collect();
    let mut nn = n;
    let mut ci: Vec<usize> = (0..n).collect();
    let mut q0 = f64::NEG_INFINITY;
    let mut q = trace(&b, nn) / s;
    let mut order: Vec<usize> = Vec::with_capacity(n);
    while q - q0 > 1e-10 {
        // One level: local moves of the `nn` (super)nodes.
        let mut mb: Vec<usize> = (0..nn).collect();
        let mut h = b.clone(); // H[u, c]: node-to-module strengths (modules = singletons)
        let mut sweeps = 0;
        loop {
            sweeps += 1;
            if sweeps > 1000 {
                return Err(MetricsError::NoConvergence {
                    op: OP,
                    iterations: 1000,
                });
            }
            let mut moved = false;
            order.clear();
            order.extend(0..nn);
            order.shuffle(rng);
            for &u in &order {
                let ma = mb[u];
                let base = h[u * nn + ma] - b[u * nn + u];
                let mut best = 0.0;
                let mut target = ma;
                for c in 0..nn {
                    let dq = if c == ma { 0.0 } else { h[u * nn + c] - base };
                    if dq > best {
                        best = dq;
                        target = c;
                    }
                }
                if best > 1e-10 {
                    moved = true;
                    for v in 0..nn {
                        let buv = b[v * nn + u];
                        h[v * nn + target] += buv;
                        h[v * nn + ma] -= buv;
                    }
                    mb[u] = target;
                }
            }
            if !moved {
                break;
            }
        }
        // Renumber modules by old label order (np.unique), relabel the nodes.
        let mut used = vec![usize::MAX; nn];
        for &m in &mb {
            used[m] = 0;
        }
        let mut next = 0;
        for slot in used.iter_mut() {
            if *slot == 0 {
                *slot = next;
                next += 1;
            }
        }
        for m in mb.iter_mut() {
            *m = used[*m];
        }
        for c in ci.iter_mut() {
            *c = mb[*c];
        }
        // Pool into super-nodes.
        let mut pooled = vec![0.0; next * next];
        for i in 0..nn {
            for j in 0..nn {
                pooled[mb[i] * next + mb[j]] += b[i * nn + j];
            }
        }
        b = pooled;
        nn = next;
        q0 = q;
        q = trace(&b, nn);
    }
    Ok(Communities {
        labels: ci,
        q: q / s,
    })
}

fn trace(b: &[f64], n: usize) -> f64 {
    (0..n).map(|i| b[i * n + i]).sum()
}
