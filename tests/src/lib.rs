//! # wiring-tests
//!
//! Cross-crate integration tests: behaviours that hold for both studies and are written once
//! over what they share, each run on both (`tests/*.rs`):
//!
//! | test | what holds |
//! |---|---|
//! | `run_dirs.rs` | a run directory's results do not depend on threads, shards, populations or interruption; finished work is never rewritten; another study's directory and corrupt records are refused in one line, changing nothing |
//!
//! Each study crate's own tests (`drivers/*/tests`) keep what is that study's alone: its
//! records' contents, its analysis, its bad configs, its binary.
