//! `report.html` of a seRNN study: a header of facts (study, counts, the sessions that ran it)
//! and, for every set side by side, validation accuracy, sparsity (fraction |w| > 1e-3) and
//! mean |W| against γ at the analysed epoch. Each figure's data is in `figures/<name>.csv`.

use std::path::Path;

use super::config::Study;
use super::id_ranges;
use super::table::Row;
use wiring_report::{
    escape, figure_csv, figure_svg, page, session_facts, Figure, PlacedFigure, Series,
    SeriesLabelPosition,
};
use wiring_run::machine;
use wiring_run::manifest::Session;
use wiring_run::run_dir::{replace_file, RunDirError};

/// Writes `figures/*.csv` and `report_path`.
pub fn write(
    root: &Path,
    study: &Study,
    rows: &[Row],
    missing: &[u64],
    sessions: &[Session],
    report_path: &Path,
) -> Result<(), RunDirError> {
    let c = &study.config;
    let epoch = c.analysis.epoch;
    let series = |value: fn(&Row) -> f64| -> Vec<Series> {
        c.sets
            .iter()
            .map(|set| Series {
                name: if set.name == set.regulariser.name() {
                    set.name.clone()
                } else {
                    format!("{} ({})", set.name, set.regulariser.name())
                },
                points: rows
                    .iter()
                    .filter(|r| r.set == set.name)
                    .map(|r| (r.gamma, value(r)))
                    .collect(),
            })
            .collect()
    };
    let figures = [
        (
            Figure {
                stem: "val_accuracy".into(),
                title: format!("Validation accuracy after epoch {epoch}"),
                x_label: "γ (regularisation strength)".into(),
                y_label: "validation accuracy".into(),
                series: series(|r| r.val_accuracy),
                reference: Some((
                    c.analysis.min_accuracy,
                    format!("threshold {}", c.analysis.min_accuracy),
                )),
                y_range: Some((0.0, 1.02)),
                legend: SeriesLabelPosition::LowerLeft,
                scatter: false,
            },
            "val_accuracy",
        ),
        (
            Figure {
                stem: "fraction_above_1e_3".into(),
                title: format!("Density: fraction of |w| > 1e-3, epoch {epoch}"),
                x_label: "γ (regularisation strength)".into(),
                y_label: "fraction of W_rec entries".into(),
                series: series(|r| r.fraction_above_1e_3),
                reference: None,
                y_range: Some((0.0, 1.02)),
                legend: SeriesLabelPosition::MiddleRight,
                scatter: false,
            },
            "fraction_above_1e_3",
        ),
        (
            Figure {
                stem: "mean_abs_w".into(),
                title: format!("Mean |W_rec| after epoch {epoch}"),
                x_label: "γ (regularisation strength)".into(),
                y_label: "mean |w|".into(),
                series: series(|r| r.mean_abs_w),
                reference: None,
                y_range: None,
                legend: SeriesLabelPosition::UpperRight,
                scatter: false,
            },
            "mean_abs_w",
        ),
    ];
    let mut placed = Vec::new();
    for (fig, value_name) in &figures {
        let csv_rel = format!("figures/{}.csv", fig.stem);
        replace_file(
            &root.join(&csv_rel),
            figure_csv(fig, "gamma", value_name).as_bytes(),
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
        &format!("seRNN study “{}”", c.name),
        &facts(study, rows, missing, sessions),
        &notes(study, rows),
        &placed,
    );
    replace_file(report_path, html.as_bytes())
}

fn facts(
    study: &Study,
    rows: &[Row],
    missing: &[u64],
    sessions: &[Session],
) -> Vec<(String, String)> {
    let c = &study.config;
    let r = &c.recipe;
    let mut f = vec![
        ("study".to_string(), format!("{} (seed {}, config hash {})", c.name, c.seed, study.config_hash())),
        (
            "recipe".to_string(),
            format!(
                "{} units, {} epochs, batch {}, lr {}, {} train / {} validation / {} test trials, kernel {}",
                r.n_hidden, r.epochs, r.batch_size, r.learning_rate, r.n_train, r.n_validation, r.n_test, c.compute.rnn_kernel
            ),
        ),
    ];
    for set in &c.sets {
        let n = study
            .networks
            .iter()
            .filter(|p| study.set_name(p) == set.name)
            .count();
        let done: Vec<&Row> = rows.iter().filter(|r| r.set == set.name).collect();
        let accurate = done.iter().filter(|r| r.accurate).count();
        f.push((
            format!("set {}", set.name),
            format!(
                "{} regulariser, γ from {} ({} networks): {} finished, {} with validation accuracy ≥ {} at epoch {}",
                set.regulariser.name(),
                describe_sweep(&set.gamma.values()),
                n,
                done.len(),
                accurate,
                c.analysis.min_accuracy,
                c.analysis.epoch
            ),
        ));
    }
    let missing_text = if missing.is_empty() {
        "none".to_string()
    } else {
        format!("{} ({})", missing.len(), id_ranges(missing))
    };
    f.push((
        "networks".into(),
        format!(
            "{} of {} finished; missing: {missing_text}",
            rows.len(),
            study.networks.len()
        ),
    ));
    f.extend(session_facts(sessions, true));
    f.push(("generated".into(), machine::now_rfc3339()));
    f
}

fn describe_sweep(v: &[f64]) -> String {
    match v {
        [] => "nothing".into(),
        [x] => format!("{x}"),
        [first, .., last] => format!("{first} to {last}"),
    }
}

fn notes(study: &Study, rows: &[Row]) -> String {
    let mut s = format!(
        "<p class=\"note\">One point per network, at the snapshot after epoch {} (the analysed epoch). \
         Per-network values are in <a href=\"study.csv\">study.csv</a>; records in <code>networks/&lt;id&gt;/</code>.</p>\n",
        study.config.analysis.epoch
    );
    if rows.is_empty() {
        s.push_str("<p class=\"note\"><strong>No network has finished yet.</strong></p>\n");
    }
    s
}
