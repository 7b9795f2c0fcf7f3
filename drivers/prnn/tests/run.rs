//! The pRNN driver end to end with a tiny recipe (4 architectures × 2 seeds, 300 episodes, 20
//! test mazes): records, table and report; the population size and the CPU backend are not
//! part of the study; a seRNN directory is refused; every bad config in `tests/bad_configs/`
//! gets the one-line error of its `.expected` file (`WIRING_BLESS=1` rewrites them — review
//! the diff); the binary runs. What holds for every study's run directory (threads, shards,
//! populations, interruption, refusals) is in `tests/run_dirs.rs` at the workspace root.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use wiring_prnn::{self as prnn, Study};
use wiring_run::shard::Shard;

use wiring_run::testing::{
    assert_run_refused, check_bad_configs, opts, run_and_merge, write_config,
};

const TINY: &str = include_str!("../../../tests/tiny/prnn.toml");

fn study(text: &str, dir: &Path) -> (Study, PathBuf) {
    let path = write_config(text, dir);
    (Study::load(&path).unwrap(), path)
}

#[test]
fn a_tiny_study_writes_what_the_spec_asks() {
    let tmp = tempfile::tempdir().unwrap();
    let (study, _) = study(TINY, tmp.path());
    assert_eq!(study.networks.len(), 8);
    assert_eq!(study.networks[6].architecture.index(), 128);

    let one = tmp.path().join("one");
    let summary = prnn::run(&study, &opts(&one, 1, Shard::ALL)).unwrap();
    assert_eq!(summary.counts.trained, 8);
    assert!(summary.merged.unwrap().missing.is_empty());
    for f in [
        "config.toml",
        "manifest.json",
        "study.csv",
        "architectures.csv",
        "report.html",
        "figures/fitness_by_noise.csv",
        "figures/fitness_by_noise_all.csv",
        "figures/median_fitness.csv",
        "figures/training_curves.csv",
        "networks/0/record.json",
        "networks/7/arrays.npz",
    ] {
        assert!(one.join(f).is_file(), "{f} missing");
    }
    let csv = fs::read_to_string(one.join("study.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    for col in [
        "id",
        "architecture",
        "name",
        "flags",
        "param_count",
        "hh",
        "fitness",
        "robustness",
        "learning_speed",
        "cue_sparsity_robustness",
        "wall_sparsity_robustness",
        "sensitivity",
        "memory",
        "norm_oh",
    ] {
        assert!(header.contains(&col), "study.csv lacks {col}");
    }
    assert_eq!(csv.lines().count(), 9);
    let ff34 = csv.lines().nth(3).unwrap();
    assert!(ff34.starts_with("2,1,ff34,0000000,34,442,0,"), "{ff34}");
    let html = fs::read_to_string(one.join("report.html")).unwrap();
    assert!(html.contains("<svg") && html.contains("ff34") && html.contains("learning speed"));

    // The record holds what the spec asks, and the arrays are readable.
    let record: serde_json::Value =
        serde_json::from_slice(&fs::read(one.join("networks/6/record.json")).unwrap()).unwrap();
    assert_eq!(record["architecture"]["name"], "full");
    assert_eq!(record["architecture"]["param_count"], 441);
    assert_eq!(record["training"]["curve"].as_array().unwrap().len(), 10);
    assert_eq!(
        record["evaluation"]["fitness_by_noise"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert_eq!(
        record["evaluation"]["weight_norms"]
            .as_array()
            .unwrap()
            .len(),
        9
    );
    assert_eq!(
        record["evaluation"]["memory_curve"]
            .as_array()
            .unwrap()
            .len(),
        20
    );
    assert_eq!(
        record["evaluation"]["cue_sparsity_fitness"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let bytes = fs::read(one.join("networks/6/arrays.npz")).unwrap();
    let mut npz = npyz::npz::NpzArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let w_ho = npz.by_name("w_ho").unwrap().unwrap().shape().to_vec();
    assert_eq!(w_ho, [5, 8]);
    let steps = npz
        .by_name("step_sensitivity")
        .unwrap()
        .unwrap()
        .shape()
        .to_vec();
    assert_eq!(
        steps[0],
        record["evaluation"]["recorded_steps"].as_u64().unwrap()
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(one.join("manifest.json")).unwrap()).unwrap();
    let session = &manifest["sessions"][0];
    assert!(session["episodes_per_second_per_core"].as_f64().unwrap() > 0.0);
    assert!(session["networks_per_second"].as_f64().unwrap() > 0.0);
}

/// Another population size is the same study; a seRNN run directory is not a pRNN study.
/// (Other seeds and corrupt records: `tests/run_dirs.rs` at the workspace root.)
#[test]
fn populations_are_not_part_of_the_study_and_a_sernn_directory_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (study, _) = study(TINY, tmp.path());
    let run = tmp.path().join("run");
    prnn::run(&study, &opts(&run, 2, Shard::ALL)).unwrap();
    let same =
        Study::from_toml(&TINY.replace("population = 3", "population = 1"), "s.toml").unwrap();
    assert_eq!(
        prnn::run(&same, &opts(&run, 2, Shard::ALL))
            .unwrap()
            .counts
            .skipped,
        8
    );

    let sernn_dir = tmp.path().join("sernn");
    fs::create_dir(&sernn_dir).unwrap();
    fs::write(
        sernn_dir.join("config.toml"),
        "version = 1\nname = \"quick\"\n[recipe]\nn_hidden = 8\n",
    )
    .unwrap();
    let err = format!(
        "{:#}",
        prnn::run(&study, &opts(&sernn_dir, 1, Shard::ALL)).unwrap_err()
    );
    assert!(
        !err.contains('\n') && err.contains("does not hold a pRNN study"),
        "{err}"
    );
    assert!(!sernn_dir.join("networks").exists());
}

#[test]
fn every_bad_config_gets_its_one_line_error() {
    check_bad_configs(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_configs"),
        15,
        |text, name, _| {
            Study::from_toml(text, name)
                .map(drop)
                .map_err(|e| e.to_string())
        },
    );
}

#[test]
fn shipped_configs_load() {
    let configs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs");
    let load = |file: &str| Study::load(&configs.join(file)).unwrap_or_else(|e| panic!("{e}"));
    for file in [
        "prnn-general.toml",
        "prnn-general-cue-sparse.toml",
        "prnn-general-wall-sparse.toml",
        "prnn-track.toml",
        "prnn-h.toml",
    ] {
        assert_eq!(load(file).networks.len(), 6450, "{file}");
    }
    // The throughput config: the general study with 8 seeds per architecture.
    let throughput = load("prnn-throughput.toml");
    assert_eq!(throughput.networks.len(), 129 * 8);
    assert_eq!(
        throughput.config.training,
        load("prnn-general.toml").config.training
    );
    assert_eq!(load("prnn-track.toml").config.training.episodes, 200_000);
    assert_eq!(load("prnn-h.toml").config.task.kind.name(), "h");
    assert!(
        load("prnn-general-cue-sparse.toml")
            .config
            .evaluation
            .sparsity_robustness
    );
    // The general config spells out every default: the same networks as the defaults.
    let defaults = Study::from_toml("version = 1\nname = \"general\"\n", "defaults").unwrap();
    let general = load("prnn-general.toml");
    assert!(
        general.differences(&defaults).is_empty(),
        "{:?}",
        general.differences(&defaults)
    );
    assert_eq!(general.config_hash(), defaults.config_hash());
    let quick = Study::quick().unwrap();
    assert_eq!(quick.networks.len(), load("prnn-quick.toml").networks.len());
    let names: Vec<String> = quick.architectures.iter().map(|a| a.name()).collect();
    for landmark in ["ff", "ff34", "full"] {
        assert!(
            names.iter().any(|n| n == landmark),
            "quick lacks {landmark}"
        );
    }
}

#[test]
fn binary_runs_merges_and_reports_errors_on_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, config) = study(TINY, tmp.path());
    let out = tmp.path().join("cli");
    let prnn = env!("CARGO_BIN_EXE_prnn");
    // One shard with the config as the positional argument, then the other with `--config`
    // (the README's form): the same study, so the run directory takes both.
    let said = run_and_merge(prnn, &["-j", "2", "--shard", "1/2"], &config, &out);
    assert!(
        said.contains("4/8 networks finished") && said.contains("4 missing: 0, 2, 4, 6"),
        "{said}"
    );
    let said = run_and_merge(prnn, &["--shard", "0/2", "--config"], &config, &out);
    assert!(said.contains("8/8 networks finished"), "{said}");
    let both = Command::new(prnn)
        .args(["run", "-q"])
        .arg(&config)
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(
        both.status.code(),
        Some(2),
        "a config given twice is a usage error"
    );

    // `--backend cuda` on a machine with no GPU (every machine that runs these tests; a
    // build without the `cuda` feature says so instead): refused in one line naming the file,
    // the field and the device layer's own reason, nothing written.
    let reason = wiring_kernels::device::CudaDevice::open(0)
        .err()
        .map(|e| {
            e.to_string()
                .trim_start_matches("backend cuda: ")
                .to_string()
        })
        .unwrap_or_default();
    let refused = Command::new(prnn)
        .args(["run", "-q", "--backend", "cuda", "--out"])
        .arg(tmp.path().join("cuda"))
        .arg(&config)
        .env_remove("WIRING_DEVICE")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("compute.backend = \"cuda\": {reason}")),
        "{stderr}"
    );
    assert!(!tmp.path().join("cuda").exists());

    let bad = tmp.path().join("bad.toml");
    fs::write(&bad, "version = 1\narchitectures = [200]\n").unwrap();
    assert_run_refused(
        prnn,
        &bad,
        &tmp.path().join("bad"),
        "bad.toml: architectures[0]: architecture index 200",
    );

    let help = Command::new(prnn).arg("--help").output().unwrap();
    assert!(help.status.success());
    let help = String::from_utf8_lossy(&help.stdout);
    for word in [
        "run",
        "merge",
        "--trace",
        "runs/prnn-quick",
        "prnn-general.toml",
    ] {
        assert!(help.contains(word), "--help lacks {word}");
    }
}

#[test]
fn the_backend_is_part_of_the_study_only_when_it_is_not_the_cpu() {
    let base = "version = 1\narchitectures = [0]\nseeds_per_architecture = 1\n";
    let load = |extra: &str| Study::from_toml(&format!("{base}{extra}"), "test.toml").unwrap();
    let (plain, cpu, cuda) = (
        load(""),
        load("[compute]\nbackend = \"cpu\"\n"),
        load("[compute]\nbackend = \"cuda\"\n"),
    );
    // "cpu" written out is the study it was before the field existed: same hash, same text.
    assert_eq!(plain.config_hash(), cpu.config_hash());
    assert_eq!(plain.resolved_toml(), cpu.resolved_toml());
    assert!(!cpu.resolved_toml().contains("backend"));
    // Another backend rounds differently: another study, refused in the same directory.
    assert_ne!(plain.config_hash(), cuda.config_hash());
    assert!(cuda.resolved_toml().contains("backend = \"cuda\""));
    assert_eq!(plain.differences(&cuda), vec!["compute.backend"]);
}
