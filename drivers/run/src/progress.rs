//! Progress over a study's networks: an indicatif bar on a terminal (ETA, networks/s), one log
//! line per network otherwise, nothing with `--quiet`.

use std::io::IsTerminal;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Progress of one session over `total` networks.
pub struct Progress {
    bar: Option<ProgressBar>,
    log_each: bool,
    /// The run directory's out-of-space error, once a commit hit it.
    out_of_space: Arc<OnceLock<String>>,
}

impl Progress {
    /// A bar on stderr when it is a terminal and not `quiet`; else log lines unless `quiet`.
    pub fn new(total: u64, quiet: bool) -> Self {
        let visible = !quiet && std::io::stderr().is_terminal();
        let bar = visible.then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} networks ({per_sec}, ETA {eta}) {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(250));
            bar
        });
        Self {
            bar,
            log_each: !quiet && !visible,
            out_of_space: Arc::default(),
        }
    }

    /// Failures after `dir` ran out of space are the run's last line, not one line each.
    pub fn watching(mut self, dir: &crate::run_dir::RunDir) -> Self {
        self.out_of_space = dir.out_of_space_flag();
        self
    }

    /// One network finished (`summary` says how it did).
    pub fn network_done(&self, id: u64, summary: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("#{id}: {summary}"));
            bar.inc(1);
        } else if self.log_each {
            tracing::info!("network {id}: {summary}");
        }
    }

    /// One network failed.
    pub fn network_failed(&self, id: u64, error: &str) {
        // After SIGTERM / SIGINT, or once the disk is full, the stopped networks are not
        // failures of their own: the run's last line counts them.
        if crate::interrupt::received().is_some() || self.out_of_space.get().is_some() {
            return;
        }
        if let Some(bar) = &self.bar {
            bar.suspend(|| tracing::error!("network {id} failed: {error}"));
            bar.inc(1);
        } else {
            tracing::error!("network {id} failed: {error}");
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
