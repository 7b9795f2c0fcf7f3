//! The whole CUDA path of the pRNN study — `--backend cuda`, one device population per hidden
//! size, every network's Q-learning loop and measures on the device, records, table,
//! manifest — on the emulated device (`WIRING_DEVICE=emulated`: the same kernel sources
//! compiled for the host), against the same study on the CPU. The device kernels repeat the
//! CPU's operations in its order, so the two are equal: every record's arrays byte for byte,
//! the table but for its timing columns. On a GPU the prepared script
//! (`scripts/gpu-check.sh`) runs this comparison against cudarc.

use std::fs;
use std::path::Path;
use std::process::Command;

use wiring_run::testing::table_without;

/// The timing columns of `study.csv`.
const TIMING: &[&str] = &["train_seconds", "evaluate_seconds"];

const TINY: &str = include_str!("../../../tests/tiny/prnn.toml");

fn run(config: &Path, out: &Path, cuda: bool) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_prnn"));
    cmd.args(["run", "-q", "--out"]).arg(out).arg(config);
    if cuda {
        cmd.args(["--backend", "cuda"])
            .env("WIRING_DEVICE", "emulated");
    }
    let done = cmd.output().expect("prnn runs");
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
}

#[test]
fn a_study_on_the_emulated_gpu_equals_the_cpu() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("tiny.toml");
    fs::write(&config, TINY).unwrap();
    let (cpu, gpu) = (tmp.path().join("cpu"), tmp.path().join("gpu"));
    run(&config, &cpu, false);
    run(&config, &gpu, true);
    let (a, b) = (table_without(&cpu, TIMING), table_without(&gpu, TIMING));
    assert_eq!(a.lines().count(), 9, "a header and 8 networks");
    assert_eq!(a, b, "study.csv (timing aside)");
    let networks = cpu.join("networks");
    let mut compared = 0;
    for entry in fs::read_dir(&networks).unwrap() {
        let name = entry.unwrap().file_name();
        let arrays = |root: &Path| fs::read(root.join("networks").join(&name).join("arrays.npz"));
        assert_eq!(
            arrays(&cpu).unwrap(),
            arrays(&gpu).unwrap(),
            "{name:?}: arrays.npz"
        );
        compared += 1;
    }
    assert_eq!(compared, 8);
    // The manifest names the device and the session's network-episodes per second.
    let manifest = fs::read_to_string(gpu.join("manifest.json")).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let session = &manifest["sessions"][0];
    assert!(
        session["device"]["name"]
            .as_str()
            .is_some_and(|n| n.contains("emulated")),
        "{session}"
    );
    assert_eq!(session["training_episodes"].as_u64(), Some(8 * 300));
    assert!(session["episodes_per_second"].as_f64().unwrap() > 0.0);
}
