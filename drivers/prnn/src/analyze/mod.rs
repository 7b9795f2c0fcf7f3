//! `prnn analyze DIR`: the study-level analysis of a pRNN run directory (spec `prnn.md`,
//! "Study-level analysis"), from every finished record (merged or not, complete or not).
//!
//! 1. Learning speed of every network over the task ([`table::add_learning_speed`]).
//! 2. [`rankings`]: every architecture against fully recurrent (128) on fitness, learning
//!    speed and robustness — Mann–Whitney U, Benjamini–Hochberg, p < 0.01. Skipped, and said
//!    so in the report and the summary, when architecture 128 has no network.
//! 3. [`pathways`]: the effect of adding each pathway over its 65 pairs.
//! 4. [`prediction`]: random-forest prediction of the three measures from the seven feature
//!    subsets, 10-fold cross-validated RMSE (the expensive part, in parallel).
//! 5. [`findings`]: the CCN abstract's numbers beside this run's, with verdicts (`findings.csv`).
//! 6. [`tables`]: `analysis_rankings.csv`, `analysis_pathways.csv`, `analysis_prediction.csv`;
//!    [`report`]: `figures/analysis_*.csv` and `analysis.html` ([`figures`] draws what the
//!    shared chart does not).
//!
//! Nothing is written until every record has been read and checked; nothing in the outputs
//! but the report's "generated" time depends on the clock or the thread count.

pub mod figures;
pub mod findings;
mod panels;
pub mod pathways;
pub mod prediction;
pub mod rankings;
pub mod report;
pub mod summary;
pub mod tables;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{anyhow, bail, Context};

use super::config::Study;
use super::record::{self, val};
use super::table::{self, Row};
use prediction::{PredictionOptions, PredictionOutcome, SUBSETS};
use wiring_run::run_dir::{RunDir, RunDirError};
use wiring_run::StudyDriver;

/// A per-network measure the analysis compares and predicts; higher is better for each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Measure {
    /// Headline fitness (at the headline sensor noise).
    Fitness,
    /// Learning speed (0–100 with 100 curve points).
    LearningSpeed,
    /// Area under fitness against sensor noise.
    Robustness,
}

/// The three measures, in the order of every table.
pub const MEASURES: [Measure; 3] = [
    Measure::Fitness,
    Measure::LearningSpeed,
    Measure::Robustness,
];

impl Measure {
    /// Column-friendly name.
    pub fn name(self) -> &'static str {
        match self {
            Measure::Fitness => "fitness",
            Measure::LearningSpeed => "learning_speed",
            Measure::Robustness => "robustness",
        }
    }

    /// Human label.
    pub fn label(self) -> &'static str {
        match self {
            Measure::Fitness => "fitness",
            Measure::LearningSpeed => "learning speed",
            Measure::Robustness => "robustness",
        }
    }

    /// The value of a network (NaN when missing).
    pub fn of(self, row: &Row) -> f64 {
        match self {
            Measure::Fitness => row.fitness,
            Measure::LearningSpeed => row.learning_speed,
            Measure::Robustness => row.robustness,
        }
    }
}

/// The networks of one architecture.
pub struct ArchitectureGroup<'a> {
    pub architecture: usize,
    pub name: String,
    pub rows: Vec<&'a Row>,
}

impl ArchitectureGroup<'_> {
    /// The values of `measure` of its networks (NaN kept).
    pub fn values(&self, measure: Measure) -> Vec<f64> {
        self.rows.iter().map(|r| measure.of(r)).collect()
    }
}

/// The architectures present in `rows`, by index.
pub fn group_values(rows: &[Row]) -> Vec<ArchitectureGroup<'_>> {
    let mut archs: Vec<usize> = rows.iter().map(|r| r.architecture).collect();
    archs.sort_unstable();
    archs.dedup();
    archs
        .into_iter()
        .map(|a| {
            let mine: Vec<&Row> = rows.iter().filter(|r| r.architecture == a).collect();
            ArchitectureGroup {
                architecture: a,
                name: mine[0].name.clone(),
                rows: mine,
            }
        })
        .collect()
}

/// How to analyse a run directory.
#[derive(Clone, Debug)]
pub struct AnalyzeOptions {
    pub dir: PathBuf,
    /// Threads of the prediction (`None`: one per core). Results do not depend on it.
    pub threads: Option<usize>,
    pub prediction: PredictionOptions,
}

/// One network as the analysis sees it: its study-table row and its memory curve `M_k`.
pub struct Network {
    pub row: Row,
    pub memory_curve: Vec<f64>,
}

/// What an analysis found and wrote.
#[derive(Clone, Debug)]
pub struct AnalyzeSummary {
    pub networks: usize,
    pub architectures: usize,
    /// Of the study's planned networks.
    pub planned: usize,
    /// The learning-speed threshold.
    pub threshold: f64,
    /// Per measure: (name, significantly better, significantly worse than full); `None`
    /// when the rankings were skipped.
    pub ranking_counts: Option<Vec<(&'static str, usize, usize)>>,
    /// Pathway pairs with both architectures present (per pathway, summed).
    pub pathway_pairs: usize,
    /// Per target: (name, baseline RMSE, RMSE from all 18 features); or why skipped.
    pub prediction: Result<Vec<(&'static str, f64, f64)>, String>,
    pub wall_seconds: f64,
    pub prediction_seconds: f64,
    pub threads: usize,
    pub report: PathBuf,
    /// The findings' tally ([`wiring_report::tally`]).
    pub findings: String,
}

impl AnalyzeSummary {
    /// A few lines for the terminal.
    pub fn describe(&self) -> String {
        let mut lines = vec![format!(
            "analysed {} network(s) of {} architecture(s) ({} planned) in {:.1} s ({:.1} s of random forests on {} thread(s)); learning-speed threshold {:.4}",
            self.networks,
            self.architectures,
            self.planned,
            self.wall_seconds,
            self.prediction_seconds,
            self.threads,
            self.threshold
        )];
        match &self.ranking_counts {
            Some(counts) => lines.push(format!(
                "rankings against full (BH-adjusted p < {}): {}",
                rankings::ALPHA,
                counts
                    .iter()
                    .map(|(m, b, w)| format!("{m} {b} better / {w} worse"))
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
            None => lines.push(
                "rankings skipped: architecture 128 (full) has no finished network".to_string(),
            ),
        }
        lines.push(format!(
            "pathway effects: {} pair(s) with both architectures present (of 7 × 65)",
            self.pathway_pairs
        ));
        match &self.prediction {
            Ok(targets) => lines.push(format!(
                "prediction, CV RMSE predict-the-mean → all 18 features: {}",
                targets
                    .iter()
                    .map(|(t, none, all)| format!("{t} {none:.4} → {all:.4}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
            Err(why) => lines.push(format!("prediction skipped: {why}")),
        }
        lines.push(format!("findings: {} (findings.csv)", self.findings));
        lines.push(format!("wrote {}", self.report.display()));
        lines.join("\n")
    }
}

/// A run-directory error as one line (its message already holds its cause).
fn one_line(e: RunDirError) -> anyhow::Error {
    anyhow!("{e}")
}

/// Reads the study of `dir`, with an error that says when it is not a pRNN run directory.
fn read_study(dir: &RunDir) -> anyhow::Result<Study> {
    let config_path = dir.config_path();
    let text = std::fs::read_to_string(&config_path)
        .with_context(|| format!("{}: cannot read", config_path.display()))?;
    Study::from_toml(&text, &config_path.display().to_string())
        .map_err(|e| anyhow!("{e} (is {} a pRNN run directory?)", dir.root().display()))
}

/// Every finished network of `dir`, each record checked (parses, belongs to this study, its
/// architecture is the planned one), by id.
pub fn read_networks(dir: &RunDir, study: &Study) -> anyhow::Result<Vec<Network>> {
    let hash = study.config_hash();
    let mut networks = Vec::new();
    for id in dir.finished_ids().map_err(one_line)? {
        let record = study.read_checked(dir, &hash, id).map_err(one_line)?;
        let planned = study.networks[id as usize].architecture;
        if record.architecture.index != planned.index() {
            return Err(dir
                .corrupt(
                    id,
                    &dir.network_dir(id).join(record::RECORD_FILE),
                    format!(
                        "field architecture.index is {}, expected {} ({}) for network {id} of this study",
                        record.architecture.index,
                        planned.index(),
                        planned.name()
                    ),
                )
                .into());
        }
        networks.push(Network {
            memory_curve: record
                .evaluation
                .memory_curve
                .iter()
                .map(|&v| val(v))
                .collect(),
            row: table::row(&record),
        });
    }
    Ok(networks)
}

/// Analyses the run directory `opts.dir` and writes the tables, figures and `analysis.html`.
pub fn analyze(opts: &AnalyzeOptions) -> anyhow::Result<AnalyzeSummary> {
    let start = Instant::now();
    let _span = tracing::info_span!("prnn_analyze").entered();
    let p = &opts.prediction;
    if p.trees == 0 || p.max_depth == 0 || p.folds < 2 {
        bail!(
            "--trees, --max-depth and --folds: expected at least 1, 1 and 2, got {}, {} and {}",
            p.trees,
            p.max_depth,
            p.folds
        );
    }
    let dir = RunDir::open_existing(&opts.dir).map_err(one_line)?;
    let study = read_study(&dir)?;
    let mut networks = {
        let _s = tracing::info_span!("read_records").entered();
        read_networks(&dir, &study)?
    };
    if networks.is_empty() {
        // Also when `networks/` does not exist.
        bail!(
            "{}: no finished network to analyse (no networks/<id>/record.json); train some with `prnn run` first",
            dir.networks_dir().display()
        );
    }
    let mut rows: Vec<Row> = networks.iter().map(|n| n.row.clone()).collect();
    let threshold = table::add_learning_speed(&mut rows);
    for (n, r) in networks.iter_mut().zip(&rows) {
        n.row.learning_speed = r.learning_speed;
    }

    let ranked = {
        let _s = tracing::info_span!("rankings").entered();
        rankings::rankings(&rows)
    };
    let effects = {
        let _s = tracing::info_span!("pathway_effects").entered();
        pathways::pathway_effects(&rows)
    };
    let threads = opts
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("cannot start the worker threads")?;
    tracing::info!(
        "{}: {} networks of {} architectures; random forests ({} trees, depth {}, {}-fold CV) for 3 targets × 6 feature subsets on {threads} thread(s)",
        dir.root().display(),
        rows.len(),
        group_values(&rows).len(),
        p.trees,
        p.max_depth,
        p.folds
    );
    let t0 = Instant::now();
    let predicted = {
        let _s = tracing::info_span!("prediction").entered();
        pool.install(|| prediction::predict(&rows, study.config.seed, p))
            .map_err(|e| anyhow!("prediction: {e}"))?
    };
    let prediction_seconds = t0.elapsed().as_secs_f64();

    let report_path = dir.root().join("analysis.html");
    let found = report::write(
        dir.root(),
        &report::AnalysisInput {
            study: &study,
            networks: &networks,
            threshold,
            rankings: ranked.as_deref(),
            effects: &effects,
            prediction: &predicted,
            options: p,
        },
        &report_path,
    )
    .map_err(one_line)?;

    let ranking_counts = ranked.as_ref().map(|r| {
        MEASURES
            .iter()
            .map(|&m| {
                let (b, w) = rankings::counts(r, m);
                (m.label(), b, w)
            })
            .collect()
    });
    let prediction = match &predicted {
        PredictionOutcome::Done { results, .. } => Ok(MEASURES
            .iter()
            .map(|&m| {
                let rmse = |s: &str| {
                    results
                        .iter()
                        .find(|r| r.target == m && SUBSETS[r.subset].name == s)
                        .map_or(f64::NAN, |r| r.cv.mean)
                };
                (m.label(), rmse("none"), rmse("all"))
            })
            .collect()),
        PredictionOutcome::Skipped(why) => Err(why.clone()),
    };
    Ok(AnalyzeSummary {
        networks: rows.len(),
        architectures: group_values(&rows).len(),
        planned: study.networks.len(),
        threshold,
        ranking_counts,
        pathway_pairs: effects
            .iter()
            .filter(|e| e.measure == Measure::Fitness)
            .count(),
        prediction,
        wall_seconds: start.elapsed().as_secs_f64(),
        prediction_seconds,
        threads,
        report: report_path,
        findings: wiring_report::tally(&found),
    })
}
