//! A study run as a real Slurm job array, the shipped batch script submitted with `sbatch`,
//! one task cancelled mid-run with `scancel` and requeued, then merged and compared with a
//! single-process run of the same config: the table (timing aside) and every network's files
//! (records without their timing, arrays) byte for byte.
//!
//! The cluster is whatever `sinfo` reaches (`SLURM_CONF` or the system's config); `.ci/slurm-up`
//! starts a single-node one on loopback. Without one the test skips with the reason printed,
//! unless `WIRING_REQUIRE_SLURM` is set (CI), when it fails.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

use super::{assert_succeeded, table_without};

/// The environment variable that turns "no Slurm here" from a skip into a failure.
pub const REQUIRE_ENV: &str = "WIRING_REQUIRE_SLURM";

/// How long a whole array may take before the test gives up.
const PATIENCE: Duration = Duration::from_secs(600);

/// A reachable Slurm cluster with at least one node up.
pub struct Slurm {
    /// `sinfo`'s one-line account of the partition, for the test's log.
    pub partition: String,
}

impl Slurm {
    /// The cluster `sinfo` reaches; `None` (after printing why) when there is none and
    /// [`REQUIRE_ENV`] is unset.
    pub fn reach() -> Option<Self> {
        let why = match Command::new("sinfo")
            .args(["-h", "-o", "%P %a %D %T %c"])
            .output()
        {
            Err(e) => format!("sinfo: {e}"),
            Ok(o) if !o.status.success() => {
                format!("sinfo: {}", String::from_utf8_lossy(&o.stderr).trim())
            }
            Ok(o) => {
                let partition = String::from_utf8_lossy(&o.stdout).trim().to_string();
                let up = partition.lines().any(|l| {
                    ["idle", "mixed", "allocated"]
                        .iter()
                        .any(|s| l.split_whitespace().nth(3) == Some(*s))
                });
                if up {
                    return Some(Self { partition });
                }
                format!("no node up: {partition:?}")
            }
        };
        assert!(
            std::env::var_os(REQUIRE_ENV).is_none(),
            "{REQUIRE_ENV} is set but no Slurm cluster answers ({why}); start one: .ci/slurm-up"
        );
        println!("skipped: no Slurm cluster ({why}); .ci/slurm-up starts one on loopback");
        None
    }
}

/// What one array study is: the driver binary, its config text and the study's shape.
pub struct ArrayStudy<'a> {
    /// The driver binary (`CARGO_BIN_EXE_…`).
    pub bin: &'a str,
    /// The config, written to `study.toml`.
    pub config: &'a str,
    /// The timing columns of `study.csv`.
    pub timing: &'a [&'a str],
    /// Networks in the study (ids `0..networks`).
    pub networks: u64,
    /// Array tasks (shards); task `shards / 2` (shard index) is cancelled and requeued.
    pub shards: u64,
}

/// Runs `study` in `dir` (the cluster's nodes must see it) once in one process (`-j 2`), then
/// as an array `1..=shards` of the shipped `examples/cluster/slurm-array.sbatch` (one CPU a
/// task); cancels the middle task once its log shows a finished network, checks that the
/// cancellation stopped it mid-shard and was recorded in its manifest, requeues it, waits for
/// the array, merges, and compares with the single run: `study.csv` (timing aside) and every
/// network's files ([`super::results`]). Prints what happened when.
pub fn array_equals_single_run(slurm: &Slurm, study: &ArrayStudy, dir: &Path) {
    println!("slurm: {}", slurm.partition);
    let config = dir.join("study.toml");
    fs::write(&config, study.config).unwrap();
    let single = dir.join("single");
    let t0 = Instant::now();
    let done = Command::new(study.bin)
        .args(["run", "-q", "-j", "2", "--out"])
        .arg(&single)
        .arg(&config)
        .output()
        .unwrap();
    assert_succeeded(&done, "the single run");
    println!("single run: {:.1} s", t0.elapsed().as_secs_f64());

    let (out, logs) = (dir.join("array"), dir.join("logs"));
    fs::create_dir(&logs).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let t0 = Instant::now();
    let submitted = Command::new("sbatch")
        .arg("--parsable")
        .arg(format!("--array=1-{}", study.shards))
        .args(["--cpus-per-task=1", "--mem=1G", "--job-name=wiring-test"])
        // Both sessions of the requeued task in its log.
        .arg("--open-mode=append")
        .arg(format!("--output={}/%x-%A_%a.out", logs.display()))
        .arg(format!("--chdir={}", root.display()))
        .arg(format!(
            "--export=ALL,BIN={},CONFIG={},OUT={}",
            study.bin,
            config.display(),
            out.display()
        ))
        .arg(root.join("examples/cluster/slurm-array.sbatch"))
        .output()
        .unwrap();
    assert_succeeded(&submitted, "sbatch");
    let said = String::from_utf8_lossy(&submitted.stdout);
    let job = said.trim().split(';').next().unwrap().to_string();
    println!("submitted array job {job}: tasks 1-{}", study.shards);

    // The middle task: cancelled once its log shows a finished network.
    let shard = study.shards / 2;
    let task = format!("{job}_{}", shard + 1);
    let log = logs.join(format!("wiring-test-{job}_{}.out", shard + 1));
    let ids: Vec<u64> = (0..study.networks)
        .filter(|id| id % study.shards == shard)
        .collect();
    let in_shard = ids.len();
    wait_for(&format!("{task} to finish a network"), || {
        let text = fs::read_to_string(&log).unwrap_or_default();
        assert!(
            !states(&job).get(&task).is_some_and(|s| terminal(s)),
            "{task} ended before it could be cancelled; lengthen its networks:\n{text}"
        );
        ids.iter()
            .any(|id| text.contains(&format!("network {id}: ")))
    });
    run("scancel", &[&task]);
    let cancelled_at = t0.elapsed();
    wait_for(&format!("{task} to end"), || {
        states(&job).get(&task).is_some_and(|s| terminal(s))
    });
    let state = states(&job)[&task].clone();
    assert_eq!(state, "CANCELLED", "{task}");
    let manifest = out.join(format!("manifest-shard-{shard}-of-{}.json", study.shards));
    let first = last_session(&manifest);
    assert_eq!(first["interrupted"], "SIGTERM", "{first}");
    let trained = first["networks"]["trained"].as_u64().unwrap() as usize;
    assert!(
        (1..in_shard).contains(&trained),
        "{task}: {trained} of {in_shard} networks before the cancel: not mid-run"
    );
    println!(
        "scancel {task} at {:.1} s: stopped by SIGTERM with {trained} of {in_shard} networks",
        cancelled_at.as_secs_f64()
    );

    // Requeued (Slurm holds a requeued job back two minutes: release it now).
    run("scontrol", &["requeue", &task]);
    run(
        "scontrol",
        &["update", &format!("jobid={task}"), "StartTime=now"],
    );
    wait_for(&format!("array {job}"), || {
        let s = states(&job);
        s.len() as u64 == study.shards && s.values().all(|s| terminal(s))
    });
    let s = states(&job);
    assert!(
        s.values().all(|s| s == "COMPLETED"),
        "{s:?}\n{}",
        fs::read_to_string(&log).unwrap_or_default()
    );
    let second = last_session(&manifest);
    assert_eq!(second["networks"]["skipped"].as_u64(), Some(trained as u64));
    assert!(second["interrupted"].is_null() && !second["finished"].is_null());
    println!(
        "requeued {task}: resumed past {trained} networks; array done at {:.1} s",
        t0.elapsed().as_secs_f64()
    );

    let merged = Command::new(study.bin)
        .arg("merge")
        .arg(&out)
        .output()
        .unwrap();
    assert_succeeded(&merged, "merge");
    assert_eq!(
        table_without(&single, study.timing),
        table_without(&out, study.timing)
    );
    let (a, b) = (super::results(&single), super::results(&out));
    let differ: Vec<&String> = a.keys().filter(|k| a.get(*k) != b.get(*k)).collect();
    assert!(
        differ.is_empty() && a.len() == b.len(),
        "files that differ from the single run's: {differ:?}"
    );
    println!(
        "merged: study.csv and the {} files of {} networks equal the single run's",
        a.len(),
        study.networks
    );
}

/// `task id → state` of every task of `job` Slurm still knows (`squeue -t all`).
fn states(job: &str) -> std::collections::BTreeMap<String, String> {
    let o = Command::new("squeue")
        .args(["-h", "-t", "all", "-r", "-j", job, "-o", "%i %T"])
        .output()
        .unwrap();
    assert_succeeded(&o, "squeue");
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(i, s)| (i.to_string(), s.trim().to_string()))
        .collect()
}

/// A state a task leaves only when requeued.
fn terminal(state: &str) -> bool {
    !matches!(
        state,
        "PENDING"
            | "RUNNING"
            | "CONFIGURING"
            | "COMPLETING"
            | "REQUEUED"
            | "RESIZING"
            | "SUSPENDED"
            | "REQUEUE_HOLD"
            | "REQUEUE_FED"
            | "SIGNALING"
            | "STAGE_OUT"
    )
}

/// Polls `done` every 50 ms for [`PATIENCE`].
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !done() {
        assert!(t0.elapsed() < PATIENCE, "gave up waiting for {what}");
        sleep(Duration::from_millis(50));
    }
}

fn run(cmd: &str, args: &[&str]) {
    let o = Command::new(cmd).args(args).output().unwrap();
    assert_succeeded(&o, &format!("{cmd} {}", args.join(" ")));
}

fn last_session(manifest: &Path) -> serde_json::Value {
    let text =
        fs::read_to_string(manifest).unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["sessions"].as_array().unwrap().last().unwrap().clone()
}
