//! The figures of `analysis.html`, each with its CSV in `figures/analysis_*.csv`: median
//! curves per architecture (fitness against noise, memory), the rankings against full, the
//! pathway effects and the prediction errors. Presentation of numbers computed elsewhere.

use std::fmt::Write as _;
use std::path::Path;

use plotters::prelude::SeriesLabelPosition;
use wiring_model::prnn::PATHWAYS;
use wiring_report::{csv_field, escape, PlacedFigure};
use wiring_run::run_dir::{replace_file, RunDirError};

use super::figures::{self, Bar, CurvesFigure, EffectPoint, RankedPoint};
use super::pathways::PathwayEffect;
use super::prediction::{PredictionOutcome, SUBSETS};
use super::rankings::{Ranking, REFERENCE};
use super::summary::{landmark, median_curves, MedianCurve, LANDMARKS};
use super::tables::num;
use super::{Network, MEASURES};

const WIDTH: u32 = 600;
const HEIGHT: u32 = 420;

/// Every figure of the page, in order: the curves of `networks` (fitness at each of
/// `noise_levels`, memory), the rankings, the pathway effects and the prediction errors.
pub fn all(
    root: &Path,
    noise_levels: &[f64],
    networks: &[Network],
    rankings: Option<&[Ranking]>,
    effects: &[PathwayEffect],
    prediction: &PredictionOutcome,
) -> Result<Vec<PlacedFigure>, RunDirError> {
    let mut placed = curves(root, noise_levels, networks)?;
    if let Some(ranked) = rankings {
        placed.extend(self::rankings(root, ranked)?);
    }
    placed.extend(pathways(root, effects)?);
    placed.extend(self::prediction(root, prediction)?);
    Ok(placed)
}

/// A curves figure of `curves` with the landmarks highlighted; also its tidy CSV.
fn curves_figure(
    stem: &str,
    title: &str,
    x: (&str, &str),
    y: (&str, &str),
    curves: &[MedianCurve],
    y_range: Option<(f64, f64)>,
    legend: SeriesLabelPosition,
) -> (CurvesFigure, String) {
    let mut csv = format!("architecture,name,landmark,{},{}\n", x.0, y.0);
    for MedianCurve {
        architecture: a,
        name,
        points: pts,
    } in curves
    {
        for (px, py) in pts {
            let _ = writeln!(
                csv,
                "{a},{},{},{px},{}",
                csv_field(name),
                u8::from(landmark(*a).is_some()),
                num(*py)
            );
        }
    }
    let highlighted = LANDMARKS
        .iter()
        .filter_map(|(a, label)| {
            curves
                .iter()
                .find(|c| c.architecture == *a)
                .map(|c| (label.to_string(), c.points.clone()))
        })
        .collect();
    let background: Vec<Vec<(f64, f64)>> = curves
        .iter()
        .filter(|c| landmark(c.architecture).is_none())
        .map(|c| c.points.clone())
        .collect();
    let fig = CurvesFigure {
        stem: stem.into(),
        title: title.into(),
        x_label: x.1.into(),
        y_label: y.1.into(),
        background_label: format!("other architectures ({})", background.len()),
        background,
        highlighted,
        y_range,
        legend,
    };
    (fig, csv)
}

/// A placed figure: the SVG (or why it could not be drawn) and its CSV written.
fn place(
    root: &Path,
    stem: &str,
    title: &str,
    svg: Result<String, String>,
    csv: &str,
) -> Result<PlacedFigure, RunDirError> {
    let csv_path = format!("figures/analysis_{stem}.csv");
    replace_file(&root.join(&csv_path), csv.as_bytes())?;
    Ok(PlacedFigure {
        title: title.into(),
        svg: svg.unwrap_or_else(|e| format!("<p>cannot draw: {}</p>", escape(&e))),
        csv_path,
    })
}

/// Fitness against noise and the memory curves, median per architecture.
fn curves(
    root: &Path,
    noise: &[f64],
    networks: &[Network],
) -> Result<Vec<PlacedFigure>, RunDirError> {
    let mut placed = Vec::new();
    let curves = median_curves(networks, noise, |n| &n.row.fitness_by_noise);
    let (fig, csv) = curves_figure(
        "fitness_by_noise",
        "Fitness against sensor noise (median per architecture)",
        ("noise", "sensor noise σ"),
        ("median_fitness", "median fitness"),
        &curves,
        Some((0.0, 1.02)),
        SeriesLabelPosition::LowerLeft,
    );
    placed.push(place(
        root,
        &fig.stem,
        &fig.title,
        figures::curves_svg(&fig, WIDTH, HEIGHT),
        &csv,
    )?);
    let lags = networks
        .iter()
        .map(|n| n.memory_curve.len())
        .max()
        .unwrap_or(0);
    let lag_x: Vec<f64> = (0..lags).map(|k| k as f64).collect();
    let curves = median_curves(networks, &lag_x, |n| &n.memory_curve);
    // Headroom above the curves for the legend.
    let (lo, hi) = curves
        .iter()
        .flat_map(|c| c.points.iter().map(|p| p.1))
        .filter(|v| v.is_finite())
        .fold((0.0f64, 1.0f64), |(a, b), v| (a.min(v), b.max(v)));
    let (fig, csv) = curves_figure(
        "memory_curves",
        "Memory M_k = ‖∂o_t/∂x_(t−k)‖ / ‖∂o_t/∂x_t‖ (median per architecture)",
        ("lag", "lag k (steps)"),
        ("median_memory", "median M_k"),
        &curves,
        Some((lo - 0.05 * (hi - lo), hi + 0.5 * (hi - lo))),
        SeriesLabelPosition::UpperLeft,
    );
    placed.push(place(
        root,
        &fig.stem,
        &fig.title,
        figures::curves_svg(&fig, WIDTH, HEIGHT),
        &csv,
    )?);

    Ok(placed)
}

/// The median of each measure per architecture, sorted, coloured by the verdict against full.
fn rankings(root: &Path, ranked: &[Ranking]) -> Result<Vec<PlacedFigure>, RunDirError> {
    let mut placed = Vec::new();
    for m in MEASURES {
        let mut mine: Vec<&Ranking> = ranked.iter().filter(|r| r.measure == m).collect();
        mine.sort_by(|a, b| {
            a.median
                .total_cmp(&b.median)
                .then(a.architecture.cmp(&b.architecture))
        });
        let mut csv = String::from("rank,architecture,name,median,p_adjusted,verdict\n");
        for (k, r) in mine.iter().enumerate() {
            let _ = writeln!(
                csv,
                "{},{},{},{},{},{}",
                k + 1,
                r.architecture,
                csv_field(&r.name),
                num(r.median),
                num(r.p_adjusted),
                r.verdict.name()
            );
        }
        let points: Vec<RankedPoint> = mine
            .iter()
            .map(|r| RankedPoint {
                median: r.median,
                verdict: r.verdict,
                is_reference: r.architecture == REFERENCE,
            })
            .collect();
        let stem = format!("ranking_{}", m.name());
        let title = format!("Median {} per architecture vs full", m.label());
        let svg = figures::ranking_svg(
            &stem,
            &title,
            &format!("median {}", m.label()),
            &points,
            WIDTH,
            HEIGHT,
        );
        placed.push(place(root, &stem, &title, svg, &csv)?);
    }
    Ok(placed)
}

/// Each pair's effect of adding a pathway, per pathway, per measure.
fn pathways(root: &Path, effects: &[PathwayEffect]) -> Result<Vec<PlacedFigure>, RunDirError> {
    let mut placed = Vec::new();
    for m in MEASURES {
        let mine: Vec<&PathwayEffect> = effects.iter().filter(|e| e.measure == m).collect();
        let mut csv = String::from("pathway,without,with,effect,p_adjusted,verdict\n");
        for e in &mine {
            let _ = writeln!(
                csv,
                "{},{},{},{},{},{}",
                PATHWAYS[e.pathway],
                csv_field(&e.without_name),
                csv_field(&e.with_name),
                num(e.effect),
                num(e.p_adjusted),
                e.verdict.name()
            );
        }
        let per_pathway: Vec<Vec<EffectPoint>> = (0..PATHWAYS.len())
            .map(|p| {
                mine.iter()
                    .filter(|e| e.pathway == p)
                    .map(|e| EffectPoint {
                        effect: e.effect,
                        verdict: e.verdict,
                    })
                    .collect()
            })
            .collect();
        let stem = format!("pathway_{}", m.name());
        let title = format!("Effect of adding a pathway on {}", m.label());
        let svg = figures::effects_svg(
            &stem,
            &title,
            &format!("median {} with − without", m.label()),
            &PATHWAYS,
            &per_pathway,
            WIDTH,
            HEIGHT,
        );
        placed.push(place(root, &stem, &title, svg, &csv)?);
    }
    Ok(placed)
}

/// Cross-validated RMSE per feature subset, per measure.
fn prediction(
    root: &Path,
    prediction: &PredictionOutcome,
) -> Result<Vec<PlacedFigure>, RunDirError> {
    let mut placed = Vec::new();
    if let PredictionOutcome::Done { results, .. } = prediction {
        for m in MEASURES {
            let mine: Vec<_> = results.iter().filter(|r| r.target == m).collect();
            let mut csv = String::from("subset,features,mean_rmse,sd_rmse\n");
            let mut bars = Vec::new();
            for r in &mine {
                let s = &SUBSETS[r.subset];
                let _ = writeln!(
                    csv,
                    "{},{},{},{}",
                    s.name,
                    s.columns.len(),
                    num(r.cv.mean),
                    num(r.cv.sd)
                );
                bars.push(Bar {
                    label: s.name.into(),
                    value: r.cv.mean,
                    error: r.cv.sd,
                });
            }
            let baseline = mine
                .iter()
                .find(|r| SUBSETS[r.subset].name == "none")
                .map(|r| r.cv.mean);
            let stem = format!("prediction_{}", m.name());
            let title = format!("Predicting {}: cross-validated RMSE", m.label());
            let svg = figures::bars_svg(
                &stem,
                &title,
                &format!("RMSE of {} (mean ± sd over folds)", m.label()),
                &bars,
                baseline.map(|b| (b, "predict the mean")),
                WIDTH,
                HEIGHT,
            );
            placed.push(place(root, &stem, &title, svg, &csv)?);
        }
    }
    Ok(placed)
}
