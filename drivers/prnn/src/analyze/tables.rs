//! The three tables `prnn analyze` writes at the root of the run directory.
//!
//! | file | one row per |
//! |---|---|
//! | `analysis_rankings.csv` | measure × architecture: medians, `U`, p, BH-adjusted p, verdict against full |
//! | `analysis_pathways.csv` | pathway × measure × pair present: medians without / with, effect, `U`, p, adjusted p, verdict |
//! | `analysis_prediction.csv` | target × feature subset: mean, sd and pooled CV RMSE and each fold's RMSE |
//!
//! Numbers are Rust's shortest round-trip decimals; a missing value (NaN) is an empty field.

use std::fmt::Write as _;

use wiring_model::prnn::PATHWAYS;

use super::pathways::PathwayEffect;
use super::prediction::{PredictionOutcome, SUBSETS};
use super::rankings::Ranking;
use wiring_report::csv_field;

/// A number for a CSV: shortest round-trip decimal, empty for NaN.
pub fn num(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else {
        v.to_string()
    }
}

/// `analysis_rankings.csv`.
pub fn rankings_csv(rankings: &[Ranking]) -> String {
    let mut out = String::from(
        "measure,architecture,name,networks,median,reference_median,u,p,p_adjusted,verdict\n",
    );
    for r in rankings {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{}",
            r.measure.name(),
            r.architecture,
            csv_field(&r.name),
            r.networks,
            num(r.median),
            num(r.reference_median),
            num(r.u),
            num(r.p),
            num(r.p_adjusted),
            r.verdict.name()
        );
    }
    out
}

/// `analysis_pathways.csv`.
pub fn pathways_csv(effects: &[PathwayEffect]) -> String {
    let mut out = String::from(
        "pathway,measure,without,without_name,with,with_name,n_without,n_with,median_without,median_with,effect,u,p,p_adjusted,verdict\n",
    );
    for e in effects {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            PATHWAYS[e.pathway],
            e.measure.name(),
            e.without,
            csv_field(&e.without_name),
            e.with,
            csv_field(&e.with_name),
            e.n_without,
            e.n_with,
            num(e.median_without),
            num(e.median_with),
            num(e.effect),
            num(e.u),
            num(e.p),
            num(e.p_adjusted),
            e.verdict.name()
        );
    }
    out
}

/// `analysis_prediction.csv` (header only when the prediction was skipped).
pub fn prediction_csv(prediction: &PredictionOutcome) -> String {
    let (rows, results) = match prediction {
        PredictionOutcome::Done { rows, results, .. } => (*rows, results.as_slice()),
        PredictionOutcome::Skipped(_) => (0, &[][..]),
    };
    let folds = results.first().map_or(0, |r| r.cv.fold_rmse.len());
    let mut out = String::from("target,subset,features,rows,mean_rmse,sd_rmse,pooled_rmse");
    for f in 0..folds {
        let _ = write!(out, ",fold_{}", f + 1);
    }
    out.push('\n');
    for r in results {
        let s = &SUBSETS[r.subset];
        let _ = write!(
            out,
            "{},{},{},{rows},{},{},{}",
            r.target.name(),
            s.name,
            s.columns.len(),
            num(r.cv.mean),
            num(r.cv.sd),
            num(r.cv.pooled)
        );
        for v in &r.cv.fold_rmse {
            let _ = write!(out, ",{}", num(*v));
        }
        out.push('\n');
    }
    out
}
