//! Checkpoints of a device population's training, so that a GPU run that is preempted,
//! cancelled or killed loses at most one interval of its training curve rather than the whole
//! population (on the device one population holds every network of a hidden size).
//!
//! ```text
//! DIR/checkpoints/population-<first id>-<networks>-<key>.ckpt
//! ```
//!
//! `<key>` is a hash of the config hash, the build and the population's network ids: a
//! checkpoint is only ever read by the training it was written for. The file is replaced
//! atomically at every curve point but the last ([`wiring_run::run_dir::replace_file`]) and
//! removed once the population's networks are committed. Its form: a format line, a JSON line
//! (key, curve points, networks, each buffer's name and words, the SHA-256 of the body), then
//! the body, little-endian: each device buffer's `u32` words, the curve (`networks ×
//! curve_points` f64), the interval losses (`networks × (curve_points − 1)` f64). A file that
//! fails any check is ignored with a warning and the training starts over.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use wiring_kernels::prnn::cuda::{DevicePopulation, PopulationState};
use wiring_model::prnn::{TrainingCheckpoint, TrainingCheckpoints};
use wiring_run::config_file::config_hash;
use wiring_run::machine::Build;
use wiring_run::run_dir::{replace_file, sha256_hex, RunDir};

/// The format line of a checkpoint file.
const FORMAT: &str = "wiring.prnn.population-checkpoint/1";

/// What the JSON line of a checkpoint says.
#[derive(Serialize, Deserialize)]
struct Header {
    key: String,
    curve_points: usize,
    networks: usize,
    /// `(buffer, words)`.
    buffers: Vec<(String, usize)>,
    /// Of the body.
    sha256: String,
}

/// The checkpoint file of one device population ([`TrainingCheckpoints`]).
pub struct PopulationCheckpoints {
    path: PathBuf,
    key: String,
    /// A failed save was reported (once).
    warned: bool,
}

impl PopulationCheckpoints {
    /// The checkpoints, in `dir`, of the population of `ids` (in order) of the study whose
    /// config hash is `study_hash`.
    pub fn new(dir: &RunDir, study_hash: &str, ids: &[u64]) -> Self {
        let build = Build::current();
        let ids_text: Vec<String> = ids.iter().map(u64::to_string).collect();
        let key = config_hash(&format!(
            "{study_hash} {} {} {}",
            build.version,
            build.git_commit,
            ids_text.join(",")
        ));
        let first = ids.first().copied().unwrap_or(0);
        let path = dir
            .root()
            .join("checkpoints")
            .join(format!("population-{first}-{}-{key}.ckpt", ids.len()));
        Self {
            path,
            key,
            warned: false,
        }
    }

    /// The checkpoint file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Removes the checkpoint (its population is committed).
    pub fn remove(&self) {
        if let Err(e) = fs::remove_file(&self.path) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!("{}: cannot remove: {e}", self.path.display());
            }
        }
    }

    fn encode(&self, c: &TrainingCheckpoint) -> Vec<u8> {
        let mut body = Vec::new();
        for (_, words) in &c.device.buffers {
            for w in words {
                body.extend_from_slice(&w.to_le_bytes());
            }
        }
        for v in c.curve.iter().chain(&c.curve_loss) {
            for x in v {
                body.extend_from_slice(&x.to_bits().to_le_bytes());
            }
        }
        let header = Header {
            key: self.key.clone(),
            curve_points: c.curve_points,
            networks: c.curve.len(),
            buffers: c
                .device
                .buffers
                .iter()
                .map(|(n, w)| ((*n).to_string(), w.len()))
                .collect(),
            sha256: sha256_hex(&body),
        };
        let json = serde_json::to_string(&header).expect("a header serialises");
        let mut bytes = format!("{FORMAT}\n{json}\n").into_bytes();
        bytes.extend_from_slice(&body);
        bytes
    }

    fn decode(&self, bytes: &[u8]) -> Result<TrainingCheckpoint, String> {
        let mut lines = bytes.splitn(3, |&b| b == b'\n');
        let (Some(format), Some(json), Some(body)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err("truncated".into());
        };
        if format != FORMAT.as_bytes() {
            return Err(format!("not a {FORMAT} file"));
        }
        let h: Header = serde_json::from_slice(json).map_err(|e| format!("header: {e}"))?;
        if h.key != self.key {
            return Err(format!("key {}, this population's is {}", h.key, self.key));
        }
        if sha256_hex(body) != h.sha256 {
            return Err("its body does not match its SHA-256".into());
        }
        let (n, k) = (h.networks, h.curve_points);
        let words: usize = h.buffers.iter().map(|(_, w)| w).sum();
        let values = n * k + n * k.saturating_sub(1);
        if k == 0 || body.len() != 4 * words + 8 * values {
            return Err(format!("{} bytes of body for its header", body.len()));
        }
        let mut at = 0;
        let mut take = |len: usize| {
            let s = &body[at..at + len];
            at += len;
            s
        };
        let mut buffers = Vec::with_capacity(h.buffers.len());
        for (name, len) in &h.buffers {
            let name = DevicePopulation::STATE_BUFFERS
                .into_iter()
                .find(|b| b == name)
                .ok_or_else(|| format!("unknown buffer {name:?}"))?;
            let words = take(4 * len)
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
                .collect();
            buffers.push((name, words));
        }
        let mut series = |count: usize| -> Vec<Vec<f64>> {
            (0..n)
                .map(|_| {
                    take(8 * count)
                        .chunks_exact(8)
                        .map(|c| f64::from_bits(u64::from_le_bytes(c.try_into().expect("8"))))
                        .collect()
                })
                .collect()
        };
        let curve = series(k);
        let curve_loss = series(k - 1);
        Ok(TrainingCheckpoint {
            curve_points: k,
            curve,
            curve_loss,
            device: PopulationState { buffers },
        })
    }
}

impl TrainingCheckpoints for PopulationCheckpoints {
    fn load(&mut self) -> Option<TrainingCheckpoint> {
        let bytes = match fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => {
                tracing::warn!(
                    "{}: cannot read: {e}; training from the start",
                    self.path.display()
                );
                return None;
            }
        };
        match self.decode(&bytes) {
            Ok(c) => {
                tracing::info!(
                    "{}: resuming the population's training after curve point {}",
                    self.path.display(),
                    c.curve_points
                );
                Some(c)
            }
            Err(e) => {
                tracing::warn!("{}: {e}; training from the start", self.path.display());
                None
            }
        }
    }

    fn save(&mut self, checkpoint: &TrainingCheckpoint) {
        if let Err(e) = replace_file(&self.path, &self.encode(checkpoint)) {
            if !self.warned {
                tracing::warn!("{e}: training goes on without checkpoints");
                self.warned = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_reads_back_as_written_and_a_damaged_one_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = RunDir::create(tmp.path().join("run")).unwrap();
        let mut store = PopulationCheckpoints::new(&dir, "0123456789abcdef", &[4, 5, 6]);
        let buffers = DevicePopulation::STATE_BUFFERS
            .into_iter()
            .enumerate()
            .map(|(i, name)| (name, (0..i as u32 * 3).collect()))
            .collect();
        let checkpoint = TrainingCheckpoint {
            curve_points: 2,
            curve: vec![vec![0.5, 0.25]; 3],
            curve_loss: vec![vec![f64::NAN]; 3],
            device: PopulationState { buffers },
        };
        assert!(store.load().is_none());
        store.save(&checkpoint);
        let back = store.load().unwrap();
        assert_eq!(back.device, checkpoint.device);
        assert_eq!(back.curve, checkpoint.curve);
        assert!(back.curve_loss.iter().flatten().all(|x| x.is_nan()));
        // Another population's store (other ids) does not take it.
        let mut other = PopulationCheckpoints::new(&dir, "0123456789abcdef", &[4, 5, 7]);
        fs::copy(store.path(), other.path()).unwrap();
        assert!(other.load().is_none());
        // One byte changed, or the file cut short: ignored.
        let mut bytes = fs::read(store.path()).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        fs::write(store.path(), &bytes).unwrap();
        assert!(store.load().is_none());
        fs::write(store.path(), &bytes[..last]).unwrap();
        assert!(store.load().is_none());
        store.remove();
        assert!(!store.path().exists());
    }
}
