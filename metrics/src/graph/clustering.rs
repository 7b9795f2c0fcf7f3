//! Binary clustering coefficient (BCT `clustering_coef_bu`).

use super::binary::{ones, BinaryGraph};

/// BCT `clustering_coef_bu`: for each node `u` of degree `k_u ≥ 2`,
///
/// ```text
/// C_u = 2 t_u / (k_u (k_u − 1)),   t_u = number of edges among the neighbours of u,
/// ```
///
/// and `C_u = 0` when `k_u < 2`. Computed as `Σ_{v ∈ N(u)} |N(u) ∩ N(v)| / (k_u² − k_u)` with
/// bitset intersections (exact integer counts, so the result is independent of order).
pub fn clustering_coefficients(g: &BinaryGraph) -> Vec<f64> {
    (0..g.n()).map(|u| node_clustering(g, u)).collect()
}

/// Mean of [`clustering_coefficients`] over all `n` nodes (nodes of degree < 2 count as 0, as
/// `np.mean(clustering_coef_bu(A))` does); NaN for `n = 0`.
pub fn mean_clustering(g: &BinaryGraph) -> f64 {
    let n = g.n();
    (0..n).map(|u| node_clustering(g, u)).sum::<f64>() / n as f64
}

fn node_clustering(g: &BinaryGraph, u: usize) -> f64 {
    let row = g.row(u);
    let k = g.degree(u);
    if k < 2 {
        return 0.0;
    }
    let closed: usize = ones(row)
        .map(|v| {
            g.row(v)
                .iter()
                .zip(row)
                .map(|(a, b)| (a & b).count_ones() as usize)
                .sum::<usize>()
        })
        .sum();
    closed as f64 / (k * k - k) as f64
}
