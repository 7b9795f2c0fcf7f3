//! Track mazes: one corridor, the agent starts in its middle and must pick the end the leading
//! cue points to (spec "Track maze").
//!
//! With `m = size/2` and `g = linspace(0.1, 0.5, m − 1)`:
//!
//! - path: row `m`, columns `1..=size−2`; start `(m, m)`; goal `(m, 1)` (left) or
//!   `(m, size−2)` (right);
//! - goal left: the leading channel holds `reverse(g)` on columns `1..=m−1`; goal right: `g`
//!   on columns `m+1..=size−2`; the other of channels 0 and 1 holds the symmetric, misleading
//!   profile `concat(reverse(g), [0], g)` on columns `1..=size−2`; channels ≥ 2 hold 0;
//! - maze noise σ_m (skipped when 0): per path cell left to right, per channel,
//!   `cue += σ_m · z`, z ~ N(0, 1); then every cue is clipped below at 0 (no upper clip);
//! - gaps: the `gaps` cells next to the goal, toward the centre, have all cues 0 (after noise);
//! - `fastest = d(start) − 1 = m − 2`.
//!
//! Batches ([`plan`]): the first half has the goal on the left, the second half on the right;
//! the leading channels `[0; B/2] ++ [1; B/2]` are shuffled by one Fisher–Yates pass — the only
//! draws of the plan. Building a maze draws only its noise.

use super::config::MazeConfig;
use super::general::add_noise;
use super::{linspace, shuffle, symmetric_profile, Layout, Maze, MazeError};
use rand::Rng;

/// The balanced layouts of a track batch (see the module docs).
///
/// # Errors
/// [`MazeError::TrackBatchOdd`] if `batch` is odd.
pub fn plan<R: Rng + ?Sized>(batch: usize, rng: &mut R) -> Result<Vec<Layout>, MazeError> {
    if batch % 2 != 0 {
        return Err(MazeError::TrackBatchOdd { batch });
    }
    let half = batch / 2;
    let mut leading: Vec<usize> = (0..batch).map(|b| usize::from(b >= half)).collect();
    shuffle(&mut leading, rng);
    Ok(leading
        .into_iter()
        .enumerate()
        .map(|(b, leading_channel)| Layout::Track {
            goal_right: b >= half,
            leading_channel,
        })
        .collect())
}

/// Builds the track maze of `layout` for the validated `cfg`.
pub(crate) fn build<R: Rng + ?Sized>(
    cfg: &MazeConfig,
    size: usize,
    gaps: usize,
    layout: Layout,
    rng: &mut R,
) -> Result<Maze, MazeError> {
    let Layout::Track {
        goal_right,
        leading_channel,
    } = layout
    else {
        return Err(MazeError::LayoutMismatch {
            kind: "track",
            layout,
        });
    };
    if leading_channel > 1 {
        return Err(MazeError::InvalidLayout {
            layout,
            expected: "leading_channel 0 or 1",
        });
    }
    let m = size / 2;
    let cells = size * size;
    let n_channels = cfg.n_channels;
    let mut structure = vec![0u8; cells];
    for c in 1..=size - 2 {
        structure[m * size + c] = 1;
    }
    let g = linspace(0.1, 0.5, m - 1);
    let mut cues = vec![0.0f32; n_channels * cells];
    let leading = leading_channel;
    let misleading = 1 - leading;
    let row = |ch: usize| ch * cells + m * size;
    for (k, v) in symmetric_profile(&g).into_iter().enumerate() {
        cues[row(misleading) + 1 + k] = v as f32;
    }
    if goal_right {
        for (k, &v) in g.iter().enumerate() {
            cues[row(leading) + m + 1 + k] = v as f32;
        }
    } else {
        for (k, &v) in g.iter().rev().enumerate() {
            cues[row(leading) + 1 + k] = v as f32;
        }
    }
    let goal = if goal_right { (m, size - 2) } else { (m, 1) };
    let mut maze = Maze {
        size,
        n_channels,
        structure,
        cues,
        start: (m, m),
        goal,
        d: Vec::new(),
        dmax: 0,
        fastest: 0,
        layout,
    };
    if cfg.maze_noise > 0.0 {
        add_noise(&mut maze, cfg.maze_noise, f64::INFINITY, rng);
    }
    for k in 1..=gaps {
        let col = if goal_right { size - 2 - k } else { 1 + k };
        for ch in 0..n_channels {
            maze.cues[row(ch) + col] = 0.0;
        }
    }
    maze.fill_distances(cfg.quirks.relabel_distances)?;
    Ok(maze)
}
