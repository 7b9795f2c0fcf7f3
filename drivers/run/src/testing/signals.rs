//! A study's binary stopped by signals as a scheduler or a user stops it: SIGTERM (what Slurm
//! sends before a kill) and SIGINT (Ctrl-C) stop it at its next check — the networks already
//! committed stay, none is committed half-trained, the manifest records the signal, the run
//! ends with one line — and the next run resumes to the uninterrupted study, record for
//! record. The same after SIGKILL at arbitrary points (a node failure, a scheduler out of
//! patience), where nothing can run on the way out.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use super::{assert_succeeded, table_without};

/// A study to stop: three or more networks trained one after another (`-j 1`), each long
/// enough (a second or two) for a signal to land inside it.
pub struct SignalStudy<'a> {
    /// The driver binary (`CARGO_BIN_EXE_…`).
    pub bin: &'a str,
    /// The config, written to `signals.toml`.
    pub config: &'a str,
    /// The timing columns of `study.csv`.
    pub timing: &'a [&'a str],
    /// Networks in the study (ids `0..networks`), at least 3.
    pub networks: u64,
}

impl SignalStudy<'_> {
    fn start(&self, config: &Path, out: &Path) -> Child {
        Command::new(self.bin)
            .args(["run", "-q", "-j", "1", "--out"])
            .arg(out)
            .arg(config)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// Writes the config into `dir` and runs the whole study into `dir/whole`; returns the
    /// config's path, the run's, and how long the run took to commit its first network.
    fn prepare(&self, dir: &Path) -> (PathBuf, PathBuf, Duration) {
        assert!(self.networks >= 3);
        let config = dir.join("signals.toml");
        fs::write(&config, self.config).unwrap();
        let whole = dir.join("whole");
        let t0 = Instant::now();
        let mut child = self.start(&config, &whole);
        let mut first = None;
        while child.try_wait().unwrap().is_none() {
            if first.is_none() && finished(&whole) > 0 {
                first = Some(t0.elapsed());
            }
            sleep(Duration::from_millis(5));
        }
        let done = child.wait_with_output().unwrap();
        assert_succeeded(&done, "the uninterrupted run");
        (config, whole, first.unwrap_or(t0.elapsed()))
    }

    /// Runs `config` into `out` once more, to its end, and finds the study of `whole`: the
    /// table (timing aside) and every network's files byte for byte.
    fn resume_to(&self, config: &Path, out: &Path, whole: &Path) {
        let resumed = self.start(config, out).wait_with_output().unwrap();
        assert_succeeded(&resumed, "the resumed run");
        assert_eq!(
            table_without(whole, self.timing),
            table_without(out, self.timing)
        );
        assert_eq!(super::results(whole), super::results(out));
        let left: Vec<_> = fs::read_dir(out.join("networks"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".partial"))
            .collect();
        assert!(left.is_empty(), "half-written networks left: {left:?}");
    }
}

/// Finished networks in `out` (directories `networks/<id>`).
fn finished(out: &Path) -> usize {
    fs::read_dir(out.join("networks")).map_or(0, |d| {
        d.flatten()
            .filter(|e| e.file_name().to_string_lossy().parse::<u64>().is_ok())
            .count()
    })
}

/// SIGTERM once the first network has finished, SIGINT once the second has, each in a run of
/// its own into one directory; each run ends within seconds with one line, its manifest
/// session names the signal; the third run resumes to the uninterrupted study.
pub fn sigterm_and_sigint_stop_a_run_that_resumes(study: &SignalStudy, dir: &Path) {
    let (config, whole, _) = study.prepare(dir);
    let out = dir.join("stopped");
    for (signal, name, after) in [("-TERM", "SIGTERM", 1), ("-INT", "SIGINT", 2)] {
        let mut child = study.start(&config, &out);
        let t0 = Instant::now();
        while finished(&out) < after {
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
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains(&format!("stopped by {name}")) && stderr.contains("resume"),
            "{stderr}"
        );
        println!("{name}: the run ended {took:?} after the signal");
        assert!(took < Duration::from_secs(30), "{name}: {took:?}");
        let n = finished(&out) as u64;
        assert!(
            n >= after as u64 && n < study.networks,
            "{name}: {n} networks finished"
        );
        let manifest: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
        let session = manifest["sessions"].as_array().unwrap().last().unwrap();
        assert_eq!(session["interrupted"], name, "{session}");
    }
    study.resume_to(&config, &out, &whole);
    let manifest = fs::read_to_string(out.join("manifest.json")).unwrap();
    assert_eq!(manifest.matches("\"interrupted\"").count(), 2, "{manifest}");
}

/// SIGKILL at eight points spread over 1.25 times what a fresh run takes to commit its first
/// network (before the directory exists, mid-network, around a commit), each in a run of its
/// own into one directory, which resumes where the last one was killed; the points come from
/// a fixed sequence, so a failure reproduces. Then a run to the end equals the uninterrupted study,
/// and no half-written network is left.
pub fn sigkill_at_arbitrary_points_then_resuming(study: &SignalStudy, dir: &Path) {
    let (config, whole, first) = study.prepare(dir);
    let window = (first.as_millis() as u64 * 5 / 4).max(200);
    let out = dir.join("killed");
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut kills = 0;
    for _ in 0..8 {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let at = Duration::from_millis(5 + (x >> 33) % window);
        let mut child = study.start(&config, &out);
        sleep(at);
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
        println!("killed at {at:?}: {} network(s) finished", finished(&out));
    }
    assert!(
        kills >= 4,
        "the study finished before most kill points; lengthen it"
    );
    study.resume_to(&config, &out, &whole);
}
