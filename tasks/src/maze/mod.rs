//! The mazes of the pRNN study (spec `prnn.md`, sections "Mazes" and "The agent").
//!
//! A maze is a `size × size` grid (size odd) of cells addressed `(row, col)`, with a structure
//! layer (1 = path, 0 = wall; the outer border is always wall) and `n_channels` cue channels.
//! Three kinds exist, chosen by [`MazeKind`] inside a [`MazeConfig`]:
//!
//! - **general** (default; size 9, 20 steps): an Aldous–Broder tree maze between two corners,
//!   cues = progress toward the goal ([`general`]);
//! - **track** (size 11, 6 steps): one corridor, start in the middle, goal at one end, one
//!   leading and one misleading channel ([`track`]);
//! - **H** (size 11, 14 steps): an H-shaped maze, goal in one of the four corners, a leading
//!   and a misleading channel pair, optionally rotated by a quarter turn ([`h`]).
//!
//! Start here: [`MazeConfig::generate`] draws a batch ([`MazeConfig::generate_into`] into
//! reused buffers); [`Maze`] holds one maze with its distance
//! map and fastest solution; [`agent`] senses and moves in it.
//!
//! Module map: [`config`] (the serde config and its validation), [`generate`] (plans and
//! builds batches), [`general`], [`track`], [`h`] (one maze kind each), [`distance`] (distance map and the greedy fastest walk), [`agent`]
//! (actions, moves, sensing), [`normal`] (`rand_distr`'s ziggurat for maze noise), [`lanes`]
//! (sensing eight networks at once from their lockstep streams, `wiring_kernels::lanes`),
//! [`cuda`] (the same mazes, sensing and moves made by one GPU thread per network,
//! `kernels/cuda/maze.cuh`, and their checks against these).
//!
//! ## Reproducibility
//! Every random draw comes from the caller's generator, in an order fixed and documented in
//! each kind's module; the same seed therefore gives bit-identical mazes on one build.

pub mod agent;
mod bits;
pub mod config;
pub mod cuda;
pub mod distance;
pub mod general;
mod general9;
pub mod generate;
pub mod h;
pub mod lanes;
pub mod normal;
pub mod track;

pub use agent::{sense, sense_channels, step, Action, N_ACTIONS, N_SENSORS};
pub use config::{MazeConfig, MazeKind, MazeQuirks};
pub use distance::{
    distance_map, distance_map_into, greedy_walk_length, DistanceScratch, RELABEL_BUDGET,
};
pub use generate::MazeSketch;
pub use lanes::{sense_lanes, sense_lanes_n};
pub use wiring_kernels::lanes::{Lane, LaneMask, Lanes8, LANES};

/// A cell `(row, col)` of a maze; row 0 is the top row, column 0 the left column.
pub type Cell = (usize, usize);

/// The smallest maze size any kind accepts (a 3 × 3 grid has a single inner cell, so no two
/// distinct corners and no corridor).
pub const MIN_SIZE: usize = 5;

/// How a maze of the batch was laid out: its kind plus the balanced choices the kind makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// A general (Aldous–Broder) maze.
    General,
    /// A track maze: goal at the right end (`(size/2, size−2)`) or the left end
    /// (`(size/2, 1)`), and the channel (0 or 1) holding the leading cue.
    Track {
        goal_right: bool,
        leading_channel: usize,
    },
    /// An H maze: the goal corner (index into [`general::corners`] order: (1,1), (1,size−2),
    /// (size−2,1), (size−2,size−2)), the channel pair `(h, v)` of the leading horizontal and
    /// vertical cues (`(0,1)` or `(1,0)`), and whether the grid was rotated.
    H {
        corner: usize,
        horizontal_channel: usize,
        vertical_channel: usize,
        rotated: bool,
    },
}

/// One maze: structure, cues, start and goal, distance map and fastest solution.
///
/// All grids are row-major: cell `(row, col)` is at index `row · size + col`; cue channel `k`
/// of that cell is at `k · size² + row · size + col` (channel-major).
#[derive(Clone, Debug, PartialEq)]
pub struct Maze {
    /// Side length of the grid (odd, ≥ [`MIN_SIZE`]).
    pub size: usize,
    /// Number of cue channels.
    pub n_channels: usize,
    /// `size²` entries: 1 = path, 0 = wall.
    pub structure: Vec<u8>,
    /// `n_channels · size²` cue values, channel-major.
    pub cues: Vec<f32>,
    /// Where the agent starts.
    pub start: Cell,
    /// Where the trial ends.
    pub goal: Cell,
    /// `size²` breadth-first distances to the goal over path cells; 0 on walls, on the goal
    /// and on path cells the goal cannot reach (the reference's convention).
    pub d: Vec<u32>,
    /// `max(d)` (≥ 1 for every generated maze).
    pub dmax: u32,
    /// The fastest solution: (cells on the greedy path from start to goal, both included) − 2;
    /// for track and H mazes `d(start) − 1`.
    pub fastest: usize,
    /// The kind of the maze and the balanced choices made for it.
    pub layout: Layout,
}

impl Maze {
    /// An empty maze (size 0, no cells), for [`MazeConfig::build_into`] to fill.
    pub fn blank() -> Self {
        Self {
            size: 0,
            n_channels: 0,
            structure: Vec::new(),
            cues: Vec::new(),
            start: (0, 0),
            goal: (0, 0),
            d: Vec::new(),
            dmax: 0,
            fastest: 0,
            layout: Layout::General,
        }
    }

    /// Row-major index of `cell`.
    #[inline]
    pub fn index(&self, cell: Cell) -> usize {
        cell.0 * self.size + cell.1
    }

    /// Whether `cell` lies inside the grid and is path (out-of-grid cells count as wall).
    #[inline]
    pub fn is_path(&self, cell: Cell) -> bool {
        cell.0 < self.size && cell.1 < self.size && self.structure[self.index(cell)] == 1
    }

    /// Whether `cell` is the goal.
    #[inline]
    pub fn is_goal(&self, cell: Cell) -> bool {
        cell == self.goal
    }

    /// The distance map at `cell`, `d(cell)`.
    ///
    /// # Panics
    /// If `cell` lies outside the grid.
    #[inline]
    pub fn distance(&self, cell: Cell) -> u32 {
        self.d[self.index(cell)]
    }

    /// Progress toward the goal, `(dmax − d(cell)) / dmax`: 1 on the goal, 0 at the farthest
    /// cell. (Walls have `d = 0` and so progress 1; multiply by the structure where it matters,
    /// as the cues and the fastest walk do.)
    ///
    /// # Panics
    /// If `cell` lies outside the grid.
    #[inline]
    pub fn progress(&self, cell: Cell) -> f32 {
        (self.dmax - self.distance(cell)) as f32 / self.dmax as f32
    }

    /// Cue channel `channel` as a `size²` row-major grid.
    ///
    /// # Panics
    /// If `channel >= n_channels`.
    pub fn cue_channel(&self, channel: usize) -> &[f32] {
        let n = self.size * self.size;
        &self.cues[channel * n..(channel + 1) * n]
    }

    /// Cue `channel` at `cell`.
    ///
    /// # Panics
    /// If `channel >= n_channels` or `cell` lies outside the grid.
    #[inline]
    pub fn cue(&self, channel: usize, cell: Cell) -> f32 {
        self.cues[channel * self.size * self.size + self.index(cell)]
    }

    /// Fills `d`, `dmax` and `fastest` from the structure, start and goal.
    ///
    /// `fastest` is the greedy walk of [`greedy_walk_length`] for general mazes and
    /// `d(start) − 1` for track and H mazes (spec).
    fn fill_distances(&mut self, relabel_quirk: bool) -> Result<(), MazeError> {
        self.d = distance_map(self.size, &self.structure, self.goal, relabel_quirk);
        self.dmax = self.d.iter().copied().max().unwrap_or(0);
        let d_start = self.distance(self.start);
        if self.dmax == 0 || d_start == 0 {
            return Err(MazeError::GoalUnreachable {
                start: self.start,
                goal: self.goal,
            });
        }
        self.fastest = match self.layout {
            Layout::General => {
                greedy_walk_length(self.size, &self.structure, &self.d, self.start, self.goal)? - 2
            }
            Layout::Track { .. } | Layout::H { .. } => d_start as usize - 1,
        };
        Ok(())
    }
}

/// Errors of maze configuration, generation and sensing. Each prints as one line naming the
/// field or quantity and what was expected.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum MazeError {
    #[error("kind.size: must be odd, got {size}")]
    EvenSize { size: usize },
    #[error("kind.size: must be at least {min}, got {size}")]
    SizeTooSmall { size: usize, min: usize },
    #[error("kind.n_steps: must be at least 1, got 0")]
    ZeroSteps,
    #[error("kind.gaps: at most {max} cells lie between goal and centre of a size-{size} {kind} maze, got {gaps}")]
    TooManyGaps {
        kind: &'static str,
        size: usize,
        gaps: usize,
        max: usize,
    },
    #[error("n_channels: a {kind} maze needs at least {min} cue channels, got {n_channels}")]
    TooFewChannels {
        kind: &'static str,
        n_channels: usize,
        min: usize,
    },
    #[error("{field}: must be a probability in [0, 1], got {value}")]
    NotAProbability { field: &'static str, value: f64 },
    #[error("{field}: must be a finite standard deviation ≥ 0, got {value}")]
    BadNoise { field: &'static str, value: f64 },
    #[error("{field}: only general mazes take it (kind is {kind}); must be 0, got {value}")]
    NotForKind {
        field: &'static str,
        kind: &'static str,
        value: f64,
    },
    #[error(
        "batch: track mazes balance the goal side, so the batch size must be even, got {batch}"
    )]
    TrackBatchOdd { batch: usize },
    #[error("batch: H mazes balance the four goal corners, so the batch size must be divisible by 4, got {batch}")]
    HBatchNotQuarters { batch: usize },
    #[error("layout: a {layout:?} maze cannot be built by a {kind} config")]
    LayoutMismatch { kind: &'static str, layout: Layout },
    #[error("structure: start and goal need two open corners, {open} are open")]
    TooFewOpenCorners { open: usize },
    #[error("layout: {layout:?} is invalid; expected {expected}")]
    InvalidLayout {
        layout: Layout,
        expected: &'static str,
    },
    #[error("structure: expected {expected} cells ({size}×{size}), got {len}")]
    StructureLength {
        size: usize,
        expected: usize,
        len: usize,
    },
    #[error("structure: the outer border must be wall, but cell {cell:?} is path")]
    BorderOpen { cell: Cell },
    #[error("structure: {role} {cell:?} must be a path cell")]
    NotOnPath { role: &'static str, cell: Cell },
    #[error("structure: start and goal must differ, both are {cell:?}")]
    StartIsGoal { cell: Cell },
    #[error("distance map: start {start:?} cannot reach goal {goal:?}")]
    GoalUnreachable { start: Cell, goal: Cell },
    #[error("fastest solution: the greedy walk from {start:?} did not reach goal {goal:?} within {steps} steps")]
    GreedyWalkStuck {
        start: Cell,
        goal: Cell,
        steps: usize,
    },
    #[error("sensing: the 8-input agent reads 2 cue channels, the maze has {n_channels}")]
    SensorChannels { n_channels: usize },
    #[error("sensing: {what} must have length {expected}, got {len}")]
    SensorBuffer {
        what: &'static str,
        expected: usize,
        len: usize,
    },
}

/// `numpy.linspace(start, stop, n)`: `start + i·(stop − start)/(n − 1)`, the last value set to
/// `stop` exactly; `[start]` when `n = 1`.
pub(crate) fn linspace(start: f64, stop: f64, n: usize) -> Vec<f64> {
    match n {
        0 => Vec::new(),
        1 => vec![start],
        _ => {
            let step = (stop - start) / (n - 1) as f64;
            let mut v: Vec<f64> = (0..n).map(|i| start + i as f64 * step).collect();
            v[n - 1] = stop;
            v
        }
    }
}

/// `a ++ [0] ++ b` reversed-and-forward profile `concat(reverse(g), [0], g)`.
pub(crate) fn symmetric_profile(g: &[f64]) -> Vec<f64> {
    g.iter()
        .rev()
        .copied()
        .chain(std::iter::once(0.0))
        .chain(g.iter().copied())
        .collect()
}

/// Fisher–Yates shuffle (`for i in (1..n).rev() { swap(i, random_range(0..=i)) }`), the
/// documented order of draws of every balanced shuffle.
pub(crate) fn shuffle<T, R: rand::Rng + ?Sized>(items: &mut [T], rng: &mut R) {
    for i in (1..items.len()).rev() {
        let j = rng.random_range(0..=i);
        items.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linspace_matches_numpy() {
        assert_eq!(linspace(0.1, 0.5, 1), vec![0.1]);
        assert_eq!(linspace(0.1, 0.5, 2), vec![0.1, 0.5]);
        let v = linspace(0.1, 0.5, 5);
        for (a, b) in v.iter().zip([0.1, 0.2, 0.3, 0.4, 0.5]) {
            assert!((a - b).abs() < 1e-15, "{v:?}");
        }
        assert_eq!(
            symmetric_profile(&[1.0, 2.0]),
            vec![2.0, 1.0, 0.0, 1.0, 2.0]
        );
    }
}
