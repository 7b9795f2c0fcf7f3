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

use super::{general, general9, h, track, DistanceScratch, Layout, Maze, MazeError, MIN_SIZE};
use rand::Rng;
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

/// The drawn part of a default general maze (its walk's tree, start and goal), from
/// [`MazeConfig::skip`]: what [`MazeConfig::build_sketch`] needs to build the maze without
/// drawing again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MazeSketch(general9::Drawn);

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

    /// The layouts of a batch of `batch` mazes, balanced as the spec says:
    ///
    /// - general: `batch` × [`Layout::General`] (no draws);
    /// - track: goal left for the first half, right for the second; leading channels
    ///   `[0; batch/2] ++ [1; batch/2]` shuffled (one Fisher–Yates pass: `for i in (1..n).rev() { swap(i, random_range(0..=i)) }`);
    /// - H: corners in blocks of `batch/4` in the order (1,1), (1,size−2), (size−2,1),
    ///   (size−2,size−2); channel pairs `(0,1)` × `batch/2` ++ `(1,0)` × `batch/2` shuffled;
    ///   then rotation flags `[false; batch/2] ++ [true; batch/2]` shuffled.
    ///
    /// # Errors
    /// An invalid config, or a batch that is odd (track) or not divisible by 4 (H).
    pub fn plan<R: Rng + ?Sized>(
        &self,
        batch: usize,
        rng: &mut R,
    ) -> Result<Vec<Layout>, MazeError> {
        self.validate()?;
        match self.kind {
            MazeKind::General { .. } => Ok(vec![Layout::General; batch]),
            MazeKind::Track { .. } => track::plan(batch, rng),
            MazeKind::H { .. } => h::plan(batch, rng),
        }
    }

    /// Builds one maze of `layout` (drawing its structure, noise and sparsity from `rng` in
    /// the order documented by the kind's module).
    ///
    /// # Errors
    /// An invalid config, or a `layout` of another kind.
    pub fn build<R: Rng + ?Sized>(&self, layout: Layout, rng: &mut R) -> Result<Maze, MazeError> {
        self.validate()?;
        self.build_valid(layout, rng)
    }

    /// [`build`](Self::build) into `maze`: the same draws and the same maze, every field
    /// overwritten. A general maze reuses `maze`'s buffers (and the distance map's, in
    /// `scratch`), so rebuilding maze after maze allocates nothing once they have grown; a
    /// track or H maze is built anew. `maze` may start as any maze, e.g. [`Maze::blank`].
    ///
    /// # Errors
    /// As [`build`](Self::build); `maze` is then left partly overwritten.
    pub fn build_into<R: Rng + ?Sized>(
        &self,
        layout: Layout,
        rng: &mut R,
        maze: &mut Maze,
        scratch: &mut DistanceScratch,
    ) -> Result<(), MazeError> {
        self.validate()?;
        match (self.kind, layout) {
            (MazeKind::General { size, .. }, Layout::General) => {
                general::build_into(self, size, rng, maze, scratch)
            }
            _ => {
                *maze = self.build_valid(layout, rng)?;
                Ok(())
            }
        }
    }

    /// The draws of [`build_into`](Self::build_into) without (always) building: `rng` ends
    /// where building would leave it, so the next maze of a batch can be built or skipped in
    /// turn. Cheaper where the draws do not need the built maze (the default general maze:
    /// its walk and corners only), which then comes back as a [`MazeSketch`] of 24 bytes
    /// that [`build_sketch`](Self::build_sketch) builds without drawing again; otherwise
    /// the maze is built into `maze`, which is scratch here (left unspecified), and `None`
    /// comes back.
    ///
    /// # Errors
    /// As [`build`](Self::build).
    pub fn skip<R: Rng + ?Sized>(
        &self,
        layout: Layout,
        rng: &mut R,
        maze: &mut Maze,
        scratch: &mut DistanceScratch,
    ) -> Result<Option<MazeSketch>, MazeError> {
        self.validate()?;
        match (self.kind, layout) {
            (MazeKind::General { size, .. }, Layout::General) => {
                Ok(general::skip(self, size, rng, maze, scratch)?.map(MazeSketch))
            }
            _ => self.build_into(layout, rng, maze, scratch).map(|()| None),
        }
    }

    /// The maze whose draws [`skip`](Self::skip) returned as `sketch` (with this config),
    /// into `maze` as [`build_into`](Self::build_into) would build it from the stream.
    pub fn build_sketch(&self, sketch: &MazeSketch, maze: &mut Maze) {
        general9::build_drawn(
            self.n_channels,
            self.quirks.last_cell_closed,
            sketch.0,
            maze,
        );
    }

    fn build_valid<R: Rng + ?Sized>(&self, layout: Layout, rng: &mut R) -> Result<Maze, MazeError> {
        match (self.kind, layout) {
            (MazeKind::General { size, .. }, Layout::General) => general::build(self, size, rng),
            (MazeKind::Track { size, gaps, .. }, Layout::Track { .. }) => {
                track::build(self, size, gaps, layout, rng)
            }
            (MazeKind::H { size, gaps, .. }, Layout::H { .. }) => {
                h::build(self, size, gaps, layout)
            }
            _ => Err(MazeError::LayoutMismatch {
                kind: self.kind.name(),
                layout,
            }),
        }
    }

    /// Generates a batch: [`plan`](Self::plan), then [`build`](Self::build) each maze in batch
    /// order, all from `rng`. General mazes are i.i.d.; track and H batches are balanced
    /// exactly (see `plan`).
    ///
    /// # Errors
    /// An invalid config or batch size (see [`MazeConfig::validate`] and `plan`).
    pub fn generate<R: Rng + ?Sized>(
        &self,
        batch: usize,
        rng: &mut R,
    ) -> Result<Vec<Maze>, MazeError> {
        self.plan(batch, rng)?
            .into_iter()
            .map(|layout| self.build_valid(layout, rng))
            .collect()
    }

    /// [`generate`](Self::generate) into `mazes`: the same draws and the same mazes, with
    /// `mazes` resized to `batch` and each maze [built into](Self::build_into) its slot, so
    /// that a stream of general batches allocates nothing once the buffers have grown.
    ///
    /// # Errors
    /// As [`generate`](Self::generate); `mazes` is then left partly overwritten.
    pub fn generate_into<R: Rng + ?Sized>(
        &self,
        batch: usize,
        rng: &mut R,
        mazes: &mut Vec<Maze>,
        scratch: &mut DistanceScratch,
    ) -> Result<(), MazeError> {
        let layouts = self.plan(batch, rng)?;
        mazes.resize_with(batch, Maze::blank);
        for (maze, layout) in mazes.iter_mut().zip(layouts) {
            self.build_into(layout, rng, maze, scratch)?;
        }
        Ok(())
    }
}

/// Fisher–Yates shuffle (`for i in (1..n).rev() { swap(i, random_range(0..=i)) }`), the
/// documented order of draws of every balanced shuffle.
pub(crate) fn shuffle<T, R: Rng + ?Sized>(items: &mut [T], rng: &mut R) {
    for i in (1..items.len()).rev() {
        let j = rng.random_range(0..=i);
        items.swap(i, j);
    }
}
