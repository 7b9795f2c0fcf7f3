//! # wiring-prnn
//!
//! The partially recurrent network study (Ghosh & Goodman 2025, `spec/prnn.md`): its config,
//! records, study table, analysis and report, and the thin `prnn` binary (`src/bin/prnn.rs`).
//! The run loop, run directory, shards and manifests are `wiring_run`'s; the pages
//! `wiring_report`'s.
//!
//! Start at [`run`]: train and evaluate every network of a [`Study`] into a run directory, then
//! build the study table and report from the records ([`merge`]).
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
//! guarantees it; `tests/run_dirs.rs` at the workspace root checks it through threads, shards
//! and resumption). With `--backend cuda` a work unit is every pending network of one hidden
//! size (at most [`DEVICE_POPULATION`]), trained and measured on the GPU, one device thread per
//! network ([`wiring_model::prnn::device`]); its results equal the CPU's
//! (`tests/device.rs`).

pub mod analyze;
pub mod checkpoint;
pub mod config;
pub mod record;
pub mod report;
pub mod table;

use std::path::Path;
use std::time::Instant;

use wiring_kernels::device::{CudaDevice, Device, EmulatedDevice};
use wiring_kernels::Backend;
use wiring_model::prnn::{
    evaluate_population, evaluate_population_on, train_population, train_population_resumable_on,
    PrnnEvaluation, PrnnPlan, StepMeasures, TrainedPrnn,
};
use wiring_model::rng::NetworkSeeds;

pub use config::{Study, StudyConfig};
pub use wiring_run::study::{id_ranges, MergeSummary, RunOptions, RunSummary};

use config::PlannedNetwork;
use record::{Record, Timing, ARRAYS_FILE, RECORD_FILE};
use wiring_run::progress::Progress;
use wiring_run::run_dir::{replace_file, RunDir};
use wiring_run::study::{self, StudyDriver, Work};
use wiring_run::{machine, manifest};

/// Trains and evaluates the networks of `opts.shard` of `study` that are not finished yet into
/// `opts.out`, a population per thread, then (unsharded) merges ([`wiring_run::study::run`]).
pub fn run(study: &Study, opts: &RunOptions) -> anyhow::Result<RunSummary> {
    study::run(study, opts)
}

impl StudyDriver for Study {
    type Network = PlannedNetwork;
    type Record = Record;
    const KIND: &'static str = "pRNN";

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
    fn with_backend(mut self, backend: wiring_kernels::Backend) -> Self {
        self.config.compute.backend = backend;
        self
    }
    fn from_stored(text: &str, dir: &RunDir) -> anyhow::Result<Self> {
        let path = dir.config_path();
        Ok(Study::from_toml(text, &path.display().to_string())?)
    }
    fn differences(&self, other: &Self) -> Vec<&'static str> {
        Study::differences(self, other)
    }

    fn work_units<'a>(
        &self,
        pending: &[&'a PlannedNetwork],
        threads: usize,
    ) -> Vec<Vec<&'a PlannedNetwork>> {
        match self.config.compute.backend {
            Backend::Cpu => work_units(pending, self.config.compute.population, threads),
            // One population per hidden size on the device.
            Backend::Cuda => work_units(pending, DEVICE_POPULATION, 1),
        }
    }
    fn train_unit(
        &self,
        dir: &RunDir,
        unit: &[&PlannedNetwork],
        progress: &Progress,
    ) -> Vec<(u64, Result<Work, String>)> {
        let work = |device_peak_bytes| Work {
            flops: 0,
            episodes: self.config.training.episodes as u64,
            device_peak_bytes,
        };
        let (results, peak) = match self.config.compute.backend {
            Backend::Cpu => (train_unit(dir, self, unit, progress), 0),
            Backend::Cuda => train_device_unit(dir, self, unit, progress),
        };
        results
            .into_iter()
            .map(|(id, r)| (id, r.map(|()| work(peak))))
            .collect()
    }
    fn merge(root: &Path) -> anyhow::Result<MergeSummary> {
        merge(root)
    }
    fn request_stop() {
        wiring_model::stop::request();
    }
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

/// Networks of one hidden size trained together on one GPU, at most: a whole task (6 450
/// networks) of the 8-unit architectures fits in about 0.3 GB of device memory.
pub const DEVICE_POPULATION: usize = 8192;

/// The plans of a unit's networks.
fn plans_of(study: &Study, unit: &[&PlannedNetwork]) -> Vec<PrnnPlan> {
    unit.iter()
        .map(|n| PrnnPlan {
            architecture: n.architecture,
            seeds: NetworkSeeds {
                study_seed: study.config.seed,
                network_id: n.id,
            },
        })
        .collect()
}

/// One result per network of a unit, by id.
type UnitResults = Vec<(u64, Result<(), String>)>;

/// What training and evaluating a unit gave: each network's training and measures, and the
/// seconds each took.
struct Trained {
    trained: Vec<TrainedPrnn>,
    evals: Vec<(PrnnEvaluation, StepMeasures)>,
    train_seconds: f64,
    evaluate_seconds: f64,
}

/// Trains and evaluates one population on the CPU, commits each network; one result per
/// network.
fn train_unit(
    dir: &RunDir,
    study: &Study,
    unit: &[&PlannedNetwork],
    progress: &Progress,
) -> Vec<(u64, Result<(), String>)> {
    let _span = tracing::info_span!("population", first = unit[0].id, n = unit.len()).entered();
    let c = &study.config;
    let plans = plans_of(study, unit);
    let started = machine::now_rfc3339();
    let t0 = Instant::now();
    let outcome = train_population(&c.training, &c.task, c.compute.kernel, &plans, &mut |_| {})
        .and_then(|trained| {
            let train_seconds = t0.elapsed().as_secs_f64();
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
            Ok(Trained {
                trained,
                evals,
                train_seconds,
                evaluate_seconds: t1.elapsed().as_secs_f64(),
            })
        })
        .map_err(|e| e.to_string());
    commit_unit(dir, study, unit, progress, started, outcome)
}

/// Trains one population on GPU 0 (on the emulated device when `WIRING_DEVICE=emulated`):
/// every network's whole Q-learning loop on the device
/// ([`wiring_model::prnn::train_population_resumable_on`], resuming from and keeping the
/// population's [`checkpoint`]), then its measures there too
/// ([`wiring_model::prnn::evaluate_population_on`]); commits each network, then drops the
/// checkpoint. Returns the results and the device memory the population held at its peak.
fn train_device_unit(
    dir: &RunDir,
    study: &Study,
    unit: &[&PlannedNetwork],
    progress: &Progress,
) -> (UnitResults, u64) {
    if wiring_run::compute::emulated() {
        return train_on(EmulatedDevice::new(), dir, study, unit, progress);
    }
    match CudaDevice::open(0) {
        Ok(device) => train_on(device, dir, study, unit, progress),
        Err(e) => (unit.iter().map(|n| (n.id, Err(e.to_string()))).collect(), 0),
    }
}

fn train_on<D: Device>(
    mut device: D,
    dir: &RunDir,
    study: &Study,
    unit: &[&PlannedNetwork],
    progress: &Progress,
) -> (UnitResults, u64) {
    let _span =
        tracing::info_span!("device_population", first = unit[0].id, n = unit.len()).entered();
    let c = &study.config;
    let plans = plans_of(study, unit);
    let started = machine::now_rfc3339();
    let t0 = Instant::now();
    let ids: Vec<u64> = unit.iter().map(|n| n.id).collect();
    let mut checkpoints = checkpoint::PopulationCheckpoints::new(dir, &study.config_hash(), &ids);
    let trained = train_population_resumable_on(
        &mut device,
        &c.training,
        &c.task,
        &plans,
        &mut |_| {},
        &mut checkpoints,
    );
    let outcome = trained
        .and_then(|trained| {
            let train_seconds = t0.elapsed().as_secs_f64();
            let t1 = Instant::now();
            let _s = tracing::info_span!("device_evaluation", n = plans.len()).entered();
            let nets: Vec<_> = trained.iter().map(|t| &t.trained).collect();
            let evals = evaluate_population_on(
                &mut device,
                &c.training,
                &c.evaluation,
                &c.task,
                &plans,
                &nets,
            )?;
            Ok(Trained {
                trained,
                evals,
                train_seconds,
                evaluate_seconds: t1.elapsed().as_secs_f64(),
            })
        })
        .map_err(|e| e.to_string());
    let peak = device.memory().peak;
    let results = commit_unit(dir, study, unit, progress, started, outcome);
    if results.iter().all(|(_, r)| r.is_ok()) {
        checkpoints.remove();
    }
    (results, peak)
}

/// Commits each network of a trained and evaluated unit (or fails them all with its error);
/// a network's seconds are the unit's divided by its size.
fn commit_unit(
    dir: &RunDir,
    study: &Study,
    unit: &[&PlannedNetwork],
    progress: &Progress,
    started: String,
    outcome: Result<Trained, String>,
) -> Vec<(u64, Result<(), String>)> {
    let Trained {
        trained,
        evals,
        train_seconds: train_s,
        evaluate_seconds: eval_s,
    } = match outcome {
        Ok(o) => o,
        Err(e) => {
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
    let finished = machine::now_rfc3339();
    unit.iter()
        .zip(trained.iter().zip(&evals))
        .map(|(network, (t, (evaluation, steps)))| {
            let timing = Timing {
                started: started.clone(),
                finished: finished.clone(),
                train_seconds: train_s / size as f64,
                evaluate_seconds: eval_s / size as f64,
                population: size,
                host: machine::hostname(),
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
    let (dir, study) = study::open_stored::<Study>(root)?;
    let hash = study.config_hash();
    let finished = dir.finished_ids()?;
    let mut rows = Vec::with_capacity(finished.len());
    for &id in &finished {
        rows.push(table::row(&study.read_checked(&dir, &hash, id)?));
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
    let sessions = manifest::read_sessions(root);
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
    let (dir, study) = study::open_stored::<Study>(root)?;
    let hash = study.config_hash();
    let mut rows = Vec::new();
    for id in dir.finished_ids()? {
        rows.push(table::row(&study.read_checked(&dir, &hash, id)?));
    }
    Ok(table::summaries(&rows)
        .into_iter()
        .map(|s| (s.name, s.fitness, s.networks))
        .collect())
}
