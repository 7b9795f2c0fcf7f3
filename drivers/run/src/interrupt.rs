//! SIGTERM and SIGINT: what a scheduler sends before it kills a job (Slurm sends SIGTERM, then
//! SIGKILL `KillWait` seconds later, 30 by default; PBS likewise) and what Ctrl-C sends.
//!
//! [`install`] makes the first of them a request to stop: the handler records the signal and
//! calls the study's stop hook (`wiring_model::stop::request`, one atomic store — all a
//! handler may safely do), training loops return at their next check (seconds at most), no
//! work unit starts after it, every network already committed stays, none is committed
//! half-trained, and the run records the interruption in its manifest session
//! ([`crate::manifest::Session::interrupted`]) and ends with one line. The next run of the
//! same command resumes. A second signal ends the process at once (exit 128 + signal), for a
//! user who does not want to wait.

use std::sync::atomic::{AtomicI32, Ordering};

use signal_hook::consts::{SIGINT, SIGTERM};

/// The first signal received (0: none).
static RECEIVED: AtomicI32 = AtomicI32::new(0);

/// Installs the handlers of SIGTERM and SIGINT (again: a no-op); `on_signal` is called from
/// the handler on the first signal and must be async-signal-safe.
///
/// # Errors
/// The operating system's, if a handler cannot be installed.
pub fn install(on_signal: fn()) -> std::io::Result<()> {
    static INSTALLED: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    if INSTALLED.get().is_some() {
        return Ok(());
    }
    for signal in [SIGTERM, SIGINT] {
        // SAFETY: the action is async-signal-safe: atomic loads and stores, `on_signal`
        // (whose contract says the same) and `low_level::exit` (`_exit`).
        unsafe {
            signal_hook::low_level::register(signal, move || {
                if RECEIVED
                    .compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok()
                {
                    on_signal();
                } else {
                    signal_hook::low_level::exit(128 + signal);
                }
            })?;
        }
    }
    let _ = INSTALLED.set(());
    Ok(())
}

/// The signal that asked this process to stop, by name, if one did.
pub fn received() -> Option<&'static str> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        s if s == SIGTERM => Some("SIGTERM"),
        s if s == SIGINT => Some("SIGINT"),
        _ => Some("a signal"),
    }
}
