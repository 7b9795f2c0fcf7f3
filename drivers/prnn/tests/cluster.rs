//! The shipped batch scripts (`examples/cluster/`) run a study as a scheduler would run their
//! array tasks — each script executed by bash with the array variables Slurm or PBS set for
//! it — and, merged, give the single-process study: the same `study.csv` (timing aside) and
//! every record's arrays byte for byte. (No scheduler runs here: this checks the scripts and
//! the variables they rely on, not Slurm itself.)

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use wiring_run::testing::table_without;

/// The timing columns of `study.csv`.
const TIMING: &[&str] = &["train_seconds", "evaluate_seconds"];

const TINY: &str = include_str!("../../../tests/tiny/prnn.toml");

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `script` once per array task with `vars(task)` set, then merges `out`.
fn run_array(
    script: &str,
    config: &Path,
    out: &Path,
    tasks: u64,
    vars: &dyn Fn(u64) -> Vec<(String, String)>,
) {
    let prnn = env!("CARGO_BIN_EXE_prnn");
    for task in 0..tasks {
        let done = Command::new("bash")
            .arg(root().join("examples/cluster").join(script))
            .current_dir(root())
            .env("BIN", prnn)
            .env("CONFIG", config)
            .env("OUT", out)
            .envs(vars(task))
            .output()
            .unwrap();
        assert!(
            done.status.success(),
            "{script} task {task}: {}",
            String::from_utf8_lossy(&done.stderr)
        );
        let said = String::from_utf8_lossy(&done.stdout);
        assert!(said.contains(&format!("shard {task}/{tasks} of")), "{said}");
    }
    let merged = Command::new(prnn).arg("merge").arg(out).output().unwrap();
    assert!(
        merged.status.success(),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
}

#[test]
fn the_slurm_and_pbs_scripts_shard_a_study_that_merges_to_the_single_run() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("tiny.toml");
    fs::write(&config, TINY).unwrap();
    let single = tmp.path().join("single");
    let done = Command::new(env!("CARGO_BIN_EXE_prnn"))
        .args(["run", "-q", "--out"])
        .arg(&single)
        .arg(&config)
        .output()
        .unwrap();
    assert!(done.status.success());

    // Slurm: an array 3-5 (indices need not start at 0), three tasks.
    let slurm = tmp.path().join("slurm");
    run_array("slurm-array.sbatch", &config, &slurm, 3, &|task| {
        vec![
            ("SLURM_ARRAY_TASK_ID".into(), (3 + task).to_string()),
            ("SLURM_ARRAY_TASK_MIN".into(), "3".into()),
            ("SLURM_ARRAY_TASK_COUNT".into(), "3".into()),
            ("SLURM_CPUS_PER_TASK".into(), "1".into()),
        ]
    });
    // PBS Pro (PBS_ARRAY_INDEX) and Torque (PBS_ARRAYID), two subjobs each.
    let pbs = tmp.path().join("pbs");
    run_array("pbs-array.pbs", &config, &pbs, 2, &|task| {
        vec![
            ("PBS_ARRAY_INDEX".into(), task.to_string()),
            ("WIRING_SHARDS".into(), "2".into()),
        ]
    });
    let torque = tmp.path().join("torque");
    run_array("pbs-array.pbs", &config, &torque, 2, &|task| {
        vec![
            ("PBS_ARRAYID".into(), task.to_string()),
            ("WIRING_SHARDS".into(), "2".into()),
        ]
    });
    for (name, out) in [("slurm", &slurm), ("pbs", &pbs), ("torque", &torque)] {
        assert_eq!(
            table_without(&single, TIMING),
            table_without(out, TIMING),
            "{name}"
        );
        for entry in fs::read_dir(single.join("networks")).unwrap() {
            let id = entry.unwrap().file_name();
            let arrays = |root: &Path| fs::read(root.join("networks").join(&id).join("arrays.npz"));
            assert_eq!(
                arrays(&single).unwrap(),
                arrays(out).unwrap(),
                "{name}: {id:?}"
            );
        }
        let shards = if name == "slurm" { 3 } else { 2 };
        for i in 0..shards {
            assert!(
                out.join(format!("manifest-shard-{i}-of-{shards}.json"))
                    .exists(),
                "{name}: shard {i}"
            );
        }
    }
}
