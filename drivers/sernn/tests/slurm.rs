//! A seRNN study under a real Slurm: submitted as a job array of the shipped batch script,
//! one task cancelled mid-run (`scancel`: SIGTERM) and requeued, merged — the same table
//! (timing aside) and every record's arrays byte for byte as one process gives. Skips with
//! the reason printed when no cluster answers (`.ci/slurm-up` starts one; CI requires it).

use wiring_run::testing::slurm::{array_equals_single_run, ArrayStudy, Slurm};

/// Nine networks of 27 units, about a second each; three shards of three.
const STUDY: &str = "version = 1\nname = \"slurm\"\nseed = 11\n[recipe]\nn_hidden = 27\n\
    n_train = 4096\nn_validation = 64\nn_test = 64\nbatch_size = 64\nepochs = 16\n\
    [space]\ngrid = [3, 3, 3]\n[analysis]\nepoch = 15\n[[sets]]\nname = \"se\"\n\
    regulariser = \"se\"\ngamma = { start = 0.001, stop = 0.3, count = 9 }\n";

#[test]
fn a_slurm_job_array_with_a_cancelled_and_requeued_task_merges_to_the_single_run() {
    let Some(slurm) = Slurm::reach() else { return };
    let tmp = tempfile::tempdir().unwrap();
    array_equals_single_run(
        &slurm,
        &ArrayStudy {
            bin: env!("CARGO_BIN_EXE_sernn"),
            config: STUDY,
            timing: &["train_seconds"],
            networks: 9,
            shards: 3,
        },
        tmp.path(),
    );
}
