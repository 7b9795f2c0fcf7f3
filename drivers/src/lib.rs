//! # wiring-drivers
//!
//! The study drivers (one binary per study: `sernn`, `prnn`) and the run plumbing they
//! share. Binaries are thin (clap arguments, then one call here).
//!
//! Study-agnostic plumbing:
//!
//! | module | holds |
//! |---|---|
//! | [`cli`] | the `run` arguments, one-line error exit and run lines of both binaries |
//! | [`config_file`] | loading a versioned TOML config with one-line errors naming file and field |
//! | [`sweep`] | a swept parameter (`[list]` or `{ start, stop, count }` linspace) |
//! | [`run_dir`] | the run directory: config claimed once, networks committed atomically, partials removed |
//! | [`study`] | the run loop of every study: resume, shard, parallel work units, manifest, merge |
//! | [`shard`] | `--shard i/n` and the Slurm / PBS job-array variables |
//! | [`manifest`] | build, machine, timings and throughput of each session |
//! | [`npz`] | reproducible `.npz` archives of f32 arrays |
//! | [`progress`] | the progress bar (or log lines) over networks |
//! | [`report`] | self-contained HTML with inline SVG figures, and their CSVs |
//! | [`telemetry`] | `tracing` subscriber, `RUST_LOG`, Chrome traces (`--trace`) |
//!
//! The seRNN study: [`sernn`] — start at [`sernn::run`] and [`sernn::merge`].
//! The pRNN study: [`prnn`] — start at [`prnn::run`] and [`prnn::merge`].

pub mod cli;
pub mod config_file;
pub mod manifest;
pub mod npz;
pub mod prnn;
pub mod progress;
pub mod report;
pub mod run_dir;
pub mod sernn;
pub mod shard;
pub mod study;
pub mod sweep;
pub mod telemetry;
