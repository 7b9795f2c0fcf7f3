//! # wiring-run
//!
//! The run plumbing both study drivers share: a study runs as a loop over a [`StudyDriver`]
//! (`wiring-sernn`, `wiring-prnn` implement it) into a run directory that resumes, shards and
//! merges the same way for every study. Nothing here knows either study's numerics.
//!
//! | module | holds |
//! |---|---|
//! | [`study`] | start here: [`StudyDriver`] and the run loop — resume, shard, parallel work units, manifest, merge |
//! | [`interrupt`] | SIGTERM / SIGINT: stop at the next check, save what is finished, record it, resume next time |
//! | [`lock`] | which process runs which shard of a run directory: a claim the kernel releases when the process ends |
//! | [`run_dir`] | the run directory: config claimed once, networks committed atomically, partials removed, records read and checked ([`run_dir::NetworkRecord`]) |
//! | [`config_file`] | loading a versioned TOML config with one-line errors naming file and field; the config hash |
//! | [`compute`] | the `compute.backend` field of both configs (`cpu`, `cuda`) and the check before a run |
//! | [`sweep`] | a swept parameter (`[list]` or `{ start, stop, count }` linspace) |
//! | [`shard`] | `--shard i/n` and the Slurm / PBS job-array variables |
//! | [`manifest`] | the sessions of a run directory: build, machine, timings and throughput |
//! | [`machine`] | facts about the build and the machine, and the UTC clock |
//! | [`npz`] | reproducible `.npz` archives of f32 arrays |
//! | [`progress`] | the progress bar (or log lines) over networks |
//! | [`cli`] | the `run` arguments, the one-line error exit and the lines a run prints |
//! | [`telemetry`] | `tracing` subscriber, `RUST_LOG`, Chrome traces (`--trace`) |
//! | [`testing`] | helpers for the run-directory tests of the study crates (not for production use) |

pub mod cli;
pub mod compute;
pub mod config_file;
pub mod interrupt;
pub mod lock;
pub mod machine;
pub mod manifest;
pub mod npz;
pub mod progress;
pub mod run_dir;
pub mod shard;
pub mod study;
pub mod sweep;
pub mod telemetry;
#[doc(hidden)]
pub mod testing;

pub use study::StudyDriver;
