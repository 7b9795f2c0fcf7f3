//! [`structural_measures`]: every structural measure of the spec for one network.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

use super::modularity::{community_louvain, modularity_und, Communities, FineTuning};
use super::null_model::{small_world, NullScratch, SmallWorld};
use super::paths::global_efficiency_weighted;
use super::threshold::{binarise_proportional, symmetrise_weights};
use super::wiring::{
    mean_communicability, mean_weighted_edge_length, total_weight, weight_distance_correlation,
    wiring_cost,
};
use crate::error::{check_square, MetricsError};

/// Options of [`structural_measures`]; the defaults are the spec's recipe.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StructuralOptions {
    /// Fraction of off-diagonal `|W|` entries kept by the proportional threshold (0.1).
    pub proportion: f64,
    /// Modularity resolution `γ_res` (1).
    pub gamma: f64,
    /// Null graphs drawn for small-worldness (1 000).
    pub null_draws: usize,
    /// Whether `L` counts disconnected pairs as `∞` (BCT's default) or averages the finite
    /// path lengths only (`false`, the spec's "mean finite shortest-path length").
    pub include_infinite: bool,
    /// Fine-tuning of the spectral method (Newman's, effective, by default).
    pub fine_tuning: FineTuning,
    /// Seed of the Xoshiro256++ streams: Louvain uses `seed_from_u64(seed)` (binary graph
    /// first, then the weighted one, from one stream), the nulls the same generator after one
    /// `jump()` (2¹²⁸ draws ahead, so the streams never overlap).
    pub seed: u64,
}

impl Default for StructuralOptions {
    fn default() -> Self {
        Self {
            proportion: 0.1,
            gamma: 1.0,
            null_draws: 1000,
            include_infinite: false,
            fine_tuning: FineTuning::Newman,
            seed: 0,
        }
    }
}

/// The structural measures of one network (see the spec's "Structural measures").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StructuralMeasures {
    /// Number of units.
    pub n: usize,
    /// Undirected edges of the binary graph.
    pub edges: usize,
    /// Density of the binary graph, `edges / (n (n − 1) / 2)`.
    pub density: f64,
    /// Fraction of the `n (n − 1)` off-diagonal weights that are non-zero.
    pub weight_density: f64,
    /// `Σ |W|`.
    pub total_weight: f64,
    /// Small-worldness, with `C`, `L` and binary `E` of the graph and of its nulls.
    pub small_world: SmallWorld,
    /// Weighted global efficiency of `(|W| + |W|ᵀ) / 2`.
    pub efficiency_weighted: f64,
    /// Spectral modularity of the binary graph.
    pub spectral_binary: Communities,
    /// Spectral modularity of `(|W| + |W|ᵀ) / 2`.
    pub spectral_weighted: Communities,
    /// Louvain modularity of the binary graph.
    pub louvain_binary: Communities,
    /// Louvain modularity of `(|W| + |W|ᵀ) / 2`.
    pub louvain_weighted: Communities,
    /// Mean off-diagonal communicability of `|W|`.
    pub mean_communicability: f64,
    /// `Σ |W| ∘ D` (when distances are given).
    pub wiring_cost: Option<f64>,
    /// `Σ |W| ∘ D / Σ |W|` (when distances are given).
    pub mean_weighted_edge_length: Option<f64>,
    /// Correlation of `|W|` and `D` over non-zero off-diagonal weights (when distances are given).
    pub weight_distance_correlation: Option<f64>,
}

/// Every structural measure of a recurrent weight matrix `weights` (`n × n`), with optional
/// unit distances. Sequential: parallelise over networks in the caller.
pub fn structural_measures(
    weights: &[f64],
    n: usize,
    distance: Option<&[f64]>,
    opts: &StructuralOptions,
) -> Result<StructuralMeasures, MetricsError> {
    const OP: &str = "structural_measures";
    check_square(OP, "weights", weights, n)?;
    if let Some(d) = distance {
        check_square(OP, "distance", d, n)?;
    }
    if opts.null_draws == 0 {
        return Err(MetricsError::OutOfRange {
            op: OP,
            name: "null_draws",
            value: 0.0,
            expected: "≥ 1",
        });
    }
    let graph = binarise_proportional(weights, n, opts.proportion)?;
    let binary = graph.to_dense();
    let weighted = symmetrise_weights(weights, n)?;
    let mut louvain_rng = Xoshiro256PlusPlus::seed_from_u64(opts.seed);
    let mut null_rng = louvain_rng.clone();
    null_rng.jump();
    let small_world = small_world(
        &graph,
        opts.null_draws,
        opts.include_infinite,
        &mut null_rng,
        &mut NullScratch::default(),
    )?;
    let nonzero = (0..n * n)
        .filter(|&ij| ij / n != ij % n && weights[ij] != 0.0)
        .count();
    Ok(StructuralMeasures {
        n,
        edges: graph.edge_count(),
        density: graph.density(),
        weight_density: nonzero as f64 / (n * n.saturating_sub(1)) as f64,
        total_weight: total_weight(weights, n)?,
        small_world,
        efficiency_weighted: global_efficiency_weighted(&weighted, n)?,
        spectral_binary: modularity_und(&binary, n, opts.gamma, opts.fine_tuning)?,
        spectral_weighted: modularity_und(&weighted, n, opts.gamma, opts.fine_tuning)?,
        louvain_binary: community_louvain(&binary, n, opts.gamma, &mut louvain_rng)?,
        louvain_weighted: community_louvain(&weighted, n, opts.gamma, &mut louvain_rng)?,
        mean_communicability: mean_communicability(weights, n)?,
        wiring_cost: distance.map(|d| wiring_cost(weights, d, n)).transpose()?,
        mean_weighted_edge_length: distance
            .map(|d| mean_weighted_edge_length(weights, d, n))
            .transpose()?,
        weight_distance_correlation: distance
            .map(|d| weight_distance_correlation(weights, d, n))
            .transpose()?,
    })
}
