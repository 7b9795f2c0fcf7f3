//! Logging and profiling: a `tracing` subscriber that prints to stderr (filtered by `RUST_LOG`,
//! default `info` for the drivers, `warn` elsewhere) and, with `--trace FILE`, records every
//! span (driver phases, the model's network / epoch / batch spans) as a Chrome trace, viewable
//! in `chrome://tracing` or <https://ui.perfetto.dev>.

use std::io::IsTerminal;
use std::path::Path;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Keeps the Chrome trace open; the file is complete once this is dropped.
pub struct TraceGuard {
    _chrome: Option<tracing_chrome::FlushGuard>,
}

/// Installs the global subscriber. `quiet` lowers the default level to `warn`.
pub fn init(trace: Option<&Path>, quiet: bool) -> anyhow::Result<TraceGuard> {
    let default = if quiet {
        "warn"
    } else {
        "warn,wiring_run=info,wiring_sernn=info,wiring_prnn=info,sernn=info,prnn=info"
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .with_filter(filter);
    let (chrome, guard) = match trace {
        Some(path) => {
            // Fail early and clearly if the trace cannot be written.
            std::fs::File::create(path).map_err(|e| {
                anyhow::anyhow!("{}: cannot create trace file: {e}", path.display())
            })?;
            let (layer, guard) = tracing_chrome::ChromeLayerBuilder::new()
                .file(path)
                .include_args(true)
                .build();
            (Some(layer), Some(guard))
        }
        None => (None, None),
    };
    tracing_subscriber::registry()
        .with(fmt)
        .with(chrome)
        .try_init()
        .map_err(|e| anyhow::anyhow!("cannot install the logger: {e}"))?;
    Ok(TraceGuard { _chrome: guard })
}
