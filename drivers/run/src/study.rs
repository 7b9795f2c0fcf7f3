//! The run loop both study drivers share: a run directory that holds one study, resumed and
//! sharded, its networks trained in parallel and committed one by one, a manifest session per
//! invocation, and a merge at the end of an unsharded run.
//!
//! A driver describes its study through [`StudyDriver`] (its networks, how a finished record
//! is checked, how networks are grouped into work units and trained, how the study table is
//! merged); [`run`] does the rest identically for every study:
//!
//! 1. refuse a backend this build cannot run (before touching the directory); create the
//!    directory, store the resolved config or refuse a directory holding another
//!    study ([`RunDirError::DifferentStudy`]);
//! 2. claim the shard ([`crate::lock`]: a second process on the same or an overlapping shard
//!    refuses, naming the holder; the claim ends with the process, however it ends); remove
//!    the half-written networks of the shard, check every finished record (one that fails the
//!    check — truncated, corrupt or missing files — is moved aside whole to
//!    `networks/<id>.corrupt-…`, with a one-line warning, and trained again: nothing is lost,
//!    nothing untrusted is read; a record of a network the study does not have, or of
//!    another study — a `config.toml` edited after networks were trained — stops the run
//!    before anything moves);
//! 3. append a session to the shard's manifest, train the pending networks' work units in
//!    parallel (each unit on one thread), count and time them, rewrite the session; after
//!    SIGTERM / SIGINT ([`crate::interrupt`]) no unit starts, running ones stop at their next
//!    check unsaved, and the session records the signal;
//! 4. fail with one line naming the failed networks (the others are saved), the first write
//!    that found the disk full (after which no unit starts and running ones stop), or the
//!    signal that stopped the run, or merge when the run is unsharded.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use rayon::prelude::*;

use crate::machine::{self, Build, Machine};
use crate::manifest::{self, NetworkCounts, Session};
use crate::progress::Progress;
use crate::run_dir::{NetworkRecord, RunDir, RunDirError};
use crate::shard::Shard;

/// How to run a study.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The run directory.
    pub out: PathBuf,
    /// Work units (networks or populations) trained at once (`None`: one per core).
    pub threads: Option<usize>,
    /// The slice of the study to run.
    pub shard: Shard,
    /// No progress bar or per-network lines.
    pub quiet: bool,
    /// Claim the shard ([`crate::lock`]); `false` is `--no-lock`.
    pub lock: bool,
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

/// The work of one trained network, for the manifest's throughput figures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Work {
    /// Floating-point operations (0 when the study does not count them).
    pub flops: u64,
    /// Training episodes (0 when the study has none).
    pub episodes: u64,
    /// Peak device memory of the work unit that trained it, bytes (0 on the CPU).
    pub device_peak_bytes: u64,
}

/// One study type as the shared run loop sees it.
pub trait StudyDriver: Sized + Sync {
    /// One planned network of the study.
    type Network: Sync;
    /// The study's name in messages (`seRNN`, `pRNN`).
    const KIND: &'static str;

    /// Every network of the study, by id.
    fn networks(&self) -> &[Self::Network];
    /// A network's id (its index in [`StudyDriver::networks`]).
    fn id(network: &Self::Network) -> u64;
    /// The hash every record of the study carries.
    fn config_hash(&self) -> String;
    /// The resolved config, as stored in the run directory.
    fn resolved_toml(&self) -> String;
    /// Where the study came from (a path, or the built-in quick study), for messages.
    fn source(&self) -> &str;
    /// Where its networks are computed (`compute.backend`); checked before anything runs.
    fn backend(&self) -> wiring_kernels::Backend;
    /// The backends this study has an engine for.
    fn backends(&self) -> &'static [wiring_kernels::Backend] {
        &[wiring_kernels::Backend::Cpu]
    }
    /// The same study on another backend (`--backend`): part of its identity.
    fn with_backend(self, backend: wiring_kernels::Backend) -> Self;
    /// The study stored in `dir` (`text` read from `dir.config_path()`).
    fn from_stored(text: &str, dir: &RunDir) -> anyhow::Result<Self>;
    /// The fields in which `self` and `other` differ (empty: the same study).
    fn differences(&self, other: &Self) -> Vec<&'static str>;
    /// The record each finished network leaves in `networks/<id>/`.
    type Record: NetworkRecord;

    /// The checked record of finished network `id`: a network of the study, and its record
    /// parses with the right format, id and config hash `hash` ([`RunDir::read_record`]).
    fn read_checked(&self, dir: &RunDir, hash: &str, id: u64) -> Result<Self::Record, RunDirError> {
        let networks = self.networks().len();
        if id >= networks as u64 {
            return Err(not_in_study(dir, id, networks));
        }
        dir.read_record::<Self::Record>(id, hash)
    }
    /// Groups the pending networks into work units, each trained on one thread.
    fn work_units<'a>(
        &self,
        pending: &[&'a Self::Network],
        threads: usize,
    ) -> Vec<Vec<&'a Self::Network>>;
    /// Trains one work unit and commits each network; reports each to `progress`; one result
    /// per network, in any order.
    fn train_unit(
        &self,
        dir: &RunDir,
        unit: &[&Self::Network],
        progress: &Progress,
    ) -> Vec<(u64, Result<Work, String>)>;
    /// Builds the study table and report of the run directory at `root`.
    fn merge(root: &Path) -> anyhow::Result<MergeSummary>;
    /// Asks the study's training loops to stop (called from the SIGTERM / SIGINT handler:
    /// must be async-signal-safe, e.g. one atomic store; [`crate::interrupt`]).
    fn request_stop();
}

/// What a network that no work unit started gets after SIGTERM / SIGINT.
const NOT_STARTED: &str = "not started: the run was asked to stop";

/// Trains the networks of `opts.shard` of `study` that are not finished yet into `opts.out`,
/// then (unsharded) merges. See the module docs.
pub fn run<S: StudyDriver>(study: &S, opts: &RunOptions) -> anyhow::Result<RunSummary> {
    let start = Instant::now();
    let _span = tracing::info_span!("run", shard = %opts.shard).entered();
    let device = crate::compute::check(study.backend(), study.backends(), S::KIND, study.source())?;
    crate::interrupt::install(S::request_stop).context("cannot install the signal handlers")?;
    let dir = RunDir::create(&opts.out)?;
    adopt_study(&dir, study)?;
    dir.create_networks_dir()?;
    // Held to the end of the run: no other process trains, or removes the half-written files
    // of, these networks meanwhile.
    let _lock = if opts.lock {
        Some(crate::lock::claim(dir.root(), opts.shard, &opts.command)?)
    } else {
        tracing::warn!(
            "running without a lock (--no-lock): nothing stops another process from training \
             these networks at the same time"
        );
        None
    };
    let hash = study.config_hash();

    let partial_removed = dir.remove_partials(|id| opts.shard.contains(id))?;
    if !partial_removed.is_empty() {
        tracing::info!(
            "removed {} half-written network(s) to train again: {}",
            partial_removed.len(),
            id_ranges(&partial_removed)
        );
    }
    let (finished, corrupt_set_aside) =
        check_finished(&dir, study, &hash, |id| opts.shard.contains(id))?;
    let in_shard: Vec<&S::Network> = study
        .networks()
        .iter()
        .filter(|n| opts.shard.contains(S::id(n)))
        .collect();
    let pending: Vec<&S::Network> = in_shard
        .iter()
        .copied()
        .filter(|n| !finished.contains(&S::id(n)))
        .collect();

    let threads = opts
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let units = study.work_units(&pending, threads);
    let mut counts = NetworkCounts {
        in_study: study.networks().len(),
        in_shard: in_shard.len(),
        skipped: in_shard.len() - pending.len(),
        partial_removed: partial_removed.len(),
        corrupt_set_aside,
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
        started: machine::now_rfc3339(),
        finished: None,
        wall_seconds: None,
        interrupted: None,
        networks: counts,
        networks_per_second: None,
        total_gflop: 0.0,
        gflop_per_second: None,
        peak_rss_mib: None,
        training_episodes: None,
        episodes_per_second_per_core: None,
        episodes_per_second: None,
        device: device
            .as_ref()
            .map(|d| manifest::DeviceSession::new(d, 0, None)),
    });
    manifest::save(&manifest_path, &manifest)?;
    tracing::info!(
        "{}: {} networks in study, {} in shard {}, {} already finished, {} to train in {} work unit(s) on {threads} thread(s)",
        dir.root().display(),
        counts.in_study,
        counts.in_shard,
        opts.shard,
        counts.skipped,
        pending.len(),
        units.len()
    );

    let progress = Progress::new(pending.len() as u64, opts.quiet).watching(&dir);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("cannot start the worker threads")?;
    let train_span = tracing::info_span!("train_networks", n = pending.len());
    let results: Vec<(u64, Result<Work, String>)> = train_span.in_scope(|| {
        pool.install(|| {
            units
                .par_iter()
                .with_max_len(1)
                .flat_map_iter(|unit| {
                    // After SIGTERM / SIGINT, or once the disk is full, no unit starts.
                    if crate::interrupt::received().is_some() || dir.out_of_space().is_some() {
                        return unit
                            .iter()
                            .map(|n| (S::id(n), Err(NOT_STARTED.into())))
                            .collect();
                    }
                    let done = study.train_unit(&dir, unit, &progress);
                    if dir.out_of_space().is_some() {
                        // The units running now could not save either: stop them.
                        S::request_stop();
                    }
                    done
                })
                .collect()
        })
    });
    progress.finish();

    let interrupted = crate::interrupt::received();
    let failed: Vec<(u64, String)> = results
        .iter()
        .filter_map(|(id, r)| r.as_ref().err().map(|e| (*id, e.clone())))
        .collect();
    let work = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok())
        .fold(Work::default(), |a, w| Work {
            flops: a.flops + w.flops,
            episodes: a.episodes + w.episodes,
            device_peak_bytes: a.device_peak_bytes.max(w.device_peak_bytes),
        });
    counts.trained = results.len() - failed.len();
    counts.failed = failed.len();
    let wall = start.elapsed().as_secs_f64();
    if let Some(session) = manifest.sessions.last_mut() {
        let gflop = work.flops as f64 * 1e-9;
        let per_second = |x: f64| (wall > 0.0).then(|| x / wall);
        session.finished = Some(machine::now_rfc3339());
        session.interrupted = interrupted.map(String::from);
        session.wall_seconds = Some(wall);
        session.networks = counts;
        session.networks_per_second = per_second(counts.trained as f64);
        session.total_gflop = gflop;
        session.gflop_per_second = per_second(gflop).filter(|_| work.flops > 0);
        session.peak_rss_mib = machine::peak_rss_mib();
        session.training_episodes = (work.episodes > 0).then_some(work.episodes);
        session.episodes_per_second_per_core =
            per_second(work.episodes as f64 / threads as f64).filter(|_| work.episodes > 0);
        session.episodes_per_second =
            per_second(work.episodes as f64).filter(|_| work.episodes > 0);
        session.device = device.as_ref().map(|d| {
            manifest::DeviceSession::new(d, work.device_peak_bytes, session.gflop_per_second)
        });
    }
    manifest::save(&manifest_path, &manifest)?;

    if let Some(signal) = interrupted {
        bail!(
            "stopped by {signal}: {} network(s) trained and saved by this run, {} not trained \
             (none half-saved); run the same command again to resume",
            counts.trained,
            failed.len()
        );
    }
    if let Some(full) = dir.out_of_space() {
        bail!(
            "{full}; stopped: {} network(s) trained and saved by this run, {} not saved (none \
             half-saved); free space and run the same command again to resume",
            counts.trained,
            failed.len()
        );
    }
    if let Some((id, first)) = failed.first() {
        bail!(
            "{} network(s) failed and have no record ({}); first, network {id}: {first}; the others are saved, rerun to retry",
            failed.len(),
            id_ranges(&failed.iter().map(|(id, _)| *id).collect::<Vec<_>>())
        );
    }
    let merged = if opts.shard.is_all() {
        Some(S::merge(dir.root())?)
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
fn adopt_study<S: StudyDriver>(dir: &RunDir, study: &S) -> anyhow::Result<()> {
    let Some(existing_text) = dir.claim_config(&study.resolved_toml())? else {
        return Ok(());
    };
    let existing = S::from_stored(&existing_text, dir).map_err(|e| {
        anyhow::anyhow!(
            "{}: this run directory does not hold a {} study ({e:#}); use another --out directory",
            dir.config_path().display(),
            S::KIND
        )
    })?;
    let differs = existing.differences(study);
    if differs.is_empty() {
        Ok(())
    } else {
        Err(RunDirError::DifferentStudy {
            existing: dir.config_path(),
            given: study.source().to_string(),
            differs: differs.join(", "),
        }
        .into())
    }
}

/// Ids of the finished networks that `mine` accepts, each record checked, and how many failed
/// their check and were set aside to train again (each with a warning).
fn check_finished<S: StudyDriver>(
    dir: &RunDir,
    study: &S,
    hash: &str,
    mine: impl Fn(u64) -> bool,
) -> anyhow::Result<(BTreeSet<u64>, usize)> {
    let mut ids = dir.finished_ids()?;
    ids.retain(|id| mine(*id));
    // Every record is checked before anything moves: a record of another study (or one that
    // is not in this study) refuses the run with the directory untouched.
    let mut corrupt = Vec::new();
    for &id in &ids {
        match study.read_checked(dir, hash, id) {
            Ok(_) => {}
            Err(RunDirError::CorruptRecord { path, problem, .. })
                if id < study.networks().len() as u64 =>
            {
                corrupt.push((id, path, problem));
            }
            Err(e) => return Err(e.into()),
        }
    }
    // A network of the study whose files fail their check: nothing of it is trusted or lost;
    // it is moved aside and trained again.
    for (id, path, problem) in &corrupt {
        let aside = dir.set_aside(*id)?;
        tracing::warn!(
            "{}: {problem}; moved network {id} to {} and training it again",
            path.display(),
            aside.display()
        );
        ids.remove(id);
    }
    Ok((ids, corrupt.len()))
}

/// The error for a record in `networks/<id>` of a study that has no network `id`.
pub fn not_in_study(dir: &RunDir, id: u64, networks: usize) -> RunDirError {
    dir.corrupt(
        id,
        &dir.network_dir(id),
        format!("network {id} is not in the study ({networks} networks)"),
    )
}

/// The study stored in the run directory at `root` (for merge and analysis) and the directory.
pub fn open_stored<S: StudyDriver>(root: &Path) -> anyhow::Result<(RunDir, S)> {
    let dir = RunDir::open_existing(root)?;
    let config_path = dir.config_path();
    let text = std::fs::read_to_string(&config_path)
        .with_context(|| format!("{}: cannot read", config_path.display()))?;
    let study = S::from_stored(&text, &dir)?;
    Ok((dir, study))
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
