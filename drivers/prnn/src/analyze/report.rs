//! The outputs of `prnn analyze`: the three tables of [`super::tables`], `findings.csv` (the
//! abstract's claims and this run's verdicts, decided in [`super::findings`]) and
//! `analysis.html`: facts, the findings, the landmark architectures, the ranking, pathway and
//! prediction tables, and figures — fitness against noise and memory curves per architecture (median
//! over its networks) with the four landmarks highlighted, ranking strips, pathway-effect
//! strips, prediction bars — each figure's data in `figures/analysis_<stem>.csv`.

use std::fmt::Write as _;
use std::path::Path;

use wiring_model::prnn::PATHWAYS;

use super::findings::{findings, FindingsInput};
use super::panels;
use super::pathways::{PathwayEffect, PAIRS_PER_PATHWAY};
use super::prediction::{feature_names, PredictionOptions, PredictionOutcome, SUBSETS};
use super::rankings::{Ranking, Verdict, ALPHA};
use super::summary::{landmarks, pathway_summaries, power, GroupSummary, LANDMARKS};
use super::tables::{pathways_csv, prediction_csv, rankings_csv};
use super::{group_values, Measure, Network, MEASURES};
use crate::config::Study;
use crate::table::Row;
use wiring_report::{escape, findings_csv, findings_html, page, Finding};
use wiring_run::run_dir::{replace_file, RunDirError};

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

/// Writes the three tables, `figures/analysis_*.csv` and `report_path`.
pub fn write(
    root: &Path,
    input: &AnalysisInput<'_>,
    report_path: &Path,
) -> Result<Vec<Finding>, RunDirError> {
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
    let placed = panels::all(
        root,
        &input.study.config.evaluation.noise_levels,
        input.networks,
        input.rankings,
        input.effects,
        input.prediction,
    )?;
    let rows: Vec<Row> = input.networks.iter().map(|n| n.row.clone()).collect();
    let found = findings(&FindingsInput {
        task: input.study.config.task.kind,
        rows: &rows,
        rankings: input.rankings,
        threshold: input.threshold,
    });
    replace_file(&root.join("findings.csv"), findings_csv(&found).as_bytes())?;
    let html = page(
        &format!("pRNN analysis “{}”", input.study.config.name),
        &facts(input),
        &(findings_html(&found) + &notes(input)),
        &placed,
    );
    replace_file(report_path, html.as_bytes())?;
    Ok(found)
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
    let (landmarks, others) = landmarks(&rows);
    let mut s = String::from(
        "<h2>Landmark architectures</h2>\n<table class=\"facts data\">\n<tr><th>architecture</th><th>networks</th>\
         <th>median fitness [IQR]</th><th>median learning speed</th><th>median robustness</th><th>median memory</th></tr>\n",
    );
    let line = |label: &str, g: &GroupSummary| -> String {
        format!(
            "<tr><td>{}</td><td>{}</td><td>{} [{} – {}]</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            escape(label),
            g.networks,
            cell(g.fitness, 3),
            cell(g.fitness_q25, 3),
            cell(g.fitness_q75, 3),
            cell(g.learning_speed, 1),
            cell(g.robustness, 4),
            cell(g.memory, 2),
        )
    };
    for ((_, label), summary) in LANDMARKS.iter().zip(&landmarks) {
        match summary {
            Some(g) => s.push_str(&line(label, g)),
            None => {
                let _ = writeln!(
                    s,
                    "<tr><td>{}</td><td>0</td><td colspan=\"4\">not in this run</td></tr>",
                    escape(label)
                );
            }
        }
    }
    if let Some(o) = others {
        let (lo, hi) = o.fitness_medians;
        s.push_str(&line(
            &format!(
                "the other {} architectures, pooled (their medians {} to {})",
                o.architectures,
                cell(lo, 3),
                cell(hi, 3)
            ),
            &o.pooled,
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
/// separated samples of the smallest group size against the reference's ([`power`]).
fn power_note(ranked: &[Ranking]) -> Option<String> {
    let (n, m, p) = power(ranked)?;
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
    let summaries = pathway_summaries(effects);
    for (p, name) in PATHWAYS.iter().enumerate() {
        let mine: Vec<_> = summaries.iter().filter(|x| x.pathway == p).collect();
        let pairs = mine.first().map_or(0, |x| x.pairs);
        let _ = write!(
            s,
            "<tr><td>{name}</td><td>{pairs} / {PAIRS_PER_PATHWAY}</td>"
        );
        for x in mine {
            let digits = if x.measure == Measure::LearningSpeed {
                1
            } else {
                4
            };
            let _ = write!(
                s,
                "<td>{}</td><td>{} / {}</td>",
                cell(x.median_effect, digits),
                x.up,
                x.down
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
