//! SIGTERM (what a scheduler sends before a kill) and SIGINT (Ctrl-C) stop a run at its next
//! check: the networks already committed stay, none is committed half-trained, the manifest
//! records the signal, the run ends with one line; the next run resumes, and the study it
//! finishes is the uninterrupted one, record for record. The same holds after SIGKILL at
//! arbitrary points (a node failure, a scheduler out of patience), where nothing can run on
//! the way out.

use std::fs;
use std::path::Path;
use std::process::{Child, Command};
use std::thread::sleep;
use std::time::{Duration, Instant};

use wiring_run::testing::table_without;

/// Three networks trained one after another, about two seconds each.
/// The timing columns of `study.csv`.
const TIMING: &[&str] = &["train_seconds", "evaluate_seconds"];

const STUDY: &str = "version = 1\nname = \"signals\"\nseed = 3\n\
architectures = [\"ff\", 128, \"0100000\"]\nseeds_per_architecture = 1\n[training]\n\
episodes = 60000\ntest_mazes = 20\ncurve_points = 10\nmaze_batch = 50\n[evaluation]\n\
noise_levels = [0.0, 0.05]\n[compute]\npopulation = 1\n";

fn start(config: &Path, out: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_prnn"))
        .args(["run", "-q", "-j", "1", "--out"])
        .arg(out)
        .arg(config)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

fn finished(out: &Path) -> usize {
    fs::read_dir(out.join("networks")).map_or(0, |d| {
        d.flatten()
            .filter(|e| !e.file_name().to_string_lossy().contains(".partial"))
            .count()
    })
}

/// Sends `signal` once `out` holds `after` finished networks; returns the run's stderr and
/// how long it took to end after the signal.
fn interrupt(config: &Path, out: &Path, signal: &str, after: usize) -> (String, Duration) {
    let mut child = start(config, out);
    let t0 = Instant::now();
    while finished(out) < after {
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "no network finished"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended too soon"
        );
        sleep(Duration::from_millis(10));
    }
    let sent = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let t1 = Instant::now();
    let output = child.wait_with_output().unwrap();
    let took = t1.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    (stderr, took)
}

/// Runs `config` into `out` once more, to its end, and finds the study of `whole`: the table
/// (timing aside) and every network's arrays byte for byte.
fn resume_to(config: &Path, out: &Path, whole: &Path) {
    let resumed = start(config, out).wait_with_output().unwrap();
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    assert_eq!(table_without(whole, TIMING), table_without(out, TIMING));
    for id in 0..3 {
        let arrays = |root: &Path| fs::read(root.join(format!("networks/{id}/arrays.npz")));
        assert_eq!(arrays(whole).unwrap(), arrays(out).unwrap(), "network {id}");
    }
}

#[test]
fn sigterm_and_sigint_stop_a_run_that_then_resumes_to_the_same_study() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("signals.toml");
    fs::write(&config, STUDY).unwrap();
    let (whole, out) = (tmp.path().join("whole"), tmp.path().join("stopped"));
    let done = start(&config, &whole).wait_with_output().unwrap();
    assert!(done.status.success());

    for (signal, name, after) in [("-TERM", "SIGTERM", 1), ("-INT", "SIGINT", 2)] {
        let (stderr, took) = interrupt(&config, &out, signal, after);
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains(&format!("stopped by {name}")) && stderr.contains("resume"),
            "{stderr}"
        );
        println!("{name}: the run ended {took:?} after the signal");
        assert!(took < Duration::from_secs(30), "{name}: {took:?}");
        let n = finished(&out);
        assert!(n >= after && n < 3, "{name}: {n} networks finished");
        let manifest: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
        let session = manifest["sessions"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert_eq!(session["interrupted"], name, "{session}");
    }
    // The next run resumes and finishes the study the uninterrupted run made.
    resume_to(&config, &out, &whole);
    let manifest = fs::read_to_string(out.join("manifest.json")).unwrap();
    assert_eq!(manifest.matches("\"interrupted\"").count(), 2, "{manifest}");
}

#[test]
fn sigkill_at_arbitrary_points_then_resuming_gives_the_same_study() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("signals.toml");
    fs::write(&config, STUDY).unwrap();
    let (whole, out) = (tmp.path().join("whole"), tmp.path().join("killed"));
    assert!(start(&config, &whole)
        .wait_with_output()
        .unwrap()
        .status
        .success());
    // Kill points spread over the first 1.5 s of a run (before the directory exists,
    // mid-network, around the first commit), from a fixed sequence so that a failure
    // reproduces.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut kills = 0;
    for _ in 0..6 {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let at = Duration::from_millis(5 + (x >> 33) % 1500);
        let mut child = start(&config, &out);
        sleep(at);
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
        println!("killed at {at:?}: {} network(s) finished", finished(&out));
    }
    assert!(
        kills >= 3,
        "the study finished before most kill points; lengthen it"
    );
    resume_to(&config, &out, &whole);
    let left: Vec<_> = fs::read_dir(out.join("networks"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".partial"))
        .collect();
    assert!(left.is_empty(), "half-written networks left: {left:?}");
}
