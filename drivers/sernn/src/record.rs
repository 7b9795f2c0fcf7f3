//! One trained network on disk: `networks/<id>/record.json` and `networks/<id>/weights.npz`.
//!
//! `weights.npz` holds, stacked over the `epochs + 1` snapshots (before training, then after
//! each epoch), f32 in C order: `w_in` (S×8×n), `w_rec` (S×n×n, row unit → column unit),
//! `b` (S×n), `w_out` (S×n×4), `b_out` (S×4). `np.load("weights.npz")["w_rec"][9]` is W_rec
//! after epoch 9.
//!
//! `record.json` is a [`Record`]. Everything in it but `timing` is a pure function of the
//! study config and the build: the same network trained on any thread, shard or resumed run
//! gives the same bytes there and in `weights.npz`.

use serde::{Deserialize, Serialize};
use wiring_model::rng::NetworkSeeds;
use wiring_model::sernn::{EpochLog, RegulariserSpec, TrainedNetwork, WiringStats};

use super::config::{PlannedNetwork, Study};
use wiring_run::machine::Build;
use wiring_run::npz::{npz_bytes, NpzArray};
use wiring_run::run_dir::{ArraysFile, NetworkRecord, RecordIdentity};

/// The record format written by this build.
pub const RECORD_FORMAT: &str = "wiring.sernn.record/1";
/// File names inside `networks/<id>/`.
pub const RECORD_FILE: &str = "record.json";
pub const WEIGHTS_FILE: &str = "weights.npz";

/// Everything recorded about one trained network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// [`RECORD_FORMAT`].
    pub format: String,
    pub network_id: u64,
    /// Name of the network's set.
    pub set: String,
    /// Position of its γ in the set's sweep.
    pub index_in_set: usize,
    pub regulariser: RegulariserSpec,
    /// Regularisation strength (as in `regulariser`).
    pub gamma: f64,
    /// The coordinates of the network's random streams.
    pub seeds: NetworkSeeds,
    /// Hash of the study config ([`Study::config_hash`]).
    pub config_hash: String,
    /// RNN kernel that computed the network.
    pub rnn_kernel: String,
    pub n_hidden: usize,
    /// Epoch 0 (untrained, validation only) through the last.
    pub epochs: Vec<EpochLog>,
    /// Sparsity and wiring of W_rec at each snapshot.
    pub wiring: Vec<WiringStats>,
    pub test_accuracy: Option<f64>,
    pub test_cross_entropy: Option<f64>,
    /// Floating-point operations spent training.
    pub flops: u64,
    pub weights: WeightsInfo,
    /// The build that trained the network.
    pub provenance: Build,
    /// When and how long; the only part that differs between identical runs.
    pub timing: Timing,
}

/// What `weights.npz` holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeightsInfo {
    pub file: String,
    /// Its size: a resumed run checks it.
    pub bytes: u64,
    /// Its SHA-256 (`sha256sum`'s hex): a resumed run checks it. Absent in records written
    /// before it was kept (read alike; checked by size alone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Snapshots stacked along the first axis of every array.
    pub snapshots: usize,
    pub arrays: Vec<String>,
}

/// Wall-clock facts of training one network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    pub started: String,
    pub finished: String,
    pub train_seconds: f64,
    pub host: String,
}

/// The files of a finished network, ready to commit.
pub struct NetworkFiles {
    pub record: Record,
    pub record_json: Vec<u8>,
    pub weights_npz: Vec<u8>,
}

/// Builds the record and weights of `network`, trained as `trained`.
pub fn network_files(
    study: &Study,
    network: &PlannedNetwork,
    trained: &TrainedNetwork,
    timing: Timing,
) -> Result<NetworkFiles, String> {
    let n = study.config.recipe.n_hidden;
    let weights_npz = weights_npz(trained, n).map_err(|e| format!("cannot encode weights: {e}"))?;
    let record = Record {
        format: RECORD_FORMAT.into(),
        network_id: network.id,
        set: study.set_name(network).into(),
        index_in_set: network.index_in_set,
        regulariser: network.regulariser,
        gamma: network.regulariser.gamma,
        seeds: NetworkSeeds {
            study_seed: study.config.seed,
            network_id: network.id,
        },
        config_hash: study.config_hash(),
        rnn_kernel: study.config.compute.rnn_kernel.to_string(),
        n_hidden: n,
        epochs: trained.epochs.clone(),
        wiring: trained.wiring.clone(),
        test_accuracy: trained.test_accuracy,
        test_cross_entropy: trained.test_cross_entropy,
        flops: trained.flops,
        weights: WeightsInfo {
            file: WEIGHTS_FILE.into(),
            bytes: weights_npz.len() as u64,
            sha256: Some(wiring_run::run_dir::sha256_hex(&weights_npz)),
            snapshots: trained.snapshots.len(),
            arrays: ["w_in", "w_rec", "b", "w_out", "b_out"]
                .map(String::from)
                .to_vec(),
        },
        provenance: Build::current(),
        timing,
    };
    // JSON has no NaN: a non-finite number would be written as null and the record could not
    // be read back. Refuse it now rather than leave an unreadable record.
    if !all_finite(&record) {
        return Err("the record holds non-finite numbers (JSON cannot store them)".into());
    }
    let mut record_json =
        serde_json::to_vec_pretty(&record).map_err(|e| format!("cannot encode the record: {e}"))?;
    record_json.push(b'\n');
    Ok(NetworkFiles {
        record,
        record_json,
        weights_npz,
    })
}

fn all_finite(r: &Record) -> bool {
    let epochs = r.epochs.iter().flat_map(|e| {
        [
            e.train_loss,
            e.train_cross_entropy,
            e.train_accuracy,
            Some(e.val_loss),
            Some(e.val_cross_entropy),
            Some(e.val_accuracy),
            Some(e.penalty),
        ]
    });
    let wiring = r
        .wiring
        .iter()
        .flat_map(|w| [Some(w.mean_abs), Some(w.mean_abs_distance)]);
    let rest = [
        r.test_accuracy,
        r.test_cross_entropy,
        Some(r.gamma),
        Some(r.timing.train_seconds),
    ];
    epochs
        .chain(wiring)
        .chain(rest)
        .flatten()
        .all(f64::is_finite)
}

/// `weights.npz` of a trained network of `n` units.
pub fn weights_npz(trained: &TrainedNetwork, n: usize) -> std::io::Result<Vec<u8>> {
    let s = trained.snapshots.len() as u64;
    let Some(first) = trained.snapshots.first() else {
        return Err(std::io::Error::other("no snapshots"));
    };
    let n_in = (first.w_in.len() / n.max(1)) as u64;
    let n_out = first.b_out.len() as u64;
    let n = n as u64;
    let stack = |f: fn(&wiring_model::sernn::Snapshot) -> &Vec<f32>| -> Vec<f32> {
        trained
            .snapshots
            .iter()
            .flat_map(|sn| f(sn).iter().copied())
            .collect()
    };
    let (w_in, w_rec, b, w_out, b_out) = (
        stack(|x| &x.w_in),
        stack(|x| &x.w_rec),
        stack(|x| &x.b),
        stack(|x| &x.w_out),
        stack(|x| &x.b_out),
    );
    npz_bytes(&[
        NpzArray {
            name: "w_in",
            shape: vec![s, n_in, n],
            data: &w_in,
        },
        NpzArray {
            name: "w_rec",
            shape: vec![s, n, n],
            data: &w_rec,
        },
        NpzArray {
            name: "b",
            shape: vec![s, n],
            data: &b,
        },
        NpzArray {
            name: "w_out",
            shape: vec![s, n, n_out],
            data: &w_out,
        },
        NpzArray {
            name: "b_out",
            shape: vec![s, n_out],
            data: &b_out,
        },
    ])
}

impl NetworkRecord for Record {
    const FILE: &'static str = RECORD_FILE;
    const FORMAT: &'static str = RECORD_FORMAT;
    fn identity(&self) -> RecordIdentity<'_> {
        RecordIdentity {
            format: &self.format,
            network_id: self.network_id,
            config_hash: &self.config_hash,
        }
    }
    fn arrays_file(&self) -> ArraysFile<'_> {
        ArraysFile {
            name: &self.weights.file,
            bytes: self.weights.bytes,
            sha256: self.weights.sha256.as_deref(),
        }
    }
}
