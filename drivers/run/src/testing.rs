//! What the run-directory tests of both study crates share: run options, the result files that
//! must be identical, the study table without its timing columns, a snapshot of files that
//! proves nothing was rewritten, a shard run through the binary, and the bad-config cases.
//! Test helpers: they panic on any failure. [`signals`]: a study stopped by signals;
//! [`slurm`]: a study as a real Slurm job array.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::shard::Shard;
use crate::study::RunOptions;

pub mod signals;
pub mod slurm;

/// Writes `text` as `dir/tiny.toml` and returns the path.
pub fn write_config(text: &str, dir: &Path) -> PathBuf {
    let path = dir.join("tiny.toml");
    fs::write(&path, text).unwrap();
    path
}

/// Quiet options for a run into `out`.
pub fn opts(out: &Path, threads: usize, shard: Shard) -> RunOptions {
    RunOptions {
        out: out.to_path_buf(),
        threads: Some(threads),
        shard,
        quiet: true,
        lock: true,
        command: vec!["test".into()],
    }
}

/// Every file under `networks/`, with record.json's `timing` removed: what must be identical.
pub fn results(run: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in fs::read_dir(run.join("networks")).unwrap() {
        let dir = entry.unwrap().path();
        for file in fs::read_dir(dir).unwrap() {
            let path = file.unwrap().path();
            let key = path.strip_prefix(run).unwrap().display().to_string();
            let mut bytes = fs::read(&path).unwrap();
            if key.ends_with("record.json") {
                let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                assert!(v.as_object_mut().unwrap().remove("timing").is_some());
                bytes = serde_json::to_vec(&v).unwrap();
            }
            out.insert(key, bytes);
        }
    }
    out
}

/// study.csv without the columns named in `timing`.
pub fn table_without(run: &Path, timing: &[&str]) -> String {
    let text = fs::read_to_string(run.join("study.csv")).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let drop: Vec<usize> = timing
        .iter()
        .map(|c| header.iter().position(|h| h == c).unwrap())
        .collect();
    text.lines()
        .map(|l| {
            l.split(',')
                .enumerate()
                .filter(|(i, _)| !drop.contains(i))
                .map(|(_, f)| f)
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// (path, inode, mtime) of every file under `dir`, recursively, sorted.
pub fn snapshot(dir: &Path) -> Vec<(String, u64, i64, i64)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let m = fs::metadata(&p).unwrap();
            if m.is_dir() {
                stack.push(p.clone());
            }
            out.push((p.display().to_string(), m.ino(), m.mtime(), m.mtime_nsec()));
        }
    }
    out.sort();
    out
}

/// Every `*.toml` in `tests/<folder>` must be refused by `parse(text, file name, its folder)`
/// with the one-line error stored beside it in `*.expected` (`WIRING_BLESS=1` rewrites those
/// files); at least `min` such configs must exist. Fails listing every mismatch.
pub fn check_bad_configs(
    dir: &Path,
    min: usize,
    parse: impl Fn(&str, &str, &Path) -> Result<(), String>,
) {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(
        files.len() >= min,
        "expected the bad configs, found {files:?}"
    );
    let bless = std::env::var_os("WIRING_BLESS").is_some();
    let mut failures = Vec::new();
    for path in files {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let text = fs::read_to_string(&path).unwrap();
        let message = match parse(&text, &name, dir) {
            Ok(()) => format!("(accepted: {name} must be refused)"),
            Err(e) => e,
        };
        assert!(!message.contains('\n'), "{name}: several lines: {message}");
        let expected_path = path.with_extension("expected");
        if bless {
            fs::write(&expected_path, format!("{message}\n")).unwrap();
            continue;
        }
        let expected = fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| format!("(no {})", expected_path.display()));
        if message != expected.trim_end() {
            failures.push(format!(
                "{name}:\n  expected: {}\n  got:      {message}",
                expected.trim_end()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Asserts that a command (`what`) succeeded, showing its stderr otherwise.
pub fn assert_succeeded(done: &std::process::Output, what: &str) {
    assert!(
        done.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&done.stderr)
    );
}

/// Runs `bin run -q ARGS CONFIG --out OUT` (asserting success, stderr shown otherwise), then
/// `bin merge OUT`; returns what the merge printed.
pub fn run_and_merge(bin: &str, args: &[&str], config: &Path, out: &Path) -> String {
    let run = Command::new(bin)
        .args(["run", "-q"])
        .args(args)
        .arg(config)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert_succeeded(&run, "run");
    let merge = Command::new(bin).arg("merge").arg(out).output().unwrap();
    assert_succeeded(&merge, "merge");
    String::from_utf8_lossy(&merge.stdout).into_owned()
}

/// Runs `bin run -q CONFIG --out OUT`, which must be refused: exit status 1, one line on
/// stderr that contains `expected`, and `out` not created.
pub fn assert_run_refused(bin: &str, config: &Path, out: &Path, expected: &str) {
    let refused = Command::new(bin)
        .args(["run", "-q"])
        .arg(config)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains(expected), "{stderr}");
    assert!(!out.exists(), "{} was created", out.display());
}
