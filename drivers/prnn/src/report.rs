//! `report.html` of a pRNN study: facts (study, task, recipe, sessions, learning-speed
//! threshold), three figures — fitness against sensor noise, median fitness per architecture
//! (sorted), training curves — with the landmark architectures `ff`, `ff34` and `full`
//! highlighted, and a table of medians per architecture. Each figure's data is in
//! `figures/<name>.csv`; `figures/fitness_by_noise_all.csv` has every architecture's curve.

use std::fmt::Write as _;
use std::path::Path;

use super::config::Study;
use super::table::{ArchitectureSummary, Row};
use wiring_metrics::stats::{median_at_each, range};
use wiring_report::{
    csv_field, escape, figure_csv, figure_svg, page, session_facts, Figure, PlacedFigure, Series,
    SeriesLabelPosition,
};
use wiring_run::machine;
use wiring_run::manifest::Session;
use wiring_run::run_dir::{replace_file, RunDirError};
use wiring_run::study::id_ranges;

/// The landmark architectures, highlighted in every figure.
pub const LANDMARKS: [(usize, &str); 3] = [(0, "ff"), (1, "ff34"), (128, "full")];

const OTHERS: &str = "other pRNNs";

fn is_landmark(arch: usize) -> bool {
    LANDMARKS.iter().any(|(a, _)| *a == arch)
}

/// Median over `rows` of element `i` of `values(row)`, for each `i` of `xs`.
fn median_curve(rows: &[&Row], values: fn(&Row) -> &[f64], xs: &[f64]) -> Vec<(f64, f64)> {
    let medians = median_at_each(rows.iter().map(|r| values(r)), xs.len());
    xs.iter().copied().zip(medians).collect()
}

/// Everything the report draws.
pub struct ReportInput<'a> {
    pub study: &'a Study,
    pub rows: &'a [Row],
    pub summaries: &'a [ArchitectureSummary],
    pub threshold: f64,
    pub missing: &'a [u64],
    pub sessions: &'a [Session],
}

/// Writes `figures/*.csv` and `report_path`.
pub fn write(root: &Path, input: &ReportInput<'_>, report_path: &Path) -> Result<(), RunDirError> {
    let ReportInput {
        study,
        rows,
        summaries,
        ..
    } = *input;
    let noise = &study.config.evaluation.noise_levels;
    let by_arch = |a: usize| -> Vec<&Row> { rows.iter().filter(|r| r.architecture == a).collect() };
    let others: Vec<&Row> = rows
        .iter()
        .filter(|r| !is_landmark(r.architecture))
        .collect();

    // 1. Fitness against noise: landmarks (median over seeds) and the other pRNNs (median over
    //    their networks).
    let mut noise_series: Vec<Series> = LANDMARKS
        .iter()
        .map(|&(a, name)| Series {
            name: name.into(),
            points: median_curve(&by_arch(a), |r| &r.fitness_by_noise, noise),
        })
        .filter(|s| !by_arch_empty(rows, s.name.as_str()))
        .collect();
    if !others.is_empty() {
        noise_series.push(Series {
            name: OTHERS.into(),
            points: median_curve(&others, |r| &r.fitness_by_noise, noise),
        });
    }
    let mut all_csv = String::from("architecture,name,noise,median_fitness\n");
    for s in summaries {
        for (x, y) in median_curve(&by_arch(s.architecture), |r| &r.fitness_by_noise, noise) {
            let _ = writeln!(
                all_csv,
                "{},{},{x},{}",
                s.architecture,
                csv_field(&s.name),
                if y.is_nan() {
                    String::new()
                } else {
                    y.to_string()
                }
            );
        }
    }
    replace_file(
        &root.join("figures/fitness_by_noise_all.csv"),
        all_csv.as_bytes(),
    )?;

    // 2. Median fitness per architecture, sorted.
    let mut sorted: Vec<&ArchitectureSummary> = summaries.iter().collect();
    sorted.sort_by(|a, b| a.fitness.total_cmp(&b.fitness));
    let ranked = |keep: &dyn Fn(&ArchitectureSummary) -> bool| -> Vec<(f64, f64)> {
        sorted
            .iter()
            .enumerate()
            .filter(|(_, s)| keep(s))
            .map(|(k, s)| (k as f64, s.fitness))
            .collect()
    };
    let mut rank_series = vec![Series {
        name: OTHERS.into(),
        points: ranked(&|s| !is_landmark(s.architecture)),
    }];
    for &(a, name) in &LANDMARKS {
        let points = ranked(&|s| s.architecture == a);
        if !points.is_empty() {
            rank_series.push(Series {
                name: name.into(),
                points,
            });
        }
    }

    // 3. Training curves.
    let curve_x: Vec<f64> = rows
        .first()
        .map(|r| r.curve_episodes.iter().map(|&e| e as f64).collect())
        .unwrap_or_default();
    let mut curve_series: Vec<Series> = LANDMARKS
        .iter()
        .map(|&(a, name)| Series {
            name: name.into(),
            points: median_curve(&by_arch(a), |r| &r.curve, &curve_x),
        })
        .filter(|s| !by_arch_empty(rows, s.name.as_str()))
        .collect();
    if !others.is_empty() {
        curve_series.push(Series {
            name: OTHERS.into(),
            points: median_curve(&others, |r| &r.curve, &curve_x),
        });
    }

    let figures = [
        (
            Figure {
                stem: "fitness_by_noise".into(),
                title: "Fitness against sensor noise (median over networks)".into(),
                x_label: "sensor noise σ".into(),
                y_label: "fitness".into(),
                series: noise_series,
                reference: None,
                y_range: Some((0.0, 1.02)),
                legend: SeriesLabelPosition::LowerLeft,
                scatter: false,
            },
            ("noise", "median_fitness"),
        ),
        (
            Figure {
                stem: "median_fitness".into(),
                title: "Median fitness per architecture, sorted".into(),
                x_label: "rank of the architecture".into(),
                y_label: "median headline fitness".into(),
                series: rank_series,
                reference: None,
                y_range: Some((0.0, 1.02)),
                legend: SeriesLabelPosition::LowerRight,
                scatter: false,
            },
            ("rank", "median_fitness"),
        ),
        (
            Figure {
                stem: "training_curves".into(),
                title: "Training curves (median over networks)".into(),
                x_label: "training episode".into(),
                y_label: "test fitness".into(),
                series: curve_series,
                reference: input
                    .threshold
                    .is_finite()
                    .then(|| (input.threshold, "learning-speed threshold".to_string())),
                y_range: Some((0.0, 1.02)),
                legend: SeriesLabelPosition::LowerRight,
                scatter: false,
            },
            ("episode", "median_fitness"),
        ),
    ];
    let mut placed = Vec::new();
    for (fig, (x_name, y_name)) in &figures {
        let csv_rel = format!("figures/{}.csv", fig.stem);
        replace_file(
            &root.join(&csv_rel),
            figure_csv(fig, x_name, y_name).as_bytes(),
        )?;
        let svg = figure_svg(fig, 560, 400)
            .unwrap_or_else(|e| format!("<p>cannot draw: {}</p>", escape(&e)));
        placed.push(PlacedFigure {
            title: fig.title.clone(),
            svg,
            csv_path: csv_rel,
        });
    }
    let html = page(
        &format!("pRNN study “{}”", study.config.name),
        &facts(input),
        &notes(input),
        &placed,
    );
    replace_file(report_path, html.as_bytes())
}

fn by_arch_empty(rows: &[Row], name: &str) -> bool {
    !rows.iter().any(|r| r.name == name)
}

fn facts(input: &ReportInput<'_>) -> Vec<(String, String)> {
    let study = input.study;
    let c = &study.config;
    let t = &c.training;
    let mut f = vec![
        (
            "study".to_string(),
            format!(
                "{} (seed {}, config hash {})",
                c.name,
                c.seed,
                study.config_hash()
            ),
        ),
        (
            "task".to_string(),
            format!(
                "{} mazes, size {}, {} steps, {} channels, maze noise {}, cue sparsity {}, wall sparsity {}",
                c.task.kind.name(),
                c.task.kind.size(),
                c.task.kind.n_steps(),
                c.task.n_channels,
                c.task.maze_noise,
                c.task.cue_sparsity,
                c.task.wall_sparsity
            ),
        ),
        (
            "training".to_string(),
            format!(
                "{} episodes, lr {}, γ {}, ε {} → {} in {} levels, sensor noise {}, {} test mazes, {} curve points, kernel {}",
                t.episodes,
                t.learning_rate,
                t.discount,
                t.exploration_start,
                t.exploration_stop,
                t.exploration_levels,
                t.sensor_noise,
                t.test_mazes,
                t.curve_points,
                c.compute.kernel.name()
            ),
        ),
        (
            "architectures".to_string(),
            format!(
                "{} × {} seeds = {} networks",
                study.architectures.len(),
                c.seeds_per_architecture,
                study.networks.len()
            ),
        ),
    ];
    let missing = if input.missing.is_empty() {
        "none".to_string()
    } else {
        format!("{} ({})", input.missing.len(), id_ranges(input.missing))
    };
    f.push((
        "networks".into(),
        format!(
            "{} of {} finished; missing: {missing}",
            input.rows.len(),
            study.networks.len()
        ),
    ));
    f.push((
        "learning speed".into(),
        format!(
            "threshold {:.4} = 0.9 × median headline fitness of the finished networks",
            input.threshold
        ),
    ));
    for &(a, name) in &LANDMARKS {
        if let Some(s) = input.summaries.iter().find(|s| s.architecture == a) {
            f.push((
                format!("median fitness {name}"),
                format!("{:.3} ({} networks)", s.fitness, s.networks),
            ));
        }
    }
    let others = || {
        input
            .summaries
            .iter()
            .filter(|s| !is_landmark(s.architecture))
            .map(|s| s.fitness)
    };
    if let Some((lo, hi)) = range(others()) {
        let n = others().filter(|v| !v.is_nan()).count();
        f.push((
            "median fitness, other pRNNs".into(),
            format!("{lo:.3} to {hi:.3} over {n} architectures"),
        ));
    }
    f.extend(session_facts(input.sessions, false));
    f.push(("generated".into(), machine::now_rfc3339()));
    f
}

fn notes(input: &ReportInput<'_>) -> String {
    let mut s = String::from(
        "<p class=\"note\">Headline fitness is the test fitness at the headline sensor noise; robustness is the area \
         under fitness against noise. Per-network values are in <a href=\"study.csv\">study.csv</a>, medians per \
         architecture in <a href=\"architectures.csv\">architectures.csv</a>, records in \
         <code>networks/&lt;id&gt;/</code>.</p>\n",
    );
    if input.rows.is_empty() {
        s.push_str("<p class=\"note\"><strong>No network has finished yet.</strong></p>\n");
        return s;
    }
    let mut sorted: Vec<&ArchitectureSummary> = input.summaries.iter().collect();
    sorted.sort_by(|a, b| b.fitness.total_cmp(&a.fitness));
    s.push_str(
        "<table class=\"data\">\n<tr><th>architecture</th><th>name</th><th>recurrent</th><th>networks</th>\
         <th>median fitness</th><th>median robustness</th><th>median learning speed</th><th>median memory</th></tr>\n",
    );
    for a in sorted {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.3}</td><td>{:.3}</td><td>{:.1}</td><td>{:.3}</td></tr>",
            a.architecture,
            escape(&a.name),
            if a.recurrent { "yes" } else { "no" },
            a.networks,
            a.fitness,
            a.robustness,
            a.learning_speed,
            a.memory
        );
    }
    s.push_str("</table>\n");
    s
}
