//! A request to stop training early, for the whole process: the drivers make it when the
//! process receives SIGTERM or SIGINT (`wiring_run::interrupt`), and the long loops check it —
//! the pRNN's every 1 000 episodes and after each device launch, the seRNN's after every
//! epoch — and return [`ModelError::Interrupted`](crate::ModelError::Interrupted) instead of
//! a result, so that nothing half-trained is ever saved. A signal is process-wide, and so is
//! this flag; it is only ever set, never cleared, within a process.

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Asks every training loop of the process to stop. Async-signal-safe (one atomic store), so
/// a signal handler may call it.
pub fn request() {
    REQUESTED.store(true, Ordering::SeqCst);
}

/// Whether a stop was requested.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}

/// `Err(Interrupted)` once a stop was requested, naming `what` stopped.
pub fn check(what: &'static str) -> Result<(), crate::ModelError> {
    if requested() {
        Err(crate::ModelError::Interrupted { what })
    } else {
        Ok(())
    }
}
