//! `prnn`: the partially recurrent network study (Ghosh & Goodman 2025). See `--help`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use wiring_prnn::analyze::prediction::PredictionOptions;
use wiring_prnn::analyze::{self, AnalyzeOptions};
use wiring_prnn::{self as prnn, Study};
use wiring_run::cli::{self, Globals, RunArgs};
use wiring_run::telemetry;

const LONG_ABOUT: &str = "\
Trains the partially recurrent network study (Ghosh & Goodman 2025): networks of the 129 pRNN \
architectures (feedforward ff, parameter-matched feedforward ff34, fully recurrent full and \
every subset of the seven pathways ii, hh, oo, io, oi, hi, oh) trained by deep Q-learning on \
multisensory mazes, then evaluated (fitness against sensor noise, robustness, sparsity sweeps, \
input sensitivity, memory, weight norms). Writes a run directory with one record per network, a \
study table with the learning speed and an HTML report.

Without a subcommand, runs the built-in quick study (ff, ff34, full and six pRNNs × 4 seeds \
on track mazes, the paper's full track recipe) into runs/prnn-quick. Configs for the paper's studies are in \
configs/ (prnn-general.toml, prnn-general-cue-sparse.toml, prnn-general-wall-sparse.toml, \
prnn-track.toml, prnn-h.toml, prnn-quick.toml).

A run directory holds: config.toml (the resolved study, written once), manifest*.json (build, \
machine, timings, networks/s, episodes/s per core, peak memory per session), \
networks/<id>/record.json + arrays.npz (one per finished network, written atomically), \
study.csv, architectures.csv, figures/*.csv and report.html. Network ids are architecture-major: \
id = position of the architecture in the config's list × seeds_per_architecture + seed index.

`prnn analyze DIR` is the study-level analysis of a run directory (merged or not): learning \
speed; rankings of every architecture against fully recurrent (architecture 128) on fitness, \
learning speed and robustness (two-sided Mann–Whitney U, Benjamini–Hochberg, adjusted p < \
0.01; skipped, and said so, when 128 has no network); the effect of each of the seven \
pathways over its 65 pairs; random-forest prediction (100 trees, depth 9, 10-fold \
cross-validated RMSE) of the three measures from seven feature subsets against the \
predict-the-mean baseline. Writes analysis_rankings.csv, analysis_pathways.csv, \
analysis_prediction.csv, figures/analysis_*.csv and analysis.html; the results are \
bit-identical whatever the thread count.

Re-running the same command resumes: finished networks are skipped, half-written ones are \
trained again. Results are bit-identical whatever the thread count, shard split, population \
grouping or interruption.

Logging: RUST_LOG (e.g. RUST_LOG=debug). Profiling: --trace FILE writes a Chrome trace \
(chrome://tracing, ui.perfetto.dev) of the run, per population; for perf or flamegraphs build \
with symbols: cargo build --profile profiling -p wiring-prnn (binary in target/profiling/prnn).";

#[derive(Parser, Debug)]
#[command(name = "prnn", version, about = "Train and report the partially recurrent network study", long_about = LONG_ABOUT)]
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
    /// Build study.csv (with learning speed), architectures.csv, figures/*.csv and report.html
    /// from every record in a run directory, and tell which networks are still missing (after
    /// all shards of a study finished).
    Merge {
        /// The run directory.
        dir: PathBuf,
    },
    /// Rank every architecture against fully recurrent, measure each pathway's effect, predict
    /// fitness, learning speed and robustness from network features by random forests; write
    /// analysis_*.csv, figures/analysis_*.csv and analysis.html into the run directory.
    Analyze(AnalyzeArgs),
}

#[derive(Args, Debug)]
struct AnalyzeArgs {
    /// The run directory (merged or not; every finished network is used).
    dir: PathBuf,
    /// Threads of the random forests [default: all cores]. Results do not depend on it.
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Trees per random forest.
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    trees: u32,
    /// Maximum depth of each tree (root = 0, as scikit-learn counts).
    #[arg(long, value_name = "N", default_value_t = 9, value_parser = clap::value_parser!(u16).range(1..1000))]
    max_depth: u16,
    /// Folds of the shuffled cross-validation.
    #[arg(long, value_name = "K", default_value_t = 10, value_parser = clap::value_parser!(u32).range(2..))]
    folds: u32,
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
            let summary = analyze::analyze(&AnalyzeOptions {
                dir: args.dir,
                threads: args.threads.map(usize::from),
                prediction: PredictionOptions {
                    trees: args.trees as usize,
                    max_depth: usize::from(args.max_depth),
                    folds: args.folds as usize,
                },
            })?;
            println!("{}", summary.describe());
            Ok(())
        }
    }
}

fn run(args: &RunArgs, quiet: bool) -> anyhow::Result<()> {
    cli::run("prnn", args, quiet, Study::load, Study::quick, |opts| {
        for (name, fitness, n) in prnn::median_fitness(&opts.out)? {
            eprintln!("  {name:>8}: median fitness {fitness:.3} ({n} networks)");
        }
        Ok(())
    })
}
