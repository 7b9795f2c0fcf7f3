//! `analysis.html`: each measure against γ for every set side by side (accurate networks), the
//! matched comparison of the seRNN and L1 sets among accurate networks, and the sweet-spot
//! window by the spec's rule (computed in [`super::comparison`]). Every figure's data is in `figures/analysis_<name>.csv`, the
//! comparison tables in `figures/analysis_matched.csv` and `figures/analysis_sweet_spot.csv`.

use std::fmt::Write as _;
use std::path::Path;

use super::comparison::{
    matched, se_and_l1, sweet_spot, window_medians, GammaBin, MatchedBin, SweetSpot,
};
use super::table::AnalysisRow;
use crate::config::{AnalysisConfig, Study};
use wiring_report::{
    csv_field, escape, figure_csv, figure_svg, format_p, page, Figure, PlacedFigure, Series,
    SeriesLabelPosition,
};
use wiring_run::run_dir::{replace_file, RunDirError};

/// Measures drawn against γ: (column, title, y label).
const MEASURES: [(&str, &str, &str); 16] = [
    ("q_spectral_binary", "Modularity Q (spectral, binary)", "Q"),
    (
        "q_louvain_weighted",
        "Modularity Q (Louvain, weighted)",
        "Q",
    ),
    ("sigma", "Small-worldness σ = (C/C_null)/(L/L_null)", "σ"),
    (
        "sigma_efficiency",
        "Small-worldness (C/C_null)/(E_null/E)",
        "σ_E",
    ),
    ("efficiency_weighted", "Weighted global efficiency", "E_w"),
    ("wiring_cost", "Wiring cost Σ|W|∘D", "cost"),
    ("mean_edge_length", "Mean weighted edge length", "length"),
    (
        "weight_distance_correlation",
        "Weight–distance correlation",
        "r",
    ),
    ("mean_communicability", "Mean communicability", "C"),
    ("ev_goal_choice", "Mean EV(goal), choice window", "η²"),
    ("ev_answer_choice", "Mean EV(answer), choice window", "η²"),
    (
        "mixed_selectivity_choice",
        "Mixed selectivity, choice window",
        "corr(EV goal, EV answer)",
    ),
    (
        "mixed_selectivity_delay",
        "Mixed selectivity, delay window",
        "corr(EV goal, EV answer)",
    ),
    ("clustering_p", "Functional clustering p-value", "p"),
    (
        "clustering_statistic",
        "Functional clustering statistic",
        "mean D·|Δp|",
    ),
    ("energy", "Energy (mean activation)", "mean h"),
];

/// Writes the figures' CSVs, the comparison tables and `report_path`.
pub fn write(
    root: &Path,
    study: &Study,
    analysis: &AnalysisConfig,
    rows: &[AnalysisRow],
    report_path: &Path,
) -> Result<(), RunDirError> {
    let sets = &study.config.sets;
    let series = |x: &dyn Fn(&AnalysisRow) -> f64, col: &str| -> Vec<Series> {
        sets.iter()
            .map(|set| Series {
                name: format!("{} ({})", set.name, set.regulariser.name()),
                points: rows
                    .iter()
                    .filter(|r| r.base.set == set.name && r.base.accurate)
                    .map(|r| (x(r), r.get(col)))
                    .filter(|p| p.1.is_finite())
                    .collect(),
            })
            .collect()
    };
    let mut figures: Vec<(Figure, String, &str)> = Vec::new();
    for (col, title, y) in MEASURES {
        figures.push((
            Figure {
                stem: format!("analysis_{col}"),
                title: title.into(),
                x_label: "γ (regularisation strength)".into(),
                y_label: y.into(),
                series: series(&|r| r.base.gamma, col),
                reference: (col == "clustering_p").then(|| (0.05, "p = 0.05".into())),
                y_range: None,
                legend: SeriesLabelPosition::UpperRight,
                scatter: false,
            },
            "gamma".into(),
            col,
        ));
    }
    for (col, title) in [
        (
            "q_spectral_binary",
            "Matched: Q against density (|w| > 1e-3)",
        ),
        ("sigma", "Matched: σ against density (|w| > 1e-3)"),
    ] {
        figures.push((
            Figure {
                stem: format!("analysis_matched_{col}"),
                title: title.into(),
                x_label: "fraction of |w| > 1e-3".into(),
                y_label: col.into(),
                series: series(&|r| r.base.fraction_above_1e_3, col),
                reference: None,
                y_range: None,
                legend: SeriesLabelPosition::UpperRight,
                scatter: true,
            },
            "fraction_above_1e_3".into(),
            col,
        ));
    }
    let pair = se_and_l1(study);
    let spot = pair.as_ref().map(|(se, l1)| sweet_spot(rows, se, l1));
    if let (Some(spot), Some((se, l1))) = (&spot, &pair) {
        let mid = |b: &GammaBin| 0.5 * (b.lo + b.hi);
        let s = |name: String, f: &dyn Fn(&GammaBin) -> f64| Series {
            name,
            points: spot.bins.iter().map(|b| (mid(b), f(b))).collect(),
        };
        figures.push((
            Figure {
                stem: "analysis_sweet_spot_q".into(),
                title: "Sweet spot: median Q per γ bin".into(),
                x_label: "γ (bin centre)".into(),
                y_label: "median Q (spectral, binary)".into(),
                series: vec![s(se.clone(), &|b| b.q_se), s(l1.clone(), &|b| b.q_l1)],
                reference: None,
                y_range: None,
                legend: SeriesLabelPosition::UpperRight,
                scatter: false,
            },
            "gamma".into(),
            "median_q",
        ));
        figures.push((
            Figure {
                stem: "analysis_sweet_spot_sigma".into(),
                title: "Sweet spot: median σ per γ bin".into(),
                x_label: "γ (bin centre)".into(),
                y_label: "median σ".into(),
                series: vec![
                    s(se.clone(), &|b| b.sigma_se),
                    s(l1.clone(), &|b| b.sigma_l1),
                ],
                reference: None,
                y_range: None,
                legend: SeriesLabelPosition::UpperRight,
                scatter: false,
            },
            "gamma".into(),
            "median_sigma",
        ));
    }
    let mut placed = Vec::new();
    for (fig, x_name, y_name) in &figures {
        let csv_rel = format!("figures/{}.csv", fig.stem);
        replace_file(
            &root.join(&csv_rel),
            figure_csv(fig, x_name, y_name).as_bytes(),
        )?;
        let svg = figure_svg(fig, 520, 380)
            .unwrap_or_else(|e| format!("<p>cannot draw: {}</p>", escape(&e)));
        placed.push(PlacedFigure {
            title: fig.title.clone(),
            svg,
            csv_path: csv_rel,
        });
    }
    let mut notes = format!(
        "<p class=\"note\">Weights after epoch {}; binary graph keeps the strongest {}% of |W|; σ from {} random graphs; \
         functional measures on {} noise-free validation trials per network, clustering null of {} permutations. \
         Figures against γ show accurate networks only (validation accuracy ≥ {}). Per-network values: \
         <a href=\"analysis.csv\">analysis.csv</a>; full measures: <code>networks/&lt;id&gt;/analysis.json</code>.</p>\n",
        analysis.epoch,
        analysis.threshold * 100.0,
        analysis.null_draws,
        analysis.functional_trials.min(study.config.recipe.n_validation),
        analysis.permutations,
        analysis.min_accuracy
    );
    match (&pair, &spot) {
        (Some((se, l1)), Some(spot)) => {
            notes.push_str(&matched_table(root, rows, se, l1)?);
            notes.push_str(&sweet_spot_table(root, rows, spot, se)?);
        }
        _ => notes.push_str(
            "<p class=\"note\">The matched comparison and the sweet spot need an <code>se</code> and an <code>l1</code> set.</p>\n",
        ),
    }
    if rows.is_empty() {
        notes.push_str("<p class=\"note\"><strong>No network has been analysed.</strong></p>\n");
    }
    let facts = vec![
        (
            "study".to_string(),
            format!(
                "{} (seed {}, config hash {})",
                study.config.name,
                study.config.seed,
                study.config_hash()
            ),
        ),
        (
            "networks".to_string(),
            format!(
                "{} analysed, {} accurate",
                rows.len(),
                rows.iter().filter(|r| r.base.accurate).count()
            ),
        ),
        ("generated".to_string(), wiring_run::machine::now_rfc3339()),
    ];
    let html = page(
        &format!("seRNN analysis “{}”", study.config.name),
        &facts,
        &notes,
        &placed,
    );
    replace_file(report_path, html.as_bytes())
}

/// Matched comparison among accurate networks: equal-width bins of density (fraction of
/// |w| > 1e-3, pooled over both sets, `clamp(n / 20, 1, 10)` bins), per bin the medians of Q
/// and σ of each set and the two-sided Mann–Whitney p-values. Writes
/// `figures/analysis_matched.csv`; returns the HTML table.
fn matched_table(
    root: &Path,
    rows: &[AnalysisRow],
    se: &str,
    l1: &str,
) -> Result<String, RunDirError> {
    let mut csv = String::from(
        "density_lo,density_hi,n_se,n_l1,median_q_se,median_q_l1,p_q,median_sigma_se,median_sigma_l1,p_sigma\n",
    );
    let mut html = format!(
        "<h2>Matched comparison: {} vs {} among accurate networks, by density</h2>\n<table class=\"data\">\n\
         <tr><th>density (|w| &gt; 1e-3)</th><th>n</th><th>median Q</th><th>p (Q)</th><th>median σ</th><th>p (σ)</th></tr>\n",
        escape(se),
        escape(l1)
    );
    for b in matched(rows, se, l1) {
        let MatchedBin {
            lo: blo,
            hi: bhi,
            n_se,
            n_l1,
            q_se: qs,
            q_l1: ql,
            p_q: pq,
            sigma_se: ss,
            sigma_l1: sl,
            p_sigma: ps,
        } = b;
        let _ = writeln!(
            csv,
            "{blo},{bhi},{n_se},{n_l1},{qs},{ql},{pq},{ss},{sl},{ps}"
        );
        let _ = writeln!(
            html,
            "<tr><td>{blo:.3}–{bhi:.3}</td><td>{n_se} / {n_l1}</td><td>{qs:.3} / {ql:.3}</td><td>{}</td><td>{ss:.3} / {sl:.3}</td><td>{}</td></tr>",
            format_p(pq),
            format_p(ps)
        );
    }
    html.push_str("</table>\n<p class=\"note\">Pairs are seRNN / L1; p: two-sided Mann–Whitney U. Data: <a href=\"figures/analysis_matched.csv\">figures/analysis_matched.csv</a>.</p>\n");
    replace_file(&root.join("figures/analysis_matched.csv"), csv.as_bytes())?;
    Ok(html)
}

/// The sweet-spot table and window, with the functional measures of the seRNNs inside and
/// outside it. Writes `figures/analysis_sweet_spot.csv`.
fn sweet_spot_table(
    root: &Path,
    rows: &[AnalysisRow],
    spot: &SweetSpot,
    se: &str,
) -> Result<String, RunDirError> {
    let mut csv = String::from(
        "gamma_lo,gamma_hi,se_networks,se_accurate,median_q_se,median_q_l1,median_sigma_se,median_sigma_l1,qualifies\n",
    );
    for b in &spot.bins {
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{},{},{}",
            b.lo,
            b.hi,
            b.se_networks,
            b.se_accurate,
            b.q_se,
            b.q_l1,
            b.sigma_se,
            b.sigma_l1,
            b.qualifies
        );
    }
    replace_file(
        &root.join("figures/analysis_sweet_spot.csv"),
        csv.as_bytes(),
    )?;
    let mut html = String::from("<h2>Sweet spot</h2>\n");
    match spot.window {
        None => html.push_str(
            "<p class=\"note\"><strong>No sweet spot:</strong> no γ bin where ≥ 90% of seRNNs are accurate and their median Q and σ exceed the L1 set's.</p>\n",
        ),
        Some(window) => {
            let (lo, hi) = window;
            let m = window_medians(rows, se, window);
            let _ = writeln!(
                html,
                "<p class=\"note\"><strong>γ from {lo:.4} to {hi:.4}.</strong> Accurate {} networks inside / outside: \
                 mixed selectivity {:.3} / {:.3}, clustering p {:.3} / {:.3}, energy {:.4} / {:.4} (medians).</p>",
                csv_field(se),
                m.mixed_selectivity_choice.0,
                m.mixed_selectivity_choice.1,
                m.clustering_p.0,
                m.clustering_p.1,
                m.energy.0,
                m.energy.1,
            );
        }
    }
    html.push_str(
        "<p class=\"note\">Our rule: the seRNN γ range is cut into clamp(n/5, 1, 20) equal bins; a bin qualifies when ≥ 90% of its seRNNs are accurate \
         and the medians of Q (spectral, binary) and σ over its seRNNs exceed those of the L1 networks in the same bin; \
         the window is the longest contiguous run. Bins: <a href=\"figures/analysis_sweet_spot.csv\">figures/analysis_sweet_spot.csv</a>.</p>\n",
    );
    Ok(html)
}
