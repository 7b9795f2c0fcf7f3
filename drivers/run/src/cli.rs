//! What the study binaries share: the arguments of `run`, the one-line error exit and the
//! lines a run prints.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::shard::{Shard, SHARDS_ENV};
use crate::study::{self, RunOptions, RunSummary, StudyDriver};

/// The options every subcommand of a study binary takes (`#[command(flatten)]`).
#[derive(Args, Debug, Default)]
pub struct Globals {
    /// Write a Chrome trace of every span (driver phases and the study's own: networks,
    /// epochs and batches, or populations) to FILE.
    #[arg(long, global = true, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// No progress bar and no per-network lines; warnings and errors only.
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

/// The arguments of `<driver> run`.
#[derive(Args, Debug, Default)]
pub struct RunArgs {
    /// The study config (TOML, `version = 1`); default: the built-in quick study.
    #[arg(value_name = "CONFIG")]
    pub config: Option<PathBuf>,
    /// The study config, given as an option instead (`run --config FILE`).
    #[arg(long = "config", value_name = "FILE", conflicts_with = "config")]
    pub config_option: Option<PathBuf>,
    /// The run directory [default: runs/STEM for a config file STEM.toml, runs/DRIVER-quick
    /// for the built-in study].
    #[arg(long, short, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Work units trained at once [default: all cores]: networks (sernn) or populations of
    /// networks (prnn), each on one thread.
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Run only networks with id % n == i. Without it, Slurm's SLURM_ARRAY_TASK_ID /
    /// _MIN / _COUNT or PBS's PBS_ARRAY_INDEX / PBS_ARRAYID (with --shards) are used.
    #[arg(long, value_name = "i/n")]
    pub shard: Option<Shard>,
    /// Compute on this backend (`cpu` or `cuda`) instead of the config's `compute.backend`.
    /// Part of the study's identity: a run directory holds one backend's networks.
    #[arg(long, value_name = "NAME", value_parser = parse_backend)]
    pub backend: Option<wiring_kernels::Backend>,
    /// Number of shards of a PBS / Torque job array (which does not export it).
    #[arg(long, value_name = "N", env = SHARDS_ENV, value_parser = clap::value_parser!(u64).range(1..))]
    pub shards: Option<u64>,
    /// Run without claiming the shard in DIR/locks/. Only for a file system without file
    /// locks (flock), where a run otherwise refuses to start, and only when no other process
    /// runs this shard or one overlapping it.
    #[arg(long)]
    pub no_lock: bool,
}

impl RunArgs {
    /// The study config, positional or `--config`.
    pub fn config(&self) -> Option<&Path> {
        self.config.as_deref().or(self.config_option.as_deref())
    }

    /// The run options, with the shard from `--shard` or the job-array variables and the run
    /// directory from `--out` or [`default_out`].
    pub fn options(&self, driver: &str, quiet: bool) -> anyhow::Result<RunOptions> {
        let shard = Shard::resolve(self.shard, self.shards, |k| std::env::var(k).ok())?;
        Ok(RunOptions {
            out: self
                .out
                .clone()
                .unwrap_or_else(|| default_out(driver, self.config())),
            threads: self.threads.map(usize::from),
            shard,
            quiet,
            lock: !self.no_lock,
            command: std::env::args().collect(),
        })
    }
}

fn parse_backend(s: &str) -> Result<wiring_kernels::Backend, String> {
    s.parse()
        .map_err(|()| format!("expected \"cpu\" or \"cuda\", got {s:?}"))
}

/// The default run directory: `runs/<config file stem>`, or `runs/<driver>-quick` for the
/// built-in quick study.
pub fn default_out(driver: &str, config: Option<&Path>) -> PathBuf {
    match config.and_then(Path::file_stem) {
        Some(stem) => PathBuf::from("runs").join(stem),
        None => PathBuf::from("runs").join(format!("{driver}-quick")),
    }
}

/// The body of a driver's `main`: refuses a CPU without the build's SIMD features, runs
/// `body`, and prints an error as one line (`{:#}` joins anyhow's context chain) with exit
/// status 1.
pub fn main(body: impl FnOnce() -> anyhow::Result<()>) {
    if let Err(message) = wiring_kernels::cpu::check_compiled_features() {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
    if let Err(e) = body() {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

/// Prints what a run did: its counts and speed on stderr (unless `quiet`), then `details`
/// (for a merged run, unless `quiet`), then the merge line — or, for a shard, how to merge —
/// on stdout.
pub fn report_run(
    driver: &str,
    summary: &RunSummary,
    opts: &RunOptions,
    details: impl FnOnce() -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let (c, shard, out) = (summary.counts, opts.shard, opts.out.display());
    if !opts.quiet {
        let rate = if summary.wall_seconds > 0.0 {
            c.trained as f64 / summary.wall_seconds
        } else {
            0.0
        };
        eprintln!(
            "shard {shard}: trained {} network(s), skipped {} already finished, in {:.1} s ({rate:.2} networks/s)",
            c.trained, c.skipped, summary.wall_seconds
        );
    }
    match &summary.merged {
        Some(m) => {
            if !opts.quiet {
                details()?;
            }
            println!("{}", m.describe());
        }
        None => println!(
            "shard {shard} of {out} done; when every shard has finished: {driver} merge {out}"
        ),
    }
    Ok(())
}

/// `<driver> run`: the study of `args` (its config file through `load`, or the built-in quick
/// study), run into its directory; then the run lines, with `details` for a merged run.
pub fn run<S, E>(
    driver: &str,
    args: &RunArgs,
    quiet: bool,
    load: impl FnOnce(&Path) -> Result<S, E>,
    quick: impl FnOnce() -> Result<S, E>,
    details: impl FnOnce(&RunOptions) -> anyhow::Result<()>,
) -> anyhow::Result<()>
where
    S: StudyDriver,
    E: std::error::Error + Send + Sync + 'static,
{
    let mut study = match args.config() {
        Some(path) => load(path)?,
        None => quick()?,
    };
    if let Some(backend) = args.backend {
        study = study.with_backend(backend);
    }
    let opts = args.options(driver, quiet)?;
    let summary = study::run(&study, &opts)?;
    report_run(driver, &summary, &opts, || details(&opts))
}

/// `<driver> merge DIR`: builds the study table and report, prints what it found.
pub fn merge<S: StudyDriver>(dir: &Path) -> anyhow::Result<()> {
    println!("{}", S::merge(dir)?.describe());
    Ok(())
}
