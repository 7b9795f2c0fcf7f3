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

/// A device run killed (SIGKILL: a node failure, a scheduler out of patience) after it kept a
/// checkpoint of its population's training resumes that population from the checkpoint, not
/// from its first episode, and finishes the uninterrupted study: the table (timing aside) and
/// every network's files byte for byte; the checkpoints are gone once the networks are saved.
#[test]
fn a_killed_device_run_resumes_its_population_from_the_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("long.toml");
    // Two populations (8 and 34 hidden units) of about a second each on the emulated device.
    fs::write(&config, TINY.replace("episodes = 300", "episodes = 3000")).unwrap();
    let (whole, out) = (tmp.path().join("whole"), tmp.path().join("killed"));
    run(&config, &whole, true);

    let prnn = || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_prnn"));
        cmd.args(["run", "--backend", "cuda", "--out"])
            .arg(&out)
            .arg(&config)
            .env("WIRING_DEVICE", "emulated");
        cmd
    };
    let mut child = prnn().stderr(std::process::Stdio::null()).spawn().unwrap();
    let checkpoints = out.join("checkpoints");
    let t0 = std::time::Instant::now();
    while fs::read_dir(&checkpoints).map_or(0, |d| d.count()) == 0 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "no checkpoint was kept"
        );
        assert!(t0.elapsed().as_secs() < 60, "no checkpoint was kept");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    // A few more curve points, then the kill.
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run ended too soon"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    // One file per population in training (the two run side by side).
    let kept = fs::read_dir(&checkpoints).unwrap().count();
    assert!((1..=2).contains(&kept), "{kept} checkpoints");

    let resumed = prnn().output().unwrap();
    let stderr = String::from_utf8_lossy(&resumed.stderr);
    assert!(resumed.status.success(), "{stderr}");
    assert!(
        stderr.contains("resuming the population's training after curve point"),
        "{stderr}"
    );
    assert_eq!(table_without(&whole, TIMING), table_without(&out, TIMING));
    assert_eq!(
        wiring_run::testing::results(&whole),
        wiring_run::testing::results(&out)
    );
    assert_eq!(fs::read_dir(&checkpoints).unwrap().count(), 0);
}
