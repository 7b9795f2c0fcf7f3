//! Run directories end to end with a tiny recipe (8 units, 2 epochs, 4 networks): results do
//! not depend on threads, shards or interruption; finished work is never rewritten; another
//! study's directory and corrupt records are refused with one-line errors.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use wiring_run::shard::Shard;
use wiring_sernn::{self as sernn, Study};

use wiring_run::testing::{opts, results, run_and_merge, snapshot, table_without, write_config};

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
    let path = write_config(text, dir);
    (Study::load(&path).unwrap(), path)
}

/// study.csv without its timing columns.
fn table(run: &Path) -> String {
    table_without(run, &["train_seconds"])
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
    let said = run_and_merge(sernn, &["-j", "2", "--shard", "0/2"], &config, &out);
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
