//! From a weight matrix to the graphs the measures run on: BCT's proportional threshold, the
//! `A ∨ Aᵀ` binarisation and the `(|W| + |W|ᵀ) / 2` weighted symmetrisation.

use super::binary::BinaryGraph;
use crate::error::{check_square, MetricsError};

/// BCT `threshold_proportional(|W|, p)`: keeps the `p` strongest off-diagonal entries of `|W|`.
///
/// Exactly as bctpy 0.6.1 (`utils/other.py`):
/// 1. `|W|` with its diagonal set to 0;
/// 2. if `|W|` is symmetric by NumPy's `allclose` (`|a_ij − a_ji| ≤ 1e-8 + 1e-5 |a_ji|` for all
///    pairs) only the upper triangle is ranked and `ud = 2`, else every entry with `ud = 1`;
/// 3. the number kept is `en = round((n² − n) · p / ud)` with round-half-up (BCT's
///    `teachers_round`), never more than the number of non-zero entries;
/// 4. non-zero entries are ranked by value, largest first; all but the first `en` are zeroed;
/// 5. in the symmetric case the kept upper triangle is mirrored (`W + Wᵀ`).
///
/// Ties: bctpy reverses NumPy's ascending `argsort` of the non-zero entries taken in row-major
/// order, whose order among equal values is unspecified for more than 16 entries. Ours is that
/// of a *stable* ascending sort reversed: among equal values the later entry in row-major order
/// ranks first. It matches bctpy whenever bctpy's sort was stable, and always when there are no
/// ties (the usual case for trained weights; exact zeros are never ranked).
///
/// Returns the thresholded `|W|` (row-major `n × n`).
pub fn threshold_proportional(w: &[f64], n: usize, p: f64) -> Result<Vec<f64>, MetricsError> {
    const OP: &str = "threshold_proportional";
    check_square(OP, "w", w, n)?;
    if !(0.0..=1.0).contains(&p) {
        return Err(MetricsError::OutOfRange {
            op: OP,
            name: "p",
            value: p,
            expected: "[0, 1]",
        });
    }
    let mut a: Vec<f64> = w.iter().map(|x| x.abs()).collect();
    for i in 0..n {
        a[i * n + i] = 0.0;
    }
    let symmetric = (0..n).all(|i| {
        (0..n).all(|j| {
            let (x, y) = (a[i * n + j], a[j * n + i]);
            (x - y).abs() <= 1e-8 + 1e-5 * y.abs()
        })
    });
    let ud = if symmetric { 2.0 } else { 1.0 };
    if symmetric {
        for i in 0..n {
            for j in 0..=i {
                a[i * n + j] = 0.0;
            }
        }
    }
    let mut links: Vec<usize> = (0..n * n).filter(|&k| a[k] != 0.0).collect();
    // Descending value; among ties the later row-major index first (reversed stable argsort).
    links.sort_by(|&x, &y| a[y].total_cmp(&a[x]).then(y.cmp(&x)));
    let en = teachers_round(((n * n - n) as f64) * p / ud).min(links.len());
    for &k in &links[en..] {
        a[k] = 0.0;
    }
    if symmetric {
        for i in 0..n {
            for j in i + 1..n {
                a[j * n + i] = a[i * n + j];
            }
        }
    }
    Ok(a)
}

/// BCT's `teachers_round` for `x ≥ 0`: halves round up.
fn teachers_round(x: f64) -> usize {
    let f = x.floor();
    if x - f >= 0.5 {
        f as usize + 1
    } else {
        f as usize
    }
}

/// The spec's binarisation: [`threshold_proportional`] of `|W|` at `p`, non-zero → 1, then
/// symmetrised `A ∨ Aᵀ`.
pub fn binarise_proportional(w: &[f64], n: usize, p: f64) -> Result<BinaryGraph, MetricsError> {
    let kept = threshold_proportional(w, n, p)?;
    BinaryGraph::from_adjacency(&kept, n)
}

/// The spec's weighted undirected graph `(|W| + |W|ᵀ) / 2`, with the diagonal set to 0 (our
/// definition: a unit's self-connection is not an edge of the graph, as in the binary graph).
pub fn symmetrise_weights(w: &[f64], n: usize) -> Result<Vec<f64>, MetricsError> {
    check_square("symmetrise_weights", "w", w, n)?;
    let mut s = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            if i != j {
                s[i * n + j] = 0.5 * (w[i * n + j].abs() + w[j * n + i].abs());
            }
        }
    }
    Ok(s)
}
