//! Two processes on one run directory: while a run trains, a second `run` of the same shard,
//! or of one sharing networks with it, refuses in one line naming the holder, and writes
//! nothing; after the holder is killed with SIGKILL its claim is gone (the kernel releases
//! it), and the directory takes a run again.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// One network trained long enough (several seconds) to be caught running.
const LONG: &str = "version = 1\nname = \"long\"\nseed = 3\narchitectures = [\"ff\"]\n\
seeds_per_architecture = 1\n[training]\nepisodes = 150000\ntest_mazes = 20\ncurve_points = 10\n\
maze_batch = 50\n[evaluation]\nnoise_levels = [0.0, 0.05]\n";

fn prnn(args: &[&str], config: &Path, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_prnn"))
        .args(["run", "-q"])
        .args(args)
        .arg("--out")
        .arg(out)
        .arg(config)
        .output()
        .unwrap()
}

#[test]
fn a_second_process_refuses_and_a_killed_holder_leaves_no_lock() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("long.toml");
    fs::write(&config, LONG).unwrap();
    let out = tmp.path().join("run");
    let mut holder = Command::new(env!("CARGO_BIN_EXE_prnn"))
        .args(["run", "-q", "--out"])
        .arg(&out)
        .arg(&config)
        .spawn()
        .unwrap();
    let lock = out.join("locks").join("0-of-1.lock");
    let started = Instant::now();
    while !fs::read_to_string(&lock).is_ok_and(|t| t.contains("pid")) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no lock appeared"
        );
        sleep(Duration::from_millis(20));
    }
    let pid = format!("pid {} on ", holder.id());
    for (args, says) in [
        (&[][..], "cannot run shard 0/1: pid"),
        (
            &["--shard", "1/2"][..],
            "runs shard 0/1, which shares networks with it",
        ),
    ] {
        let refused = prnn(args, &config, &out);
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert_eq!(refused.status.code(), Some(1), "{stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(&pid) && stderr.contains(says), "{stderr}");
        assert!(
            stderr.contains("long.toml"),
            "the holder's command: {stderr}"
        );
    }
    assert!(
        holder.try_wait().unwrap().is_none(),
        "the holder finished before the refusals were checked; lengthen LONG"
    );
    // The refused runs added no manifest, no session: only the holder's.
    let manifest = fs::read_to_string(out.join("manifest.json")).unwrap();
    assert_eq!(manifest.matches("\"command\"").count(), 1, "{manifest}");
    assert!(!out.join("manifest-shard-1-of-2.json").exists());

    holder.kill().unwrap(); // SIGKILL
    holder.wait().unwrap();
    // Its lock file stays, its claim does not: shard 1/2 (no networks of this study) runs.
    assert!(lock.exists());
    let after = prnn(&["--shard", "1/2"], &config, &out);
    assert!(
        after.status.success(),
        "{}",
        String::from_utf8_lossy(&after.stderr)
    );
}
