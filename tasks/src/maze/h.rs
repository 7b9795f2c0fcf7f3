//! H mazes: a middle corridor joining two side columns; the goal is one of the four corners,
//! shown by a leading horizontal cue (which side) and a leading vertical cue (which end)
//! (spec "H maze").
//!
//! With `m = size/2`, `g = linspace(0.1, 0.5, size − 3)`, `gh` = its first half and `gv` = its
//! second half (each `m − 1` long), and the channel pair `(h, v)` = `(0,1)` or `(1,0)`:
//!
//! - path: row `m` (columns `1..=size−2`) and columns `1` and `size−2` (rows `1..=size−2`);
//!   start `(m, m)`;
//! - misleading cues: channel `1−h` on row `m` holds `concat(reverse(gh), [0], gh)`; channel
//!   `1−v` on both side columns holds `concat(reverse(gv), [0], gv)`;
//! - leading horizontal cue, channel `h` on row `m`: goal column 1 → `reverse(gh)` on columns
//!   `1..=m−1`; goal column `size−2` → `gh` on columns `m+1..=size−2`;
//! - leading vertical cue, channel `v`: goal row 1 → `reverse(gv)` on rows `1..=m−1` of the
//!   goal's column and `gv` on rows `m+1..=size−2` of the other side column; goal row `size−2`
//!   → `gv` on rows `m+1..=size−2` of the goal's column and `reverse(gv)` on rows `1..=m−1` of
//!   the other column (written in this order: misleading, horizontal, vertical);
//! - gaps: the `gaps` cells of the goal's column next to the goal, toward the middle row, have
//!   all cues 0;
//! - rotation: goals (1,1) and (size−2,size−2) transpose the grid (`new[r][c] = old[c][r]`);
//!   the other two flip both axes and then transpose (`new[r][c] = old[size−1−c][size−1−r]`);
//!   either keeps goal and start in place;
//! - no maze noise; `fastest = d(start) − 1`.
//!
//! Batches ([`plan`]): the corners in blocks of `B/4` in [`corners`] order; channel pairs
//! `(0,1)` × `B/2` ++ `(1,0)` × `B/2` shuffled; then rotation flags `[false; B/2] ++ [true; B/2]`
//! shuffled (two Fisher–Yates passes, in that order). Building draws nothing.

use super::config::MazeConfig;
use super::general::corners;
use super::{linspace, shuffle, symmetric_profile, Layout, Maze, MazeError};
use rand::Rng;

/// The balanced layouts of an H batch (see the module docs).
///
/// # Errors
/// [`MazeError::HBatchNotQuarters`] if `batch` is not divisible by 4.
pub fn plan<R: Rng + ?Sized>(batch: usize, rng: &mut R) -> Result<Vec<Layout>, MazeError> {
    if batch % 4 != 0 {
        return Err(MazeError::HBatchNotQuarters { batch });
    }
    let half = batch / 2;
    let mut pairs: Vec<(usize, usize)> = (0..batch)
        .map(|b| if b < half { (0, 1) } else { (1, 0) })
        .collect();
    shuffle(&mut pairs, rng);
    let mut rotated: Vec<bool> = (0..batch).map(|b| b >= half).collect();
    shuffle(&mut rotated, rng);
    Ok((0..batch)
        .map(|b| Layout::H {
            corner: b / (batch / 4),
            horizontal_channel: pairs[b].0,
            vertical_channel: pairs[b].1,
            rotated: rotated[b],
        })
        .collect())
}

/// Builds the H maze of `layout` for the validated `cfg`.
pub(crate) fn build(
    cfg: &MazeConfig,
    size: usize,
    gaps: usize,
    layout: Layout,
) -> Result<Maze, MazeError> {
    let Layout::H {
        corner,
        horizontal_channel: h,
        vertical_channel: v,
        rotated,
    } = layout
    else {
        return Err(MazeError::LayoutMismatch { kind: "h", layout });
    };
    if corner > 3 || !matches!((h, v), (0, 1) | (1, 0)) {
        return Err(MazeError::InvalidLayout {
            layout,
            expected: "corner 0..=3 and (horizontal_channel, vertical_channel) (0,1) or (1,0)",
        });
    }
    let m = size / 2;
    let last = size - 2;
    let cells = size * size;
    let n_channels = cfg.n_channels;
    let at = |ch: usize, r: usize, c: usize| ch * cells + r * size + c;

    let mut structure = vec![0u8; cells];
    for k in 1..=last {
        structure[m * size + k] = 1;
        structure[k * size + 1] = 1;
        structure[k * size + last] = 1;
    }

    let g = linspace(0.1, 0.5, size - 3);
    let (gh, gv) = g.split_at((size - 3) / 2);
    let mut cues = vec![0.0f32; n_channels * cells];
    // Misleading cues.
    for (k, x) in symmetric_profile(gh).into_iter().enumerate() {
        cues[at(1 - h, m, 1 + k)] = x as f32;
    }
    for (k, x) in symmetric_profile(gv).into_iter().enumerate() {
        cues[at(1 - v, 1 + k, 1)] = x as f32;
        cues[at(1 - v, 1 + k, last)] = x as f32;
    }
    let goal = corners(size)[corner];
    // Leading horizontal cue.
    if goal.1 == 1 {
        for (k, &x) in gh.iter().rev().enumerate() {
            cues[at(h, m, 1 + k)] = x as f32;
        }
    } else {
        for (k, &x) in gh.iter().enumerate() {
            cues[at(h, m, m + 1 + k)] = x as f32;
        }
    }
    // Leading vertical cue: `reverse(gv)` on the upper half of one side column, `gv` on the
    // lower half of the other.
    let other = if goal.1 == 1 { last } else { 1 };
    let (upper_col, lower_col) = if goal.0 == 1 {
        (goal.1, other)
    } else {
        (other, goal.1)
    };
    for (k, &x) in gv.iter().rev().enumerate() {
        cues[at(v, 1 + k, upper_col)] = x as f32;
    }
    for (k, &x) in gv.iter().enumerate() {
        cues[at(v, m + 1 + k, lower_col)] = x as f32;
    }
    // Gaps.
    for k in 1..=gaps {
        let r = if goal.0 == 1 { 1 + k } else { last - k };
        for ch in 0..n_channels {
            cues[at(ch, r, goal.1)] = 0.0;
        }
    }
    if rotated {
        let flip = corner == 1 || corner == 2;
        structure = rotate(size, &structure, flip);
        cues = cues
            .chunks_exact(cells)
            .flat_map(|channel| rotate(size, channel, flip))
            .collect();
    }
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
    maze.fill_distances(cfg.quirks.relabel_distances)?;
    Ok(maze)
}

/// The H rotation of a `size × size` grid: transpose (`new[r][c] = old[c][r]`), or with `flip`
/// flip both axes first (`new[r][c] = old[size−1−c][size−1−r]`).
pub fn rotate<T: Copy>(size: usize, grid: &[T], flip: bool) -> Vec<T> {
    let mut out = Vec::with_capacity(size * size);
    for r in 0..size {
        for c in 0..size {
            let (sr, sc) = if flip {
                (size - 1 - c, size - 1 - r)
            } else {
                (c, r)
            };
            out.push(grid[sr * size + sc]);
        }
    }
    out
}
