//! Random-forest regression and its k-fold cross-validated RMSE (spec `prnn.md`,
//! "Study-level analysis": 100 trees, max depth 9, 10-fold shuffled CV, predict-the-mean
//! baseline).
//!
//! - [`RandomForest`]: fit on a row-major [`Features`] matrix, predict;
//! - [`cv`]: [`kfold`] splits and [`cross_validated_rmse`].
//!
//! ## The forest: scikit-learn's `RandomForestRegressor` defaults
//! `T` trees, each grown on a bootstrap sample (n draws with replacement) of the training
//! rows; at every node every feature is tried (`max_features = 1.0`) and the split is the
//! threshold, half-way between consecutive distinct values, that most reduces the summed
//! squared error `Σ_left (y − ȳ_left)² + Σ_right (y − ȳ_right)²`; nodes split while they hold
//! at least 2 rows and lie above depth `max_depth` (root = depth 0, as scikit-learn counts);
//! a leaf predicts the mean of its rows; the forest predicts the mean over trees. A forest
//! over zero features predicts the training mean (nothing to split on): the spec's "none"
//! subset.
//!
//! ## Why smartcore, not a hand-written CART
//! The trees are `smartcore` 0.7's `RandomForestRegressor` (Apache-2.0), evaluated against
//! writing the CART by hand:
//! - it does the job as scikit-learn does: bootstrap, best split over presorted features with
//!   mid-point thresholds, MSE criterion, `m` features per node (we pass all of them); its
//!   10-fold CV RMSE agrees with scikit-learn 1.9's within the spread over seeds (≤ 0.7%,
//!   `tests/forest.rs` on `tests/data/forest_golden.json`);
//! - it is deterministic given its seed (its own `SmallRng` seeded from our `u64`, tree `t`
//!   seeded `seed + t`) and sequential, so a forest is a pure function of (data, options,
//!   seed); parallelism is ours, over folds and subsets ([`Parallelism`]), and results are
//!   bit-identical whatever the thread count;
//! - it is fast enough: 100 trees of depth 9 on 5 805 rows × 18 features (one training fold
//!   of a 6 450-network task) take 0.8 s on one core, and the whole prediction analysis of
//!   such a task (3 targets × 6 subsets × 10 folds) 45 s on one core, 33 s on two busy ones
//!   (`drivers/prnn/tests/analyze.rs`, `paper_sized_task_timing` in wiring-prnn);
//! - its API is maintained (0.7 targets rand 0.10, MSRV 1.85, like ours).
//!
//! Costs, accepted: smartcore counts depth from 1 (its `max_depth = d` is scikit-learn's
//! `d − 1`; we translate, and `tests/forest.rs` checks the stump); it brings `rand` 0.10 beside
//! the workspace's 0.9 (only inside it); its `SmallRng` stream is not promised stable across
//! rand versions, so forests are bit-identical on one build (`Cargo.lock` pins it), as
//! DESIGN.md asks, not across rand upgrades. A hand-written CART would be ~300 lines we would
//! have to test against scikit-learn ourselves, for no gain in speed that matters here.

pub mod cv;

use smartcore::ensemble::random_forest_regressor::{
    RandomForestRegressor, RandomForestRegressorParameters,
};
use smartcore::linalg::basic::matrix::DenseMatrix;

use crate::error::{check_finite, MetricsError};

pub use cv::{cross_validated_rmse, kfold, CvOptions, CvRmse};

/// A dense feature matrix, row-major: feature `c` of sample `r` is `data[r * cols + c]`.
#[derive(Clone, Copy, Debug)]
pub struct Features<'a> {
    pub data: &'a [f64],
    pub rows: usize,
    pub cols: usize,
}

impl<'a> Features<'a> {
    /// The matrix `data` of `rows × cols`; its length must match.
    pub fn new(data: &'a [f64], rows: usize, cols: usize) -> Result<Self, MetricsError> {
        let expected = rows.saturating_mul(cols);
        if data.len() != expected {
            return Err(MetricsError::LengthMismatch {
                op: "Features::new",
                what: "data",
                len: data.len(),
                expected,
            });
        }
        Ok(Self { data, rows, cols })
    }

    /// Sample `r` (`cols` values).
    pub fn row(&self, r: usize) -> &'a [f64] {
        &self.data[r * self.cols..(r + 1) * self.cols]
    }

    /// The rows `rows`, in that order, as a new row-major buffer.
    pub fn select_rows(&self, rows: &[usize]) -> Vec<f64> {
        let mut out = Vec::with_capacity(rows.len() * self.cols);
        for &r in rows {
            out.extend_from_slice(self.row(r));
        }
        out
    }
}

/// How to grow a forest. [`Default`] is the spec's (and scikit-learn's defaults with
/// `n_estimators = 100, max_depth = 9`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForestOptions {
    /// Trees (≥ 1).
    pub trees: usize,
    /// Maximum depth, root = 0 (≥ 1): a tree has at most `2^max_depth` leaves.
    pub max_depth: usize,
    /// Features tried at each node; `None` = all (scikit-learn's regressor default).
    pub max_features: Option<usize>,
    /// Seed of the bootstrap samples and feature orders.
    pub seed: u64,
}

impl Default for ForestOptions {
    fn default() -> Self {
        Self {
            trees: 100,
            max_depth: 9,
            max_features: None,
            seed: 0,
        }
    }
}

impl ForestOptions {
    fn check(&self, op: &'static str) -> Result<(), MetricsError> {
        let bad = |name, value: usize, expected| MetricsError::OutOfRange {
            op,
            name,
            value: value as f64,
            expected,
        };
        if self.trees == 0 {
            return Err(bad("trees", 0, "≥ 1"));
        }
        // smartcore stores depth in a u16 and counts from 1.
        if self.max_depth == 0 || self.max_depth >= u16::MAX as usize {
            return Err(bad("max_depth", self.max_depth, "1..65535"));
        }
        if self.max_features == Some(0) {
            return Err(bad("max_features", 0, "≥ 1 or all"));
        }
        Ok(())
    }
}

type Regressor = RandomForestRegressor<f64, f64, DenseMatrix<f64>, Vec<f64>>;

/// A fitted random forest (see the module docs for the algorithm).
#[derive(Debug)]
pub struct RandomForest {
    /// `None` when there are no features: predict `mean`.
    trees: Option<Regressor>,
    mean: f64,
    cols: usize,
}

/// Mixes `seed` and `k` into a new seed (SplitMix64 finaliser), for per-fold forests.
pub(crate) fn derive_seed(seed: u64, k: u64) -> u64 {
    let mut z = seed ^ k.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl RandomForest {
    /// Grows a forest predicting `y` from `x` (finite values, at least one row).
    pub fn fit(x: Features<'_>, y: &[f64], opts: &ForestOptions) -> Result<Self, MetricsError> {
        const OP: &str = "RandomForest::fit";
        opts.check(OP)?;
        if y.len() != x.rows {
            return Err(MetricsError::LengthMismatch {
                op: OP,
                what: "y",
                len: y.len(),
                expected: x.rows,
            });
        }
        if x.rows == 0 {
            return Err(MetricsError::Empty {
                op: OP,
                what: "x",
                len: 0,
                min: 1,
            });
        }
        check_finite(OP, "x", x.data)?;
        check_finite(OP, "y", y)?;
        let mean = y.iter().sum::<f64>() / y.len() as f64;
        if x.cols == 0 {
            return Ok(Self {
                trees: None,
                mean,
                cols: 0,
            });
        }
        let backend = |e: smartcore::error::Failed| MetricsError::Backend {
            op: OP,
            message: e.to_string(),
        };
        let matrix = DenseMatrix::new(x.rows, x.cols, x.data.to_vec(), false).map_err(backend)?;
        let params = RandomForestRegressorParameters::default()
            .with_n_trees(opts.trees)
            // smartcore's root is depth 1.
            .with_max_depth((opts.max_depth + 1) as u16)
            .with_m(opts.max_features.unwrap_or(x.cols).min(x.cols))
            .with_min_samples_split(2)
            .with_min_samples_leaf(1)
            .with_seed(opts.seed);
        let trees = RandomForestRegressor::fit(&matrix, &y.to_vec(), params).map_err(backend)?;
        Ok(Self {
            trees: Some(trees),
            mean,
            cols: x.cols,
        })
    }

    /// Predictions for the rows of `x` (same features as in [`Self::fit`], finite).
    pub fn predict(&self, x: Features<'_>) -> Result<Vec<f64>, MetricsError> {
        const OP: &str = "RandomForest::predict";
        if x.cols != self.cols {
            return Err(MetricsError::LengthMismatch {
                op: OP,
                what: "x columns",
                len: x.cols,
                expected: self.cols,
            });
        }
        check_finite(OP, "x", x.data)?;
        let Some(trees) = &self.trees else {
            return Ok(vec![self.mean; x.rows]);
        };
        if x.rows == 0 {
            return Ok(Vec::new());
        }
        let matrix = DenseMatrix::new(x.rows, x.cols, x.data.to_vec(), false).map_err(|e| {
            MetricsError::Backend {
                op: OP,
                message: e.to_string(),
            }
        })?;
        trees.predict(&matrix).map_err(|e| MetricsError::Backend {
            op: OP,
            message: e.to_string(),
        })
    }

    /// The mean of the training targets.
    pub fn training_mean(&self) -> f64 {
        self.mean
    }
}

/// How a computation with independent parts uses threads: an argument, never a global.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Parallelism {
    /// One part after the other on the calling thread.
    #[default]
    Sequential,
    /// Parts in parallel on the current rayon pool. Results are the same bits either way.
    Rayon,
}
