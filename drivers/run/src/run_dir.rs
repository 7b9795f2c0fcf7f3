//! The run directory: where a study's outputs live, and how they are written so that an
//! interrupted or repeated run never loses or half-writes anything.
//!
//! ```text
//! DIR/config.toml                 the resolved study config, written once
//! DIR/manifest.json               sessions of the unsharded run (manifest-shard-i-of-n.json per shard)
//! DIR/networks/<id>/…             one finished network (files written by the study)
//! DIR/networks/<id>.<tag>.partial a network being written; never trusted, removed on resume
//! DIR/networks/<id>.corrupt-<tag> a finished network whose files failed their check, set aside
//!                                 by a run, which trained it again
//! DIR/checkpoints/…              a device population's training in progress (pRNN on a GPU),
//!                                 removed once its networks are saved
//! DIR/study.csv, DIR/report.html, DIR/figures/*.csv   regenerated from the records by merge
//! ```
//!
//! A network's files are written into a `.partial` directory and renamed to `networks/<id>`
//! only when complete, so `networks/<id>` exists if and only if the network finished. A finished
//! directory is never replaced; config.toml is created with a hard link, so two shards starting
//! at once cannot both write it.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// What the run directory refuses or fails at.
#[derive(Debug, thiserror::Error)]
pub enum RunDirError {
    /// A file-system call failed.
    ///
    /// The cause is part of the message and not a `source()`, so that an error chain printed
    /// with `{:#}` does not say it twice.
    #[error("{}: cannot {action}: {error}", .path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        error: io::Error,
    },
    /// The directory holds another study.
    #[error(
        "{}: this run directory holds a different study than {given} (differs in {differs}); \
         use another --out directory, or rerun with the config stored there",
        .existing.display()
    )]
    DifferentStudy {
        existing: PathBuf,
        given: String,
        differs: String,
    },
    /// A finished network's files cannot be trusted.
    #[error(
        "{}: {problem}; `run` sets {} aside and trains that network again",
        .path.display(),
        .network_dir.display()
    )]
    CorruptRecord {
        path: PathBuf,
        network_dir: PathBuf,
        problem: String,
    },
    /// Another live process runs this shard, or one sharing networks with it
    /// ([`crate::lock`]).
    #[error("{}", busy_message(.path, *.mine, *.theirs, .holder))]
    Busy {
        /// The holder's lock file.
        path: PathBuf,
        mine: crate::shard::Shard,
        theirs: crate::shard::Shard,
        /// The holder's line: pid, host, start and command.
        holder: String,
    },
    /// A finished network of another study: its record's config hash is not the one of the
    /// study stored in `config.toml` (edited after networks were trained, or records copied
    /// in). Refused rather than set aside, so that nothing is retrained by mistake.
    #[error(
        "{}: trained by the study with config hash {found}, but {} is the study with config \
         hash {expected}: was it edited after networks were trained? Restore it, or use \
         another --out directory",
        .path.display(),
        .config.display()
    )]
    OtherStudyRecord {
        path: PathBuf,
        config: PathBuf,
        found: String,
        expected: String,
    },
    /// The file system of the run directory has no file locks ([`crate::lock`]).
    #[error(
        "{}: cannot lock: {error}: this file system has no file locks (Lustre: mount with -o \
         flock); rerun with --no-lock if no other process runs this shard or one overlapping it",
        .path.display()
    )]
    NoLocks { path: PathBuf, error: io::Error },
    /// A network was about to be written where a finished one already is.
    #[error("{}: already holds a finished network; refusing to overwrite it", .path.display())]
    AlreadyFinished { path: PathBuf },
}

/// [`RunDirError::Busy`]'s one line.
fn busy_message(
    path: &Path,
    mine: crate::shard::Shard,
    theirs: crate::shard::Shard,
    holder: &str,
) -> String {
    let whom = if mine == theirs {
        format!("{holder} is running this shard")
    } else {
        format!("{holder} runs shard {theirs}, which shares networks with it")
    };
    format!(
        "{}: cannot run shard {mine}: {whom}; wait for it to finish or stop it (its lock is \
         released when it ends, however it ends), or use another --out directory",
        path.display()
    )
}

fn io_err<'a>(path: &'a Path, action: &'static str) -> impl FnOnce(io::Error) -> RunDirError + 'a {
    move |error| RunDirError::Io {
        path: path.to_path_buf(),
        action,
        error,
    }
}

/// A run directory (created on open).
#[derive(Clone, Debug)]
pub struct RunDir {
    root: PathBuf,
    /// The first commit that failed for want of space ([`RunDir::out_of_space`]).
    out_of_space: Arc<OnceLock<String>>,
}

impl RunDir {
    /// Opens `root`, creating the directory (only it) if needed.
    pub fn create(root: impl Into<PathBuf>) -> Result<Self, RunDirError> {
        let dir = Self {
            root: root.into(),
            out_of_space: Arc::default(),
        };
        fs::create_dir_all(&dir.root).map_err(io_err(&dir.root, "create directory"))?;
        Ok(dir)
    }

    /// Creates `root/networks` if needed (after the study config has been claimed).
    pub fn create_networks_dir(&self) -> Result<(), RunDirError> {
        let networks = self.networks_dir();
        fs::create_dir_all(&networks).map_err(io_err(&networks, "create directory"))
    }

    /// Opens an existing run directory without creating anything.
    pub fn open_existing(root: impl Into<PathBuf>) -> Result<Self, RunDirError> {
        let dir = Self {
            root: root.into(),
            out_of_space: Arc::default(),
        };
        let config = dir.config_path();
        fs::metadata(&config).map_err(io_err(
            &config,
            "read the study config of the run directory",
        ))?;
        Ok(dir)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `DIR/config.toml`.
    pub fn config_path(&self) -> PathBuf {
        self.root.join("config.toml")
    }

    /// `DIR/networks`.
    pub fn networks_dir(&self) -> PathBuf {
        self.root.join("networks")
    }

    /// `DIR/networks/<id>`.
    pub fn network_dir(&self, id: u64) -> PathBuf {
        self.networks_dir().join(id.to_string())
    }

    /// Writes `text` as `config.toml` if there is none yet and returns `None`; otherwise leaves
    /// the directory untouched and returns the stored text for the caller to compare.
    pub fn claim_config(&self, text: &str) -> Result<Option<String>, RunDirError> {
        let path = self.config_path();
        if let Some(existing) = read_if_exists(&path)? {
            return Ok(Some(existing));
        }
        let tmp = self.root.join(format!(".config.toml.{}.tmp", unique_tag()));
        write_synced(&tmp, text.as_bytes())?;
        // A hard link never replaces an existing file: of two racing shards one wins, the
        // other reads the winner's config.
        let linked = fs::hard_link(&tmp, &path);
        let _ = fs::remove_file(&tmp);
        match linked {
            Ok(()) => Ok(None),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(read_if_exists(&path)?),
            Err(e) => {
                // File systems without hard links: create_new is atomic too (but not the write).
                if e.kind() == io::ErrorKind::Unsupported {
                    let mut f = fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .open(&path)
                        .map_err(io_err(&path, "create"))?;
                    f.write_all(text.as_bytes())
                        .map_err(io_err(&path, "write"))?;
                    Ok(None)
                } else {
                    Err(RunDirError::Io {
                        path,
                        action: "create",
                        error: e,
                    })
                }
            }
        }
    }

    /// Ids of the finished networks (directories `networks/<id>`).
    pub fn finished_ids(&self) -> Result<BTreeSet<u64>, RunDirError> {
        let dir = self.networks_dir();
        let mut ids = BTreeSet::new();
        if !dir.exists() {
            return Ok(ids);
        }
        for entry in fs::read_dir(&dir).map_err(io_err(&dir, "list"))? {
            let entry = entry.map_err(io_err(&dir, "list"))?;
            if let Some(id) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u64>().ok())
            {
                if entry.path().is_dir() {
                    ids.insert(id);
                }
            }
        }
        Ok(ids)
    }

    /// Moves the finished network `id`'s directory aside, to
    /// `networks/<id>.corrupt-<host>-<pid>` (kept for inspection, never read again), so that
    /// the network is trained anew. Returns where it went.
    pub fn set_aside(&self, id: u64) -> Result<PathBuf, RunDirError> {
        let from = self.network_dir(id);
        let to = self
            .networks_dir()
            .join(format!("{id}.corrupt-{}", unique_tag()));
        fs::rename(&from, &to).map_err(io_err(&from, "move aside"))?;
        Ok(to)
    }

    /// Removes the half-written network directories (`networks/<id>.<tag>.partial`) whose id
    /// `mine` accepts (a shard leaves other shards' work in progress alone). Returns the ids.
    pub fn remove_partials(&self, mine: impl Fn(u64) -> bool) -> Result<Vec<u64>, RunDirError> {
        let dir = self.networks_dir();
        let mut removed = Vec::new();
        for entry in fs::read_dir(&dir).map_err(io_err(&dir, "list"))? {
            let entry = entry.map_err(io_err(&dir, "list"))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let Some(stem) = name.strip_suffix(".partial") else {
                continue;
            };
            let Some(id) = stem.split('.').next().and_then(|s| s.parse::<u64>().ok()) else {
                continue;
            };
            if mine(id) {
                let path = entry.path();
                let removal = if path.is_dir() {
                    fs::remove_dir_all(&path)
                } else {
                    fs::remove_file(&path)
                };
                removal.map_err(io_err(&path, "remove the half-written network"))?;
                removed.push(id);
            }
        }
        removed.sort_unstable();
        Ok(removed)
    }

    /// The first commit that failed because the file system is full (or the quota spent), as
    /// its one-line error: every later commit would fail too, so the run starts no more
    /// networks once it is set ([`crate::study::run`]).
    pub fn out_of_space(&self) -> Option<&str> {
        self.out_of_space.get().map(String::as_str)
    }

    /// Shares [`RunDir::out_of_space`] (for [`crate::progress::Progress`]).
    pub(crate) fn out_of_space_flag(&self) -> Arc<OnceLock<String>> {
        Arc::clone(&self.out_of_space)
    }

    /// Writes a finished network's files atomically as `networks/<id>/`: into a `.partial`
    /// directory first, renamed into place once every file is on disk. Refuses to replace a
    /// finished network. A failure for want of space is remembered
    /// ([`RunDir::out_of_space`]).
    pub fn commit_network(&self, id: u64, files: &[(&str, &[u8])]) -> Result<PathBuf, RunDirError> {
        self.commit_files(id, files).inspect_err(|e| {
            if let RunDirError::Io { error, .. } = e {
                if matches!(
                    error.kind(),
                    io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
                ) {
                    let _ = self.out_of_space.set(e.to_string());
                }
            }
        })
    }

    fn commit_files(&self, id: u64, files: &[(&str, &[u8])]) -> Result<PathBuf, RunDirError> {
        let target = self.network_dir(id);
        if target.exists() {
            return Err(RunDirError::AlreadyFinished { path: target });
        }
        let partial = self
            .networks_dir()
            .join(format!("{id}.{}.partial", unique_tag()));
        fs::create_dir(&partial).map_err(io_err(&partial, "create directory"))?;
        let written = files
            .iter()
            .try_for_each(|(name, bytes)| write_synced(&partial.join(name), bytes));
        if let Err(e) = written {
            let _ = fs::remove_dir_all(&partial);
            return Err(e);
        }
        if target.exists() {
            let _ = fs::remove_dir_all(&partial);
            return Err(RunDirError::AlreadyFinished { path: target });
        }
        fs::rename(&partial, &target)
            .map_err(io_err(&target, "move the finished network into place"))?;
        Ok(target)
    }

    /// Reads `networks/<id>/<name>`; a missing or unreadable file of a finished network is a
    /// corrupt record.
    pub fn read_network_file(&self, id: u64, name: &str) -> Result<Vec<u8>, RunDirError> {
        let path = self.network_dir(id).join(name);
        fs::read(&path).map_err(|e| self.corrupt(id, &path, format!("cannot read: {e}")))
    }

    /// The error for a finished network `id` whose file `path` is unusable.
    pub fn corrupt(&self, id: u64, path: &Path, problem: impl Into<String>) -> RunDirError {
        RunDirError::CorruptRecord {
            path: path.to_path_buf(),
            network_dir: self.network_dir(id),
            problem: problem.into(),
        }
    }

    /// Reads and checks the finished record of network `id`: it parses, carries the record
    /// format this build reads, the network id and the config hash of this study (another
    /// hash is [`RunDirError::OtherStudyRecord`], not corruption), and the
    /// arrays file beside it has the size and (where the record gives one) the SHA-256 it
    /// records ([`RunDir::check_arrays_file`]).
    pub fn read_record<R: NetworkRecord>(
        &self,
        id: u64,
        config_hash: &str,
    ) -> Result<R, RunDirError> {
        let path = self.network_dir(id).join(R::FILE);
        let bytes = self.read_network_file(id, R::FILE)?;
        let record: R = serde_json::from_slice(&bytes)
            .map_err(|e| self.corrupt(id, &path, format!("not a valid record: {e}")))?;
        let found = record.identity();
        let problem = if found.format != R::FORMAT {
            format!(
                "record format {:?}, this build reads {:?}",
                found.format,
                R::FORMAT
            )
        } else if found.network_id != id {
            format!("holds network {}, expected {id}", found.network_id)
        } else if found.config_hash != config_hash {
            return Err(RunDirError::OtherStudyRecord {
                path,
                config: self.config_path(),
                found: found.config_hash.to_string(),
                expected: config_hash.to_string(),
            });
        } else {
            self.check_arrays_file(id, &record.arrays_file())?;
            return Ok(record);
        };
        Err(self.corrupt(id, &path, problem))
    }

    /// Checks that the arrays file beside network `id`'s record is the one the record
    /// describes: its size, then its content's SHA-256 (records written before the digest
    /// was added carry none; they are checked by size alone).
    pub fn check_arrays_file(&self, id: u64, file: &ArraysFile) -> Result<(), RunDirError> {
        let path = self.network_dir(id).join(file.name);
        let found = match fs::metadata(&path) {
            Ok(m) => m.len(),
            Err(e) => return Err(self.corrupt(id, &path, format!("cannot read: {e}"))),
        };
        if found != file.bytes {
            let problem = format!("{found} bytes, the record says {}", file.bytes);
            return Err(self.corrupt(id, &path, problem));
        }
        let Some(expected) = file.sha256 else {
            return Ok(());
        };
        let bytes = self.read_network_file(id, file.name)?;
        let digest = sha256_hex(&bytes);
        if digest != expected {
            let problem = format!("content has SHA-256 {digest}, the record says {expected}");
            return Err(self.corrupt(id, &path, problem));
        }
        Ok(())
    }
}

fn read_if_exists(path: &Path) -> Result<Option<String>, RunDirError> {
    match fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(RunDirError::Io {
            path: path.to_path_buf(),
            action: "read",
            error: source,
        }),
    }
}

/// The SHA-256 of `bytes` as 64 lowercase hex digits (what `sha256sum` prints): the digest a
/// record keeps of its arrays file.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes and fsyncs a new file.
fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), RunDirError> {
    let mut f = fs::File::create(path).map_err(io_err(path, "create"))?;
    f.write_all(bytes).map_err(io_err(path, "write"))?;
    f.sync_all().map_err(io_err(path, "flush to disk"))
}

/// Replaces `path` with `bytes` atomically (write a temporary file beside it, then rename):
/// readers see the old file or the new one, never a mix. For derived files (table, report,
/// manifest), not for records.
pub fn replace_file(path: &Path, bytes: &[u8]) -> Result<(), RunDirError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(io_err(parent, "create directory"))?;
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", unique_tag()));
    write_synced(&tmp, bytes)?;
    fs::rename(&tmp, path).map_err(|source| {
        let _ = fs::remove_file(&tmp);
        RunDirError::Io {
            path: path.to_path_buf(),
            action: "replace",
            error: source,
        }
    })
}

/// `host-pid`: unique among processes writing into one (possibly shared) directory.
fn unique_tag() -> String {
    let host = crate::machine::hostname()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect::<String>();
    format!("{host}-{}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commits_atomically_and_never_overwrites() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = RunDir::create(tmp.path().join("run")).unwrap();
        assert_eq!(dir.claim_config("a = 1\n").unwrap(), None);
        dir.create_networks_dir().unwrap();
        assert_eq!(
            dir.claim_config("a = 2\n").unwrap().as_deref(),
            Some("a = 1\n")
        );
        dir.commit_network(3, &[("x.json", b"{}")]).unwrap();
        assert!(matches!(
            dir.commit_network(3, &[("x.json", b"[]")]),
            Err(RunDirError::AlreadyFinished { .. })
        ));
        assert_eq!(fs::read(dir.network_dir(3).join("x.json")).unwrap(), b"{}");
        fs::create_dir(dir.networks_dir().join("4.h-1.partial")).unwrap();
        fs::create_dir(dir.networks_dir().join("5.h-1.partial")).unwrap();
        assert_eq!(dir.remove_partials(|id| id % 2 == 0).unwrap(), vec![4]);
        assert!(dir.networks_dir().join("5.h-1.partial").exists());
        assert_eq!(
            dir.finished_ids().unwrap().into_iter().collect::<Vec<_>>(),
            vec![3]
        );
    }

    #[test]
    fn an_arrays_file_is_checked_by_size_and_digest() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = RunDir::create(tmp.path().join("run")).unwrap();
        dir.create_networks_dir().unwrap();
        dir.commit_network(0, &[("a.npz", b"abc")]).unwrap();
        // `printf abc | sha256sum`
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(sha256_hex(b"abc"), abc);
        let file = |bytes, sha256| ArraysFile {
            name: "a.npz",
            bytes,
            sha256,
        };
        dir.check_arrays_file(0, &file(3, Some(abc))).unwrap();
        // A record without a digest (written before they were kept): size alone.
        dir.check_arrays_file(0, &file(3, None)).unwrap();
        let problem = |f: &ArraysFile| match dir.check_arrays_file(0, f) {
            Err(RunDirError::CorruptRecord { problem, .. }) => problem,
            other => panic!("{other:?}"),
        };
        assert_eq!(problem(&file(4, Some(abc))), "3 bytes, the record says 4");
        fs::write(dir.network_dir(0).join("a.npz"), b"abd").unwrap();
        assert!(problem(&file(3, Some(abc))).contains(&format!("the record says {abc}")));
        dir.check_arrays_file(0, &file(3, None)).unwrap();
    }
}

/// One finished network's record as a study writes it (`networks/<id>/record.json` beside an
/// arrays file), as far as [`RunDir::read_record`] checks it.
pub trait NetworkRecord: serde::de::DeserializeOwned {
    /// The record's file name inside `networks/<id>/`.
    const FILE: &'static str = "record.json";
    /// The record format this build reads and writes (e.g. `wiring.sernn.record/1`).
    const FORMAT: &'static str;
    /// What the record says it is.
    fn identity(&self) -> RecordIdentity<'_>;
    /// The arrays file beside the record, as the record describes it.
    fn arrays_file(&self) -> ArraysFile<'_>;
}

/// The arrays file a record names (`networks/<id>/<name>`), as [`RunDir::check_arrays_file`]
/// checks it.
#[derive(Clone, Copy, Debug)]
pub struct ArraysFile<'a> {
    pub name: &'a str,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its SHA-256 ([`sha256_hex`]); `None` in records written before it was kept.
    pub sha256: Option<&'a str>,
}

/// What [`RunDir::read_record`] checks of a record: its format, network id and config hash.
#[derive(Clone, Copy, Debug)]
pub struct RecordIdentity<'a> {
    pub format: &'a str,
    pub network_id: u64,
    pub config_hash: &'a str,
}
