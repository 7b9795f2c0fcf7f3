//! `analysis.html`: first the findings table (the paper's claims and this run's verdicts, also
//! `findings.csv`; decided in [`super::findings`]), then each measure against γ for every set
//! side by side (accurate networks), the matched comparison of the seRNN and L1 sets among
//! accurate networks and the sweet-spot window by the spec's rule (computed in
//! [`super::comparison`]). Every figure's data is in `figures/analysis_<name>.csv`, the
//! comparison tables in `figures/analysis_matched.csv` and `figures/analysis_sweet_spot.csv`.

use std::fmt::Write as _;
use std::path::Path;

use super::comparison::{
    matched, se_and_l1, sweet_spot, GammaBin, Matched, Matching, SweetSpot, ALPHA,
    SWEET_SPOT_ACCURATE,
};
use super::findings::findings;
use super::table::AnalysisRow;
use crate::config::{AnalysisConfig, Study};
use wiring_metrics::stats::Direction;
use wiring_report::{
    escape, figure_csv, figure_svg, findings_csv, findings_html, format_p, page, Figure, Finding,
    PlacedFigure, Series, SeriesLabelPosition,
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

/// Writes the figures' CSVs, the comparison tables, `findings.csv` and `report_path`; returns
/// the findings.
pub fn write(
    root: &Path,
    study: &Study,
    analysis: &AnalysisConfig,
    rows: &[AnalysisRow],
    report_path: &Path,
) -> Result<Vec<Finding>, RunDirError> {
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
    let matched: Vec<Matched> = pair.as_ref().map_or(vec![], |(se, l1)| {
        Matching::ALL
            .iter()
            .map(|m| matched(rows, se, l1, *m))
            .collect()
    });
    // The sweet spot is defined on the density-matched comparison.
    let by_density = matched.iter().find(|m| m.matching == Matching::Density);
    let spot = pair
        .as_ref()
        .zip(by_density)
        .map(|((se, _), m)| sweet_spot(rows, se, m));
    if let Some(spot) = &spot {
        let mid = |b: &GammaBin| 0.5 * (b.lo + b.hi);
        let s = |name: &str, f: &dyn Fn(&GammaBin) -> f64| Series {
            name: name.into(),
            points: spot.gamma_bins.iter().map(|b| (mid(b), f(b))).collect(),
        };
        figures.push((
            Figure {
                stem: "analysis_sweet_spot".into(),
                title: "Sweet spot: per γ bin of the seRNN set".into(),
                x_label: "γ (bin centre)".into(),
                y_label: "fraction".into(),
                series: vec![
                    s("accurate", &|b| b.accurate),
                    s("accurate and in a brain-like density bin", &|b| {
                        b.accurate * b.brain_like
                    }),
                ],
                reference: Some((SWEET_SPOT_ACCURATE, "most accurate".into())),
                y_range: Some((0.0, 1.05)),
                legend: SeriesLabelPosition::LowerLeft,
                scatter: false,
            },
            "gamma".into(),
            "fraction",
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
    let found = findings(
        rows,
        pair.as_ref().map(|(a, b)| (a.as_str(), b.as_str())),
        &matched,
        spot.as_ref(),
    );
    replace_file(&root.join("findings.csv"), findings_csv(&found).as_bytes())?;
    let mut notes = findings_html(&found);
    let _ = writeln!(
        notes,
        "<p class=\"note\">Weights after epoch {}; binary graph keeps the strongest {}% of |W|; σ from {} random graphs; \
         functional measures on {} noise-free validation trials per network, clustering null of {} permutations. \
         Figures against γ show accurate networks only (validation accuracy ≥ {}). Per-network values: \
         <a href=\"analysis.csv\">analysis.csv</a>; full measures: <code>networks/&lt;id&gt;/analysis.json</code>.</p>",
        analysis.epoch,
        analysis.threshold * 100.0,
        analysis.null_draws,
        analysis.functional_trials.min(study.config.recipe.n_validation),
        analysis.permutations,
        analysis.min_accuracy
    );
    match (&pair, &spot) {
        (Some((se, l1)), Some(spot)) => {
            notes.push_str(&matched_tables(root, &matched, se, l1)?);
            notes.push_str(&sweet_spot_table(root, spot)?);
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
    replace_file(report_path, html.as_bytes())?;
    Ok(found)
}

/// The matched comparisons among accurate networks: per matching, a summary row per measure
/// (testable bins, bins where seRNNs are significantly higher or lower) and the bins' sizes.
/// Writes every test to `figures/analysis_matched.csv`; returns the HTML.
fn matched_tables(
    root: &Path,
    matched: &[Matched],
    se: &str,
    l1: &str,
) -> Result<String, RunDirError> {
    let mut csv =
        String::from("matching,measure,bin,lo,hi,n_se,n_l1,median_se,median_l1,p,q_bh,direction\n");
    let mut html = format!(
        "<h2>Matched comparison: {} vs {} among accurate networks</h2>\n\
         <p class=\"note\">Accurate networks of both sets where their values of the matching variable overlap, in \
         clamp(n/20, 1, 10) bins of equal width (log width for mean |W|); per bin and measure a two-sided Mann–Whitney test \
         where the sizes can reach p &lt; {ALPHA}, Benjamini–Hochberg over each measure's testable bins. \
         Every test: <a href=\"figures/analysis_matched.csv\">figures/analysis_matched.csv</a>.</p>\n",
        escape(se),
        escape(l1)
    );
    for m in matched {
        for t in &m.measures {
            for (b, bin) in m.bins.iter().enumerate() {
                let c = &t.tests[b];
                let direction = match t.directions[b] {
                    Direction::Higher => "se_higher",
                    Direction::Lower => "se_lower",
                    Direction::NotSignificant => "",
                };
                let _ = writeln!(
                    csv,
                    "{},{},{b},{},{},{},{},{},{},{},{},{direction}",
                    m.matching.name(),
                    t.measure,
                    bin.lo,
                    bin.hi,
                    c.n_x,
                    c.n_y,
                    c.median_x,
                    c.median_y,
                    c.p,
                    t.q[b]
                );
            }
        }
        let _ = write!(
            html,
            "<h3>Matched on {}</h3>\n<p class=\"note\">Bins (accurate {se} / {l1}): {}</p>\n<table class=\"data\">\n\
             <tr><th>measure</th><th>testable bins</th><th>{se} higher</th><th>{se} lower</th><th>smallest q</th></tr>\n",
            m.matching.label(),
            if m.bins.is_empty() {
                "none — the sets do not overlap".to_string()
            } else {
                m.bins
                    .iter()
                    .map(|b| format!("{:.3}–{:.3}: {}/{}", b.lo, b.hi, b.n_se, b.n_l1))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            se = escape(se),
            l1 = escape(l1),
        );
        for t in &m.measures {
            let (testable, higher, lower) = t.tally();
            let _ = writeln!(
                html,
                "<tr><td>{}</td><td>{testable}</td><td>{higher}</td><td>{lower}</td><td>{}</td></tr>",
                escape(t.label),
                format_p(t.q.iter().copied().fold(f64::NAN, f64::min))
            );
        }
        html.push_str("</table>\n");
    }
    replace_file(&root.join("figures/analysis_matched.csv"), csv.as_bytes())?;
    Ok(html)
}

/// The sweet-spot table: the window, and the γ bins. Writes `figures/analysis_sweet_spot.csv`.
fn sweet_spot_table(root: &Path, spot: &SweetSpot) -> Result<String, RunDirError> {
    let mut csv = String::from("gamma_lo,gamma_hi,networks,accurate,brain_like,qualifies\n");
    for b in &spot.gamma_bins {
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{}",
            b.lo, b.hi, b.networks, b.accurate, b.brain_like, b.qualifies
        );
    }
    replace_file(
        &root.join("figures/analysis_sweet_spot.csv"),
        csv.as_bytes(),
    )?;
    let mut html = String::from("<h2>Sweet spot</h2>\n");
    let brain_like = spot.brain_like_bins.iter().filter(|b| **b).count();
    match spot.window {
        None => {
            let _ = writeln!(
                html,
                "<p class=\"note\"><strong>No sweet spot.</strong> {brain_like} of {} density bins brain-like.</p>",
                spot.brain_like_bins.len()
            );
        }
        Some((lo, hi)) => {
            let _ = writeln!(
                html,
                "<p class=\"note\"><strong>γ from {lo:.4} to {hi:.4}.</strong> {brain_like} of {} density bins brain-like.</p>",
                spot.brain_like_bins.len()
            );
        }
    }
    html.push_str(
        "<p class=\"note\">Our rule, on matched sparsity: a density bin of the matched comparison is brain-like when its seRNNs are \
         significantly more modular (Q, spectral, binary) and more small-world (σ) than its L1 networks (BH q &lt; 0.05 each); the seRNN set, \
         in order of γ, is cut into clamp(n/5, 1, 20) bins of consecutive networks; a γ bin qualifies when at least half of its networks are accurate \
         (training fails for a quarter to a third of the networks at every γ below the collapse) and more than half of its accurate networks lie in brain-like density bins; the window is the longest contiguous run. \
         Bins: <a href=\"figures/analysis_sweet_spot.csv\">figures/analysis_sweet_spot.csv</a>.</p>\n",
    );
    Ok(html)
}
