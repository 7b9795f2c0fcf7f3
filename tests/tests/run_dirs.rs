//! The run directory is one machine for both studies: whatever the study, its results do not
//! depend on threads, shards, populations or interruption, finished work is never rewritten,
//! another study's directory is refused with a one-line error that changes nothing, and
//! finished networks whose files are corrupt, truncated or missing are set aside (kept) and
//! trained again to the same results. Each behaviour is written once over [`StudyDriver`] (the shared run loop of
//! `wiring-run`) and run on a tiny seRNN study (8 units, 2 epochs, 4 networks) and a tiny pRNN
//! study (4 architectures × 2 seeds, 300 episodes, populations of 3).

use std::fs;
use std::path::Path;

use wiring_run::shard::Shard;
use wiring_run::study::{self, MergeSummary, RunOptions, RunSummary};
use wiring_run::testing::{opts, results, snapshot, table_without, write_config};
use wiring_run::StudyDriver;

const SERNN_TINY: &str = include_str!("../tiny/sernn.toml");

const PRNN_TINY: &str = include_str!("../tiny/prnn.toml");

/// A tiny study of one kind, as these tests drive it.
trait Tiny: StudyDriver {
    /// The study's config text (seed 7).
    const TOML: &'static str;
    /// Its networks.
    const NETWORKS: usize;
    /// The timing columns of its `study.csv`.
    const TIMING: &'static [&'static str];
    fn open(path: &Path) -> Self;
}

impl Tiny for wiring_sernn::Study {
    const TOML: &'static str = SERNN_TINY;
    const NETWORKS: usize = 4;
    const TIMING: &'static [&'static str] = &["train_seconds"];
    fn open(path: &Path) -> Self {
        Self::load(path).unwrap()
    }
}

impl Tiny for wiring_prnn::Study {
    const TOML: &'static str = PRNN_TINY;
    const NETWORKS: usize = 8;
    const TIMING: &'static [&'static str] = &["train_seconds", "evaluate_seconds"];
    fn open(path: &Path) -> Self {
        Self::load(path).unwrap()
    }
}

fn run<S: Tiny>(study: &S, out: &Path, threads: usize, shard: Shard) -> RunSummary {
    study::run(study, &opts(out, threads, shard)).unwrap()
}

fn merge<S: Tiny>(out: &Path) -> MergeSummary {
    S::merge(out).unwrap()
}

fn table<S: Tiny>(run: &Path) -> String {
    table_without(run, S::TIMING)
}

fn threads_and_shards_give_identical_results<S: Tiny>() {
    let tmp = tempfile::tempdir().unwrap();
    let study = S::open(&write_config(S::TOML, tmp.path()));
    let n = S::NETWORKS;
    assert_eq!(study.networks().len(), n);

    let one = tmp.path().join("one");
    let summary = run(&study, &one, 1, Shard::ALL);
    assert_eq!(summary.counts.trained, n);
    assert!(summary.merged.unwrap().missing.is_empty());
    for f in ["config.toml", "manifest.json", "study.csv", "report.html"] {
        assert!(one.join(f).is_file(), "{f} missing");
    }
    let table_lines = fs::read_to_string(one.join("study.csv"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(table_lines, n + 1);
    assert_eq!(
        results(&one).len(),
        2 * n,
        "a record and an arrays file each"
    );

    let two = tmp.path().join("two");
    run(&study, &two, 2, Shard::ALL);
    assert_eq!(results(&one), results(&two));
    assert_eq!(table::<S>(&one), table::<S>(&two));

    // Shards 1/2 then 0/2 into one directory (other work units), then merge.
    let sharded = tmp.path().join("sharded");
    assert!(run(&study, &sharded, 2, Shard { index: 1, count: 2 })
        .merged
        .is_none());
    let even: Vec<u64> = (0..n as u64).step_by(2).collect();
    assert_eq!(merge::<S>(&sharded).missing, even);
    run(&study, &sharded, 1, Shard { index: 0, count: 2 });
    assert!(merge::<S>(&sharded).missing.is_empty());
    assert!(sharded.join("manifest-shard-0-of-2.json").is_file());
    assert!(sharded.join("manifest-shard-1-of-2.json").is_file());
    assert_eq!(results(&one), results(&sharded));
    assert_eq!(table::<S>(&one), table::<S>(&sharded));
    assert_eq!(
        fs::read(one.join("config.toml")).unwrap(),
        fs::read(sharded.join("config.toml")).unwrap()
    );
}

fn an_interrupted_run_resumes_to_the_same_results_without_rewriting<S: Tiny>() {
    let tmp = tempfile::tempdir().unwrap();
    let study = S::open(&write_config(S::TOML, tmp.path()));
    let n = S::NETWORKS as u64;
    let full = tmp.path().join("full");
    run(&study, &full, 2, Shard::ALL);

    // Interrupted: network `lost` was being written (gone, a half-written copy lying around)
    // and a stray half-written copy of a finished one is there too.
    let run_dir = tmp.path().join("run");
    run(&study, &run_dir, 2, Shard::ALL);
    let lost = n - 2;
    fs::remove_dir_all(run_dir.join(format!("networks/{lost}"))).unwrap();
    let partial = run_dir.join(format!("networks/{lost}.somehost-999.partial"));
    fs::create_dir(&partial).unwrap();
    fs::write(partial.join("record.json"), "{ truncated").unwrap();
    let stray = run_dir.join("networks/1.somehost-999.partial");
    fs::create_dir(&stray).unwrap();
    let kept = || -> Vec<_> {
        (0..n)
            .filter(|&id| id != lost)
            .flat_map(|id| snapshot(&run_dir.join(format!("networks/{id}"))))
            .collect()
    };
    let before = kept();

    let summary = run(&study, &run_dir, 2, Shard::ALL);
    assert_eq!(summary.counts.trained, 1);
    assert_eq!(summary.counts.skipped, S::NETWORKS - 1);
    assert_eq!(summary.counts.partial_removed, 2);
    assert!(!partial.exists() && !stray.exists());
    assert_eq!(before, kept(), "finished networks were rewritten");
    assert_eq!(results(&full), results(&run_dir));
    assert_eq!(table::<S>(&full), table::<S>(&run_dir));
    // A resumed run appends a session to the manifest.
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(run_dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["sessions"].as_array().unwrap().len(), 2);
}

fn another_study_or_an_edited_config_is_refused_and_corrupt_records_are_trained_again<S: Tiny>() {
    let tmp = tempfile::tempdir().unwrap();
    let study = S::open(&write_config(S::TOML, tmp.path()));
    let run_dir = tmp.path().join("run");
    run(&study, &run_dir, 2, Shard::ALL);
    let before = snapshot(&run_dir);

    let other_path = tmp.path().join("other.toml");
    fs::write(&other_path, S::TOML.replace("seed = 7", "seed = 8")).unwrap();
    let other = S::open(&other_path);
    let err = format!(
        "{:#}",
        study::run(&other, &opts(&run_dir, 2, Shard::ALL)).unwrap_err()
    );
    assert!(!err.contains('\n'), "{err}");
    assert!(
        err.contains(&run_dir.join("config.toml").display().to_string()),
        "{err}"
    );
    assert!(
        err.contains(&other_path.display().to_string()) && err.contains("seed"),
        "{err}"
    );
    assert_eq!(
        before,
        snapshot(&run_dir),
        "the refused run changed the directory"
    );

    // Its config.toml edited (another seed), then run with the edited config: the records
    // are another study's, so the run is refused, naming a record and the config, before
    // anything moves; merge refuses alike. Restored, the directory is as it was.
    let stored = run_dir.join("config.toml");
    let original = fs::read_to_string(&stored).unwrap();
    assert!(original.contains("seed = 7"));
    fs::write(&stored, original.replace("seed = 7", "seed = 8")).unwrap();
    let edited = S::open(&stored);
    let err = format!(
        "{:#}",
        study::run(&edited, &opts(&run_dir, 2, Shard::ALL)).unwrap_err()
    );
    assert!(
        !err.contains('\n')
            && err.contains("record.json: trained by the study with config hash")
            && err.contains(&stored.display().to_string())
            && err.contains("edited"),
        "{err}"
    );
    let merge_err = format!("{:#}", S::merge(&run_dir).unwrap_err());
    assert!(merge_err.contains("edited"), "{merge_err}");
    fs::write(&stored, &original).unwrap();
    let unchanged = |(path, ..): &(String, u64, i64, i64)| {
        !path.ends_with("config.toml") && !path.contains("/locks/")
    };
    assert_eq!(
        before.iter().filter(|e| unchanged(e)).collect::<Vec<_>>(),
        snapshot(&run_dir)
            .iter()
            .filter(|e| unchanged(e))
            .collect::<Vec<_>>(),
        "the refused run changed the directory"
    );

    // Finished networks whose files fail their check: an arrays file with one byte changed
    // (same length: caught by its SHA-256), a truncated record, a truncated arrays file, a
    // deleted record. Merge refuses, naming the first such file; a run moves each aside whole
    // (nothing lost), trains it again, and the study is the same.
    let table_before = table::<S>(&run_dir);
    let arrays_of = |id: u64| {
        fs::read_dir(run_dir.join(format!("networks/{id}")))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "npz"))
            .unwrap()
    };
    let flipped = arrays_of(0);
    let mut bytes = fs::read(&flipped).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x10;
    fs::write(&flipped, &bytes).unwrap();
    fs::write(run_dir.join("networks/1/record.json"), "{ \"format\": ").unwrap();
    let truncated = arrays_of(2);
    let bytes = fs::read(&truncated).unwrap();
    fs::write(&truncated, &bytes[..bytes.len() - 1]).unwrap();
    fs::remove_file(run_dir.join("networks/3/record.json")).unwrap();
    let err = format!("{:#}", S::merge(&run_dir).unwrap_err());
    assert!(
        err.contains(&flipped.display().to_string())
            && err.contains("SHA-256")
            && !err.contains('\n'),
        "{err}"
    );
    let summary = run(&study, &run_dir, 2, Shard::ALL);
    assert_eq!(summary.counts.corrupt_set_aside, 4);
    assert_eq!(summary.counts.trained, 4);
    assert_eq!(table_before, table::<S>(&run_dir));
    let aside: Vec<String> = fs::read_dir(run_dir.join("networks"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".corrupt-"))
        .collect();
    assert_eq!(aside.len(), 4, "{aside:?}");
    let kept = aside.iter().find(|n| n.starts_with("1.")).unwrap();
    assert_eq!(
        fs::read_to_string(run_dir.join("networks").join(kept).join("record.json")).unwrap(),
        "{ \"format\": ",
        "the corrupt record is kept as it was"
    );
}

/// `--no-lock` (for file systems without locks) runs without claiming the shard: beside a held
/// claim, where a run with the lock refuses.
fn no_lock_runs_without_claiming_the_shard<S: Tiny>() {
    let tmp = tempfile::tempdir().unwrap();
    let study = S::open(&write_config(S::TOML, tmp.path()));
    let run_dir = tmp.path().join("run");
    fs::create_dir(&run_dir).unwrap();
    let _held = wiring_run::lock::claim(&run_dir, Shard::ALL, &["holder".into()]).unwrap();
    let err = format!(
        "{:#}",
        study::run(&study, &opts(&run_dir, 2, Shard::ALL)).unwrap_err()
    );
    assert!(err.contains("is running this shard"), "{err}");
    let unlocked = RunOptions {
        lock: false,
        ..opts(&run_dir, 2, Shard::ALL)
    };
    let summary = study::run(&study, &unlocked).unwrap();
    assert_eq!(summary.counts.trained, S::NETWORKS);
}

macro_rules! for_both_studies {
    ($($test:ident),* $(,)?) => {
        mod sernn {
            $(#[test] fn $test() { super::$test::<wiring_sernn::Study>() })*
        }
        mod prnn {
            $(#[test] fn $test() { super::$test::<wiring_prnn::Study>() })*
        }
    };
}

for_both_studies!(
    threads_and_shards_give_identical_results,
    an_interrupted_run_resumes_to_the_same_results_without_rewriting,
    another_study_or_an_edited_config_is_refused_and_corrupt_records_are_trained_again,
    no_lock_runs_without_claiming_the_shard,
);
