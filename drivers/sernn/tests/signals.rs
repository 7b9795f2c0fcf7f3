//! SIGTERM and SIGINT stop a seRNN run that then resumes to the same study; so does SIGKILL
//! at arbitrary points ([`wiring_run::testing::signals`]).

use wiring_run::testing::signals::{
    sigkill_at_arbitrary_points_then_resuming, sigterm_and_sigint_stop_a_run_that_resumes,
    SignalStudy,
};

/// Three networks of 27 units trained one after another, about 1.5 s each (24 epochs: the
/// run checks for a stop between epochs).
const STUDY: SignalStudy = SignalStudy {
    bin: env!("CARGO_BIN_EXE_sernn"),
    config: "version = 1\nname = \"signals\"\nseed = 3\n[recipe]\nn_hidden = 27\n\
        n_train = 4096\nn_validation = 64\nn_test = 64\nbatch_size = 64\nepochs = 24\n\
        [space]\ngrid = [3, 3, 3]\n[analysis]\nepoch = 23\n[[sets]]\nname = \"se\"\n\
        regulariser = \"se\"\ngamma = [0.001, 0.01, 0.1]\n",
    timing: &["train_seconds"],
    networks: 3,
};

#[test]
fn sigterm_and_sigint_stop_a_run_that_then_resumes_to_the_same_study() {
    let tmp = tempfile::tempdir().unwrap();
    sigterm_and_sigint_stop_a_run_that_resumes(&STUDY, tmp.path());
}

#[test]
fn sigkill_at_arbitrary_points_then_resuming_gives_the_same_study() {
    let tmp = tempfile::tempdir().unwrap();
    sigkill_at_arbitrary_points_then_resuming(&STUDY, tmp.path());
}
