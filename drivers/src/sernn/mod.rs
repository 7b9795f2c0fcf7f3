//! The seRNN study driver (`spec/sernn.md`): train every network of a [`Study`] into a run
//! directory ([`run`]), then build the study table and report from the records ([`merge`]).
//!
//! - [`config`]: the TOML study config and its list of networks;
//! - [`record`]: one network's `record.json` + `weights.npz`;
//! - [`table`]: the study table `study.csv`;
//! - [`report`]: `report.html` and `figures/*.csv`;
//! - [`analyze`]: `sernn analyze` (structural and functional measures, `analysis.csv`,
//!   `analysis.html`) and `sernn metrics` (the structural measures of any `.npy` matrix).

pub mod analyze;
pub mod config;
pub mod record;
pub mod report;
pub mod table;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use rayon::prelude::*;
use wiring_model::sernn::{train, NetworkSeeds, TrainOptions};

pub use config::{Study, StudyConfig};

use crate::manifest::{self, Build, Machine, NetworkCounts, Session};
use crate::progress::Progress;
use crate::run_dir::{replace_file, RunDir, RunDirError};
use crate::shard::Shard;
use config::PlannedNetwork;
use record::{Record, Timing, RECORD_FILE, WEIGHTS_FILE};

/// How to run a study.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The run directory.
    pub out: PathBuf,
    /// Networks trained at once (`None`: one per core).
    pub threads: Option<usize>,
    /// The slice of the study to run.
    pub shard: Shard,
    /// No progress bar or per-network lines.
    pub quiet: bool,
    /// The command line, for the manifest.
    pub command: Vec<String>,
}

/// What a run did.
#[derive(Clone, Debug)]
pub struct RunSummary {
    pub counts: NetworkCounts,
    pub wall_seconds: f64,
    /// The merge at the end of an unsharded run.
    pub merged: Option<MergeSummary>,
}

/// Trains the networks of `opts.shard` of `study` that are not finished yet into `opts.out`,
/// then (unsharded) merges.
pub fn run(study: &Study, opts: &RunOptions) -> anyhow::Result<RunSummary> {
    let start = Instant::now();
    let _span = tracing::info_span!("run", shard = %opts.shard).entered();
    let dir = RunDir::create(&opts.out)?;
    adopt_study(&dir, study)?;
    dir.create_networks_dir()?;
    let hash = study.config_hash();

    let partial_removed = dir.remove_partials(|id| opts.shard.contains(id))?;
    if !partial_removed.is_empty() {
        tracing::info!(
            "removed {} half-written network(s) to train again: {}",
            partial_removed.len(),
            id_ranges(&partial_removed)
        );
    }
    let finished = check_finished(&dir, study, &hash, |id| opts.shard.contains(id))?;
    let in_shard: Vec<&PlannedNetwork> = study
        .networks
        .iter()
        .filter(|n| opts.shard.contains(n.id))
        .collect();
    let pending: Vec<&PlannedNetwork> = in_shard
        .iter()
        .copied()
        .filter(|n| !finished.contains(&n.id))
        .collect();

    let threads = opts
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let mut counts = NetworkCounts {
        in_study: study.networks.len(),
        in_shard: in_shard.len(),
        skipped: in_shard.len() - pending.len(),
        partial_removed: partial_removed.len(),
        ..NetworkCounts::default()
    };
    let manifest_path = manifest::manifest_path(dir.root(), opts.shard);
    let mut manifest = manifest::load(&manifest_path)?;
    manifest.sessions.push(Session {
        command: opts.command.clone(),
        build: Build::current(),
        machine: Machine::current(),
        threads,
        shard: opts.shard.to_string(),
        config_hash: hash.clone(),
        started: manifest::now_rfc3339(),
        finished: None,
        wall_seconds: None,
        networks: counts,
        networks_per_second: None,
        total_gflop: 0.0,
        gflop_per_second: None,
        peak_rss_mib: None,
    });
    manifest::save(&manifest_path, &manifest)?;
    tracing::info!(
        "{}: {} networks in study, {} in shard {}, {} already finished, {} to train on {threads} thread(s)",
        dir.root().display(),
        counts.in_study,
        counts.in_shard,
        opts.shard,
        counts.skipped,
        pending.len()
    );

    let progress = Progress::new(pending.len() as u64, opts.quiet);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("cannot start the worker threads")?;
    let train_span = tracing::info_span!("train_networks", n = pending.len());
    let results: Vec<(u64, Result<u64, String>)> = train_span.in_scope(|| {
        pool.install(|| {
            pending
                .par_iter()
                .map(|network| {
                    let result = train_and_commit(&dir, study, network);
                    match &result {
                        Ok((_, summary)) => progress.network_done(network.id, summary),
                        Err(e) => progress.network_failed(network.id, e),
                    }
                    (network.id, result.map(|(flops, _)| flops))
                })
                .collect()
        })
    });
    progress.finish();

    let failed: Vec<(u64, String)> = results
        .iter()
        .filter_map(|(id, r)| r.as_ref().err().map(|e| (*id, e.clone())))
        .collect();
    let flops: u64 = results.iter().filter_map(|(_, r)| r.as_ref().ok()).sum();
    counts.trained = results.len() - failed.len();
    counts.failed = failed.len();
    let wall = start.elapsed().as_secs_f64();
    if let Some(session) = manifest.sessions.last_mut() {
        let gflop = flops as f64 * 1e-9;
        session.finished = Some(manifest::now_rfc3339());
        session.wall_seconds = Some(wall);
        session.networks = counts;
        session.networks_per_second = (wall > 0.0).then(|| counts.trained as f64 / wall);
        session.total_gflop = gflop;
        session.gflop_per_second = (wall > 0.0).then(|| gflop / wall);
        session.peak_rss_mib = manifest::peak_rss_mib();
    }
    manifest::save(&manifest_path, &manifest)?;

    if let Some((id, first)) = failed.first() {
        bail!(
            "{} network(s) failed and have no record ({}); first, network {id}: {first}; the others are saved, rerun to retry",
            failed.len(),
            id_ranges(&failed.iter().map(|(id, _)| *id).collect::<Vec<_>>())
        );
    }
    let merged = if opts.shard.is_all() {
        Some(merge(dir.root())?)
    } else {
        None
    };
    Ok(RunSummary {
        counts,
        wall_seconds: wall,
        merged,
    })
}

/// Writes the study's config into the directory, or checks that the stored one is the same
/// study. Leaves a directory holding another study untouched.
fn adopt_study(dir: &RunDir, study: &Study) -> anyhow::Result<()> {
    let Some(existing_text) = dir.claim_config(&study.resolved_toml())? else {
        return Ok(());
    };
    let path = dir.config_path();
    let existing = Study::from_toml(&existing_text, &path.display().to_string(), dir.root())?;
    let differs = existing.differences(study);
    if differs.is_empty() {
        Ok(())
    } else {
        Err(RunDirError::DifferentStudy {
            existing: path,
            given: study.source.clone(),
            differs: differs.join(", "),
        }
        .into())
    }
}

/// Ids of the finished networks that `mine` accepts, each record checked (parses, right id and
/// config hash). A finished record that fails the check stops the run: it is never retrained
/// over silently.
fn check_finished(
    dir: &RunDir,
    study: &Study,
    hash: &str,
    mine: impl Fn(u64) -> bool,
) -> anyhow::Result<BTreeSet<u64>> {
    let mut ids = dir.finished_ids()?;
    ids.retain(|id| mine(*id));
    for &id in &ids {
        read_checked(dir, study, hash, id)?;
    }
    Ok(ids)
}

/// The checked record of finished network `id`.
fn read_checked(dir: &RunDir, study: &Study, hash: &str, id: u64) -> Result<Record, RunDirError> {
    if id >= study.networks.len() as u64 {
        let path = dir.network_dir(id);
        return Err(dir.corrupt(
            id,
            &path,
            format!(
                "network {id} is not in the study ({} networks)",
                study.networks.len()
            ),
        ));
    }
    record::read_record(dir, id, hash)
}

/// Trains one network and commits its files; returns its flops and a one-line summary.
fn train_and_commit(
    dir: &RunDir,
    study: &Study,
    network: &PlannedNetwork,
) -> Result<(u64, String), String> {
    let started = manifest::now_rfc3339();
    let t0 = Instant::now();
    let seeds = NetworkSeeds {
        study_seed: study.config.seed,
        network_id: network.id,
    };
    let options = TrainOptions {
        rnn: study.config.compute.rnn_kernel,
    };
    let trained = train(
        &study.config.recipe,
        &network.regulariser,
        &study.space,
        seeds,
        &options,
        &mut |_| {},
    )
    .map_err(|e| e.to_string())?;
    let timing = Timing {
        started,
        finished: manifest::now_rfc3339(),
        train_seconds: t0.elapsed().as_secs_f64(),
        host: manifest::hostname(),
    };
    let _span = tracing::info_span!("write_record", id = network.id).entered();
    let files = record::network_files(study, network, &trained, timing)?;
    dir.commit_network(
        network.id,
        &[
            (RECORD_FILE, &files.record_json),
            (WEIGHTS_FILE, &files.weights_npz),
        ],
    )
    .map_err(|e| e.to_string())?;
    let last = trained.epochs.last();
    let summary = format!(
        "{} γ={:.4} val acc {:.3} in {:.1}s",
        study.set_name(network),
        network.regulariser.gamma,
        last.map_or(f64::NAN, |e| e.val_accuracy),
        files.record.timing.train_seconds
    );
    Ok((trained.flops, summary))
}

/// What a merge found.
#[derive(Clone, Debug)]
pub struct MergeSummary {
    pub networks: usize,
    pub finished: usize,
    /// Ids of the study's networks without a record.
    pub missing: Vec<u64>,
    pub table: PathBuf,
    pub report: PathBuf,
}

impl MergeSummary {
    /// One line for the terminal.
    pub fn describe(&self) -> String {
        let missing = if self.missing.is_empty() {
            "none missing".to_string()
        } else {
            format!(
                "{} missing: {}",
                self.missing.len(),
                id_ranges(&self.missing)
            )
        };
        format!(
            "{}/{} networks finished ({missing}); wrote {} and {}",
            self.finished,
            self.networks,
            self.table.display(),
            self.report.display()
        )
    }
}

/// Builds `study.csv`, `figures/*.csv` and `report.html` in `root` from every record there.
pub fn merge(root: &Path) -> anyhow::Result<MergeSummary> {
    let _span = tracing::info_span!("merge").entered();
    let dir = RunDir::open_existing(root)?;
    let config_path = dir.config_path();
    let text = std::fs::read_to_string(&config_path)
        .with_context(|| format!("{}: cannot read", config_path.display()))?;
    let study = Study::from_toml(&text, &config_path.display().to_string(), root)?;
    let hash = study.config_hash();
    let finished = dir.finished_ids()?;
    let mut rows = Vec::with_capacity(finished.len());
    for &id in &finished {
        let record = read_checked(&dir, &study, &hash, id)?;
        let row = table::row(&study, &record)
            .map_err(|problem| dir.corrupt(id, &dir.network_dir(id).join(RECORD_FILE), problem))?;
        rows.push(row);
    }
    let missing: Vec<u64> = study
        .networks
        .iter()
        .map(|n| n.id)
        .filter(|id| !finished.contains(id))
        .collect();
    let table_path = root.join("study.csv");
    replace_file(&table_path, table::csv(&rows).as_bytes())?;
    let sessions = report::read_sessions(root);
    let report_path = root.join("report.html");
    report::write(root, &study, &rows, &missing, &sessions, &report_path)?;
    Ok(MergeSummary {
        networks: study.networks.len(),
        finished: finished.len(),
        missing,
        table: table_path,
        report: report_path,
    })
}

/// `0-3, 7, 9-12`, shortened after 20 ranges.
pub fn id_ranges(ids: &[u64]) -> String {
    let mut ranges: Vec<(u64, u64)> = Vec::new();
    for &id in ids {
        match ranges.last_mut() {
            Some((_, hi)) if *hi + 1 == id => *hi = id,
            _ => ranges.push((id, id)),
        }
    }
    let shown: Vec<String> = ranges
        .iter()
        .take(20)
        .map(|&(lo, hi)| {
            if lo == hi {
                lo.to_string()
            } else {
                format!("{lo}-{hi}")
            }
        })
        .collect();
    let more = if ranges.len() > 20 {
        format!(", … ({} more ranges)", ranges.len() - 20)
    } else {
        String::new()
    };
    format!("{}{more}", shown.join(", "))
}
