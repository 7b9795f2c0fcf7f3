//! The whole CUDA path of a study — `--backend cuda`, one device population per set, the
//! device engine, records, table, manifest — on the emulated device (`WIRING_DEVICE=emulated`:
//! the same engine and kernel sources on the host), against the same study on the CPU. On a
//! GPU the prepared script (`scripts/gpu-check.sh`) runs this comparison against cudarc.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

const TINY: &str = include_str!("../../../tests/tiny/sernn.toml");

fn run(config: &Path, out: &Path, cuda: bool) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sernn"));
    cmd.args(["run", "-q", "--out"]).arg(out).arg(config);
    if cuda {
        cmd.args(["--backend", "cuda"])
            .env("WIRING_DEVICE", "emulated");
    }
    let done = cmd.output().expect("sernn runs");
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
}

fn table(dir: &Path) -> Vec<BTreeMap<String, String>> {
    let text = fs::read_to_string(dir.join("study.csv")).expect("study.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    lines
        .map(|l| {
            header
                .iter()
                .zip(l.split(','))
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

#[test]
fn a_study_on_the_emulated_gpu_matches_the_cpu() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("tiny.toml");
    fs::write(&config, TINY).unwrap();
    let (cpu, gpu) = (tmp.path().join("cpu"), tmp.path().join("gpu"));
    run(&config, &cpu, false);
    run(&config, &gpu, true);
    let (a, b) = (table(&cpu), table(&gpu));
    assert_eq!(a.len(), 4);
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        // What a study decides on: identical. Losses and weight statistics: the backends
        // differ by rounding (≤ 5e-8 relative seen after 2 epochs), 1e-5 allowed.
        for exact in [
            "id",
            "set",
            "gamma",
            "val_accuracy",
            "final_val_accuracy",
            "test_accuracy",
            "accurate",
        ] {
            assert_eq!(x[exact], y[exact], "network {}: {exact}", x["id"]);
        }
        for close in [
            "val_loss",
            "val_cross_entropy",
            "final_val_loss",
            "mean_abs_w",
            "mean_abs_w_distance",
        ] {
            let (u, v): (f64, f64) = (x[close].parse().unwrap(), y[close].parse().unwrap());
            assert!(
                (u - v).abs() <= 1e-5 * u.abs().max(1e-6),
                "network {}: {close} {u} vs {v}",
                x["id"]
            );
        }
    }
    // The manifest names the device and its memory; the backend is part of the identity, so
    // the two runs are different studies.
    let manifest = fs::read_to_string(gpu.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"device\"") && manifest.contains("emulated (host loops)"));
    assert!(manifest.contains("memory_peak_mib"));
    assert!(!fs::read_to_string(cpu.join("manifest.json"))
        .unwrap()
        .contains("\"device\""));
    assert!(fs::read_to_string(gpu.join("config.toml"))
        .unwrap()
        .contains("backend = \"cuda\""));
}
