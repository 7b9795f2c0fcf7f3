//! The study table `study.csv` (one row per finished network) with the learning speed, which
//! depends on the whole task, and `architectures.csv` (medians per architecture).
//!
//! Learning speed (spec "Evaluation and measures"): threshold = 0.9 × the median headline
//! fitness over all networks of the task (here: every finished network of the study, NaNs
//! ignored); a network's score is `curve_points − k` where `k` is the first checkpoint whose
//! training-curve fitness is ≥ the threshold, provided at least two checkpoints reach it;
//! else 0. With the paper's 100 curve points this is `100 − k`.

use std::fmt::Write as _;

use wiring_metrics::stats::{learning_speed, median};
use wiring_model::prnn::PATHWAYS;

use super::record::{val, Record};
use wiring_report::csv_field;

/// The fraction of the median headline fitness that defines "learned".
pub const LEARNING_THRESHOLD_FRACTION: f64 = 0.9;

/// One network's row of `study.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub id: u64,
    pub architecture: usize,
    pub name: String,
    pub flags: String,
    pub n_hidden: usize,
    pub param_count: usize,
    pub seed_index: usize,
    pub recurrent: bool,
    pub fitness: f64,
    pub robustness: f64,
    /// Filled in by [`add_learning_speed`].
    pub learning_speed: f64,
    pub cue_sparsity_robustness: Option<f64>,
    pub wall_sparsity_robustness: Option<f64>,
    pub sensitivity: f64,
    pub coherence: f64,
    pub memory: f64,
    pub goal_rate: f64,
    /// The last training-curve point.
    pub final_curve: f64,
    pub weight_norms: [f64; 9],
    pub clipped_updates: u64,
    pub train_seconds: f64,
    pub evaluate_seconds: f64,
    /// The training curve (for learning speed and the report; not a column).
    pub curve: Vec<f64>,
    pub curve_episodes: Vec<usize>,
    pub fitness_by_noise: Vec<f64>,
}

/// The row of a record (learning speed still 0).
pub fn row(record: &Record) -> Row {
    let e = &record.evaluation;
    let a = &record.architecture;
    let curve: Vec<f64> = record.training.curve.iter().map(|&v| val(v)).collect();
    Row {
        id: record.network_id,
        architecture: a.index,
        name: a.name.clone(),
        flags: a.flags.clone(),
        n_hidden: a.n_hidden,
        param_count: a.param_count,
        seed_index: record.seed_index,
        recurrent: a.recurrent,
        fitness: val(e.fitness),
        robustness: val(e.robustness),
        learning_speed: 0.0,
        cue_sparsity_robustness: e.cue_sparsity_robustness,
        wall_sparsity_robustness: e.wall_sparsity_robustness,
        sensitivity: val(e.sensitivity),
        coherence: val(e.coherence),
        memory: val(e.memory),
        goal_rate: val(e.goal_rate),
        final_curve: curve.last().copied().unwrap_or(f64::NAN),
        weight_norms: e.weight_norms,
        clipped_updates: record.training.clipped_updates,
        train_seconds: record.timing.train_seconds,
        evaluate_seconds: record.timing.evaluate_seconds,
        curve,
        curve_episodes: record.training.curve_episodes.clone(),
        fitness_by_noise: e.fitness_by_noise.iter().map(|&v| val(v)).collect(),
    }
}

/// Sets every row's learning speed; returns the threshold used.
pub fn add_learning_speed(rows: &mut [Row]) -> f64 {
    let threshold = LEARNING_THRESHOLD_FRACTION * median(rows.iter().map(|r| r.fitness));
    for r in rows.iter_mut() {
        r.learning_speed = learning_speed(&r.curve, threshold);
    }
    threshold
}

/// Columns of `study.csv`.
pub fn columns() -> Vec<String> {
    let mut c: Vec<String> = [
        "id",
        "architecture",
        "name",
        "flags",
        "n_hidden",
        "param_count",
        "seed_index",
        "recurrent",
    ]
    .map(String::from)
    .to_vec();
    c.extend(PATHWAYS.iter().map(|p| p.to_string()));
    c.extend(
        [
            "fitness",
            "robustness",
            "learning_speed",
            "cue_sparsity_robustness",
            "wall_sparsity_robustness",
            "sensitivity",
            "coherence",
            "memory",
            "goal_rate",
            "final_curve",
        ]
        .map(String::from),
    );
    c.extend(
        ["ih", "ho", "ii", "hh", "oo", "io", "oi", "hi", "oh"]
            .iter()
            .map(|b| format!("norm_{b}")),
    );
    c.extend(["clipped_updates", "train_seconds", "evaluate_seconds"].map(String::from));
    c
}

fn number(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else {
        v.to_string()
    }
}

/// `study.csv` of `rows` (in the order given). Missing values (NaN, not measured) are empty.
pub fn csv(rows: &[Row]) -> String {
    let mut out = columns().join(",");
    out.push('\n');
    for r in rows {
        let mut f: Vec<String> = vec![
            r.id.to_string(),
            r.architecture.to_string(),
            csv_field(&r.name),
            r.flags.clone(),
            r.n_hidden.to_string(),
            r.param_count.to_string(),
            r.seed_index.to_string(),
            u8::from(r.recurrent).to_string(),
        ];
        f.extend(r.flags.chars().map(|c| c.to_string()));
        f.extend([
            number(r.fitness),
            number(r.robustness),
            number(r.learning_speed),
            r.cue_sparsity_robustness.map(number).unwrap_or_default(),
            r.wall_sparsity_robustness.map(number).unwrap_or_default(),
            number(r.sensitivity),
            number(r.coherence),
            number(r.memory),
            number(r.goal_rate),
            number(r.final_curve),
        ]);
        f.extend(r.weight_norms.iter().map(|&v| number(v)));
        f.extend([
            r.clipped_updates.to_string(),
            format!("{:.3}", r.train_seconds),
            format!("{:.3}", r.evaluate_seconds),
        ]);
        out.push_str(&f.join(","));
        out.push('\n');
    }
    out
}

/// Medians over the networks of one architecture.
#[derive(Clone, Debug, PartialEq)]
pub struct ArchitectureSummary {
    pub architecture: usize,
    pub name: String,
    pub recurrent: bool,
    pub networks: usize,
    pub fitness: f64,
    pub robustness: f64,
    pub learning_speed: f64,
    pub memory: f64,
    pub sensitivity: f64,
}

/// One summary per architecture present in `rows`, by index.
pub fn summaries(rows: &[Row]) -> Vec<ArchitectureSummary> {
    let mut archs: Vec<usize> = rows.iter().map(|r| r.architecture).collect();
    archs.sort_unstable();
    archs.dedup();
    archs
        .into_iter()
        .map(|a| {
            let mine: Vec<&Row> = rows.iter().filter(|r| r.architecture == a).collect();
            let m = |f: fn(&Row) -> f64| median(mine.iter().map(|r| f(r)));
            ArchitectureSummary {
                architecture: a,
                name: mine[0].name.clone(),
                recurrent: mine[0].recurrent,
                networks: mine.len(),
                fitness: m(|r| r.fitness),
                robustness: m(|r| r.robustness),
                learning_speed: m(|r| r.learning_speed),
                memory: m(|r| r.memory),
                sensitivity: m(|r| r.sensitivity),
            }
        })
        .collect()
}

/// `architectures.csv`: one row per architecture, medians over its networks.
pub fn summaries_csv(summaries: &[ArchitectureSummary]) -> String {
    let mut out = String::from(
        "architecture,name,recurrent,networks,median_fitness,median_robustness,median_learning_speed,median_memory,median_sensitivity\n",
    );
    for s in summaries {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{}",
            s.architecture,
            csv_field(&s.name),
            u8::from(s.recurrent),
            s.networks,
            number(s.fitness),
            number(s.robustness),
            number(s.learning_speed),
            number(s.memory),
            number(s.sensitivity)
        );
    }
    out
}
