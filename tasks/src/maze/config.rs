//! The maze configuration: which kind, its size, trial length and gaps, the cue channels, the
//! noise and sparsity knobs, and the reference quirks. Defaults are the spec's recipe.
//!
//! In TOML (every field optional):
//!
//! ```toml
//! kind = { type = "track", size = 11, n_steps = 6, gaps = 1 }
//! n_channels = 2
//! maze_noise = 0.0
//! cue_sparsity = 0.0
//! wall_sparsity = 0.0
//! quirks = { last_cell_closed = true, relabel_distances = true }
//! ```

use super::{MazeError, MIN_SIZE};
use serde::{Deserialize, Serialize};

/// The kind of maze with its shape parameters. Each field defaults to the spec's value for
/// that kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum MazeKind {
    /// Aldous–Broder tree mazes between two corners (default size 9, 20 steps).
    General {
        /// Side of the grid, odd, ≥ 5.
        #[serde(default = "general_size")]
        size: usize,
        /// Maximum steps of a trial, ≥ 1.
        #[serde(default = "general_steps")]
        n_steps: usize,
    },
    /// One corridor, start in the middle, goal at one end (default size 11, 6 steps, 1 gap).
    Track {
        /// Side of the grid, odd, ≥ 5.
        #[serde(default = "eleven")]
        size: usize,
        /// Maximum steps of a trial, ≥ 1.
        #[serde(default = "track_steps")]
        n_steps: usize,
        /// Cells next to the goal, toward the centre, whose cues are all 0; at most `size/2 − 2`.
        #[serde(default = "one")]
        gaps: usize,
    },
    /// An H-shaped maze, goal in a corner (default size 11, 14 steps, 1 gap).
    H {
        /// Side of the grid, odd, ≥ 5.
        #[serde(default = "eleven")]
        size: usize,
        /// Maximum steps of a trial, ≥ 1.
        #[serde(default = "h_steps")]
        n_steps: usize,
        /// Cells of the goal's column next to the goal, toward the middle row, whose cues are
        /// all 0; at most `size/2 − 2`.
        #[serde(default = "one")]
        gaps: usize,
    },
}

fn general_size() -> usize {
    9
}
fn general_steps() -> usize {
    20
}
fn eleven() -> usize {
    11
}
fn track_steps() -> usize {
    6
}
fn h_steps() -> usize {
    14
}
fn one() -> usize {
    1
}

impl MazeKind {
    /// General mazes with the spec's defaults: size 9, 20 steps.
    pub const GENERAL: MazeKind = MazeKind::General {
        size: 9,
        n_steps: 20,
    };
    /// Track mazes with the spec's defaults: size 11, 6 steps, 1 gap.
    pub const TRACK: MazeKind = MazeKind::Track {
        size: 11,
        n_steps: 6,
        gaps: 1,
    };
    /// H mazes with the spec's defaults: size 11, 14 steps, 1 gap.
    pub const H: MazeKind = MazeKind::H {
        size: 11,
        n_steps: 14,
        gaps: 1,
    };

    /// The kind's name as written in the config (`general`, `track`, `h`).
    pub fn name(&self) -> &'static str {
        match self {
            MazeKind::General { .. } => "general",
            MazeKind::Track { .. } => "track",
            MazeKind::H { .. } => "h",
        }
    }

    /// Side of the grid.
    pub fn size(&self) -> usize {
        match *self {
            MazeKind::General { size, .. }
            | MazeKind::Track { size, .. }
            | MazeKind::H { size, .. } => size,
        }
    }

    /// Maximum steps of a trial.
    pub fn n_steps(&self) -> usize {
        match *self {
            MazeKind::General { n_steps, .. }
            | MazeKind::Track { n_steps, .. }
            | MazeKind::H { n_steps, .. } => n_steps,
        }
    }

    /// Gap cells next to the goal (0 for general mazes).
    pub fn gaps(&self) -> usize {
        match *self {
            MazeKind::General { .. } => 0,
            MazeKind::Track { gaps, .. } | MazeKind::H { gaps, .. } => gaps,
        }
    }
}

impl Default for MazeKind {
    fn default() -> Self {
        MazeKind::GENERAL
    }
}

/// The reference's quirks, each reproduced when `true` (the default).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MazeQuirks {
    /// Aldous–Broder ends before opening the last cell it visits, leaving one dead-end stub
    /// (an opened wall cell leading to a closed cell). `false` opens that cell: a perfect maze.
    pub last_cell_closed: bool,
    /// The distance map relabels a cell each time it is reached before being dequeued (see
    /// [`super::distance`]; on grids this gives the same distances as a plain breadth-first
    /// search, only slower). `false` runs a plain breadth-first search.
    pub relabel_distances: bool,
}

impl Default for MazeQuirks {
    fn default() -> Self {
        Self {
            last_cell_closed: true,
            relabel_distances: true,
        }
    }
}

/// How mazes are made. Defaults: general 9 × 9 mazes, 20 steps, 2 channels, no noise, no
/// sparsity, the reference quirks on.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MazeConfig {
    /// The kind of maze and its shape.
    pub kind: MazeKind,
    /// Cue channels (2 in the study; general ≥ 1, track and H ≥ 2, channels ≥ 2 of track
    /// and H mazes carry no cue, only maze noise).
    pub n_channels: usize,
    /// Maze noise σ_m ≥ 0: N(0, σ_m) added to every cue of every path cell when the maze is
    /// made (general: then clipped to [0, 1]; track: clipped below at 0 only). H mazes take
    /// none (must be 0).
    pub maze_noise: f64,
    /// Cue sparsity p ∈ [0, 1]: each path cell of a general maze has all its cues set to 0
    /// with probability p. General mazes only.
    pub cue_sparsity: f64,
    /// Wall sparsity p ∈ [0, 1]: each wall cell of a general maze not on the outer border
    /// becomes path with probability p. General mazes only.
    pub wall_sparsity: f64,
    /// The reference quirks (both on by default).
    pub quirks: MazeQuirks,
}

impl Default for MazeConfig {
    fn default() -> Self {
        Self {
            kind: MazeKind::default(),
            n_channels: 2,
            maze_noise: 0.0,
            cue_sparsity: 0.0,
            wall_sparsity: 0.0,
            quirks: MazeQuirks::default(),
        }
    }
}

impl MazeConfig {
    /// The default config of `kind` (2 channels, no noise, no sparsity, quirks on).
    pub fn of_kind(kind: MazeKind) -> Self {
        Self {
            kind,
            ..Self::default()
        }
    }

    /// Checks every field; the error names the field and what was expected.
    pub fn validate(&self) -> Result<(), MazeError> {
        let kind = self.kind;
        let size = kind.size();
        if size % 2 == 0 {
            return Err(MazeError::EvenSize { size });
        }
        if size < MIN_SIZE {
            return Err(MazeError::SizeTooSmall {
                size,
                min: MIN_SIZE,
            });
        }
        if kind.n_steps() == 0 {
            return Err(MazeError::ZeroSteps);
        }
        let max_gaps = size / 2 - 2;
        if kind.gaps() > max_gaps {
            return Err(MazeError::TooManyGaps {
                kind: kind.name(),
                size,
                gaps: kind.gaps(),
                max: max_gaps,
            });
        }
        let min_channels = match kind {
            MazeKind::General { .. } => 1,
            MazeKind::Track { .. } | MazeKind::H { .. } => 2,
        };
        if self.n_channels < min_channels {
            return Err(MazeError::TooFewChannels {
                kind: kind.name(),
                n_channels: self.n_channels,
                min: min_channels,
            });
        }
        if !(self.maze_noise >= 0.0 && self.maze_noise.is_finite()) {
            return Err(MazeError::BadNoise {
                field: "maze_noise",
                value: self.maze_noise,
            });
        }
        for (field, value) in [
            ("cue_sparsity", self.cue_sparsity),
            ("wall_sparsity", self.wall_sparsity),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(MazeError::NotAProbability { field, value });
            }
        }
        let not_for_kind = match kind {
            MazeKind::General { .. } => None,
            MazeKind::Track { .. } => [
                ("cue_sparsity", self.cue_sparsity),
                ("wall_sparsity", self.wall_sparsity),
            ]
            .into_iter()
            .find(|&(_, v)| v != 0.0),
            MazeKind::H { .. } => [
                ("maze_noise", self.maze_noise),
                ("cue_sparsity", self.cue_sparsity),
                ("wall_sparsity", self.wall_sparsity),
            ]
            .into_iter()
            .find(|&(_, v)| v != 0.0),
        };
        if let Some((field, value)) = not_for_kind {
            return Err(MazeError::NotForKind {
                field,
                kind: kind.name(),
                value,
            });
        }
        Ok(())
    }
}
