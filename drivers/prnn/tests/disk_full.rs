//! A disk that fills up while a run writes: the run starts no network after the first write
//! that found the disk full and ends with one line naming that file and the cause, every
//! network saved before it stays intact, and the next run, given space, completes the same
//! study (the code is `wiring-run`'s, the same for both studies). The disk is a small tmpfs mounted for the test, which needs root
//! (CI runs as root); elsewhere the test says why it skipped.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use wiring_run::testing::table_without;

/// The timing columns of `study.csv`.
const TIMING: &[&str] = &["train_seconds", "evaluate_seconds"];

const TINY: &str = include_str!("../../../tests/tiny/prnn.toml");

/// A tmpfs mounted at `path` for as long as it lives.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(path: &Path, size: &str) -> Result<Self, String> {
        fs::create_dir_all(path).map_err(|e| e.to_string())?;
        let done = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(path)
            .output()
            .map_err(|e| e.to_string())?;
        if !done.status.success() {
            return Err(String::from_utf8_lossy(&done.stderr).trim().to_string());
        }
        Ok(Self(path.to_path_buf()))
    }

    fn resize(&self, size: &str) {
        let done = Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(done.success());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

fn prnn(config: &Path, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_prnn"))
        .args(["run", "-q", "-j", "1", "--out"])
        .arg(out)
        .arg(config)
        .output()
        .unwrap()
}

#[test]
fn a_full_disk_fails_cleanly_and_the_next_run_completes() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("tiny.toml");
    fs::write(&config, TINY).unwrap();
    // Room for the config, a manifest and a few of the 8 networks (about 60 KB each).
    let disk = match Tmpfs::mount(&tmp.path().join("disk"), "200k") {
        Ok(d) => d,
        Err(why) => {
            println!("skipped: cannot mount a tmpfs here ({why})");
            return;
        }
    };
    let out = disk.0.join("run");
    let full = prnn(&config, &out);
    let stderr = String::from_utf8_lossy(&full.stderr);
    assert_eq!(full.status.code(), Some(1), "{stderr}");
    // One line: the write that found the disk full, what was saved; no line per network.
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: ")
            && stderr.contains(&out.join("networks").display().to_string())
            && stderr.contains("No space left on device")
            && stderr.contains("free space and run the same command again"),
        "{stderr}"
    );
    let saved: Vec<String> = fs::read_dir(out.join("networks"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.parse::<u64>().is_ok())
        .collect();
    assert!(
        !saved.is_empty() && saved.len() < 8,
        "the disk should hold some networks, not all: {saved:?}"
    );

    // With space, the next run completes: the saved networks pass their check (none set
    // aside), the others are trained, and the study is the one an undisturbed run makes.
    disk.resize("8m");
    let done = prnn(&config, &out);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let session = manifest["sessions"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(session["networks"]["corrupt_set_aside"], 0, "{session}");
    assert_eq!(session["networks"]["skipped"], saved.len(), "{session}");
    let reference = tmp.path().join("reference");
    assert!(prnn(&config, &reference).status.success());
    assert_eq!(
        table_without(&reference, TIMING),
        table_without(&out, TIMING)
    );
}
