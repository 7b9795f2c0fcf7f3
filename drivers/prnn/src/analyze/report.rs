//! The outputs of `prnn analyze`: the three tables of [`super::tables`] and `analysis.html`: facts, the landmark architectures, the ranking, pathway and prediction
//! tables, and figures — fitness against noise and memory curves per architecture (median
//! over its networks) with the four landmarks highlighted, ranking strips, pathway-effect
//! strips, prediction bars — each figure's data in `figures/analysis_<stem>.csv`.

use std::fmt::Write as _;
use std::path::Path;

use plotters::prelude::SeriesLabelPosition;
use wiring_metrics::stats::{mann_whitney_u, NanPolicy};
use wiring_model::prnn::PATHWAYS;

use super::figures::{self, Bar, CurvesFigure, EffectPoint, RankedPoint};
use super::pathways::{PathwayEffect, PAIRS_PER_PATHWAY};
use super::prediction::{feature_names, PredictionOptions, PredictionOutcome, SUBSETS};
use super::rankings::{Ranking, Verdict, ALPHA, REFERENCE};
use super::tables::{num, pathways_csv, prediction_csv, rankings_csv};
use super::{group_values, Measure, Network, MEASURES};
use crate::config::Study;
use crate::table::{median, Row};
use wiring_report::{csv_field, escape, page, PlacedFigure};
use wiring_run::run_dir::{replace_file, RunDirError};

/// The four landmark architectures of the paper's abstract, highlighted in every figure:
/// (index, label).
pub const LANDMARKS: [(usize, &str); 4] = [
    (128, "full (fully recurrent)"),
    (0, "ff (feedforward)"),
    (9, "ff + W_io"),
    (1, "ff34 (parameter-matched)"),
];

const WIDTH: u32 = 600;
const HEIGHT: u32 = 420;

/// Everything the report shows.
pub struct AnalysisInput<'a> {
    pub study: &'a Study,
    pub networks: &'a [Network],
    pub threshold: f64,
    pub rankings: Option<&'a [Ranking]>,
    pub effects: &'a [PathwayEffect],
    pub prediction: &'a PredictionOutcome,
    pub options: &'a PredictionOptions,
}

/// A number for a table cell: `digits` decimals, "–" for NaN.
fn cell(v: f64, digits: usize) -> String {
    if v.is_nan() {
        "–".into()
    } else {
        format!("{v:.digits$}")
    }
}

/// A p-value for a table cell.
fn p_cell(p: f64) -> String {
    if p.is_nan() {
        "–".into()
    } else if p >= 0.001 {
        format!("{p:.3}")
    } else {
        format!("{p:.1e}")
    }
}

/// The `q`-quantile of the finite values (linear interpolation, NumPy's default); NaN if none.
fn quantile(values: impl IntoIterator<Item = f64>, q: f64) -> f64 {
    let mut v: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let at = q * (v.len() - 1) as f64;
    let (lo, hi) = (at.floor() as usize, at.ceil() as usize);
    v[lo] + (at - lo as f64) * (v[hi] - v[lo])
}

fn landmark(arch: usize) -> Option<usize> {
    LANDMARKS.iter().position(|(a, _)| *a == arch)
}

/// One architecture's curve: index, name, points.
struct MedianCurve {
    architecture: usize,
    name: String,
    points: Vec<(f64, f64)>,
}

/// Per architecture present, the median over its networks of `values(network)[i]` at each `x_i`.
fn median_curves(
    networks: &[Network],
    xs: &[f64],
    values: fn(&Network) -> &[f64],
) -> Vec<MedianCurve> {
    let rows: Vec<Row> = networks.iter().map(|n| n.row.clone()).collect();
    group_values(&rows)
        .into_iter()
        .map(|g| {
            let mine: Vec<&Network> = networks
                .iter()
                .filter(|n| n.row.architecture == g.architecture)
                .collect();
            let points = xs
                .iter()
                .enumerate()
                .map(|(i, &x)| {
                    (
                        x,
                        median(mine.iter().filter_map(|n| values(n).get(i).copied())),
                    )
                })
                .collect();
            MedianCurve {
                architecture: g.architecture,
                name: g.name,
                points,
            }
        })
        .collect()
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

/// Writes the three tables, `figures/analysis_*.csv` and `report_path`.
pub fn write(
    root: &Path,
    input: &AnalysisInput<'_>,
    report_path: &Path,
) -> Result<(), RunDirError> {
    replace_file(
        &root.join("analysis_rankings.csv"),
        rankings_csv(input.rankings.unwrap_or(&[])).as_bytes(),
    )?;
    replace_file(
        &root.join("analysis_pathways.csv"),
        pathways_csv(input.effects).as_bytes(),
    )?;
    replace_file(
        &root.join("analysis_prediction.csv"),
        prediction_csv(input.prediction).as_bytes(),
    )?;

    let mut placed = Vec::new();
    let noise = &input.study.config.evaluation.noise_levels;
    let curves = median_curves(input.networks, noise, |n| &n.row.fitness_by_noise);
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
    let lags = input
        .networks
        .iter()
        .map(|n| n.memory_curve.len())
        .max()
        .unwrap_or(0);
    let lag_x: Vec<f64> = (0..lags).map(|k| k as f64).collect();
    let curves = median_curves(input.networks, &lag_x, |n| &n.memory_curve);
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

    if let Some(ranked) = input.rankings {
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
    }

    for m in MEASURES {
        let mine: Vec<&PathwayEffect> = input.effects.iter().filter(|e| e.measure == m).collect();
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

    if let PredictionOutcome::Done { results, .. } = input.prediction {
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

    let html = page(
        &format!("pRNN analysis “{}”", input.study.config.name),
        &facts(input),
        &notes(input),
        &placed,
    );
    replace_file(report_path, html.as_bytes())
}

fn facts(input: &AnalysisInput<'_>) -> Vec<(String, String)> {
    let study = input.study;
    let c = &study.config;
    let rows: Vec<Row> = input.networks.iter().map(|n| n.row.clone()).collect();
    let groups = group_values(&rows);
    let o = input.options;
    vec![
        (
            "study".into(),
            format!(
                "{} (seed {}, config hash {})",
                c.name,
                c.seed,
                study.config_hash()
            ),
        ),
        (
            "task".into(),
            format!(
                "{} mazes, size {}, {} steps; {} episodes per network, headline sensor noise {}",
                c.task.kind.name(),
                c.task.kind.size(),
                c.task.kind.n_steps(),
                c.training.episodes,
                c.evaluation.headline_noise
            ),
        ),
        (
            "networks".into(),
            format!(
                "{} finished of {} planned, {} architectures",
                rows.len(),
                study.networks.len(),
                groups.len()
            ),
        ),
        (
            "learning speed".into(),
            format!(
                "threshold {:.4} = 0.9 × median headline fitness of the {} networks; score = curve points − first checkpoint at or above it, when at least two are",
                input.threshold,
                rows.len()
            ),
        ),
        (
            "tests".into(),
            format!(
                "two-sided Mann–Whitney U (normal approximation, tie and continuity corrections, NaNs dropped); Benjamini–Hochberg; significant when adjusted p < {ALPHA}"
            ),
        ),
        (
            "prediction".into(),
            format!(
                "random forests of {} trees, max depth {}, all features per split, bootstrap; {}-fold shuffled cross-validation; seeds from the study seed",
                o.trees, o.max_depth, o.folds
            ),
        ),
        ("generated".into(), wiring_run::machine::now_rfc3339()),
    ]
}

/// Padding for the data tables and a width for the figures, so that a long caption wraps
/// instead of widening its figure (the page's own style is shared with the other reports).
const EXTRA_STYLE: &str = "<style>\ntable.data th, table.data td { padding: 2px 1.2em 2px 0; vertical-align: top; }\n\
table.data td { font-variant-numeric: tabular-nums; }\ndiv.figures figure { max-width: 620px; }\nh2 { font-weight: 600; font-size: 1.25em; margin-top: 1.4em; }\n</style>\n";

/// At most this many architecture names in a cell; the rest are counted.
const MAX_NAMES: usize = 30;

fn notes(input: &AnalysisInput<'_>) -> String {
    let mut s = String::from(EXTRA_STYLE);
    s.push_str(&landmarks_table(input));
    s.push_str(&rankings_html(input));
    s.push_str(&pathways_html(input.effects));
    s.push_str(&prediction_html(input.prediction));
    s.push_str("<h2>Figures</h2>\n");
    s
}

fn landmarks_table(input: &AnalysisInput<'_>) -> String {
    let rows: Vec<Row> = input.networks.iter().map(|n| n.row.clone()).collect();
    let groups = group_values(&rows);
    let mut s = String::from(
        "<h2>Landmark architectures</h2>\n<table class=\"facts data\">\n<tr><th>architecture</th><th>networks</th>\
         <th>median fitness [IQR]</th><th>median learning speed</th><th>median robustness</th><th>median memory</th></tr>\n",
    );
    let line = |label: &str, group: &[&Row]| -> String {
        let f = |m: fn(&Row) -> f64| group.iter().map(|r| m(r)).collect::<Vec<f64>>();
        format!(
            "<tr><td>{}</td><td>{}</td><td>{} [{} – {}]</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            escape(label),
            group.len(),
            cell(median(f(|r| r.fitness)), 3),
            cell(quantile(f(|r| r.fitness), 0.25), 3),
            cell(quantile(f(|r| r.fitness), 0.75), 3),
            cell(median(f(|r| r.learning_speed)), 1),
            cell(median(f(|r| r.robustness)), 4),
            cell(median(f(|r| r.memory)), 2),
        )
    };
    for (a, label) in LANDMARKS {
        match groups.iter().find(|g| g.architecture == a) {
            Some(g) => s.push_str(&line(label, &g.rows)),
            None => {
                let _ = writeln!(
                    s,
                    "<tr><td>{}</td><td>0</td><td colspan=\"4\">not in this run</td></tr>",
                    escape(label)
                );
            }
        }
    }
    let others: Vec<&Row> = rows
        .iter()
        .filter(|r| landmark(r.architecture).is_none())
        .collect();
    if !others.is_empty() {
        let medians: Vec<f64> = groups
            .iter()
            .filter(|g| landmark(g.architecture).is_none())
            .map(|g| median(g.values(Measure::Fitness)))
            .filter(|v| v.is_finite())
            .collect();
        let lo = medians.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = medians.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        s.push_str(&line(
            &format!(
                "the other {} architectures, pooled (their medians {} to {})",
                medians.len(),
                cell(lo, 3),
                cell(hi, 3)
            ),
            &others,
        ));
    }
    s.push_str("</table>\n");
    s
}

fn rankings_html(input: &AnalysisInput<'_>) -> String {
    let mut s = String::from("<h2>Rankings against fully recurrent (architecture 128)</h2>\n");
    let Some(ranked) = input.rankings else {
        s.push_str(
            "<p class=\"note\"><strong>Skipped:</strong> architecture 128 (full) has no finished network in this run, \
             so there is nothing to rank against. <a href=\"analysis_rankings.csv\">analysis_rankings.csv</a> holds only its header.</p>\n",
        );
        return s;
    };
    s.push_str("<table class=\"facts data\">\n<tr><th>measure</th><th>median of full</th><th>significantly higher</th><th>significantly lower</th></tr>\n");
    for m in MEASURES {
        let mine: Vec<&Ranking> = ranked.iter().filter(|r| r.measure == m).collect();
        let list = |v: Verdict| -> String {
            let names: Vec<String> = mine
                .iter()
                .filter(|r| r.verdict == v)
                .map(|r| escape(&r.name))
                .collect();
            match names.len() {
                0 => "none".into(),
                n if n > MAX_NAMES => format!(
                    "{n}: {} … and {} more (table below)",
                    names[..MAX_NAMES].join(", "),
                    n - MAX_NAMES
                ),
                n => format!("{n}: {}", names.join(", ")),
            }
        };
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            m.label(),
            cell(mine.first().map_or(f64::NAN, |r| r.reference_median), 3),
            list(Verdict::Better),
            list(Verdict::Worse)
        );
    }
    s.push_str("</table>\n");
    if let Some(note) = power_note(ranked) {
        s.push_str(&note);
    }
    s.push_str("<details><summary>Every architecture (medians, BH-adjusted p, verdict)</summary>\n<table class=\"facts data\">\n<tr><th>index</th><th>name</th><th>networks</th>");
    for m in MEASURES {
        let _ = write!(s, "<th>{0}</th><th>p (adj.)</th><th></th>", m.label());
    }
    s.push_str("</tr>\n");
    let mut archs: Vec<(usize, String, usize)> = ranked
        .iter()
        .filter(|r| r.measure == Measure::Fitness)
        .map(|r| (r.architecture, r.name.clone(), r.networks))
        .collect();
    archs.sort();
    for (a, name, n) in archs {
        let _ = write!(s, "<tr><td>{a}</td><td>{}</td><td>{n}</td>", escape(&name));
        for m in MEASURES {
            if let Some(r) = ranked
                .iter()
                .find(|r| r.measure == m && r.architecture == a)
            {
                let digits = if m == Measure::LearningSpeed { 1 } else { 3 };
                let _ = write!(
                    s,
                    "<td>{}</td><td>{}</td><td>{}</td>",
                    cell(r.median, digits),
                    p_cell(r.p_adjusted),
                    r.verdict.name()
                );
            }
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</table>\n</details>\n<p class=\"note\">Each architecture's networks against those of full, per measure; Benjamini–Hochberg over every architecture of the run (full included, p = 1). Data: <a href=\"analysis_rankings.csv\">analysis_rankings.csv</a>.</p>\n");
    s
}

/// A warning when the group sizes cannot reach significance: the p of two completely
/// separated samples of the smallest group size against the reference's.
fn power_note(ranked: &[Ranking]) -> Option<String> {
    let reference = ranked
        .iter()
        .find(|r| r.architecture == REFERENCE && r.measure == Measure::Fitness)?;
    let smallest = ranked
        .iter()
        .filter(|r| r.measure == Measure::Fitness)
        .map(|r| r.networks)
        .min()?;
    let (n, m) = (smallest.max(1), reference.networks.max(1));
    let x: Vec<f64> = (0..n).map(|v| v as f64).collect();
    let y: Vec<f64> = (n..n + m).map(|v| v as f64).collect();
    let p = mann_whitney_u(&x, &y, NanPolicy::Raise).ok()?.p;
    (p >= ALPHA).then(|| {
        format!(
            "<p class=\"note\"><strong>Too few networks for significance:</strong> with {n} against {m} networks the smallest attainable \
             p (two completely separated samples, before correction) is {}, not below {ALPHA}; the paper uses 50 networks per architecture.</p>\n",
            p_cell(p)
        )
    })
}

fn pathways_html(effects: &[PathwayEffect]) -> String {
    let mut s = String::from("<h2>Pathway effects</h2>\n<table class=\"facts data\">\n<tr><th>pathway</th><th>pairs present</th>");
    for m in MEASURES {
        let _ = write!(s, "<th>{}: median effect</th><th>up / down</th>", m.label());
    }
    s.push_str("</tr>\n");
    for (p, name) in PATHWAYS.iter().enumerate() {
        let pairs = effects
            .iter()
            .filter(|e| e.pathway == p && e.measure == Measure::Fitness)
            .count();
        let _ = write!(
            s,
            "<tr><td>{name}</td><td>{pairs} / {PAIRS_PER_PATHWAY}</td>"
        );
        for m in MEASURES {
            let mine: Vec<&PathwayEffect> = effects
                .iter()
                .filter(|e| e.pathway == p && e.measure == m)
                .collect();
            let up = mine.iter().filter(|e| e.verdict == Verdict::Better).count();
            let down = mine.iter().filter(|e| e.verdict == Verdict::Worse).count();
            let digits = if m == Measure::LearningSpeed { 1 } else { 4 };
            let _ = write!(
                s,
                "<td>{}</td><td>{up} / {down}</td>",
                cell(median(mine.iter().map(|e| e.effect)), digits)
            );
        }
        s.push_str("</tr>\n");
    }
    s.push_str(
        "</table>\n<p class=\"note\">For each pathway, every architecture without it is paired with the one that differs only by it \
         (65 pairs: ff and ff34 both pair with the single-pathway architecture); only pairs whose two architectures are in the run count. \
         Effect = median(with) − median(without); up / down = pairs where adding the pathway significantly raises / lowers the measure \
         (Mann–Whitney per pair, Benjamini–Hochberg over the pathway's pairs). Data: <a href=\"analysis_pathways.csv\">analysis_pathways.csv</a>.</p>\n",
    );
    s
}

fn prediction_html(prediction: &PredictionOutcome) -> String {
    let mut s = String::from("<h2>Prediction from network features</h2>\n");
    let (rows, dropped, results) = match prediction {
        PredictionOutcome::Skipped(why) => {
            let _ = writeln!(
                s,
                "<p class=\"note\"><strong>Skipped:</strong> {}.</p>",
                escape(why)
            );
            return s;
        }
        PredictionOutcome::Done {
            rows,
            dropped,
            results,
        } => (rows, dropped, results),
    };
    s.push_str("<table class=\"facts data\">\n<tr><th>features</th>");
    for m in MEASURES {
        let _ = write!(s, "<th>{}: CV RMSE (sd)</th><th>vs mean</th>", m.label());
    }
    s.push_str("</tr>\n");
    for (k, subset) in SUBSETS.iter().enumerate() {
        let _ = write!(
            s,
            "<tr><td>{} ({})</td>",
            escape(subset.label),
            subset.columns.len()
        );
        for m in MEASURES {
            let find = |k: usize| results.iter().find(|r| r.target == m && r.subset == k);
            match (find(k), find(0)) {
                (Some(r), Some(base)) => {
                    let _ = write!(
                        s,
                        "<td>{} ({})</td><td>{}</td>",
                        cell(r.cv.mean, 4),
                        cell(r.cv.sd, 4),
                        cell(100.0 * (r.cv.mean / base.cv.mean - 1.0), 1) + "%"
                    );
                }
                _ => s.push_str("<td>–</td><td></td>"),
            }
        }
        s.push_str("</tr>\n");
    }
    let _ = writeln!(
        s,
        "</table>\n<p class=\"note\">{rows} networks ({dropped} left out for a missing feature or target). Features: {}. \
         \"none\" predicts the training folds' mean; \"vs mean\" is the change of RMSE against it (negative = better). \
         Every subset and target uses the same folds. Data, with each fold's RMSE: <a href=\"analysis_prediction.csv\">analysis_prediction.csv</a>.</p>",
        escape(&feature_names().join(", "))
    );
    s
}
