//! The run manifest: what build ran on which machine, when, and how fast.
//!
//! `manifest.json` (unsharded) or `manifest-shard-<i>-of-<n>.json` holds one [`Session`] per
//! invocation into the directory, appended, so resuming keeps the history. A session is written
//! when it starts (with `finished: null`) and rewritten when it ends.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::machine::{Build, Machine};
use crate::run_dir::{replace_file, RunDirError};
use crate::shard::Shard;

/// All sessions of one run (or one shard of it) in a directory.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Manifest {
    pub sessions: Vec<Session>,
}

/// One invocation of a driver.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Session {
    /// The driver (`sernn`) and its arguments.
    pub command: Vec<String>,
    pub build: Build,
    pub machine: Machine,
    /// Worker threads (networks trained at once).
    pub threads: usize,
    /// The slice of the study this session ran, `i/n`.
    pub shard: String,
    /// Hash of the study config (as in every record).
    pub config_hash: String,
    /// RFC 3339 UTC.
    pub started: String,
    /// RFC 3339 UTC; `null` while running or when the session was interrupted.
    pub finished: Option<String>,
    pub wall_seconds: Option<f64>,
    /// The signal that stopped the session early (`"SIGTERM"`, `"SIGINT"`); absent when it
    /// ran to its end ([`crate::interrupt`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<String>,
    pub networks: NetworkCounts,
    /// Networks trained per wall-clock second.
    pub networks_per_second: Option<f64>,
    /// Floating-point work of the networks trained in this session, in 10⁹ operations.
    pub total_gflop: f64,
    /// `total_gflop / wall_seconds`, all threads together.
    pub gflop_per_second: Option<f64>,
    /// Peak resident memory of the process (VmHWM), MiB.
    pub peak_rss_mib: Option<f64>,
    /// Training episodes of the networks trained in this session (studies trained by
    /// episodes, i.e. pRNN; absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training_episodes: Option<u64>,
    /// `training_episodes / (wall_seconds · threads)`: episodes per second per core,
    /// evaluation included in the time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub episodes_per_second_per_core: Option<f64>,
    /// `training_episodes / wall_seconds`: network-episodes per second of the whole session
    /// (on a GPU the figure to compare; evaluation included in the time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub episodes_per_second: Option<f64>,
    /// The GPU the session trained on (absent on the CPU).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<DeviceSession>,
}

/// What a session's GPU was and how hard it worked.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DeviceSession {
    /// The device's name, e.g. "NVIDIA H100 80GB HBM3".
    pub name: String,
    /// Compute capability `major.minor`.
    pub compute_capability: Option<String>,
    /// The driver's CUDA version, e.g. "12.4".
    pub driver_cuda_version: Option<String>,
    /// The CUDA version this build's bindings are pinned to.
    pub bindings_cuda_version: String,
    /// Total device memory, MiB.
    pub memory_total_mib: Option<f64>,
    /// Peak device memory held by the training's buffers, MiB.
    pub memory_peak_mib: f64,
    /// The card's FP32 peak (2 × FP32 lanes × clock), GFLOP/s.
    pub fp32_peak_gflop_per_second: Option<f64>,
    /// The session's `gflop_per_second` as a fraction of that peak.
    pub fraction_of_fp32_peak: Option<f64>,
}

impl DeviceSession {
    /// From the device's facts, the training's peak memory and the session's rate.
    pub fn new(
        d: &wiring_kernels::device::DeviceInfo,
        peak_bytes: u64,
        gflop_per_second: Option<f64>,
    ) -> Self {
        let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
        Self {
            name: d.name.clone(),
            compute_capability: d.compute_capability.map(|(a, b)| format!("{a}.{b}")),
            driver_cuda_version: d
                .driver_version
                .map(|v| format!("{}.{}", v / 1000, (v % 1000) / 10)),
            bindings_cuda_version: d.cuda_version.to_string(),
            memory_total_mib: d.memory_bytes.map(mib),
            memory_peak_mib: mib(peak_bytes),
            fp32_peak_gflop_per_second: d.fp32_peak_gflops,
            fraction_of_fp32_peak: match (gflop_per_second, d.fp32_peak_gflops) {
                (Some(r), Some(p)) if p > 0.0 => Some(r / p),
                _ => None,
            },
        }
    }
}

/// How many networks the session saw.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct NetworkCounts {
    /// Networks in the whole study.
    pub in_study: usize,
    /// Networks in this session's shard.
    pub in_shard: usize,
    /// Already finished when the session started.
    pub skipped: usize,
    /// Half-written networks found and removed (trained again).
    pub partial_removed: usize,
    /// Finished networks whose files failed their check (truncated, corrupt, missing): set
    /// aside as `networks/<id>.corrupt-<host>-<pid>` and trained again.
    #[serde(default)]
    pub corrupt_set_aside: usize,
    /// Trained and written by this session.
    pub trained: usize,
    /// Failed in this session (no record written).
    pub failed: usize,
}

/// `manifest.json`, or `manifest-shard-<i>-of-<n>.json` for a shard.
pub fn manifest_path(root: &Path, shard: Shard) -> PathBuf {
    if shard.is_all() {
        root.join("manifest.json")
    } else {
        root.join(format!(
            "manifest-shard-{}-of-{}.json",
            shard.index, shard.count
        ))
    }
}

/// Reads a manifest; a missing file is an empty one, an unreadable one an error (never replaced).
pub fn load(path: &Path) -> Result<Manifest, RunDirError> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| RunDirError::Io {
            path: path.to_path_buf(),
            action: "parse (move the file away to start a new manifest)",
            error: std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest::default()),
        Err(source) => Err(RunDirError::Io {
            path: path.to_path_buf(),
            action: "read",
            error: source,
        }),
    }
}

/// Writes a manifest atomically.
pub fn save(path: &Path, manifest: &Manifest) -> Result<(), RunDirError> {
    let mut text = serde_json::to_string_pretty(manifest).map_err(|e| RunDirError::Io {
        path: path.to_path_buf(),
        action: "serialise",
        error: std::io::Error::other(e.to_string()),
    })?;
    text.push('\n');
    replace_file(path, text.as_bytes())
}

/// Every session of every manifest in `root` (`manifest.json`, `manifest-shard-*.json`), in
/// file-name order; unreadable manifests are skipped with a warning (a report is derived, never
/// authoritative).
pub fn read_sessions(root: &Path) -> Vec<Session> {
    let mut sessions = Vec::new();
    let Ok(entries) = std::fs::read_dir(root) else {
        return sessions;
    };
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("manifest") && n.ends_with(".json"))
        })
        .collect();
    paths.sort();
    for p in paths {
        match load(&p) {
            Ok(m) => sessions.extend(m.sessions),
            Err(e) => tracing::warn!("{e}"),
        }
    }
    sessions
}
