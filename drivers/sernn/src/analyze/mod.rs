//! `sernn analyze DIR`: the structural and functional measures of every finished network at
//! the analysed epoch, the table `analysis.csv`, the findings `findings.csv` and the report
//! `analysis.html`.
//!
//! Per network (in parallel over networks, each on one thread):
//! 1. `W_rec` and the other weights after epoch `analysis.epoch` from `weights.npz`;
//! 2. [`wiring_metrics::structural_measures`] of `W_rec` (proportional threshold
//!    `analysis.threshold`, `analysis.null_draws` random graphs) with the Euclidean unit
//!    distances (power 1 for every set, so wiring costs compare across sets); Louvain and the
//!    nulls use the stream seeded `stream_seed(study seed, id, "analysis.structural")`;
//! 3. hidden activity on the network's first `analysis.functional_trials` (640) validation
//!    trials, replayed from its `"data"` stream, noise-free, with the study's RNN kernel
//!    ([`wiring_model::sernn::activity`]), and [`wiring_metrics::functional_measures`] of it
//!    (windows placed by `FunctionalOptions::for_phases`; the clustering null seeded
//!    `stream_seed(study seed, id, "analysis.functional_clustering")`);
//! 4. `networks/<id>/analysis.json` ([`NetworkAnalysis`]), replaced atomically.
//!
//! Resuming: a network whose `analysis.json` has this format, this study's config hash and the
//! same [`AnalysisSettings`] is not analysed again. Nothing in `analysis.json` depends on time,
//! thread count or order, so a rerun from scratch writes the same bytes.
//!
//! - [`table`]: `analysis.csv` (the columns of `study.csv`, then the measures);
//! - [`comparison`]: seRNN vs L1 at matched density and mean |W|, the sweet spot;
//! - [`findings`]: the paper's claims and this run's verdicts (`findings.csv`);
//! - [`report`]: `analysis.html` and `figures/analysis_*.csv`;
//! - [`npy`]: `.npy` matrices and `sernn metrics`.

pub mod comparison;
pub mod findings;
pub mod npy;
pub mod report;
pub mod table;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use wiring_metrics::functional::{Activity, TrialLabels};
use wiring_metrics::{
    functional_measures, structural_measures, FunctionalMeasures, FunctionalOptions,
    StructuralMeasures, StructuralOptions,
};
use wiring_model::rng::stream_seed;
use wiring_model::rng::NetworkSeeds;
use wiring_model::sernn::activity::{record_activity, validation_trials};
use wiring_model::sernn::Snapshot;

use super::config::{AnalysisConfig, Study};
use super::id_ranges;
use super::record::{self, Record};
use wiring_run::progress::Progress;
use wiring_run::run_dir::{replace_file, RunDir};

/// The analysis format written by this build.
pub const ANALYSIS_FORMAT: &str = "wiring.sernn.analysis/1";
/// File name inside `networks/<id>/`.
pub const ANALYSIS_FILE: &str = "analysis.json";

/// Command-line overrides of the study's `[analysis]` options.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AnalysisOverrides {
    pub threshold: Option<f64>,
    pub null_draws: Option<usize>,
    pub functional_trials: Option<usize>,
    pub permutations: Option<usize>,
}

/// How to analyse a run directory.
#[derive(Clone, Debug)]
pub struct AnalyzeOptions {
    pub dir: PathBuf,
    /// Networks analysed at once (`None`: one per core).
    pub threads: Option<usize>,
    pub quiet: bool,
    pub overrides: AnalysisOverrides,
}

/// Everything that decides one network's analysis; an `analysis.json` with equal settings is
/// reused.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnalysisSettings {
    /// The snapshot analysed (weights after this epoch).
    pub epoch: usize,
    /// Proportional threshold of the binary graph.
    pub threshold: f64,
    pub null_draws: usize,
    /// Validation trials recorded (`min(analysis.functional_trials, recipe.n_validation)`).
    pub functional_trials: usize,
    pub permutations: usize,
    /// Seeds of the structural (Louvain, nulls) and clustering-null streams.
    pub structural_seed: u64,
    pub functional_seed: u64,
    /// RNN kernel of the recorded activity.
    pub rnn_kernel: String,
}

/// Scalars derived from the measures, for the table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnalysisSummary {
    /// Modules found by the spectral method (binary graph) and Louvain (weighted).
    pub modules_spectral_binary: usize,
    pub modules_louvain_weighted: usize,
    /// Mean over units of η² at the choice window (goal, offered pair, answer).
    pub ev_goal_choice: f64,
    pub ev_offered_choice: f64,
    pub ev_answer_choice: f64,
    /// The same at the delay window.
    pub ev_goal_delay: f64,
    pub ev_offered_delay: f64,
    pub ev_answer_delay: f64,
}

/// `networks/<id>/analysis.json`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NetworkAnalysis {
    /// [`ANALYSIS_FORMAT`].
    pub format: String,
    pub network_id: u64,
    pub config_hash: String,
    pub settings: AnalysisSettings,
    /// Accuracy of the readout on the recorded trials (the validation accuracy on them).
    pub functional_accuracy: f64,
    pub summary: AnalysisSummary,
    pub structural: StructuralMeasures,
    /// Explained variances per window and unit, mixed selectivity, clustering, energy.
    pub functional: FunctionalMeasures,
}

/// What an analysis did.
#[derive(Clone, Debug)]
pub struct AnalyzeSummary {
    /// Finished networks in the directory.
    pub networks: usize,
    /// Analysed in this session, and reused from an earlier one.
    pub analysed: usize,
    pub reused: usize,
    pub wall_seconds: f64,
    /// Mean seconds of one network's analysis (one thread), this session.
    pub seconds_per_network: Option<f64>,
    pub table: PathBuf,
    pub report: PathBuf,
    /// The findings' tally ([`wiring_report::tally`]).
    pub findings: String,
}

impl AnalyzeSummary {
    /// Two lines for the terminal.
    pub fn describe(&self) -> String {
        let per = self.seconds_per_network.map_or(String::new(), |s| {
            format!(", {s:.2} s per network per thread")
        });
        format!(
            "analysed {} network(s), reused {} of {} in {:.1} s{per}; wrote {} and {}\nfindings: {} (findings.csv)",
            self.analysed,
            self.reused,
            self.networks,
            self.wall_seconds,
            self.table.display(),
            self.report.display(),
            self.findings
        )
    }
}

/// One network's analysis JSON and its seconds, or why it failed.
type NetworkResult = Result<(Value, f64), String>;

/// The settings of network `id` of `study` under `analysis` options.
pub fn settings(study: &Study, analysis: &AnalysisConfig, id: u64) -> AnalysisSettings {
    let seed = study.config.seed;
    AnalysisSettings {
        epoch: analysis.epoch,
        threshold: analysis.threshold,
        null_draws: analysis.null_draws,
        functional_trials: analysis
            .functional_trials
            .min(study.config.recipe.n_validation),
        permutations: analysis.permutations,
        structural_seed: stream_seed(seed, id, "analysis.structural"),
        functional_seed: stream_seed(seed, id, "analysis.functional_clustering"),
        rnn_kernel: study.config.compute.rnn_kernel.to_string(),
    }
}

/// The study's `[analysis]` options with `overrides` applied and checked.
pub fn resolve_options(
    study: &Study,
    overrides: &AnalysisOverrides,
) -> anyhow::Result<AnalysisConfig> {
    let mut a = study.config.analysis;
    a.threshold = overrides.threshold.unwrap_or(a.threshold);
    a.null_draws = overrides.null_draws.unwrap_or(a.null_draws);
    a.functional_trials = overrides.functional_trials.unwrap_or(a.functional_trials);
    a.permutations = overrides.permutations.unwrap_or(a.permutations);
    if !(a.threshold > 0.0 && a.threshold <= 1.0) {
        bail!(
            "--threshold: expected a fraction in (0, 1], got {}",
            a.threshold
        );
    }
    if a.null_draws == 0 {
        bail!("--nulls: expected at least 1 random graph, got 0");
    }
    if a.functional_trials < 2 {
        bail!(
            "--trials: expected at least 2 trials, got {}",
            a.functional_trials
        );
    }
    Ok(a)
}

/// Analyses every finished network of the run directory `opts.dir` not analysed yet with the
/// same settings, then writes `analysis.csv`, `figures/analysis_*.csv` and `analysis.html`.
pub fn analyze(opts: &AnalyzeOptions) -> anyhow::Result<AnalyzeSummary> {
    let start = Instant::now();
    let _span = tracing::info_span!("analyze").entered();
    let dir = RunDir::open_existing(&opts.dir)?;
    let config_path = dir.config_path();
    let text = std::fs::read_to_string(&config_path)
        .with_context(|| format!("{}: cannot read", config_path.display()))?;
    let study = Study::from_toml(&text, &config_path.display().to_string(), dir.root())?;
    let analysis = resolve_options(&study, &opts.overrides)?;
    let hash = study.config_hash();

    // Every record is checked before anything is written.
    let mut records = Vec::new();
    for id in dir.finished_ids()? {
        if id >= study.networks.len() as u64 {
            let path = dir.network_dir(id);
            return Err(dir
                .corrupt(id, &path, format!("network {id} is not in the study"))
                .into());
        }
        records.push(dir.read_record::<record::Record>(id, &hash)?);
    }
    let mut pending = Vec::new();
    let mut reused = Vec::new();
    for r in &records {
        let want = settings(&study, &analysis, r.network_id);
        match read_analysis(&dir, r.network_id, &hash, &want) {
            Some(v) => reused.push((r.network_id, v)),
            None => pending.push(r),
        }
    }

    let threads = opts
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    tracing::info!(
        "{}: {} finished networks, {} already analysed, {} to analyse on {threads} thread(s)",
        dir.root().display(),
        records.len(),
        reused.len(),
        pending.len()
    );
    let distance = study.space.distance(1.0);
    let progress = Progress::new(pending.len() as u64, opts.quiet);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("cannot start the worker threads")?;
    let results: Vec<(u64, NetworkResult)> = pool.install(|| {
        pending
            .par_iter()
            .map(|r| {
                let t0 = Instant::now();
                let result = analyse_and_write(&dir, &study, &analysis, &distance, r, &hash)
                    .map(|v| (v, t0.elapsed().as_secs_f64()));
                match &result {
                    Ok((v, s)) => progress.network_done(r.network_id, &describe(v, *s)),
                    Err(e) => progress.network_failed(r.network_id, e),
                }
                (r.network_id, result)
            })
            .collect()
    });
    progress.finish();
    let failed: Vec<(u64, &String)> = results
        .iter()
        .filter_map(|(id, r)| r.as_ref().err().map(|e| (*id, e)))
        .collect();
    if let Some((id, first)) = failed.first() {
        let ids: Vec<u64> = failed.iter().map(|(id, _)| *id).collect();
        bail!(
            "{} network(s) could not be analysed ({}); first, network {id}: {first}; the others are saved, rerun to retry",
            failed.len(),
            id_ranges(&ids)
        );
    }
    let seconds: Vec<f64> = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok().map(|(_, s)| *s))
        .collect();
    let analysed = seconds.len();
    let mut by_id: Vec<(u64, Value)> = reused;
    by_id.extend(
        results
            .into_iter()
            .filter_map(|(id, r)| r.ok().map(|(v, _)| (id, v))),
    );
    by_id.sort_by_key(|(id, _)| *id);

    let mut rows = Vec::with_capacity(records.len());
    for (record, (id, value)) in records.iter().zip(&by_id) {
        debug_assert_eq!(record.network_id, *id);
        let base = super::table::row(&study, record).map_err(|problem| {
            dir.corrupt(
                *id,
                &dir.network_dir(*id).join(record::RECORD_FILE),
                problem,
            )
        })?;
        rows.push(table::AnalysisRow::new(base, value));
    }
    let root = dir.root();
    let table_path = root.join("analysis.csv");
    replace_file(&table_path, table::csv(&rows).as_bytes())?;
    let report_path = root.join("analysis.html");
    let found = report::write(root, &study, &analysis, &rows, &report_path)?;
    Ok(AnalyzeSummary {
        networks: records.len(),
        analysed,
        reused: records.len() - analysed,
        wall_seconds: start.elapsed().as_secs_f64(),
        seconds_per_network: (analysed > 0).then(|| seconds.iter().sum::<f64>() / analysed as f64),
        table: table_path,
        report: report_path,
        findings: wiring_report::tally(&found),
    })
}

fn describe(v: &Value, seconds: f64) -> String {
    let get = |p: &str| v.pointer(p).and_then(Value::as_f64).unwrap_or(f64::NAN);
    format!(
        "Q {:.2}, σ {:.2}, mixed selectivity {:.2}, clustering p {:.3} in {seconds:.2}s",
        get("/structural/spectral_binary/q"),
        get("/structural/small_world/sigma"),
        get("/functional/mixed_selectivity_choice"),
        get("/functional/clustering/p_value")
    )
}

/// The stored analysis of network `id` as JSON, if it is this build's format for this study
/// with settings `want`; `None` (analyse again) otherwise.
fn read_analysis(dir: &RunDir, id: u64, hash: &str, want: &AnalysisSettings) -> Option<Value> {
    let bytes = std::fs::read(dir.network_dir(id).join(ANALYSIS_FILE)).ok()?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    let same = v.get("format")?.as_str()? == ANALYSIS_FORMAT
        && v.get("network_id")?.as_u64()? == id
        && v.get("config_hash")?.as_str()? == hash
        && serde_json::from_value::<AnalysisSettings>(v.get("settings")?.clone()).ok()? == *want;
    same.then_some(v)
}

/// Analyses one network and replaces its `analysis.json`; returns the JSON written.
fn analyse_and_write(
    dir: &RunDir,
    study: &Study,
    analysis: &AnalysisConfig,
    distance: &[f64],
    record: &Record,
    hash: &str,
) -> Result<Value, String> {
    let id = record.network_id;
    let _span = tracing::info_span!("analyse_network", id).entered();
    let weights_path = dir.network_dir(id).join(&record.weights.file);
    let snapshot = read_snapshot(&weights_path, analysis.epoch, record.n_hidden)
        .map_err(|e| format!("{}: {e}", weights_path.display()))?;
    let result = analyse_network(study, analysis, distance, record, &snapshot, hash)?;
    let value = serde_json::to_value(&result).map_err(|e| format!("cannot encode: {e}"))?;
    // Compact: ~3 000 explained variances per network.
    let mut bytes = serde_json::to_vec(&value).map_err(|e| format!("cannot encode: {e}"))?;
    bytes.push(b'\n');
    replace_file(&dir.network_dir(id).join(ANALYSIS_FILE), &bytes).map_err(|e| e.to_string())?;
    Ok(value)
}

/// The measures of one network whose weights at the analysed epoch are `snapshot`.
pub fn analyse_network(
    study: &Study,
    analysis: &AnalysisConfig,
    distance: &[f64],
    record: &Record,
    snapshot: &Snapshot,
    hash: &str,
) -> Result<NetworkAnalysis, String> {
    let id = record.network_id;
    let n = record.n_hidden;
    let settings = settings(study, analysis, id);
    let w_rec: Vec<f64> = snapshot.w_rec.iter().map(|&w| f64::from(w)).collect();
    let structural_opts = StructuralOptions {
        proportion: settings.threshold,
        null_draws: settings.null_draws,
        seed: settings.structural_seed,
        ..StructuralOptions::default()
    };
    let structural = {
        let _s = tracing::debug_span!("structural").entered();
        structural_measures(&w_rec, n, Some(distance), &structural_opts)
            .map_err(|e| e.to_string())?
    };
    let recipe = &study.config.recipe;
    let seeds = NetworkSeeds {
        study_seed: study.config.seed,
        network_id: id,
    };
    let trials = validation_trials(recipe, seeds, settings.functional_trials);
    let task = recipe.task;
    let activity = {
        let _s = tracing::debug_span!("record_activity").entered();
        record_activity(
            study.config.compute.rnn_kernel,
            task,
            snapshot,
            n,
            &trials.problems,
        )
        .map_err(|e| e.to_string())?
    };
    let functional_opts = FunctionalOptions::for_phases(
        task.goal_steps,
        task.delay_steps,
        task.choice_steps,
        settings.permutations,
        settings.functional_seed,
    );
    let functional = {
        let _s = tracing::debug_span!("functional").entered();
        functional_measures(
            &Activity {
                data: &activity.hidden,
                trials: activity.trials,
                steps: activity.steps,
                units: activity.units,
            },
            &TrialLabels {
                goal: &activity.goal,
                offered: &activity.offered,
                answer: &activity.answer,
            },
            distance,
            &functional_opts,
        )
        .map_err(|e| e.to_string())?
    };
    let mean = FunctionalMeasures::mean_ev;
    let (cw, dw) = (functional.choice_window, functional.delay_window);
    let summary = AnalysisSummary {
        modules_spectral_binary: structural.spectral_binary.modules(),
        modules_louvain_weighted: structural.louvain_weighted.modules(),
        ev_goal_choice: mean(&functional.ev_goal, cw),
        ev_offered_choice: mean(&functional.ev_offered, cw),
        ev_answer_choice: mean(&functional.ev_answer, cw),
        ev_goal_delay: mean(&functional.ev_goal, dw),
        ev_offered_delay: mean(&functional.ev_offered, dw),
        ev_answer_delay: mean(&functional.ev_answer, dw),
    };
    Ok(NetworkAnalysis {
        format: ANALYSIS_FORMAT.into(),
        network_id: id,
        config_hash: hash.into(),
        settings,
        functional_accuracy: activity.correct as f64 / activity.trials.max(1) as f64,
        summary,
        structural,
        functional,
    })
}

/// The weights after epoch `epoch` from a `weights.npz` of `n`-unit snapshots.
pub fn read_snapshot(path: &Path, epoch: usize, n: usize) -> Result<Snapshot, String> {
    let mut archive = npyz::npz::NpzArchive::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let mut array = |name: &str, per_snapshot: usize| -> Result<Vec<f32>, String> {
        let npy = archive
            .by_name(name)
            .map_err(|e| format!("cannot read `{name}`: {e}"))?
            .ok_or_else(|| format!("has no array `{name}`"))?;
        let shape = npy.shape().to_vec();
        let snapshots = shape.first().copied().unwrap_or(0) as usize;
        let len = shape.iter().product::<u64>() as usize;
        if snapshots <= epoch || len != snapshots * per_snapshot {
            return Err(format!(
                "`{name}` has shape {shape:?}, expected more than {epoch} snapshots of {per_snapshot} values"
            ));
        }
        let all: Vec<f32> = npy
            .into_vec()
            .map_err(|e| format!("cannot read `{name}` as f32: {e}"))?;
        Ok(all[epoch * per_snapshot..(epoch + 1) * per_snapshot].to_vec())
    };
    use wiring_tasks::goal_choice::{N_CLASSES, N_INPUTS};
    Ok(Snapshot {
        w_in: array("w_in", N_INPUTS * n)?,
        w_rec: array("w_rec", n * n)?,
        b: array("b", n)?,
        w_out: array("w_out", n * N_CLASSES)?,
        b_out: array("b_out", N_CLASSES)?,
    })
}
