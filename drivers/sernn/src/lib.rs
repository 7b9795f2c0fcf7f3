//! # wiring-sernn
//!
//! The spatially embedded RNN study (Achterberg et al. 2023, `spec/sernn.md`): its config,
//! records, study table, analysis and report, and the thin `sernn` binary (`src/bin/sernn.rs`).
//! The run loop, run directory, shards and manifests are `wiring_run`'s; the pages
//! `wiring_report`'s.
//!
//! Start at [`run`]: train every network of a [`Study`] into a run directory, then build the
//! study table and report from the records ([`merge`]).
//!
//! - [`config`]: the TOML study config and its list of networks;
//! - [`record`]: one network's `record.json` + `weights.npz`;
//! - [`table`]: the study table `study.csv`;
//! - [`report`]: `report.html` and `figures/*.csv`;
//! - [`ranges`]: `sernn ranges` (where each set stops being dense and collapses; a γ range);
//! - [`analyze`]: `sernn analyze` (structural and functional measures, `analysis.csv`,
//!   `analysis.html`) and `sernn metrics` (the structural measures of any `.npy` matrix).

pub mod analyze;
pub mod config;
pub mod ranges;
pub mod record;
pub mod report;
pub mod table;

use std::path::Path;
use std::time::Instant;

use wiring_kernels::device::{CudaDevice, Device, EmulatedDevice};
use wiring_kernels::Backend;
use wiring_model::rng::NetworkSeeds;
use wiring_model::sernn::engine::DeviceEngine;
use wiring_model::sernn::{train, train_population, Member, TrainOptions, TrainedNetwork};

pub use config::{Study, StudyConfig};
pub use wiring_run::study::{id_ranges, MergeSummary, RunOptions, RunSummary};

use config::PlannedNetwork;
use record::{Record, Timing, RECORD_FILE, WEIGHTS_FILE};
use wiring_run::progress::Progress;
use wiring_run::run_dir::{replace_file, RunDir};
use wiring_run::study::{self, StudyDriver, Work};
use wiring_run::{machine, manifest};

/// Trains the networks of `opts.shard` of `study` that are not finished yet into `opts.out`,
/// one network per thread, then (unsharded) merges ([`wiring_run::study::run`]).
pub fn run(study: &Study, opts: &RunOptions) -> anyhow::Result<RunSummary> {
    study::run(study, opts)
}

impl StudyDriver for Study {
    type Network = PlannedNetwork;
    type Record = Record;
    const KIND: &'static str = "seRNN";

    fn networks(&self) -> &[PlannedNetwork] {
        &self.networks
    }
    fn id(network: &PlannedNetwork) -> u64 {
        network.id
    }
    fn config_hash(&self) -> String {
        Study::config_hash(self)
    }
    fn resolved_toml(&self) -> String {
        Study::resolved_toml(self)
    }
    fn source(&self) -> &str {
        &self.source
    }
    fn backend(&self) -> wiring_kernels::Backend {
        self.config.compute.backend
    }
    fn backends(&self) -> &'static [Backend] {
        &[Backend::Cpu, Backend::Cuda]
    }
    fn with_backend(mut self, backend: Backend) -> Self {
        self.config.compute.backend = backend;
        self
    }
    fn from_stored(text: &str, dir: &RunDir) -> anyhow::Result<Self> {
        let path = dir.config_path();
        Ok(Study::from_toml(
            text,
            &path.display().to_string(),
            dir.root(),
        )?)
    }
    fn differences(&self, other: &Self) -> Vec<&'static str> {
        Study::differences(self, other)
    }

    /// On the CPU one network per unit; on a GPU one population per set (its networks share
    /// the regulariser's kind and options), at most [`DEVICE_POPULATION`] networks.
    fn work_units<'a>(
        &self,
        pending: &[&'a PlannedNetwork],
        _threads: usize,
    ) -> Vec<Vec<&'a PlannedNetwork>> {
        match self.config.compute.backend {
            Backend::Cpu => pending.iter().map(|&n| vec![n]).collect(),
            Backend::Cuda => {
                let mut units: Vec<Vec<&PlannedNetwork>> = Vec::new();
                for set in 0..self.config.sets.len() {
                    let members: Vec<&PlannedNetwork> =
                        pending.iter().copied().filter(|n| n.set == set).collect();
                    units.extend(members.chunks(DEVICE_POPULATION).map(<[_]>::to_vec));
                }
                units
            }
        }
    }
    fn train_unit(
        &self,
        dir: &RunDir,
        unit: &[&PlannedNetwork],
        progress: &Progress,
    ) -> Vec<(u64, Result<Work, String>)> {
        if self.config.compute.backend == Backend::Cuda {
            return train_population_unit(dir, self, unit, progress);
        }
        unit.iter()
            .map(|network| {
                let result = train_and_commit(dir, self, network);
                match &result {
                    Ok((_, summary)) => progress.network_done(network.id, summary),
                    Err(e) => progress.network_failed(network.id, e),
                }
                let work = |(flops, _)| Work {
                    flops,
                    episodes: 0,
                    device_peak_bytes: 0,
                };
                (network.id, result.map(work))
            })
            .collect()
    }
    fn merge(root: &Path) -> anyhow::Result<MergeSummary> {
        merge(root)
    }
    fn request_stop() {
        wiring_model::stop::request();
    }
}

/// Trains one network and commits its files; returns its flops and a one-line summary.
fn train_and_commit(
    dir: &RunDir,
    study: &Study,
    network: &PlannedNetwork,
) -> Result<(u64, String), String> {
    let started = machine::now_rfc3339();
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
        finished: machine::now_rfc3339(),
        train_seconds: t0.elapsed().as_secs_f64(),
        host: machine::hostname(),
    };
    commit(dir, study, network, &trained, timing)
}

/// Writes a trained network's record and weights; returns its flops and a one-line summary.
fn commit(
    dir: &RunDir,
    study: &Study,
    network: &PlannedNetwork,
    trained: &TrainedNetwork,
    timing: Timing,
) -> Result<(u64, String), String> {
    let _span = tracing::info_span!("write_record", id = network.id).entered();
    let files = record::network_files(study, network, trained, timing)?;
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

/// Networks trained together on one GPU, at most: all of a paper set (1 001) fit a 16 GB card
/// with room to spare (about 6 MB each at 100 units and batch 128).
pub const DEVICE_POPULATION: usize = 2048;

/// Trains a population of one set's networks together on GPU 0 ([`DeviceEngine`]; on the
/// emulated device when `WIRING_DEVICE=emulated`) and commits each. A network's
/// `train_seconds` is the population's wall time divided by its size.
fn train_population_unit(
    dir: &RunDir,
    study: &Study,
    unit: &[&PlannedNetwork],
    progress: &Progress,
) -> Vec<(u64, Result<Work, String>)> {
    if wiring_run::compute::emulated() {
        return train_on(EmulatedDevice::new(), dir, study, unit, progress);
    }
    match CudaDevice::open(0) {
        Ok(device) => train_on(device, dir, study, unit, progress),
        Err(e) => unit.iter().map(|n| (n.id, Err(e.to_string()))).collect(),
    }
}

fn train_on<D: Device>(
    device: D,
    dir: &RunDir,
    study: &Study,
    unit: &[&PlannedNetwork],
    progress: &Progress,
) -> Vec<(u64, Result<Work, String>)> {
    let started = machine::now_rfc3339();
    let t0 = Instant::now();
    let fail_all = |e: String| unit.iter().map(|n| (n.id, Err(e.clone()))).collect();
    let recipe = &study.config.recipe;
    let specs: Vec<_> = unit.iter().map(|n| n.regulariser).collect();
    let members: Vec<Member> = unit
        .iter()
        .map(|n| Member {
            regulariser: n.regulariser,
            seeds: NetworkSeeds {
                study_seed: study.config.seed,
                network_id: n.id,
            },
        })
        .collect();
    let mut engine = match DeviceEngine::new(
        device,
        recipe.n_hidden,
        recipe.task.steps(),
        recipe.batch_size,
        &specs,
        &study.space,
    ) {
        Ok(e) => e,
        Err(e) => return fail_all(e.to_string()),
    };
    let _span = tracing::info_span!("device_population", networks = unit.len()).entered();
    let results =
        match train_population(recipe, &members, &study.space, &mut engine, &mut |_, _| {}) {
            Ok(r) => r,
            Err(e) => return fail_all(e.to_string()),
        };
    let peak = engine.device().memory().peak;
    let seconds = t0.elapsed().as_secs_f64() / unit.len().max(1) as f64;
    let finished = machine::now_rfc3339();
    unit.iter()
        .zip(results)
        .map(|(network, trained)| {
            let timing = Timing {
                started: started.clone(),
                finished: finished.clone(),
                train_seconds: seconds,
                host: machine::hostname(),
            };
            let result = trained
                .map_err(|e| e.to_string())
                .and_then(|t| commit(dir, study, network, &t, timing));
            match &result {
                Ok((_, summary)) => progress.network_done(network.id, summary),
                Err(e) => progress.network_failed(network.id, e),
            }
            let work = |(flops, _)| Work {
                flops,
                episodes: 0,
                device_peak_bytes: peak,
            };
            (network.id, result.map(work))
        })
        .collect()
}

/// The stored study of the run directory `root` and the table row of every finished network
/// (each record checked), by id.
pub fn read_rows(
    root: &Path,
) -> anyhow::Result<(Study, std::collections::BTreeSet<u64>, Vec<table::Row>)> {
    let (dir, study) = study::open_stored::<Study>(root)?;
    let hash = study.config_hash();
    let finished = dir.finished_ids()?;
    let mut rows = Vec::with_capacity(finished.len());
    for &id in &finished {
        let record = study.read_checked(&dir, &hash, id)?;
        let row = table::row(&study, &record)
            .map_err(|problem| dir.corrupt(id, &dir.network_dir(id).join(RECORD_FILE), problem))?;
        rows.push(row);
    }
    Ok((study, finished, rows))
}

/// Builds `study.csv`, `figures/*.csv` and `report.html` in `root` from every record there.
pub fn merge(root: &Path) -> anyhow::Result<MergeSummary> {
    let _span = tracing::info_span!("merge").entered();
    let (study, finished, rows) = read_rows(root)?;
    let missing: Vec<u64> = study
        .networks
        .iter()
        .map(|n| n.id)
        .filter(|id| !finished.contains(id))
        .collect();
    let table_path = root.join("study.csv");
    replace_file(&table_path, table::csv(&rows).as_bytes())?;
    let sessions = manifest::read_sessions(root);
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
