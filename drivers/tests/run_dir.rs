//! Run directories end to end with a tiny recipe (8 units, 2 epochs, 4 networks): results do
//! not depend on threads, shards or interruption; finished work is never rewritten; another
//! study's directory and corrupt records are refused with one-line errors.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use wiring_drivers::sernn::{self, RunOptions, Study};
use wiring_drivers::shard::Shard;

const TINY: &str = r#"
version = 1
name = "tiny"
seed = 7
[recipe]
n_hidden = 8
n_train = 256
n_validation = 64
n_test = 64
batch_size = 64
epochs = 2
[recipe.task]
goal_steps = 4
delay_steps = 2
choice_steps = 4
[space]
grid = [2, 2, 2]
[analysis]
epoch = 1
[[sets]]
name = "se"
regulariser = "se"
gamma = [0.001, 0.1]
[[sets]]
name = "l1"
regulariser = "l1"
gamma = { start = 0.001, stop = 0.1, count = 2 }
"#;

fn study(text: &str, dir: &Path) -> (Study, PathBuf) {
    let path = dir.join("tiny.toml");
    fs::write(&path, text).unwrap();
    (Study::load(&path).unwrap(), path)
}

fn opts(out: &Path, threads: usize, shard: Shard) -> RunOptions {
    RunOptions {
        out: out.to_path_buf(),
        threads: Some(threads),
        shard,
        quiet: true,
        command: vec!["test".into()],
    }
}

/// Every file under `networks/`, with record.json's `timing` removed: what must be identical.
fn results(run: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in fs::read_dir(run.join("networks")).unwrap() {
        let dir = entry.unwrap().path();
        for file in fs::read_dir(&dir).unwrap() {
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

/// study.csv without its train_seconds column.
fn table(run: &Path) -> String {
    let text = fs::read_to_string(run.join("study.csv")).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let col = header.iter().position(|c| *c == "train_seconds").unwrap();
    text.lines()
        .map(|l| {
            l.split(',')
                .enumerate()
                .filter(|(i, _)| *i != col)
                .map(|(_, f)| f)
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// (path, inode, mtime) of every file under `dir`, recursively, sorted.
fn snapshot(dir: &Path) -> Vec<(String, u64, i64, i64)> {
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

#[test]
fn threads_and_shards_give_identical_records() {
    let tmp = tempfile::tempdir().unwrap();
    let (study, _) = study(TINY, tmp.path());
    assert_eq!(study.networks.len(), 4);

    let one = tmp.path().join("one");
    let summary = sernn::run(&study, &opts(&one, 1, Shard::ALL)).unwrap();
    assert_eq!(summary.counts.trained, 4);
    let merged = summary.merged.unwrap();
    assert!(merged.missing.is_empty());
    for f in [
        "config.toml",
        "manifest.json",
        "study.csv",
        "report.html",
        "figures/val_accuracy.csv",
    ] {
        assert!(one.join(f).is_file(), "{f} missing");
    }
    assert_eq!(
        fs::read_to_string(one.join("study.csv"))
            .unwrap()
            .lines()
            .count(),
        5
    );

    let two = tmp.path().join("two");
    sernn::run(&study, &opts(&two, 2, Shard::ALL)).unwrap();
    assert_eq!(results(&one), results(&two));
    assert_eq!(results(&one).len(), 8);

    // Shards 1/2 then 0/2 into one directory, then merge.
    let sharded = tmp.path().join("sharded");
    let s1 = sernn::run(&study, &opts(&sharded, 2, Shard { index: 1, count: 2 })).unwrap();
    assert!(s1.merged.is_none());
    assert_eq!(sernn::merge(&sharded).unwrap().missing, vec![0, 2]);
    sernn::run(&study, &opts(&sharded, 1, Shard { index: 0, count: 2 })).unwrap();
    assert!(sernn::merge(&sharded).unwrap().missing.is_empty());
    assert!(sharded.join("manifest-shard-0-of-2.json").is_file());
    assert!(sharded.join("manifest-shard-1-of-2.json").is_file());
    assert_eq!(results(&one), results(&sharded));
    assert_eq!(table(&one), table(&sharded));
    assert_eq!(
        fs::read(one.join("config.toml")).unwrap(),
        fs::read(sharded.join("config.toml")).unwrap()
    );
}

#[test]
fn interrupted_run_resumes_to_the_same_results_without_rewriting() {
    let tmp = tempfile::tempdir().unwrap();
    let (study, _) = study(TINY, tmp.path());
    let full = tmp.path().join("full");
    sernn::run(&study, &opts(&full, 2, Shard::ALL)).unwrap();

    // Interrupted: only some networks finished, network 2 was being written, and a stray
    // half-written copy of a finished one is lying around.
    let run = tmp.path().join("run");
    sernn::run(&study, &opts(&run, 2, Shard { index: 1, count: 2 })).unwrap();
    sernn::run(&study, &opts(&run, 2, Shard::ALL)).unwrap();
    fs::remove_dir_all(run.join("networks/2")).unwrap();
    let partial = run.join("networks/2.somehost-999.partial");
    fs::create_dir(&partial).unwrap();
    fs::write(partial.join("record.json"), "{ truncated").unwrap();
    fs::create_dir(run.join("networks/3.somehost-999.partial")).unwrap();
    let kept: Vec<_> = [0, 1, 3]
        .iter()
        .flat_map(|id| snapshot(&run.join(format!("networks/{id}"))))
        .collect();

    let summary = sernn::run(&study, &opts(&run, 2, Shard::ALL)).unwrap();
    assert_eq!(summary.counts.trained, 1);
    assert_eq!(summary.counts.skipped, 3);
    assert_eq!(summary.counts.partial_removed, 2);
    assert!(!partial.exists());
    assert!(!run.join("networks/3.somehost-999.partial").exists());
    let after: Vec<_> = [0, 1, 3]
        .iter()
        .flat_map(|id| snapshot(&run.join(format!("networks/{id}"))))
        .collect();
    assert_eq!(kept, after, "finished networks were rewritten");
    assert_eq!(results(&full), results(&run));
    assert_eq!(table(&full), table(&run));
    // A resumed run appends a session to the manifest.
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(run.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["sessions"].as_array().unwrap().len(), 2);
}

#[test]
fn refuses_another_study_and_corrupt_records() {
    let tmp = tempfile::tempdir().unwrap();
    let (study, _) = study(TINY, tmp.path());
    let run = tmp.path().join("run");
    sernn::run(&study, &opts(&run, 2, Shard::ALL)).unwrap();
    let before = snapshot(&run);

    let other_path = tmp.path().join("other.toml");
    fs::write(&other_path, TINY.replace("seed = 7", "seed = 8")).unwrap();
    let other = Study::load(&other_path).unwrap();
    let err = format!(
        "{:#}",
        sernn::run(&other, &opts(&run, 2, Shard::ALL)).unwrap_err()
    );
    assert!(!err.contains('\n'), "{err}");
    assert!(
        err.contains(&run.join("config.toml").display().to_string()),
        "{err}"
    );
    assert!(
        err.contains(&other_path.display().to_string()) && err.contains("seed"),
        "{err}"
    );
    assert_eq!(
        before,
        snapshot(&run),
        "the refused run changed the directory"
    );

    // A cosmetic difference (comments, defaults spelt out, a list instead of a linspace) is the
    // same study.
    let same = TINY
        .replace(
            "gamma = [0.001, 0.1]",
            "gamma = { start = 0.001, stop = 0.1, count = 2 } # same values",
        )
        .replace("batch_size = 64", "batch_size = 64\nlearning_rate = 0.001");
    let (same, _) = self::study(&same, tmp.path());
    assert_eq!(
        sernn::run(&same, &opts(&run, 2, Shard::ALL))
            .unwrap()
            .counts
            .skipped,
        4
    );

    let record = run.join("networks/1/record.json");
    fs::write(&record, "{ \"format\": ").unwrap();
    let before = snapshot(&run.join("networks"));
    let err = format!(
        "{:#}",
        sernn::run(&study, &opts(&run, 2, Shard::ALL)).unwrap_err()
    );
    assert!(!err.contains('\n'), "{err}");
    assert!(
        err.contains(&record.display().to_string()) && err.contains("delete"),
        "{err}"
    );
    assert_eq!(
        before,
        snapshot(&run.join("networks")),
        "the corrupt record was touched"
    );
    let err = format!("{:#}", sernn::merge(&run).unwrap_err());
    assert!(err.contains(&record.display().to_string()), "{err}");
}

#[test]
fn binary_runs_merges_and_reports_errors_on_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, config) = study(TINY, tmp.path());
    let out = tmp.path().join("cli");
    let sernn = env!("CARGO_BIN_EXE_sernn");
    let run = Command::new(sernn)
        .args(["run", "-q", "-j", "2", "--shard", "0/2"])
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let merge = Command::new(sernn).arg("merge").arg(&out).output().unwrap();
    assert!(merge.status.success());
    let said = String::from_utf8_lossy(&merge.stdout);
    assert!(
        said.contains("2/4 networks finished") && said.contains("2 missing: 1, 3"),
        "{said}"
    );
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<svg") && !html.contains("src=\"http"));

    let bad = tmp.path().join("bad.toml");
    fs::write(&bad, "version = 1\n[recipe]\nbatch_size = 0\n").unwrap();
    let refused = Command::new(sernn)
        .args(["run", "-q"])
        .arg(&bad)
        .arg("--out")
        .arg(tmp.path().join("bad"))
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("bad.toml: recipe.batch_size: expected"),
        "{stderr}"
    );
    assert!(!tmp.path().join("bad").exists());

    let help = Command::new(sernn).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for word in ["run", "merge", "--trace", "profiling", "runs/sernn-quick"] {
        assert!(help.contains(word), "--help lacks {word}");
    }
}
