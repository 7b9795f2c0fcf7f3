//! Random null graphs with a graph's node and edge counts, and small-worldness against them.

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::binary::BinaryGraph;
use super::clustering::mean_clustering;
use super::paths::{binary_path_sums_with, BfsScratch};
use crate::error::MetricsError;

/// Reusable buffers for [`random_graph_into`] and [`small_world`].
#[derive(Debug, Clone, Default)]
pub struct NullScratch {
    chosen: Vec<u64>,
    bfs: BfsScratch,
}

/// A uniformly random simple undirected graph with `n` nodes and exactly `m` edges
/// (Erdős–Rényi `G(n, m)`; BCT `makerandCIJ_und(n, m)`).
///
/// Errors if `m > n (n − 1) / 2`.
pub fn random_graph<R: Rng + ?Sized>(
    n: usize,
    m: usize,
    rng: &mut R,
) -> Result<BinaryGraph, MetricsError> {
    let mut g = BinaryGraph::empty(n);
    random_graph_into(&mut g, m, rng, &mut NullScratch::default())?;
    Ok(g)
}

/// [`random_graph`] into a caller-owned graph (its `n` is kept, its edges replaced).
///
/// Draws `m` distinct pair indices of the `N = n (n − 1) / 2` upper-triangle pairs with
/// Floyd's algorithm (`for j in N − m .. N: t = U{0..=j}; take t, or j if t is taken`), which
/// is uniform over all `m`-subsets and costs `O(m + N / 64)`; pairs are numbered row-major
/// `(0,1), (0,2), …, (n−2, n−1)`.
pub fn random_graph_into<R: Rng + ?Sized>(
    g: &mut BinaryGraph,
    m: usize,
    rng: &mut R,
    scratch: &mut NullScratch,
) -> Result<(), MetricsError> {
    let n = g.n();
    let pairs = n * n.saturating_sub(1) / 2;
    if m > pairs {
        return Err(MetricsError::OutOfRange {
            op: "random_graph",
            name: "m",
            value: m as f64,
            expected: "[0, n (n − 1) / 2]",
        });
    }
    let chosen = &mut scratch.chosen;
    chosen.clear();
    chosen.resize(pairs.div_ceil(64), 0);
    for j in pairs - m..pairs {
        let t = rng.random_range(0..=j);
        let pick = if (chosen[t / 64] >> (t % 64)) & 1 == 1 {
            j
        } else {
            t
        };
        chosen[pick / 64] |= 1 << (pick % 64);
    }
    g.clear();
    // Walk the chosen pair indices in ascending order, tracking the row they fall in.
    let (mut row, mut row_start) = (0usize, 0usize);
    for (k, &word) in chosen.iter().enumerate() {
        let mut w = word;
        while w != 0 {
            let idx = k * 64 + w.trailing_zeros() as usize;
            w &= w - 1;
            while idx >= row_start + (n - 1 - row) {
                row_start += n - 1 - row;
                row += 1;
            }
            g.add_edge(row, row + 1 + idx - row_start);
        }
    }
    Ok(())
}

/// Small-worldness of a binary graph against `G(n, m)` nulls.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SmallWorld {
    /// `C`: mean binary clustering coefficient of the graph.
    pub clustering: f64,
    /// `L`: characteristic path length of the graph.
    pub path_length: f64,
    /// `E`: binary global efficiency of the graph.
    pub efficiency: f64,
    /// `C_null`: mean over the draws of the nulls' `C`.
    pub null_clustering: f64,
    /// `L_null`: mean over the draws of the nulls' `L`.
    pub null_path_length: f64,
    /// `E_null`: mean over the draws of the nulls' `E`.
    pub null_efficiency: f64,
    /// `σ = (C / C_null) / (L / L_null)`.
    pub sigma: f64,
    /// The efficiency form `(C / C_null) / (E_null / E)`.
    pub sigma_efficiency: f64,
    /// Number of null draws.
    pub draws: usize,
}

/// Small-worldness `σ = (C/C_null) / (L/L_null)` and `(C/C_null) / (E_null/E)`.
///
/// `C_null`, `L_null`, `E_null` are the means of each measure over `draws` random graphs with
/// the graph's `n` and edge count `m` (our reading of "averaged over 1 000 draws": average the
/// null measures, then form the ratio once, as the usual BCT scripts do). `L` uses
/// `include_infinite` as in [`super::PathSums::characteristic_path_length`] for the graph and
/// every null alike. Draws are taken in order from `rng`, so a seed fixes the result.
pub fn small_world<R: Rng + ?Sized>(
    g: &BinaryGraph,
    draws: usize,
    include_infinite: bool,
    rng: &mut R,
    scratch: &mut NullScratch,
) -> Result<SmallWorld, MetricsError> {
    if draws == 0 {
        return Err(MetricsError::OutOfRange {
            op: "small_world",
            name: "draws",
            value: 0.0,
            expected: "≥ 1",
        });
    }
    let m = g.edge_count();
    let sums = binary_path_sums_with(g, &mut scratch.bfs);
    let clustering = mean_clustering(g);
    let path_length = sums.characteristic_path_length(include_infinite);
    let efficiency = sums.global_efficiency();
    let mut null = BinaryGraph::empty(g.n());
    let (mut c_null, mut l_null, mut e_null) = (0.0, 0.0, 0.0);
    for _ in 0..draws {
        random_graph_into(&mut null, m, rng, scratch)?;
        let s = binary_path_sums_with(&null, &mut scratch.bfs);
        c_null += mean_clustering(&null);
        l_null += s.characteristic_path_length(include_infinite);
        e_null += s.global_efficiency();
    }
    let d = draws as f64;
    let (c_null, l_null, e_null) = (c_null / d, l_null / d, e_null / d);
    Ok(SmallWorld {
        clustering,
        path_length,
        efficiency,
        null_clustering: c_null,
        null_path_length: l_null,
        null_efficiency: e_null,
        sigma: (clustering / c_null) / (path_length / l_null),
        sigma_efficiency: (clustering / c_null) / (e_null / efficiency),
        draws,
    })
}
