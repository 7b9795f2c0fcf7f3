//! The pRNN study driver (`spec/prnn.md`): train and evaluate every network of a [`Study`]
//! into a run directory ([`run`]), then build the study table and report from the records
//! ([`merge`]).
//!
//! - [`config`]: the TOML study config, its architectures and its list of networks;
//! - [`record`]: one network's `record.json` + `arrays.npz`;
//! - [`table`]: `study.csv` (with the learning speed, computed over the whole task) and
//!   `architectures.csv`;
//! - [`report`]: `report.html` and `figures/*.csv`;
//! - [`analyze`]: `prnn analyze` — rankings against full, pathway effects, random-forest
//!   prediction, `analysis.html`.
//!
//! Work units: the pending networks of the shard, grouped by hidden size (the 34-unit `ff34`
//! apart from the 8-unit rest) into populations of at most `compute.population`, each trained
//! in lockstep by [`train_population`] and evaluated by [`evaluate_population`]; populations
//! run in parallel over the threads and each network is committed atomically as soon as its
//! population finishes. A network's result never depends on its population (the model
//! guarantees it; `tests/prnn_run.rs` checks it through threads, shards and resumption).

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
use serde::{Deserialize, Serialize};
use wiring_model::prnn::{evaluate_population, train_population, PrnnPlan};
use wiring_model::sernn::NetworkSeeds;

pub use crate::sernn::{id_ranges, MergeSummary, RunOptions, RunSummary};
pub use config::{Study, StudyConfig};

use crate::manifest::{self, Build, Machine, NetworkCounts, Session};
use crate::progress::Progress;
use crate::run_dir::{replace_file, RunDir, RunDirError};
use config::PlannedNetwork;
use record::{Record, Timing, ARRAYS_FILE, RECORD_FILE};

/// One session of the pRNN driver in the manifest: the shared [`Session`] fields plus the
/// training throughput.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PrnnSession {
    #[serde(flatten)]
    pub session: Session,
    /// Training episodes of the networks trained in this session.
    #[serde(default)]
    pub training_episodes: u64,
    /// `training_episodes / (wall_seconds · threads)`: training episodes per second per core,
    /// evaluation included in the time.
    #[serde(default)]
    pub episodes_per_second_per_core: Option<f64>,
}

/// All pRNN sessions of a run (or shard) in a directory.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PrnnManifest {
    pub sessions: Vec<PrnnSession>,
}

fn load_manifest(path: &Path) -> Result<PrnnManifest, RunDirError> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| RunDirError::Io {
            path: path.to_path_buf(),
            action: "parse (move the file away to start a new manifest)",
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(PrnnManifest::default()),
        Err(source) => Err(RunDirError::Io {
            path: path.to_path_buf(),
            action: "read",
            source,
        }),
    }
}

fn save_manifest(path: &Path, m: &PrnnManifest) -> Result<(), RunDirError> {
    let mut text = serde_json::to_string_pretty(m).map_err(|e| RunDirError::Io {
        path: path.to_path_buf(),
        action: "serialise",
        source: std::io::Error::other(e.to_string()),
    })?;
    text.push('\n');
    replace_file(path, text.as_bytes())
}

/// Trains and evaluates the networks of `opts.shard` of `study` that are not finished yet into
/// `opts.out`, then (unsharded) merges.
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
    let units = work_units(&pending, study.config.compute.population, threads);
    let mut counts = NetworkCounts {
        in_study: study.networks.len(),
        in_shard: in_shard.len(),
        skipped: in_shard.len() - pending.len(),
        partial_removed: partial_removed.len(),
        ..NetworkCounts::default()
    };
    let manifest_path = manifest::manifest_path(dir.root(), opts.shard);
    let mut manifest = load_manifest(&manifest_path)?;
    manifest.sessions.push(PrnnSession {
        session: Session {
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
        },
        training_episodes: 0,
        episodes_per_second_per_core: None,
    });
    save_manifest(&manifest_path, &manifest)?;
    tracing::info!(
        "{}: {} networks in study, {} in shard {}, {} already finished, {} to train in {} population(s) on {threads} thread(s)",
        dir.root().display(),
        counts.in_study,
        counts.in_shard,
        opts.shard,
        counts.skipped,
        pending.len(),
        units.len()
    );

    let progress = Progress::new(pending.len() as u64, opts.quiet);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("cannot start the worker threads")?;
    let train_span = tracing::info_span!("train_networks", n = pending.len());
    let results: Vec<(u64, Result<(), String>)> = train_span.in_scope(|| {
        pool.install(|| {
            units
                .par_iter()
                .with_max_len(1)
                .flat_map_iter(|unit| train_unit(&dir, study, unit, &progress))
                .collect()
        })
    });
    progress.finish();

    let failed: Vec<(u64, String)> = results
        .iter()
        .filter_map(|(id, r)| r.as_ref().err().map(|e| (*id, e.clone())))
        .collect();
    counts.trained = results.len() - failed.len();
    counts.failed = failed.len();
    let wall = start.elapsed().as_secs_f64();
    let episodes = (counts.trained * study.config.training.episodes) as u64;
    if let Some(s) = manifest.sessions.last_mut() {
        s.session.finished = Some(manifest::now_rfc3339());
        s.session.wall_seconds = Some(wall);
        s.session.networks = counts;
        s.session.networks_per_second = (wall > 0.0).then(|| counts.trained as f64 / wall);
        s.session.peak_rss_mib = manifest::peak_rss_mib();
        s.training_episodes = episodes;
        s.episodes_per_second_per_core =
            (wall > 0.0).then(|| episodes as f64 / (wall * threads as f64));
    }
    save_manifest(&manifest_path, &manifest)?;

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

/// The pending networks as work units: grouped by hidden size (larger first), chunks of at
/// most `population`, and small enough that every thread gets work
/// (`min(population, ⌈group / threads⌉)`).
fn work_units<'a>(
    pending: &[&'a PlannedNetwork],
    population: usize,
    threads: usize,
) -> Vec<Vec<&'a PlannedNetwork>> {
    let mut sizes: Vec<usize> = pending.iter().map(|n| n.architecture.n_hidden()).collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    sizes.dedup();
    let mut units = Vec::new();
    for hidden in sizes {
        let group: Vec<&PlannedNetwork> = pending
            .iter()
            .copied()
            .filter(|n| n.architecture.n_hidden() == hidden)
            .collect();
        let size = population.min(group.len().div_ceil(threads)).max(1);
        units.extend(group.chunks(size).map(<[_]>::to_vec));
    }
    units
}

/// Writes the study's config into the directory, or checks that the stored one is the same
/// study. Leaves a directory holding another study untouched.
fn adopt_study(dir: &RunDir, study: &Study) -> anyhow::Result<()> {
    let Some(existing_text) = dir.claim_config(&study.resolved_toml())? else {
        return Ok(());
    };
    let path = dir.config_path();
    let existing = Study::from_toml(&existing_text, &path.display().to_string()).map_err(|e| {
        anyhow::anyhow!(
            "{}: this run directory does not hold a pRNN study ({e}); use another --out directory",
            path.display()
        )
    })?;
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

/// Ids of the finished networks that `mine` accepts, each record checked. A finished record
/// that fails the check stops the run: it is never retrained over silently.
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
        return Err(dir.corrupt(
            id,
            &dir.network_dir(id),
            format!(
                "network {id} is not in the study ({} networks)",
                study.networks.len()
            ),
        ));
    }
    record::read_record(dir, id, hash)
}

/// Trains and evaluates one population, commits each network; one result per network.
fn train_unit(
    dir: &RunDir,
    study: &Study,
    unit: &[&PlannedNetwork],
    progress: &Progress,
) -> Vec<(u64, Result<(), String>)> {
    let _span = tracing::info_span!("population", first = unit[0].id, n = unit.len()).entered();
    let c = &study.config;
    let plans: Vec<PrnnPlan> = unit
        .iter()
        .map(|n| PrnnPlan {
            architecture: n.architecture,
            seeds: NetworkSeeds {
                study_seed: c.seed,
                network_id: n.id,
            },
        })
        .collect();
    let started = manifest::now_rfc3339();
    let t0 = Instant::now();
    let outcome = train_population(&c.training, &c.task, c.compute.kernel, &plans, &mut |_| {})
        .and_then(|trained| {
            let train_s = t0.elapsed().as_secs_f64();
            let t1 = Instant::now();
            let nets: Vec<_> = trained.iter().map(|t| &t.trained).collect();
            let evals = evaluate_population(
                &c.training,
                &c.evaluation,
                &c.task,
                c.compute.kernel,
                &plans,
                &nets,
            )?;
            Ok((trained, evals, train_s, t1.elapsed().as_secs_f64()))
        });
    let (trained, evals, train_s, eval_s) = match outcome {
        Ok(o) => o,
        Err(e) => {
            let e = e.to_string();
            return unit
                .iter()
                .map(|n| {
                    progress.network_failed(n.id, &e);
                    (n.id, Err(e.clone()))
                })
                .collect();
        }
    };
    let size = unit.len();
    let finished = manifest::now_rfc3339();
    unit.iter()
        .zip(trained.iter().zip(&evals))
        .map(|(network, (t, (evaluation, steps)))| {
            let timing = Timing {
                started: started.clone(),
                finished: finished.clone(),
                train_seconds: train_s / size as f64,
                evaluate_seconds: eval_s / size as f64,
                population: size,
                host: manifest::hostname(),
            };
            let result = record::network_files(study, network, t, evaluation, steps, timing)
                .and_then(|files| {
                    dir.commit_network(
                        network.id,
                        &[
                            (RECORD_FILE, &files.record_json),
                            (ARRAYS_FILE, &files.arrays_npz),
                        ],
                    )
                    .map_err(|e| e.to_string())?;
                    Ok(format!(
                        "{} seed {}: fitness {:.3}, memory {:.2}",
                        network.architecture.name(),
                        network.seed_index,
                        evaluation.fitness,
                        evaluation.memory
                    ))
                });
            match &result {
                Ok(summary) => progress.network_done(network.id, summary),
                Err(e) => progress.network_failed(network.id, e),
            }
            (network.id, result.map(|_| ()))
        })
        .collect()
}

/// Builds `study.csv`, `architectures.csv`, `figures/*.csv` and `report.html` in `root` from
/// every record there. Learning speed is computed here, over every finished network.
pub fn merge(root: &Path) -> anyhow::Result<MergeSummary> {
    let _span = tracing::info_span!("merge").entered();
    let dir = RunDir::open_existing(root)?;
    let config_path = dir.config_path();
    let text = std::fs::read_to_string(&config_path)
        .with_context(|| format!("{}: cannot read", config_path.display()))?;
    let study = Study::from_toml(&text, &config_path.display().to_string())?;
    let hash = study.config_hash();
    let finished = dir.finished_ids()?;
    let mut rows = Vec::with_capacity(finished.len());
    for &id in &finished {
        rows.push(table::row(&read_checked(&dir, &study, &hash, id)?));
    }
    let threshold = table::add_learning_speed(&mut rows);
    let summaries = table::summaries(&rows);
    let missing: Vec<u64> = study
        .networks
        .iter()
        .map(|n| n.id)
        .filter(|id| !finished.contains(id))
        .collect();
    let table_path = root.join("study.csv");
    replace_file(&table_path, table::csv(&rows).as_bytes())?;
    replace_file(
        &root.join("architectures.csv"),
        table::summaries_csv(&summaries).as_bytes(),
    )?;
    let sessions = crate::sernn::report::read_sessions(root);
    let report_path = root.join("report.html");
    report::write(
        root,
        &report::ReportInput {
            study: &study,
            rows: &rows,
            summaries: &summaries,
            threshold,
            missing: &missing,
            sessions: &sessions,
        },
        &report_path,
    )?;
    Ok(MergeSummary {
        networks: study.networks.len(),
        finished: finished.len(),
        missing,
        table: table_path,
        report: report_path,
    })
}

/// Median fitness per architecture of a merged run directory, as `(name, median, networks)`
/// sorted by index: what the binary prints after a run.
pub fn median_fitness(root: &Path) -> anyhow::Result<Vec<(String, f64, usize)>> {
    let dir = RunDir::open_existing(root)?;
    let config_path = dir.config_path();
    let text = std::fs::read_to_string(&config_path)
        .with_context(|| format!("{}: cannot read", config_path.display()))?;
    let study = Study::from_toml(&text, &config_path.display().to_string())?;
    let hash = study.config_hash();
    let mut rows = Vec::new();
    for id in dir.finished_ids()? {
        rows.push(table::row(&read_checked(&dir, &study, &hash, id)?));
    }
    Ok(table::summaries(&rows)
        .into_iter()
        .map(|s| (s.name, s.fitness, s.networks))
        .collect())
}

/// The path of the default run directory of a config file: `runs/<stem>`.
pub fn default_out(config: Option<&Path>) -> PathBuf {
    match config {
        Some(path) => PathBuf::from("runs").join(
            path.file_stem()
                .map_or("prnn".into(), |s| s.to_string_lossy().into_owned()),
        ),
        None => PathBuf::from("runs/prnn-quick"),
    }
}
