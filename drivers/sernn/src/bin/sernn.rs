//! `sernn`: the spatially embedded RNN study (Achterberg et al. 2023). See `--help`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use wiring_run::cli::{self, Globals, RunArgs};
use wiring_run::telemetry;
use wiring_sernn::{analyze, ranges, Study};

const LONG_ABOUT: &str = "\
Trains the spatially embedded RNN study (Achterberg et al. 2023): sets of recurrent networks on \
the goal-choice task, one per regularisation strength γ, and writes a run directory with one \
record per network, a study table and an HTML report.

Without a subcommand, runs the built-in quick study (20 seRNNs + 20 L1 networks, the paper's \
full recipe) into runs/sernn-quick. Configs for the paper's study and its supplementary sets \
are in configs/ (sernn-comparison.toml: the paper's comparison with ranges that span each \
set's collapse; sernn-paper.toml: the published ranges; sernn-supplementary.toml, \
sernn-probe.toml, sernn-quick.toml).

Analysis: `sernn analyze DIR` adds the structural and functional measures of every network \
(analysis.csv, analysis.html) and the paper's findings with verdicts (findings.csv); \
`sernn ranges DIR` locates where each set stops being dense and collapses (run \
configs/sernn-probe.toml first) and suggests γ ranges; `sernn metrics --weights W.npy [--coords C.npy]` prints the \
structural measures of any square matrix as JSON.

A run directory holds: config.toml (the resolved study, written once), manifest*.json (build, \
machine, timings, throughput per session), networks/<id>/record.json + weights.npz (one per \
finished network, written atomically), study.csv, figures/*.csv and report.html.

Re-running the same command resumes: finished networks are skipped, half-written ones are \
trained again. Results are bit-identical whatever the thread count, shard split or interruption.

Logging: RUST_LOG (e.g. RUST_LOG=debug). Profiling: --trace FILE writes a Chrome trace \
(chrome://tracing, ui.perfetto.dev) of the run, per network, epoch and batch; for perf or \
flamegraphs build with symbols: cargo build --profile profiling -p wiring-sernn \
(binary in target/profiling/sernn).";

#[derive(Parser, Debug)]
#[command(name = "sernn", version, about = "Train and report the spatially embedded RNN study", long_about = LONG_ABOUT)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    globals: Globals,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Train a study's networks into a run directory (resuming it), then merge if unsharded.
    Run(RunArgs),
    /// Build study.csv, figures/*.csv and report.html from every record in a run directory,
    /// and tell which networks are still missing (after all shards of a study finished).
    Merge {
        /// The run directory.
        dir: PathBuf,
    },
    /// Structural and functional measures of every finished network at the analysed epoch:
    /// networks/ID/analysis.json, analysis.csv, analysis.html and figures/analysis_*.csv.
    /// Resumes: networks already analysed with the same options are reused.
    Analyze(AnalyzeArgs),
    /// Print the structural measures (JSON) of any square connectivity matrix in a .npy file
    /// (float32 or float64; |W| is used, W[i, j] = weight from i to j).
    Metrics(MetricsArgs),
    /// Where each set of a run (typically a probe over decades: configs/sernn-probe.toml)
    /// stops being dense and where it collapses, and a γ range that spans dense →
    /// sparse-but-accurate → collapsed, as a config line to paste.
    Ranges {
        /// The run directory.
        dir: PathBuf,
    },
}

#[derive(Args, Debug)]
struct AnalyzeArgs {
    /// The run directory.
    dir: PathBuf,
    /// Networks analysed at once [default: all cores].
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Fraction of the strongest |W| entries kept when binarising [default: analysis.threshold, 0.1].
    #[arg(long, value_name = "FRACTION")]
    threshold: Option<f64>,
    /// Random graphs per network for small-worldness [default: analysis.null_draws, 1000].
    #[arg(long, value_name = "N")]
    nulls: Option<usize>,
    /// Validation trials of recorded activity [default: analysis.functional_trials, 640].
    #[arg(long, value_name = "N")]
    trials: Option<usize>,
    /// Permutations of the functional-clustering null [default: analysis.permutations, 1000].
    #[arg(long, value_name = "N")]
    permutations: Option<usize>,
}

#[derive(Args, Debug)]
struct MetricsArgs {
    /// The weight matrix, n × n (.npy).
    #[arg(long, value_name = "W.npy")]
    weights: PathBuf,
    /// Unit coordinates, n × 3 (.npy): adds wiring cost, edge length, weight–distance correlation.
    #[arg(long, value_name = "C.npy")]
    coords: Option<PathBuf>,
    /// Fraction of the strongest off-diagonal |W| entries kept when binarising.
    #[arg(long, default_value_t = 0.1, value_name = "FRACTION")]
    threshold: f64,
    /// Random graphs for small-worldness.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    nulls: usize,
    /// Seed of Louvain and the random graphs.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

fn main() {
    cli::main(|| dispatch(Cli::parse()));
}

fn dispatch(cli: Cli) -> anyhow::Result<()> {
    let Globals { trace, quiet } = cli.globals;
    let _trace = telemetry::init(trace.as_deref(), quiet)?;
    match cli.command {
        None => run(&RunArgs::default(), quiet),
        Some(Command::Run(args)) => run(&args, quiet),
        Some(Command::Merge { dir }) => cli::merge::<Study>(&dir),
        Some(Command::Analyze(args)) => {
            let opts = analyze::AnalyzeOptions {
                dir: args.dir,
                threads: args.threads.map(usize::from),
                quiet,
                overrides: analyze::AnalysisOverrides {
                    threshold: args.threshold,
                    null_draws: args.nulls,
                    functional_trials: args.trials,
                    permutations: args.permutations,
                },
            };
            println!("{}", analyze::analyze(&opts)?.describe());
            Ok(())
        }
        Some(Command::Ranges { dir }) => {
            let (_, _, rows) = wiring_sernn::read_rows(&dir)?;
            if rows.is_empty() {
                anyhow::bail!(
                    "{}: no finished network (train some with `sernn run` first)",
                    dir.display()
                );
            }
            print!("{}", ranges::describe(&ranges::locate(&rows)));
            Ok(())
        }
        Some(Command::Metrics(args)) => {
            let opts = analyze::npy::MetricsOptions {
                threshold: args.threshold,
                nulls: args.nulls,
                seed: args.seed,
            };
            let json = analyze::npy::metrics_json(&args.weights, args.coords.as_deref(), &opts)?;
            println!("{json}");
            Ok(())
        }
    }
}

fn run(args: &RunArgs, quiet: bool) -> anyhow::Result<()> {
    cli::run("sernn", args, quiet, Study::load, Study::quick, |_| Ok(()))
}
