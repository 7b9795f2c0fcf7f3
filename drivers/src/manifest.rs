//! The run manifest: what build ran on which machine, when, and how fast.
//!
//! `manifest.json` (unsharded) or `manifest-shard-<i>-of-<n>.json` holds one [`Session`] per
//! invocation into the directory, appended, so resuming keeps the history. A session is written
//! when it starts (with `finished: null`) and rewritten when it ends.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

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
    /// Trained and written by this session.
    pub trained: usize,
    /// Failed in this session (no record written).
    pub failed: usize,
}

/// The build that ran.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Build {
    /// Version of the wiring crates.
    pub version: String,
    /// `git rev-parse HEAD` at build time, or "unknown".
    pub git_commit: String,
    pub rustc: String,
    /// Cargo profile (`release`, `profiling`, `debug`, …).
    pub profile: String,
}

impl Build {
    pub fn current() -> Self {
        Self {
            version: env!("CARGO_PKG_VERSION").into(),
            git_commit: env!("WIRING_GIT_COMMIT").into(),
            rustc: env!("WIRING_RUSTC_VERSION").into(),
            profile: env!("WIRING_PROFILE").into(),
        }
    }
}

/// The machine that ran.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Machine {
    pub hostname: String,
    pub cpu_model: String,
    /// Logical cores available to the process.
    pub cores: usize,
    /// SIMD features the binary was compiled for (`wiring_kernels::cpu::compiled_features`).
    pub compiled_features: Vec<String>,
    pub os: String,
    pub arch: String,
}

impl Machine {
    pub fn current() -> Self {
        Self {
            hostname: hostname(),
            cpu_model: cpu_model(),
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            compiled_features: wiring_kernels::cpu::compiled_features()
                .into_iter()
                .map(String::from)
                .collect(),
            os: std::env::consts::OS.into(),
            arch: std::env::consts::ARCH.into(),
        }
    }
}

/// The host name, or "unknown".
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Peak resident set size of this process in MiB (Linux `VmHWM`), if known.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
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
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest::default()),
        Err(source) => Err(RunDirError::Io {
            path: path.to_path_buf(),
            action: "read",
            source,
        }),
    }
}

/// Writes a manifest atomically.
pub fn save(path: &Path, manifest: &Manifest) -> Result<(), RunDirError> {
    let mut text = serde_json::to_string_pretty(manifest).map_err(|e| RunDirError::Io {
        path: path.to_path_buf(),
        action: "serialise",
        source: std::io::Error::other(e.to_string()),
    })?;
    text.push('\n');
    replace_file(path, text.as_bytes())
}

/// Now as RFC 3339 UTC with seconds, e.g. `2026-11-22T15:09:00Z`.
pub fn now_rfc3339() -> String {
    rfc3339(SystemTime::now())
}

/// `t` as RFC 3339 UTC with seconds.
pub fn rfc3339(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 → (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formats_utc_dates() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400 + 3661)),
            "2000-02-29T01:01:01Z"
        );
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(1_700_000_000)),
            "2023-11-14T22:13:20Z"
        );
    }
}
