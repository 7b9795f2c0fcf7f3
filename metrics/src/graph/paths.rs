//! Shortest paths: characteristic path length and global efficiency, binary (breadth-first
//! search on bitsets) and weighted (Dijkstra on BCT's lengths `1 / w`).

use super::binary::{ones, BinaryGraph};
use crate::error::{check_non_negative, check_square, MetricsError};

/// Sums over all ordered pairs `(i, j)`, `i ≠ j`, of a graph's shortest path lengths `d_ij`.
///
/// Accumulation: exact integer sums for binary graphs; for weighted graphs sources in
/// ascending order, targets in ascending order.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PathSums {
    /// Number of nodes.
    pub n: usize,
    /// Pairs with a finite `d_ij`.
    pub finite_pairs: u64,
    /// `Σ d_ij` over the finite pairs.
    pub sum_length: f64,
    /// `Σ 1 / d_ij` over the finite pairs (= over all pairs, `1/∞ = 0`).
    pub sum_inverse_length: f64,
}

impl PathSums {
    /// Pairs `i ≠ j` with no path (`d_ij = ∞`).
    pub fn infinite_pairs(&self) -> u64 {
        (self.n as u64) * (self.n.saturating_sub(1) as u64) - self.finite_pairs
    }

    /// BCT `charpath(D, include_diagonal=False, include_infinite)[0]`: the mean of the
    /// off-diagonal `d_ij`.
    ///
    /// - `include_infinite = false` (the spec's "mean finite shortest-path length", our
    ///   default in [`super::StructuralOptions`]): mean over finite pairs only; NaN when there
    ///   is none (graph without edges, or `n < 2`), as `np.mean([])`.
    /// - `include_infinite = true` (bctpy's and MATLAB BCT's default): `∞` as soon as one
    ///   pair is disconnected (an isolated node makes it `∞`); NaN for `n < 2`.
    pub fn characteristic_path_length(&self, include_infinite: bool) -> f64 {
        if include_infinite && self.infinite_pairs() > 0 {
            return f64::INFINITY;
        }
        self.sum_length / self.finite_pairs as f64
    }

    /// BCT `efficiency_bin` / `efficiency_wei` (global):
    /// `E = Σ_{i≠j} 1/d_ij / (n (n − 1))`, disconnected pairs contributing 0; `E = 0` for a
    /// graph without edges, NaN for `n < 2` (`0 / 0`, as BCT).
    pub fn global_efficiency(&self) -> f64 {
        self.sum_inverse_length / (self.n * self.n.saturating_sub(1)) as f64
    }
}

/// Reusable buffers for [`binary_path_sums_with`] (so null-model loops do not allocate).
#[derive(Debug, Clone, Default)]
pub struct BfsScratch {
    visited: Vec<u64>,
    frontier: Vec<u64>,
    next: Vec<u64>,
}

/// All-pairs breadth-first search on a binary graph; see [`PathSums`].
pub fn binary_path_sums(g: &BinaryGraph) -> PathSums {
    binary_path_sums_with(g, &mut BfsScratch::default())
}

/// [`binary_path_sums`] with caller-owned scratch.
///
/// Level-synchronous BFS on bitsets: `next = (∪_{v ∈ frontier} N(v)) \ visited`, so one level
/// costs `|frontier| · ⌈n/64⌉` word operations.
pub fn binary_path_sums_with(g: &BinaryGraph, scratch: &mut BfsScratch) -> PathSums {
    let n = g.n();
    let words = g.words();
    let BfsScratch {
        visited,
        frontier,
        next,
    } = scratch;
    for buf in [&mut *visited, &mut *frontier, &mut *next] {
        buf.clear();
        buf.resize(words, 0);
    }
    let mut finite_pairs = 0u64;
    let mut sum_length = 0u64;
    let mut sum_inverse = 0.0f64;
    for source in 0..n {
        visited.fill(0);
        frontier.fill(0);
        visited[source / 64] |= 1 << (source % 64);
        frontier[source / 64] |= 1 << (source % 64);
        let mut depth = 0u64;
        loop {
            next.fill(0);
            for v in ones(frontier) {
                for (x, r) in next.iter_mut().zip(g.row(v)) {
                    *x |= r;
                }
            }
            let mut reached = 0u64;
            for (x, s) in next.iter_mut().zip(visited.iter_mut()) {
                *x &= !*s;
                *s |= *x;
                reached += u64::from(x.count_ones());
            }
            if reached == 0 {
                break;
            }
            depth += 1;
            finite_pairs += reached;
            sum_length += depth * reached;
            sum_inverse += reached as f64 / depth as f64;
            std::mem::swap(frontier, next);
        }
    }
    PathSums {
        n,
        finite_pairs,
        sum_length: sum_length as f64,
        sum_inverse_length: sum_inverse,
    }
}

/// Characteristic path length of a binary graph, see
/// [`PathSums::characteristic_path_length`].
pub fn characteristic_path_length(g: &BinaryGraph, include_infinite: bool) -> f64 {
    binary_path_sums(g).characteristic_path_length(include_infinite)
}

/// BCT `efficiency_bin(A)` (global).
pub fn global_efficiency_binary(g: &BinaryGraph) -> f64 {
    binary_path_sums(g).global_efficiency()
}

/// Shortest path sums of a weighted (possibly directed) graph with BCT's weight→length
/// conversion `l_ij = 1 / w_ij` for `w_ij ≠ 0` (`invert`); `w_ij = 0` is no edge, the
/// diagonal is ignored. Paths follow rows (`i → j` uses `w[i, j]`).
///
/// Dijkstra from every source on the dense matrix, `O(n³)`; ties among equal tentative
/// distances do not change the distances.
pub fn weighted_path_sums(w: &[f64], n: usize) -> Result<PathSums, MetricsError> {
    const OP: &str = "weighted_path_sums";
    check_square(OP, "w", w, n)?;
    check_non_negative(OP, "w", w)?;
    let mut dist = vec![f64::INFINITY; n];
    let mut done = vec![false; n];
    let mut sums = PathSums {
        n,
        ..PathSums::default()
    };
    for source in 0..n {
        dist.fill(f64::INFINITY);
        done.fill(false);
        dist[source] = 0.0;
        loop {
            let mut u = usize::MAX;
            let mut best = f64::INFINITY;
            for (v, (&d, &fixed)) in dist.iter().zip(&done).enumerate() {
                if !fixed && d < best {
                    best = d;
                    u = v;
                }
            }
            if u == usize::MAX {
                break;
            }
            done[u] = true;
            for (v, &wt) in w[u * n..(u + 1) * n].iter().enumerate() {
                if v != u && wt != 0.0 && !done[v] {
                    let cand = best + 1.0 / wt;
                    if cand < dist[v] {
                        dist[v] = cand;
                    }
                }
            }
        }
        for (v, &d) in dist.iter().enumerate() {
            if v != source && d.is_finite() {
                sums.finite_pairs += 1;
                sums.sum_length += d;
                sums.sum_inverse_length += 1.0 / d;
            }
        }
    }
    Ok(sums)
}

/// BCT `efficiency_wei(W)` (global): [`PathSums::global_efficiency`] of
/// [`weighted_path_sums`]. Weights are used as given (BCT does not rescale them), so `E`
/// scales linearly with `W`.
pub fn global_efficiency_weighted(w: &[f64], n: usize) -> Result<f64, MetricsError> {
    Ok(weighted_path_sums(w, n)?.global_efficiency())
}
