//! The seRNN driver end to end with a tiny recipe (8 units, 2 epochs, 4 networks): a cosmetic
//! config change is the same study, the backend is part of the study only when it is not the
//! CPU, and the binary runs, merges, reports and refuses bad input in one line. What holds for
//! every study's run directory is in `tests/run_dirs.rs` at the workspace root.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use wiring_run::shard::Shard;
use wiring_sernn::{self as sernn, Study};

use wiring_run::testing::{assert_run_refused, opts, run_and_merge, write_config};

const TINY: &str = include_str!("../../../tests/tiny/sernn.toml");

fn study(text: &str, dir: &Path) -> (Study, PathBuf) {
    let path = write_config(text, dir);
    (Study::load(&path).unwrap(), path)
}

/// A cosmetic difference (comments, defaults spelt out, a list instead of a linspace) is the
/// same study: a run resumes into its directory. (What holds for every study's run directory
/// — threads, shards, interruption, refusals — is tested once for both in `tests/run_dirs.rs`.)
#[test]
fn a_cosmetically_different_config_is_the_same_study() {
    let tmp = tempfile::tempdir().unwrap();
    let (study, _) = study(TINY, tmp.path());
    let run = tmp.path().join("run");
    sernn::run(&study, &opts(&run, 2, Shard::ALL)).unwrap();
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
    assert!(out.join("figures/val_accuracy.csv").is_file());

    let bad = tmp.path().join("bad.toml");
    fs::write(&bad, "version = 1\n[recipe]\nbatch_size = 0\n").unwrap();
    assert_run_refused(
        sernn,
        &bad,
        &tmp.path().join("bad"),
        "bad.toml: recipe.batch_size: expected",
    );

    // A backend this build cannot run: one line naming the file and the field, nothing
    // written.
    let cuda = tmp.path().join("cuda.toml");
    fs::write(&cuda, format!("{TINY}\n[compute]\nbackend = \"cuda\"\n")).unwrap();
    // Without the `cuda` feature the build says so; with it, on a machine with no driver or
    // GPU (every machine that runs these tests), it says which is missing: the device layer's
    // own reason, after the file and field.
    let reason = wiring_kernels::device::CudaDevice::open(0)
        .err()
        .map(|e| {
            e.to_string()
                .trim_start_matches("backend cuda: ")
                .to_string()
        })
        .unwrap_or_default();
    let why = &format!("cuda.toml: compute.backend = \"cuda\": {reason}");
    assert_run_refused(sernn, &cuda, &tmp.path().join("cuda"), why);
    // `--backend cuda` on a CPU config: the same refusal, nothing written.
    let tiny = tmp.path().join("tiny.toml");
    fs::write(&tiny, TINY).unwrap();
    let out = tmp.path().join("flag");
    let refused = Command::new(sernn)
        .args(["run", "-q", "--backend", "cuda", "--out"])
        .arg(&out)
        .arg(&tiny)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("tiny.toml: compute.backend = \"cuda\": "),
        "{stderr}"
    );
    assert!(!out.exists());

    let help = Command::new(sernn).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for word in ["run", "merge", "--trace", "profiling", "runs/sernn-quick"] {
        assert!(help.contains(word), "--help lacks {word}");
    }
}

#[test]
fn the_backend_is_part_of_the_study_only_when_it_is_not_the_cpu() {
    let load = |extra: &str| {
        Study::from_toml(&format!("{TINY}\n{extra}"), "test.toml", Path::new(".")).unwrap()
    };
    let (plain, cpu, cuda) = (
        load(""),
        load("[compute]\nbackend = \"cpu\"\n"),
        load("[compute]\nbackend = \"cuda\"\n"),
    );
    assert_eq!(plain.config_hash(), cpu.config_hash());
    assert_eq!(plain.resolved_toml(), cpu.resolved_toml());
    assert!(!cpu.resolved_toml().contains("backend"));
    assert_ne!(plain.config_hash(), cuda.config_hash());
    assert!(cuda.resolved_toml().contains("backend = \"cuda\""));
    assert_eq!(plain.differences(&cuda), vec!["compute"]);
}
