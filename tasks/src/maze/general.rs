//! General mazes (the default task): an Aldous–Broder tree between two corners, cues that
//! grow toward the goal.
//!
//! Recipe (spec "General maze"), with the order of random draws. Steps 1 and 3 draw from one
//! bit reservoir per maze (`RandomBits`, fresh at the start of each maze, leftover bits
//! dropped at its end): 64-bit words `rng.next_u64()` handed out lowest bit first, a request
//! for `n` bits when fewer are left dropping the rest of the word and drawing the next one;
//! `below(n)` = `⌈log₂ n⌉` bits, drawn again while the value is `≥ n`. Steps 2, 7, 8 draw
//! from `rng` directly.
//!
//! 1. **Structure** by Aldous–Broder over the cells at odd coordinates `1, 3, …, size−2`
//!    (`k = (size−1)/2` per axis): start row index `below(k)`, then start column index
//!    `below(k)`; then per step 2-bit direction attempts `0 = L, 1 = R, 2 = U, 3 = D`,
//!    repeated while the attempt names a move two cells away that leaves the walk grid (so
//!    the move is uniform over the in-range ones). Attempts come in groups of three: each
//!    group is `take(6)` from the reservoir, its attempts in bits 0–1, 2–3, 4–5 (with
//!    `k = 4` a word thus gives ten groups and drops its top 4 bits); the unused attempts of
//!    the last group are dropped when the walk stops. The current cell is opened; if the
//!    chosen cell is still closed the wall between is opened and the cell counts as visited.
//!    The loop stops once all `k²` cells are visited; with the `last_cell_closed` quirk the
//!    last cell stays closed (one dead-end stub), otherwise it is opened.
//! 2. **Wall sparsity** p (skipped, no draws, when p = 0): each wall cell not on the border,
//!    in row-major order, becomes path if `random::<f64>() < p`.
//! 3. **Start and goal**: among the open corners in the order (1,1), (1,size−2), (size−2,1),
//!    (size−2,size−2) (`n` of them), `i = below(n)` is the start and `below(n−1)` indexes
//!    the goal among the others (both from the reservoir of step 1).
//! 4. **Distance map** `d` and `dmax` ([`super::distance`]).
//! 5. **Fastest solution** = greedy walk length − 2.
//! 6. **Cues**: every channel = `(dmax − d)/dmax × structure / n_channels` (computed in f32).
//! 7. **Maze noise** σ_m (skipped when σ_m = 0): per path cell in row-major order, per channel,
//!    `cue += σ_m · z`, `z ~ StandardNormal` (f64); then every cue is clipped to [0, 1].
//! 8. **Cue sparsity** p (skipped when p = 0): per path cell in row-major order, if
//!    `random::<f64>() < p` all its cues are set to 0.
//!
//! Path cells the goal cannot reach (possible only with wall sparsity, e.g. an opened wall
//! cell whose four neighbours are walls) keep `d = 0`, hence the goal's cue value, as in the
//! reference; the agent can never stand on them.
//!
//! Size 9 without wall sparsity (the study's default) takes a fast path with the same draws
//! and results, the walk on bit sets and a table of three steps at a time
//! (module `general9`); the tests compare both paths with the recipe written out literally.

use super::bits::RandomBits;
use super::config::MazeConfig;
use super::distance::{
    distance_map_into, greedy_walk_length, greedy_walk_length_interior, DistanceScratch,
};
use super::general9;
use super::normal::standard_normal;
use super::{Cell, Layout, Maze, MazeError};
use rand::{Rng, RngCore};

/// The structure (`size²`, 1 = path) of an Aldous–Broder maze; see the module docs for the
/// draws (start cell and directions, from a fresh `RandomBits` whose unused bits are then
/// dropped). `last_cell_closed` reproduces the reference's quirk.
///
/// # Panics
/// If `size` is even or < 3 (the config validates both).
pub fn aldous_broder<R: Rng + ?Sized>(size: usize, last_cell_closed: bool, rng: &mut R) -> Vec<u8> {
    let mut s = Vec::new();
    aldous_broder_into(size, last_cell_closed, rng, &mut s);
    s
}

/// [`aldous_broder`] into `s` (resized to `size²`, its old contents overwritten), reusing its
/// allocation: the same draws and the same structure.
///
/// # Panics
/// If `size` is even or < 3 (the config validates both).
pub fn aldous_broder_into<R: Rng + ?Sized>(
    size: usize,
    last_cell_closed: bool,
    rng: &mut R,
    s: &mut Vec<u8>,
) {
    walk_into(size, last_cell_closed, &mut RandomBits::new(), rng, s);
}

/// The walk's direction draws: 2 bits per attempt (`0 = L, 1 = R, 2 = U, 3 = D`), taken
/// from the reservoir in groups of three attempts (`take(6)`, the first attempt in the lowest
/// bits); attempts of the last group left when the walk stops are dropped.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Directions {
    group: u64,
    left: u32,
}

impl Directions {
    /// One step's direction at walk cell `(a, b)` of the `k × k` walk grid: attempts until
    /// one names a move two cells away that stays inside the grid — uniform over the in-range
    /// moves (rejection keeps the accepted values equally likely).
    #[inline]
    pub(crate) fn next<R: RngCore + ?Sized>(
        &mut self,
        (a, b): (usize, usize),
        k: usize,
        bits: &mut RandomBits,
        rng: &mut R,
    ) -> usize {
        // Bit `dir` set iff that move stays inside the walk grid.
        let allowed = usize::from(b > 0)
            | usize::from(b + 1 < k) << 1
            | usize::from(a > 0) << 2
            | usize::from(a + 1 < k) << 3;
        loop {
            if self.left == 0 {
                (self.group, self.left) = (bits.take(6, rng), 3);
            }
            let dir = (self.group & 3) as usize;
            self.group >>= 2;
            self.left -= 1;
            if allowed >> dir & 1 == 1 {
                return dir;
            }
        }
    }
}

/// The walk of step 1 (any size) into `s`, drawing from `bits`: start row and column index
/// `bits.below(k)` each, then [`Directions`].
pub(crate) fn walk_into<R: RngCore + ?Sized>(
    size: usize,
    last_cell_closed: bool,
    bits: &mut RandomBits,
    rng: &mut R,
    s: &mut Vec<u8>,
) {
    assert!(
        size % 2 == 1 && size >= 3,
        "aldous_broder: size must be odd and ≥ 3"
    );
    let k = (size - 1) / 2;
    s.clear();
    s.resize(size * size, 0);
    // Walk cell (a, b) of the k × k walk grid is grid cell (1 + 2a, 1 + 2b), at index `at`.
    let mut a = bits.below(k, rng);
    let mut b = bits.below(k, rng);
    let mut at = (1 + 2 * a) * size + 1 + 2 * b;
    let mut unvisited = k * k - 1;
    let mut directions = Directions::default();
    // Per direction L, R, U, D: the change of (a, b), of the grid index two cells away and
    // one cell away (the wall between), as wrapping additions.
    let step_a: [usize; 4] = [0, 0, usize::MAX, 1];
    let step_b: [usize; 4] = [usize::MAX, 1, 0, 0];
    let step_at: [usize; 4] = [
        2usize.wrapping_neg(),
        2,
        (2 * size).wrapping_neg(),
        2 * size,
    ];
    let step_wall: [usize; 4] = [1usize.wrapping_neg(), 1, size.wrapping_neg(), size];
    while unvisited > 0 {
        s[at] = 1;
        let dir = directions.next((a, b), k, bits, rng);
        let next = at.wrapping_add(step_at[dir]);
        // A closed cell: open the wall between and count it visited.
        let fresh = s[next] == 0;
        s[at.wrapping_add(step_wall[dir])] |= u8::from(fresh);
        unvisited -= usize::from(fresh);
        a = a.wrapping_add(step_a[dir]);
        b = b.wrapping_add(step_b[dir]);
        at = next;
    }
    if !last_cell_closed {
        s[at] = 1;
    }
}

/// The four corner cells in the reference's order.
pub fn corners(size: usize) -> [Cell; 4] {
    [(1, 1), (1, size - 2), (size - 2, 1), (size - 2, size - 2)]
}

/// Builds a general maze of the validated config `cfg` (steps 1–8 of the module docs).
pub(crate) fn build<R: Rng + ?Sized>(
    cfg: &MazeConfig,
    size: usize,
    rng: &mut R,
) -> Result<Maze, MazeError> {
    let mut maze = Maze::blank();
    build_into(cfg, size, rng, &mut maze, &mut DistanceScratch::default())?;
    Ok(maze)
}

/// [`build`] into an existing `maze`, every field overwritten and its buffers reused (no
/// allocation once they are large enough): the same draws and the same maze.
///
/// Steps 4–6 skip [`from_structure`]'s checks, which hold by construction (the walk and the
/// wall sparsity never open the border; start and goal are distinct open corners), and use
/// the interior fast paths of the distance map and the greedy walk (the tests compare the
/// result with [`from_structure`]'s on thousands of mazes).
pub(crate) fn build_into<R: Rng + ?Sized>(
    cfg: &MazeConfig,
    size: usize,
    rng: &mut R,
    maze: &mut Maze,
    scratch: &mut DistanceScratch,
) -> Result<(), MazeError> {
    if size == general9::SIZE && cfg.wall_sparsity == 0.0 {
        general9::build_into(cfg.n_channels, cfg.quirks.last_cell_closed, rng, maze);
    } else {
        let mut bits = RandomBits::new();
        let structure = &mut maze.structure;
        walk_into(size, cfg.quirks.last_cell_closed, &mut bits, rng, structure);
        if cfg.wall_sparsity > 0.0 {
            for r in 1..size - 1 {
                for c in 1..size - 1 {
                    let i = r * size + c;
                    if structure[i] == 0 && rng.random::<f64>() < cfg.wall_sparsity {
                        structure[i] = 1;
                    }
                }
            }
        }
        let mut open = [(0, 0); 4];
        let mut n = 0;
        for cell in corners(size) {
            if structure[cell.0 * size + cell.1] == 1 {
                open[n] = cell;
                n += 1;
            }
        }
        // Aldous–Broder leaves at most one cell closed, so n ≥ 3 for size ≥ 5.
        if n < 2 {
            return Err(MazeError::TooFewOpenCorners { open: n });
        }
        let i = bits.below(n, rng);
        let j = bits.below(n - 1, rng);
        let j = if j >= i { j + 1 } else { j };
        maze.size = size;
        maze.n_channels = cfg.n_channels;
        maze.start = open[i];
        maze.goal = open[j];
        maze.layout = Layout::General;
        fill_unchecked(maze, cfg.quirks.relabel_distances, scratch)?;
    }
    if cfg.maze_noise > 0.0 {
        add_noise(maze, cfg.maze_noise, 1.0, rng);
    }
    if cfg.cue_sparsity > 0.0 {
        let cells = size * size;
        for i in 0..cells {
            if maze.structure[i] == 1 && rng.random::<f64>() < cfg.cue_sparsity {
                for ch in 0..maze.n_channels {
                    maze.cues[ch * cells + i] = 0.0;
                }
            }
        }
    }
    Ok(())
}

/// The draws of [`build_into`] without (always) building: `rng` ends where building would
/// leave it. The default size-9 maze (no wall or cue sparsity, no maze noise) only draws its
/// walk and corners, and returns them; any other is built into `maze`, which is scratch here.
pub(crate) fn skip<R: Rng + ?Sized>(
    cfg: &MazeConfig,
    size: usize,
    rng: &mut R,
    maze: &mut Maze,
    scratch: &mut DistanceScratch,
) -> Result<Option<general9::Drawn>, MazeError> {
    if size == general9::SIZE
        && cfg.wall_sparsity == 0.0
        && cfg.maze_noise == 0.0
        && cfg.cue_sparsity == 0.0
    {
        Ok(Some(general9::draw(cfg.quirks.last_cell_closed, rng)))
    } else {
        build_into(cfg, size, rng, maze, scratch).map(|()| None)
    }
}

/// Steps 4–6 on a generated structure (closed border, start and goal distinct open cells):
/// `d`, `dmax`, `fastest` and the noise-free cues, into the maze's buffers. The same values
/// as [`from_structure`]: the same distance map and greedy walk, and the same cue formula
/// `(dmax − d)/dmax/n_channels` in f32, evaluated on every cell and masked by the structure
/// (walls have `d = 0`, so no underflow) so that the loop has no branch.
fn fill_unchecked(
    maze: &mut Maze,
    relabel_quirk: bool,
    scratch: &mut DistanceScratch,
) -> Result<(), MazeError> {
    let (size, start, goal) = (maze.size, maze.start, maze.goal);
    distance_map_into(
        size,
        &maze.structure,
        goal,
        relabel_quirk,
        &mut maze.d,
        scratch,
    );
    let dmax = maze.d.iter().copied().max().unwrap_or(0);
    maze.dmax = dmax;
    if dmax == 0 || maze.distance(start) == 0 {
        return Err(MazeError::GoalUnreachable { start, goal });
    }
    maze.fastest = greedy_walk_length_interior(size, &maze.structure, &maze.d, dmax, start, goal)
        .map_or_else(
        || greedy_walk_length(size, &maze.structure, &maze.d, start, goal),
        Ok,
    )? - 2;
    let cells = size * size;
    maze.cues.clear();
    maze.cues.resize(maze.n_channels * cells, 0.0);
    let (dmax_f, per_channel) = (dmax as f32, maze.n_channels as f32);
    let first = &mut maze.cues[..cells];
    for ((cue, &s), &d) in first.iter_mut().zip(&maze.structure).zip(&maze.d) {
        // `dmax − d < 2³¹`, so the i32 conversion (which vectorises) gives the u32 one's value.
        let value = (dmax - d) as i32 as f32 / dmax_f / per_channel;
        *cue = if s == 1 { value } else { 0.0 };
    }
    for ch in 1..maze.n_channels {
        maze.cues.copy_within(..cells, ch * cells);
    }
    Ok(())
}

/// A general maze on a given structure: distance map, fastest solution and noise-free cues
/// (steps 4–6 of the module docs). Useful for hand-made mazes and tests.
///
/// # Errors
/// A structure of the wrong length, an open border cell, a start or goal off the path, equal
/// start and goal, a goal the start cannot reach, or (impossible on grids) a greedy walk that
/// does not reach the goal.
pub fn from_structure(
    size: usize,
    n_channels: usize,
    structure: Vec<u8>,
    start: Cell,
    goal: Cell,
    relabel_quirk: bool,
) -> Result<Maze, MazeError> {
    check_structure(size, &structure, start, goal)?;
    let mut maze = Maze {
        size,
        n_channels,
        structure,
        cues: Vec::new(),
        start,
        goal,
        d: Vec::new(),
        dmax: 0,
        fastest: 0,
        layout: Layout::General,
    };
    maze.fill_distances(relabel_quirk)?;
    let cells = size * size;
    let mut cues = vec![0.0f32; n_channels * cells];
    let dmax = maze.dmax as f32;
    let per_channel = n_channels as f32;
    for i in 0..cells {
        if maze.structure[i] == 1 {
            let value = (maze.dmax - maze.d[i]) as f32 / dmax / per_channel;
            for ch in 0..n_channels {
                cues[ch * cells + i] = value;
            }
        }
    }
    maze.cues = cues;
    Ok(maze)
}

/// Checks length, closed border, start and goal on the path and distinct.
pub(crate) fn check_structure(
    size: usize,
    structure: &[u8],
    start: Cell,
    goal: Cell,
) -> Result<(), MazeError> {
    if structure.len() != size * size {
        return Err(MazeError::StructureLength {
            size,
            expected: size * size,
            len: structure.len(),
        });
    }
    // The border cells in row-major order (the first open one is reported).
    let last = size.saturating_sub(1);
    let border = (0..size)
        .map(|c| (0, c))
        .chain((1..last).flat_map(|r| [(r, 0), (r, last)]))
        .chain((0..size).map(|c| (last, c)));
    for (r, c) in border {
        if structure[r * size + c] != 0 {
            return Err(MazeError::BorderOpen { cell: (r, c) });
        }
    }
    for (role, cell) in [("start", start), ("goal", goal)] {
        if cell.0 >= size || cell.1 >= size || structure[cell.0 * size + cell.1] != 1 {
            return Err(MazeError::NotOnPath { role, cell });
        }
    }
    if start == goal {
        return Err(MazeError::StartIsGoal { cell: start });
    }
    Ok(())
}

/// Adds `σ · z` (z ~ N(0, 1), f64) to every cue of every path cell (row-major cells, channels
/// inner) and clips all cues to `[0, upper]` (`upper = ∞` clips below only).
pub(crate) fn add_noise<R: Rng + ?Sized>(maze: &mut Maze, sigma: f64, upper: f64, rng: &mut R) {
    let cells = maze.size * maze.size;
    for i in 0..cells {
        if maze.structure[i] == 1 {
            for ch in 0..maze.n_channels {
                let z = standard_normal(rng);
                let v = &mut maze.cues[ch * cells + i];
                *v = (*v as f64 + sigma * z) as f32;
            }
        }
    }
    let upper = upper as f32;
    for v in &mut maze.cues {
        *v = v.clamp(0.0, upper);
    }
}

#[cfg(test)]
pub(crate) mod tests;
