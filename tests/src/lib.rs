//! # wiring-tests
//!
//! Cross-crate integration tests (`tests/*.rs`): behaviours that hold for both studies, written
//! once over what they share and run on both, and pipelines that cross several crates:
//!
//! | test | what holds |
//! |---|---|
//! | `functional_clustering.rs` | on hand-built seRNNs through recording, explained variance and the permutation test: goal units gathered at one end of the grid are clustered (p ≤ 0.01), goal units interleaved with choice units are not |
//! | `run_dirs.rs` | a run directory's results do not depend on threads, shards, populations or interruption; finished work is never rewritten; another study's directory and corrupt records are refused in one line, changing nothing |
//!
//! Each study crate's own tests (`drivers/*/tests`) keep what is that study's alone: its
//! records' contents, its analysis, its bad configs, its binary.
