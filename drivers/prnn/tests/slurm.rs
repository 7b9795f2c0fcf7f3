//! A pRNN study under a real Slurm: submitted as a job array of the shipped batch script, one
//! task cancelled mid-run (`scancel`: SIGTERM) and requeued, merged — the same table (timing
//! aside) and every record's arrays byte for byte as one process gives. Skips with the reason
//! printed when no cluster answers (`.ci/slurm-up` starts one; CI requires it).

use wiring_run::testing::slurm::{array_equals_single_run, ArrayStudy, Slurm};

/// Nine networks of about a second each; three shards of three.
const STUDY: &str = "version = 1\nname = \"slurm\"\nseed = 11\n\
architectures = [\"ff\", 128, \"0100000\"]\nseeds_per_architecture = 3\n[training]\n\
episodes = 40000\ntest_mazes = 20\ncurve_points = 10\nmaze_batch = 50\n[evaluation]\n\
noise_levels = [0.0, 0.05]\n[compute]\npopulation = 1\n";

#[test]
fn a_slurm_job_array_with_a_cancelled_and_requeued_task_merges_to_the_single_run() {
    let Some(slurm) = Slurm::reach() else { return };
    let tmp = tempfile::tempdir().unwrap();
    array_equals_single_run(
        &slurm,
        &ArrayStudy {
            bin: env!("CARGO_BIN_EXE_prnn"),
            config: STUDY,
            timing: &["train_seconds", "evaluate_seconds"],
            networks: 9,
            shards: 3,
        },
        tmp.path(),
    );
}
