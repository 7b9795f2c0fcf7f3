//! Prediction of fitness, learning speed and robustness from network features (spec
//! "Study-level analysis"): random-forest regression ([`wiring_metrics::forest`], 100 trees,
//! max depth 9 by default), 10-fold shuffled cross-validated RMSE, from each of seven feature
//! subsets of the 18 features `[sensitivity, memory, 7 flags ii…oh, 9 weight norms ih…oh]`:
//! none (the training folds' mean: the baseline), sensitivity, memory, both, the 7 flags, the
//! 9 weight norms, all 18.
//!
//! Rows: the networks whose 18 features and 3 targets are all numbers (the others are counted
//! and left out), so every target and subset is scored on the same rows and the same folds.
//! Seeds: the folds are shuffled with `stream_seed(study seed, STUDY_STREAM,
//! "prnn.analysis.folds")`, the forests of target `t` and subset `s` grow from
//! `stream_seed(study seed, STUDY_STREAM, "prnn.analysis.forest.<t>.<s>")` (fold `f` derives
//! its own), where [`STUDY_STREAM`] is a network id no network has. Every forest is
//! sequential and seeded, so the result is the same bits on any number of threads.

use rayon::prelude::*;
use wiring_metrics::forest::{
    cross_validated_rmse, CvOptions, CvRmse, Features, ForestOptions, Parallelism,
};
use wiring_model::prnn::{Architecture, PATHWAYS};
use wiring_model::rng::stream_seed;

use super::{Measure, MEASURES};
use crate::table::Row;

/// The "network id" of study-level random streams (no network has it).
pub const STUDY_STREAM: u64 = u64::MAX;

/// Names of the 18 features, in column order.
pub fn feature_names() -> Vec<String> {
    let mut names = vec!["sensitivity".to_string(), "memory".to_string()];
    names.extend(PATHWAYS.iter().map(|p| format!("flag_{p}")));
    names.extend(
        ["ih", "ho", "ii", "hh", "oo", "io", "oi", "hi", "oh"]
            .iter()
            .map(|b| format!("norm_{b}")),
    );
    names
}

/// A feature subset: (name, label, feature columns).
pub struct Subset {
    pub name: &'static str,
    pub label: &'static str,
    pub columns: &'static [usize],
}

/// The seven subsets of the spec, "none" first.
pub const SUBSETS: [Subset; 7] = [
    Subset {
        name: "none",
        label: "none (mean)",
        columns: &[],
    },
    Subset {
        name: "sensitivity",
        label: "sensitivity",
        columns: &[0],
    },
    Subset {
        name: "memory",
        label: "memory",
        columns: &[1],
    },
    Subset {
        name: "both",
        label: "sens. + memory",
        columns: &[0, 1],
    },
    Subset {
        name: "flags",
        label: "7 flags",
        columns: &[2, 3, 4, 5, 6, 7, 8],
    },
    Subset {
        name: "norms",
        label: "9 weight norms",
        columns: &[9, 10, 11, 12, 13, 14, 15, 16, 17],
    },
    Subset {
        name: "all",
        label: "all 18",
        columns: &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
    },
];

/// The 18 features of a row.
pub fn features(row: &Row) -> [f64; 18] {
    let flags = Architecture::from_index(row.architecture)
        .map(|a| a.flags())
        .unwrap_or_default();
    let mut f = [0.0; 18];
    f[0] = row.sensitivity;
    f[1] = row.memory;
    for (k, &on) in flags.iter().enumerate() {
        f[2 + k] = f64::from(u8::from(on));
    }
    f[9..].copy_from_slice(&row.weight_norms);
    f
}

/// The options of the prediction analysis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PredictionOptions {
    pub trees: usize,
    pub max_depth: usize,
    pub folds: usize,
}

impl Default for PredictionOptions {
    fn default() -> Self {
        Self {
            trees: 100,
            max_depth: 9,
            folds: 10,
        }
    }
}

/// One target predicted from one subset.
#[derive(Clone, Debug, PartialEq)]
pub struct Prediction {
    pub target: Measure,
    /// Index into [`SUBSETS`].
    pub subset: usize,
    pub cv: CvRmse,
}

/// The prediction analysis, or why it was skipped.
#[derive(Clone, Debug, PartialEq)]
pub enum PredictionOutcome {
    Done {
        /// Networks used, and left out for a missing value.
        rows: usize,
        dropped: usize,
        /// By target then subset.
        results: Vec<Prediction>,
    },
    Skipped(String),
}

/// Runs every (target, subset) cross-validation on the current rayon pool.
pub fn predict(
    rows: &[Row],
    study_seed: u64,
    opts: &PredictionOptions,
) -> Result<PredictionOutcome, wiring_metrics::MetricsError> {
    let complete: Vec<(&Row, [f64; 18])> = rows
        .iter()
        .map(|r| (r, features(r)))
        .filter(|(r, f)| {
            f.iter().all(|v| v.is_finite()) && MEASURES.iter().all(|m| m.of(r).is_finite())
        })
        .collect();
    let dropped = rows.len() - complete.len();
    if complete.len() < opts.folds.max(2) {
        return Ok(PredictionOutcome::Skipped(format!(
            "{} network(s) with every feature and target ({dropped} left out for a missing value); {}-fold cross-validation needs at least {}",
            complete.len(),
            opts.folds,
            opts.folds.max(2)
        )));
    }
    let shuffle_seed = stream_seed(study_seed, STUDY_STREAM, "prnn.analysis.folds");
    let tasks: Vec<(Measure, usize)> = MEASURES
        .iter()
        .flat_map(|&m| (0..SUBSETS.len()).map(move |s| (m, s)))
        .collect();
    let results: Vec<Prediction> = tasks
        .par_iter()
        .map(|&(target, s)| {
            let subset = &SUBSETS[s];
            let x: Vec<f64> = complete
                .iter()
                .flat_map(|(_, f)| subset.columns.iter().map(|&c| f[c]))
                .collect();
            let y: Vec<f64> = complete.iter().map(|(r, _)| target.of(r)).collect();
            let cv_opts = CvOptions {
                folds: opts.folds,
                shuffle_seed,
                forest: ForestOptions {
                    trees: opts.trees,
                    max_depth: opts.max_depth,
                    max_features: None,
                    seed: stream_seed(
                        study_seed,
                        STUDY_STREAM,
                        &format!("prnn.analysis.forest.{}.{}", target.name(), subset.name),
                    ),
                },
            };
            let cv = cross_validated_rmse(
                Features::new(&x, complete.len(), subset.columns.len())?,
                &y,
                &cv_opts,
                Parallelism::Rayon,
            )?;
            Ok(Prediction {
                target,
                subset: s,
                cv,
            })
        })
        .collect::<Result<_, wiring_metrics::MetricsError>>()?;
    Ok(PredictionOutcome::Done {
        rows: complete.len(),
        dropped,
        results,
    })
}
