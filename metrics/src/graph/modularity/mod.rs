//! Community structure: Newman's spectral method (BCT `modularity_und`, [`spectral`]) and the
//! Louvain method (BCT `community_louvain`, [`louvain`]), with the modularity
//!
//! ```text
//! Q = (1 / 2m) Σ_ij (A_ij − γ k_i k_j / 2m) δ(c_i, c_j),   k_i = Σ_j A_ij,  2m = Σ_ij A_ij.
//! ```
//!
//! Inputs are dense symmetric non-negative `n × n` matrices (binary 0/1 or weighted); use
//! [`super::BinaryGraph::to_dense`] or [`super::symmetrise_weights`] to get one.

pub mod louvain;
pub mod spectral;

use serde::{Deserialize, Serialize};

use crate::error::{check_non_negative, check_square, MetricsError};

pub use louvain::community_louvain;
pub use spectral::{modularity_und, FineTuning};

/// A partition of the nodes and its modularity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Communities {
    /// Module of each node, `0..modules`, numbered as the algorithm found them.
    pub labels: Vec<usize>,
    /// Modularity `Q` of the partition.
    pub q: f64,
}

impl Communities {
    /// Number of modules.
    pub fn modules(&self) -> usize {
        self.labels.iter().max().map_or(0, |m| m + 1)
    }
}

/// `Q` of a given partition (`labels` of any values; equal value = same module), as
/// `modularity_und(A, gamma, kci=labels)[1]`. NaN for a graph without edges (`2m = 0`).
pub fn modularity_quality(
    a: &[f64],
    n: usize,
    labels: &[usize],
    gamma: f64,
) -> Result<f64, MetricsError> {
    check_weights("modularity_quality", a, n)?;
    if labels.len() != n {
        return Err(MetricsError::LengthMismatch {
            op: "modularity_quality",
            what: "labels",
            len: labels.len(),
            expected: n,
        });
    }
    let k = strengths(a, n);
    let two_m: f64 = k.iter().sum();
    Ok(quality(a, n, &k, two_m, labels, gamma))
}

pub(crate) fn check_weights(op: &'static str, a: &[f64], n: usize) -> Result<(), MetricsError> {
    check_square(op, "a", a, n)?;
    check_non_negative(op, "a", a)
}

/// Column sums `k_j = Σ_i A_ij` (BCT `np.sum(A, axis=0)`).
pub(crate) fn strengths(a: &[f64], n: usize) -> Vec<f64> {
    let mut k = vec![0.0; n];
    for row in a.chunks_exact(n.max(1)).take(n) {
        for (kj, &x) in k.iter_mut().zip(row) {
            *kj += x;
        }
    }
    k
}

pub(crate) fn quality(
    a: &[f64],
    n: usize,
    k: &[f64],
    two_m: f64,
    labels: &[usize],
    gamma: f64,
) -> f64 {
    let mut q = 0.0;
    for i in 0..n {
        for j in 0..n {
            if labels[i] == labels[j] {
                q += (a[i * n + j] - gamma * k[i] * k[j] / two_m) / two_m;
            }
        }
    }
    if two_m == 0.0 {
        f64::NAN
    } else {
        q
    }
}
