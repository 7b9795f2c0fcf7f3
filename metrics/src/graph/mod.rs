//! Graph measures with Brain Connectivity Toolbox semantics.
//!
//! Matrices are dense, row-major `&[f64]` of length `n * n` with their `n`; `W[i, j]` is the
//! weight from unit `i` to unit `j`. Binary measures run on a [`BinaryGraph`] (bitset rows),
//! built by [`binarise_proportional`] (BCT `threshold_proportional` then `A ∨ Aᵀ`).
//!
//! | module | BCT function(s) |
//! |---|---|
//! | [`threshold`] | `threshold_proportional`, binarisation, `(|W|+|W|ᵀ)/2` |
//! | [`binary`] | `density_und` ([`BinaryGraph::density`]) |
//! | [`clustering`] | `clustering_coef_bu` |
//! | [`paths`] | `charpath`, `efficiency_bin`, `efficiency_wei` |
//! | [`modularity`] | `modularity_und`, `community_louvain` |
//! | [`null_model`] | `makerandCIJ_und`, small-worldness |
//! | [`wiring`] | wiring cost, edge length, weight–distance correlation, communicability |
//! | [`structural`] | [`structural_measures`], everything for one network |

pub mod binary;
pub mod clustering;
pub mod modularity;
pub mod null_model;
pub mod paths;
pub mod structural;
pub mod threshold;
pub mod wiring;

pub use binary::BinaryGraph;
pub use clustering::{clustering_coefficients, mean_clustering};
pub use modularity::{
    community_louvain, modularity_quality, modularity_und, Communities, FineTuning,
};
pub use null_model::{random_graph, random_graph_into, small_world, NullScratch, SmallWorld};
pub use paths::{
    binary_path_sums, binary_path_sums_with, characteristic_path_length, global_efficiency_binary,
    global_efficiency_weighted, weighted_path_sums, BfsScratch, PathSums,
};
pub use structural::{structural_measures, StructuralMeasures, StructuralOptions};
pub use threshold::{binarise_proportional, symmetrise_weights, threshold_proportional};
pub use wiring::{
    communicability, mean_communicability, mean_weighted_edge_length, total_weight,
    weight_distance_correlation, wiring_cost,
};
