//! Measures of the wiring studies, with the Brain Connectivity Toolbox's and SciPy's
//! semantics, in `f64`.
//!
//! ## Map
//! - [`graph`]: structural measures of a weight matrix (spec `sernn.md`, "Structural
//!   measures"). Start at [`graph::structural_measures`], which runs everything for one
//!   network; the pieces (`threshold_proportional`, `clustering_coef_bu`, `charpath`,
//!   `efficiency_bin`/`_wei`, `modularity_und`, `community_louvain`, null graphs and
//!   small-worldness, wiring cost, communicability) are public one by one.
//! - [`functional`]: functional measures of recorded hidden activity (spec `sernn.md`,
//!   "Functional measures"): explained variance per unit and window, mixed selectivity,
//!   functional clustering with its permutation p-value, energy. Start at
//!   [`functional::functional_measures`].
//! - [`stats`]: the statistics of every table and analysis (reports only present them):
//!   describing a sample ([`stats::median`], [`stats::quantile`], one NaN rule), comparing two
//!   ([`stats::compare()`]: two-sided Mann–Whitney U with the medians; [`stats::adjust`]:
//!   Benjamini–Hochberg), and curve summaries ([`stats::learning_speed`]).
//! - [`forest`]: random-forest regression (smartcore's trees with scikit-learn's defaults) and
//!   its k-fold cross-validated RMSE against the predict-the-mean baseline (spec `prnn.md`,
//!   "Prediction"). Start at [`forest::cross_validated_rmse`].
//! - [`MetricsError`]: the one error type.
//!
//! Everything is deterministic given its seed and sequential, except
//! [`forest::cross_validated_rmse`], whose folds run on the caller's rayon pool when asked
//! ([`forest::Parallelism`]) with the same result bits; parallelise over networks in the
//! caller. Validation: `tests/` compares with bctpy 0.6.1, networkx and SciPy 1.11 on
//! golden files made by `tests/data/make_golden.py`; the random forest with scikit-learn 1.9 on
//! `tests/data/forest_golden.json` (`tests/data/make_forest_golden.py`).
//!
//! ## Dependencies and why
//! - `faer`: the symmetric eigensolver behind the spectral modularity (the workspace's dense
//!   linear algebra; called with `Par::Seq`, no hidden threads).
//! - `libm`: `erfc` for the normal tail of the Mann–Whitney p-value (std has none).
//! - `rand`, `rand_xoshiro`: seeded Xoshiro256++ streams for null graphs and Louvain.
//! - `serde`, `thiserror`: serialisable results, structured errors.
//! - `smartcore`: the regression trees of [`forest`] (why not by hand: that module's docs).
//! - `rayon`: the folds of a cross-validation, when the caller asks.

pub mod error;
pub mod forest;
pub mod functional;
pub mod graph;
pub mod stats;

pub use error::MetricsError;
pub use functional::{functional_measures, FunctionalMeasures, FunctionalOptions};
pub use graph::{structural_measures, StructuralMeasures, StructuralOptions};
