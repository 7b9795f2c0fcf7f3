//! SIGTERM and SIGINT stop a pRNN run that then resumes to the same study; so does SIGKILL at
//! arbitrary points ([`wiring_run::testing::signals`]).

use wiring_run::testing::signals::{
    sigkill_at_arbitrary_points_then_resuming, sigterm_and_sigint_stop_a_run_that_resumes,
    SignalStudy,
};

/// Three networks trained one after another, about two seconds each.
const STUDY: SignalStudy = SignalStudy {
    bin: env!("CARGO_BIN_EXE_prnn"),
    config: "version = 1\nname = \"signals\"\nseed = 3\n\
        architectures = [\"ff\", 128, \"0100000\"]\nseeds_per_architecture = 1\n[training]\n\
        episodes = 60000\ntest_mazes = 20\ncurve_points = 10\nmaze_batch = 50\n[evaluation]\n\
        noise_levels = [0.0, 0.05]\n[compute]\npopulation = 1\n",
    timing: &["train_seconds", "evaluate_seconds"],
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
