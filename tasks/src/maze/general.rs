//! General mazes (the default task): an Aldous–Broder tree between two corners, cues that
//! grow toward the goal.
//!
//! Recipe (spec "General maze"), with the order of random draws, all from the caller's `rng`:
//!
//! 1. **Structure** by Aldous–Broder over the cells at odd coordinates `1, 3, …, size−2`
//!    (`k = (size−1)/2` per axis): start row index, then start column index, each
//!    `random_range(0..k)`; then per step one `random_range(0..n_allowed)` picking among the
//!    in-range moves two cells away in the order L, R, U, D. The current cell is opened; if the
//!    chosen cell is still closed the wall between is opened and the cell counts as visited.
//!    The loop stops once all `k²` cells are visited; with the `last_cell_closed` quirk the
//!    last cell stays closed (one dead-end stub), otherwise it is opened.
//! 2. **Wall sparsity** p (skipped, no draws, when p = 0): each wall cell not on the border,
//!    in row-major order, becomes path if `random::<f64>() < p`.
//! 3. **Start and goal**: among the open corners in the order (1,1), (1,size−2), (size−2,1),
//!    (size−2,size−2) (`n` of them), `i = random_range(0..n)` is the start and
//!    `random_range(0..n−1)` indexes the goal among the others.
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

use super::config::MazeConfig;
use super::distance::{
    distance_map_into, greedy_walk_length, greedy_walk_length_interior, DistanceScratch,
};
use super::normal::standard_normal;
use super::{Cell, Layout, Maze, MazeError};
use rand::Rng;

/// The structure (`size²`, 1 = path) of an Aldous–Broder maze; see the module docs for the
/// draws. `last_cell_closed` reproduces the reference's quirk.
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
    assert!(
        size % 2 == 1 && size >= 3,
        "aldous_broder: size must be odd and ≥ 3"
    );
    let k = (size - 1) / 2;
    s.clear();
    s.resize(size * size, 0);
    // Walk cell (a, b) of the k × k walk grid is grid cell (1 + 2a, 1 + 2b), at index `at`.
    let mut a = rng.random_range(0..k);
    let mut b = rng.random_range(0..k);
    let mut at = (1 + 2 * a) * size + 1 + 2 * b;
    let mut unvisited = k * k - 1;
    // Per direction L, R, U, D: the change of (a, b), of the grid index two cells away and
    // one cell away (the wall between), as wrapping additions.
    // Table look-ups instead of branches: the direction is random, so a branch on it would
    // be mispredicted every other step.
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
        // The in-range moves two cells away, in the order L, R, U, D (written branch-free:
        // each candidate is stored at `n` and kept by advancing `n`).
        let mut allowed = [0u8; 4];
        let mut n = 0;
        allowed[n] = 0;
        n += usize::from(b > 0);
        allowed[n] = 1;
        n += usize::from(b + 1 < k);
        allowed[n] = 2;
        n += usize::from(a > 0);
        allowed[n] = 3;
        n += usize::from(a + 1 < k);
        let dir = usize::from(allowed[random_below(rng, n)]);
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

/// `rng.random_range(0..n)` for `1 ≤ n ≤ u32::MAX`, written out so that it inlines into the
/// walk (the library's call was half of the walk's time): rand 0.9's `usize` range sampling
/// (Canon's method on `u32`, without the crate's `unbiased` feature) — one `u32` draw `x`,
/// `(hi, lo) = x·n` as a 64-bit product; if `lo > 2³² − n`, a second draw `y` and
/// `hi += carry(lo + ⌊y·n / 2³²⌋)`. Same draws and values (tested against the library).
#[inline(always)]
fn random_below<R: Rng + ?Sized>(rng: &mut R, n: usize) -> usize {
    let range = n as u32;
    let wide = u64::from(rng.random::<u32>()) * u64::from(range);
    let (mut hi, lo) = ((wide >> 32) as u32, wide as u32);
    if lo > range.wrapping_neg() {
        let new_hi = ((u64::from(rng.random::<u32>()) * u64::from(range)) >> 32) as u32;
        hi += u32::from(lo.checked_add(new_hi).is_none());
    }
    hi as usize
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
    let mut maze = blank();
    build_into(cfg, size, rng, &mut maze, &mut DistanceScratch::default())?;
    Ok(maze)
}

/// An empty maze for [`build_into`] to fill (every field is overwritten there).
pub(crate) fn blank() -> Maze {
    Maze {
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
    let structure = &mut maze.structure;
    aldous_broder_into(size, cfg.quirks.last_cell_closed, rng, structure);
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
    let i = rng.random_range(0..n);
    let j = rng.random_range(0..n - 1);
    let j = if j >= i { j + 1 } else { j };
    maze.size = size;
    maze.n_channels = cfg.n_channels;
    maze.start = open[i];
    maze.goal = open[j];
    maze.layout = Layout::General;
    fill_unchecked(maze, cfg.quirks.relabel_distances, scratch)?;
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
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// The walk as the spec words it, step by step with grid coordinates: the oracle of the
    /// branch-free [`aldous_broder`].
    fn aldous_broder_literal<R: Rng + ?Sized>(
        size: usize,
        last_closed: bool,
        rng: &mut R,
    ) -> Vec<u8> {
        let k = (size - 1) / 2;
        let mut s = vec![0u8; size * size];
        let mut cur = (
            1 + 2 * rng.random_range(0..k),
            1 + 2 * rng.random_range(0..k),
        );
        let mut unvisited = k * k - 1;
        let moves: [(isize, isize); 4] = [(0, -2), (0, 2), (-2, 0), (2, 0)];
        let hi = size as isize - 2;
        while unvisited > 0 {
            s[cur.0 * size + cur.1] = 1;
            let allowed: Vec<(isize, isize)> = moves
                .into_iter()
                .filter(|m| {
                    let (r, c) = (cur.0 as isize + m.0, cur.1 as isize + m.1);
                    r >= 1 && c >= 1 && r <= hi && c <= hi
                })
                .collect();
            let m = allowed[rng.random_range(0..allowed.len())];
            let next = (
                (cur.0 as isize + m.0) as usize,
                (cur.1 as isize + m.1) as usize,
            );
            if s[next.0 * size + next.1] == 0 {
                let between = (
                    (cur.0 as isize + m.0 / 2) as usize,
                    (cur.1 as isize + m.1 / 2) as usize,
                );
                s[between.0 * size + between.1] = 1;
                unvisited -= 1;
            }
            cur = next;
        }
        if !last_closed {
            s[cur.0 * size + cur.1] = 1;
        }
        s
    }

    #[test]
    fn random_below_is_the_librarys_random_range() {
        let mut a = Xoshiro256PlusPlus::seed_from_u64(11);
        let mut b = a.clone();
        for n in (1..=9).chain([10, 100, 1 << 20, u32::MAX as usize]) {
            for _ in 0..20_000 {
                assert_eq!(random_below(&mut a, n), b.random_range(0..n), "n {n}");
            }
        }
        assert_eq!(a.random::<u64>(), b.random::<u64>(), "streams in step");
    }

    #[test]
    fn walk_matches_the_literal_recipe_and_draws() {
        for size in [3usize, 5, 7, 9, 11, 13, 21] {
            for seed in 0..300u64 {
                for last_closed in [true, false] {
                    let mut a = Xoshiro256PlusPlus::seed_from_u64(seed);
                    let mut b = a.clone();
                    assert_eq!(
                        aldous_broder(size, last_closed, &mut a),
                        aldous_broder_literal(size, last_closed, &mut b),
                        "size {size} seed {seed}"
                    );
                    assert_eq!(a.random::<u64>(), b.random::<u64>(), "streams in step");
                }
            }
        }
    }
}
