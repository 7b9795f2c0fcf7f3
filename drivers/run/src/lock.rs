//! Who is running which shard of a run directory: a process claims its shard before it
//! touches anything ([`claim`]), so that two processes can never train, or remove the
//! half-written files of, the same networks at once — while the shards of one study still run
//! side by side, as they are meant to.
//!
//! ```text
//! DIR/locks/<i>-of-<n>.lock   held (flock) by the process running shard i/n; holds one line
//!                             naming it: pid, host, start, command
//! ```
//!
//! The claim is an advisory lock (`flock(2)`, through [`File::try_lock`]) on the shard's lock
//! file, which the kernel releases when the process ends in any way — a `kill -9`, a node that
//! reboots (the lock lives in its kernel), a scheduler's preemption — so a lock is never left
//! stuck: the file stays, its lock does not. Two shards conflict when they can share a
//! network: `i/n` and `j/n` with `i ≠ j` never do; any other pair (the whole study and a
//! shard, or shards of different counts) may. A claim holds its own file first, then looks
//! for a live holder of every conflicting one, so of two conflicting processes starting at
//! the same moment at least one refuses (at worst both, and a rerun goes through).
//!
//! On network file systems, `flock` works across nodes where the file system supports it
//! (NFSv4, Lustre, GPFS and BeeGFS mounted with locking); where it does not, the call fails
//! and [`claim`] says so ([`RunDirError::NoLocks`]) rather than run unprotected; `run
//! --no-lock` runs without the claim, for the user who makes sure no two processes overlap.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::machine;
use crate::run_dir::RunDirError;
use crate::shard::Shard;

/// A held claim on a shard of a run directory; released when dropped (or when the process
/// ends, however it ends).
#[derive(Debug)]
pub struct RunLock {
    _file: File,
    path: PathBuf,
}

impl RunLock {
    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The error for a lock call on `path` that failed with `error`: a file system without locks
/// (ENOSYS, EOPNOTSUPP, ENOLCK) gets its own message, pointing to `--no-lock`.
fn lock_failed(path: &Path, error: std::io::Error) -> RunDirError {
    const ENOLCK: i32 = 37;
    const ENOSYS: i32 = 38;
    const EOPNOTSUPP: i32 = 95;
    match error.raw_os_error() {
        Some(ENOLCK | ENOSYS | EOPNOTSUPP) => RunDirError::NoLocks {
            path: path.to_path_buf(),
            error,
        },
        _ => RunDirError::Io {
            path: path.to_path_buf(),
            action: "lock",
            error,
        },
    }
}

/// The lock file of `shard` in the run directory `root`.
pub fn lock_path(root: &Path, shard: Shard) -> PathBuf {
    root.join("locks")
        .join(format!("{}-of-{}.lock", shard.index, shard.count))
}

/// Can shards `a` and `b` share a network?
pub fn conflicts(a: Shard, b: Shard) -> bool {
    !(a.count == b.count && a.index != b.index)
}

/// Claims `shard` of the run directory `root` for this process, recording `command` as what
/// holds it.
///
/// # Errors
/// [`RunDirError::Busy`] naming the live holder of this shard or of a conflicting one;
/// [`RunDirError::Io`] when the lock file cannot be made or locked (e.g. a file system
/// without locks).
pub fn claim(root: &Path, shard: Shard, command: &[String]) -> Result<RunLock, RunDirError> {
    let dir = root.join("locks");
    fs::create_dir_all(&dir).map_err(|error| RunDirError::Io {
        path: dir.clone(),
        action: "create directory",
        error,
    })?;
    let path = lock_path(root, shard);
    let io = |action: &'static str| {
        let path = path.clone();
        move |error| RunDirError::Io {
            path,
            action,
            error,
        }
    };
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io("open the lock file"))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => return Err(busy(shard, shard, &path, &mut file)),
        Err(TryLockError::Error(e)) => return Err(lock_failed(&path, e)),
    }
    let holder = format!(
        "pid {} on {}, started {}: {}\n",
        std::process::id(),
        machine::hostname(),
        machine::now_rfc3339(),
        command.join(" ")
    );
    file.set_len(0).map_err(io("write the lock file"))?;
    file.seek(SeekFrom::Start(0))
        .and_then(|_| file.write_all(holder.as_bytes()))
        .and_then(|()| file.flush())
        .map_err(io("write the lock file"))?;

    // Every other shard's lock that conflicts with ours and is held by a live process.
    let entries = fs::read_dir(&dir).map_err(|error| RunDirError::Io {
        path: dir.clone(),
        action: "list",
        error,
    })?;
    for entry in entries.flatten() {
        let other_path = entry.path();
        let Some(other) = shard_of(&other_path) else {
            continue;
        };
        if other == shard || !conflicts(shard, other) {
            continue;
        }
        let Ok(mut other_file) = File::open(&other_path) else {
            continue;
        };
        match other_file.try_lock_shared() {
            // Nobody holds it: a finished or killed run left the file.
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(busy(shard, other, &other_path, &mut other_file));
            }
            Err(TryLockError::Error(e)) => return Err(lock_failed(&other_path, e)),
        }
    }
    Ok(RunLock { _file: file, path })
}

/// The shard a lock file's name stands for.
fn shard_of(path: &Path) -> Option<Shard> {
    let name = path.file_name()?.to_str()?.strip_suffix(".lock")?;
    let (index, count) = name.split_once("-of-")?;
    Some(Shard {
        index: index.parse().ok()?,
        count: count.parse().ok()?,
    })
}

/// The refusal: `mine` cannot run while the holder of `theirs` (lock file `path`) does.
fn busy(mine: Shard, theirs: Shard, path: &Path, file: &mut File) -> RunDirError {
    let mut text = String::new();
    let _ = file.read_to_string(&mut text);
    let holder = text.lines().next().unwrap_or("").trim();
    RunDirError::Busy {
        path: path.to_path_buf(),
        mine,
        theirs,
        holder: if holder.is_empty() {
            "another process (it has not written its name yet)".into()
        } else {
            holder.into()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard(index: u64, count: u64) -> Shard {
        Shard { index, count }
    }

    #[test]
    fn a_file_system_without_locks_points_to_no_lock() {
        let path = Path::new("/lustre/run/locks/0-of-1.lock");
        for errno in [37, 38, 95] {
            let e = lock_failed(path, std::io::Error::from_raw_os_error(errno));
            assert!(matches!(e, RunDirError::NoLocks { .. }), "{errno}: {e:?}");
            let line = e.to_string();
            assert!(
                line.starts_with("/lustre/run/locks/0-of-1.lock: cannot lock: ")
                    && line.contains("--no-lock")
                    && !line.contains('\n'),
                "{line}"
            );
        }
        let eio = lock_failed(path, std::io::Error::from_raw_os_error(5));
        assert!(
            matches!(eio, RunDirError::Io { action: "lock", .. }),
            "{eio:?}"
        );
    }

    #[test]
    fn shards_of_one_count_run_side_by_side_and_nothing_else_does() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let cmd = vec!["prnn".to_string(), "run".to_string()];
        let a = claim(root, shard(0, 2), &cmd).unwrap();
        let _b = claim(root, shard(1, 2), &cmd).unwrap();
        for (s, holder) in [
            (shard(0, 2), shard(0, 2)),
            (Shard::ALL, shard(0, 2)),
            (shard(2, 3), shard(0, 2)),
        ] {
            let e = claim(root, s, &cmd).unwrap_err().to_string();
            assert!(
                e.contains(&format!("pid {}", std::process::id())) && !e.contains('\n'),
                "{e}"
            );
            assert!(e.contains(&format!("shard {s}")), "{e}");
            if s == holder {
                assert!(e.contains("is running this shard"), "{e}");
            } else {
                assert!(e.contains("runs shard"), "{e}");
            }
        }
        // Released on drop: the whole study still conflicts with 1/2, then not at all.
        drop(a);
        assert!(claim(root, Shard::ALL, &cmd).is_err());
        drop(_b);
        let all = claim(root, Shard::ALL, &cmd).unwrap();
        let text = fs::read_to_string(all.path()).unwrap();
        assert!(
            text.starts_with(&format!("pid {} on ", std::process::id())),
            "{text}"
        );
        assert!(text.trim_end().ends_with("prnn run"), "{text}");
    }

    #[test]
    fn conflicts_are_shared_networks() {
        assert!(!conflicts(shard(0, 2), shard(1, 2)));
        assert!(conflicts(shard(0, 2), shard(0, 2)));
        assert!(conflicts(Shard::ALL, shard(1, 4)));
        assert!(conflicts(shard(0, 2), shard(1, 3)));
        assert_eq!(shard_of(Path::new("locks/3-of-8.lock")), Some(shard(3, 8)));
        assert_eq!(shard_of(Path::new("locks/notes.txt")), None);
    }
}
