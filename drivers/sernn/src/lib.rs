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

use wiring_model::rng::NetworkSeeds;
use wiring_model::sernn::{train, TrainOptions};

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

    /// One network per unit.
    fn work_units<'a>(
        &self,
        pending: &[&'a PlannedNetwork],
        _threads: usize,
    ) -> Vec<Vec<&'a PlannedNetwork>> {
        pending.iter().map(|&n| vec![n]).collect()
    }
    fn train_unit(
        &self,
        dir: &RunDir,
        unit: &[&PlannedNetwork],
        progress: &Progress,
    ) -> Vec<(u64, Result<Work, String>)> {
        unit.iter()
            .map(|network| {
                let result = train_and_commit(dir, self, network);
                match &result {
                    Ok((_, summary)) => progress.network_done(network.id, summary),
                    Err(e) => progress.network_failed(network.id, e),
                }
                let work = |(flops, _)| Work { flops, episodes: 0 };
                (network.id, result.map(work))
            })
            .collect()
    }
    fn merge(root: &Path) -> anyhow::Result<MergeSummary> {
        merge(root)
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
