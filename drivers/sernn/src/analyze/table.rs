//! `analysis.csv`: the columns of `study.csv`, then one column per measure of
//! `networks/<id>/analysis.json` (empty where a measure is undefined, e.g. σ of a graph whose
//! nulls have no triangles).

use serde_json::Value;

use crate::table::{self, Row};

/// The measures' columns and where each is read in `analysis.json` (a JSON pointer).
pub const ANALYSIS_COLUMNS: [(&str, &str); 35] = [
    ("edges", "/structural/edges"),
    ("density", "/structural/density"),
    ("weight_density", "/structural/weight_density"),
    ("total_weight", "/structural/total_weight"),
    ("q_spectral_binary", "/structural/spectral_binary/q"),
    ("q_spectral_weighted", "/structural/spectral_weighted/q"),
    ("q_louvain_binary", "/structural/louvain_binary/q"),
    ("q_louvain_weighted", "/structural/louvain_weighted/q"),
    (
        "modules_spectral_binary",
        "/summary/modules_spectral_binary",
    ),
    (
        "modules_louvain_weighted",
        "/summary/modules_louvain_weighted",
    ),
    (
        "clustering_coefficient",
        "/structural/small_world/clustering",
    ),
    ("path_length", "/structural/small_world/path_length"),
    ("efficiency", "/structural/small_world/efficiency"),
    ("sigma", "/structural/small_world/sigma"),
    (
        "sigma_efficiency",
        "/structural/small_world/sigma_efficiency",
    ),
    ("efficiency_weighted", "/structural/efficiency_weighted"),
    ("mean_communicability", "/structural/mean_communicability"),
    ("wiring_cost", "/structural/wiring_cost"),
    ("mean_edge_length", "/structural/mean_weighted_edge_length"),
    (
        "weight_distance_correlation",
        "/structural/weight_distance_correlation",
    ),
    ("functional_trials", "/functional/trials"),
    ("functional_accuracy", "/functional_accuracy"),
    ("ev_goal_choice", "/summary/ev_goal_choice"),
    ("ev_offered_choice", "/summary/ev_offered_choice"),
    ("ev_answer_choice", "/summary/ev_answer_choice"),
    ("ev_goal_delay", "/summary/ev_goal_delay"),
    ("ev_offered_delay", "/summary/ev_offered_delay"),
    ("ev_answer_delay", "/summary/ev_answer_delay"),
    (
        "mixed_selectivity_choice",
        "/functional/mixed_selectivity_choice",
    ),
    (
        "mixed_selectivity_delay",
        "/functional/mixed_selectivity_delay",
    ),
    ("goal_units", "/functional/clustering/goal_units"),
    ("choice_units", "/functional/clustering/choice_units"),
    ("clustering_statistic", "/functional/clustering/statistic"),
    ("clustering_p", "/functional/clustering/p_value"),
    ("energy", "/functional/energy"),
];

/// The index of column `name` in [`ANALYSIS_COLUMNS`].
pub fn column(name: &str) -> usize {
    ANALYSIS_COLUMNS
        .iter()
        .position(|(c, _)| *c == name)
        .unwrap_or_else(|| panic!("no analysis column {name}"))
}

/// One network's row: its `study.csv` row and its measures (NaN where undefined).
#[derive(Clone, Debug, PartialEq)]
pub struct AnalysisRow {
    pub base: Row,
    /// In the order of [`ANALYSIS_COLUMNS`].
    pub values: Vec<f64>,
}

impl AnalysisRow {
    /// Reads the measures out of an `analysis.json` value.
    pub fn new(base: Row, analysis: &Value) -> Self {
        let values = ANALYSIS_COLUMNS
            .iter()
            .map(|(_, p)| {
                analysis
                    .pointer(p)
                    .and_then(Value::as_f64)
                    .unwrap_or(f64::NAN)
            })
            .collect();
        Self { base, values }
    }

    /// The value of column `name`.
    pub fn get(&self, name: &str) -> f64 {
        self.values[column(name)]
    }
}

/// `analysis.csv` of `rows`, in the order given.
pub fn csv(rows: &[AnalysisRow]) -> String {
    let bases: Vec<Row> = rows.iter().map(|r| r.base.clone()).collect();
    let base_csv = table::csv(&bases);
    let mut out = String::with_capacity(base_csv.len() * 3);
    let mut lines = base_csv.lines();
    out.push_str(lines.next().unwrap_or(""));
    for (name, _) in ANALYSIS_COLUMNS {
        out.push(',');
        out.push_str(name);
    }
    out.push('\n');
    for (line, row) in lines.zip(rows) {
        out.push_str(line);
        for v in &row.values {
            out.push(',');
            if v.is_finite() {
                out.push_str(&v.to_string());
            }
        }
        out.push('\n');
    }
    out
}
