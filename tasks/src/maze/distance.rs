//! The distance map and the greedy "fastest solution" walk.
//!
//! ## Distance map
//! `d(cell)` = breadth-first distance from the goal over path cells (4-neighbourhood);
//! `d = 0` on walls, on the goal and on path cells the goal cannot reach.
//!
//! With the **relabel quirk** on, the reference's algorithm is reproduced literally: a FIFO
//! queue starts with the goal; each dequeued cell `x` (a cell can be dequeued several times)
//! visits its neighbours in the order L, R, U, D, and every neighbour that is path and has not
//! been dequeued yet gets `d = d(x) + 1` and is enqueued again; `x` is marked dequeued after
//! its neighbours. A cell is thus relabelled (and re-enqueued) each time it is reached.
//!
//! *Finding, checked by the tests:* on a 4-connected grid this gives the true breadth-first
//! distances, loops or not. The grid is bipartite, so neighbours' true distances differ by
//! exactly one; by induction over the FIFO order every cell at true distance `k` is first
//! dequeued after all cells at `k − 1` and before any at `k + 1`, so every cell that reaches a
//! not-yet-dequeued neighbour `y` before `y`'s first dequeue lies at `d(y) − 1`, and every
//! relabelling writes the same value. (An overestimate needs two adjacent cells at the same
//! distance, i.e. an odd cycle, which a grid lacks.) The quirk therefore only costs time: the
//! duplicate queue entries grow with the number of shortest paths — on a fully open grid
//! with the goal in a corner, 3 431 dequeues at size 9, 48 619 at size 11, 705 431 at size 13
//! and combinatorially more beyond. So the literal algorithm runs for at most
//! [`RELABEL_BUDGET`] dequeues (enough for a fully open grid of size ≤ 11); past that it is abandoned
//! for the plain breadth-first search, whose result is the same by the argument above.
//!
//! ## Fastest solution
//! From the start, repeatedly move to the neighbour (order L, R, U, D, then stay; the first
//! maximum wins) with the largest `(dmax − d)/dmax × structure`, until the goal. Comparing
//! `(dmax − d)·structure` as integers orders the candidates exactly as the reference's floats.
//! Every non-goal cell the goal reaches has a neighbour with `d` one smaller, so the walk
//! strictly decreases `d` and ends within `d(start)` moves; a cap of `size²` moves guards the
//! impossible case and returns [`MazeError::GreedyWalkStuck`].

use super::{Cell, MazeError};
use std::collections::VecDeque;

/// Dequeues the literal relabelling algorithm may take before it hands over to the plain
/// breadth-first search (same result on grids, see the module docs).
pub const RELABEL_BUDGET: usize = 1 << 16;

/// Offsets of the four neighbours in the reference's order L, R, U, D, as `(drow, dcol)`.
pub(crate) const NEIGHBOURS: [(isize, isize); 4] = [(0, -1), (0, 1), (-1, 0), (1, 0)];

/// Row-major index of the neighbour of `i` in direction `(dr, dc)` on a `size`-wide grid, or
/// `None` outside the grid.
#[inline]
fn neighbour(size: usize, i: usize, (dr, dc): (isize, isize)) -> Option<usize> {
    let r = (i / size).checked_add_signed(dr)?;
    let c = (i % size).checked_add_signed(dc)?;
    (r < size && c < size).then_some(r * size + c)
}

/// The distance map of a `size × size` `structure` (1 = path) toward `goal`; see the module
/// docs for the `relabel_quirk` algorithm.
///
/// # Panics
/// If `structure.len() != size²` or `goal` lies outside the grid (programming errors).
pub fn distance_map(size: usize, structure: &[u8], goal: Cell, relabel_quirk: bool) -> Vec<u32> {
    let mut d = Vec::new();
    distance_map_into(
        size,
        structure,
        goal,
        relabel_quirk,
        &mut d,
        &mut DistanceScratch::default(),
    );
    d
}

/// The work buffers of [`distance_map_into`] (its queue and its open-cell map), kept between
/// calls so that a stream of maps allocates nothing once they have grown to the grid.
#[derive(Clone, Debug, Default)]
pub struct DistanceScratch {
    queue: Vec<u32>,
    open: Vec<bool>,
}

/// [`distance_map`] into `d` (resized to `size²`, its old contents overwritten), with the
/// work buffers of `scratch`: the same map, without allocating once the buffers are large
/// enough (when the border is wall and the goal interior; otherwise the bounds-checked search
/// allocates its own).
///
/// # Panics
/// If `structure.len() != size²` or `goal` lies outside the grid (programming errors).
pub fn distance_map_into(
    size: usize,
    structure: &[u8],
    goal: Cell,
    relabel_quirk: bool,
    d: &mut Vec<u32>,
    scratch: &mut DistanceScratch,
) {
    assert_eq!(
        structure.len(),
        size * size,
        "distance_map: structure length"
    );
    assert!(
        goal.0 < size && goal.1 < size,
        "distance_map: goal outside the grid"
    );
    let interior_goal = goal.0 >= 1 && goal.1 >= 1 && goal.0 + 1 < size && goal.1 + 1 < size;
    if interior_goal && border_closed(size, structure) {
        if size * size <= 128 {
            distance_map_bitset(size, structure, goal, d);
        } else {
            distance_map_interior(size, structure, goal, relabel_quirk, d, scratch);
        }
    } else {
        *d = distance_map_any(size, structure, goal, relabel_quirk);
    }
}

/// Whether every border cell of the grid is wall.
fn border_closed(size: usize, structure: &[u8]) -> bool {
    let last = size - 1;
    (0..size).all(|c| structure[c] == 0 && structure[last * size + c] == 0)
        && (1..last).all(|r| structure[r * size] == 0 && structure[r * size + last] == 0)
}

/// [`distance_map`] when the border is wall, the goal interior and the grid has at most 128
/// cells (size ≤ 11, every maze of the study): a breadth-first search a whole level at a time
/// on bit sets (bit `i` = cell `i`), `next = (f << 1 | f >> 1 | f << size | f >> size) &
/// unreached`. Path cells are interior, so the shifts never wrap a row into a path cell nor
/// leave the 128 bits. It gives the plain search's distances, hence (module docs) the relabel
/// quirk's too, so it serves both.
fn distance_map_bitset(size: usize, structure: &[u8], goal: Cell, d: &mut Vec<u32>) {
    let cells = size * size;
    d.clear();
    d.resize(cells, 0);
    let mut unreached = path_bits(structure);
    let mut frontier = 1u128 << (goal.0 * size + goal.1);
    unreached &= !frontier;
    let mut level = 0;
    while frontier != 0 {
        level += 1;
        let next = ((frontier << 1) | (frontier >> 1) | (frontier << size) | (frontier >> size))
            & unreached;
        unreached &= !next;
        let mut bits = next;
        while bits != 0 {
            d[bits.trailing_zeros() as usize] = level;
            bits &= bits - 1;
        }
        frontier = next;
    }
}

/// Bit `i` set iff `structure[i] == 1`, for `structure.len() ≤ 128`: eight cells at a time,
/// each byte equal to 1 turned into its low bit (exact zero-byte test of `byte ^ 1`), then the
/// eight low bits gathered by one multiplication (byte `j`'s bit `8j` lands on bit `56 + j`
/// and no two partial products meet).
fn path_bits(structure: &[u8]) -> u128 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const ONES: u64 = 0x0101_0101_0101_0101;
    const GATHER: u64 = 0x0102_0408_1020_4080;
    let mut bits = 0u128;
    for (k, chunk) in structure.chunks(8).enumerate() {
        let mut bytes = [0u8; 8];
        bytes[..chunk.len()].copy_from_slice(chunk);
        let y = u64::from_le_bytes(bytes) ^ ONES;
        // High bit of each byte of `t` clear iff that byte of `y` is 0, i.e. the cell is 1;
        // padding bytes are 0, so `y` there is 1 and they stay unset.
        let t = ((y & LOW7).wrapping_add(LOW7)) | y;
        let ones = (!t >> 7) & ONES;
        bits |= u128::from(ones.wrapping_mul(GATHER) >> 56) << (8 * k);
    }
    bits
}

/// [`distance_map`] when the border is wall and the goal interior (every maze of the study):
/// every cell that enters the queue is the goal or a path cell, hence interior, so its four
/// neighbours are `i − 1, i + 1, i − size, i + size` (L, R, U, D) without bounds tests. The
/// same algorithm and visiting order as [`distance_map_any`], so the same result.
fn distance_map_interior(
    size: usize,
    structure: &[u8],
    goal: Cell,
    relabel_quirk: bool,
    d: &mut Vec<u32>,
    scratch: &mut DistanceScratch,
) {
    let cells = size * size;
    d.clear();
    d.resize(cells, 0);
    let g = goal.0 * size + goal.1;
    // A FIFO in a flat buffer, `queue[head..tail]`, grown when four more might not fit (every
    // entry is written before it is read, so the old contents need no clearing).
    let queue = &mut scratch.queue;
    if queue.len() < 4 * cells + 4 {
        queue.resize(4 * cells + 4, 0);
    }
    queue[0] = g as u32;
    let (mut head, mut tail) = (0, 1);
    // `open[i]`: path and (quirk) not yet dequeued, or (plain) not yet reached.
    let open = &mut scratch.open;
    open.clear();
    open.extend(structure.iter().map(|&s| s == 1));
    if !relabel_quirk {
        open[g] = false;
    }
    // Whether a neighbour is open is unpredictable, so the four candidates are written at
    // the queue's end and kept by advancing its end (no branch per neighbour).
    while head < tail {
        let x = queue[head] as usize;
        head += 1;
        if relabel_quirk && head > RELABEL_BUDGET {
            return distance_map_interior(size, structure, goal, false, d, scratch);
        }
        if tail + 4 > queue.len() {
            queue.resize(2 * queue.len(), 0);
        }
        let dx = d[x] + 1;
        for y in [x - 1, x + 1, x - size, x + size] {
            let take = open[y];
            d[y] = if take { dx } else { d[y] };
            // Plain search: a cell is reached once; quirk: until it is dequeued.
            open[y] = take & relabel_quirk;
            queue[tail] = y as u32;
            tail += usize::from(take);
        }
        if relabel_quirk {
            open[x] = false;
        }
    }
}

/// [`distance_map`] for any grid (bounds-checked neighbours).
fn distance_map_any(size: usize, structure: &[u8], goal: Cell, relabel_quirk: bool) -> Vec<u32> {
    let mut d = vec![0u32; size * size];
    let g = goal.0 * size + goal.1;
    let mut queue = VecDeque::with_capacity(size * size);
    queue.push_back(g);
    if relabel_quirk {
        // `open[i]`: path and not yet dequeued (the reference's "closed map", inverted).
        let mut open: Vec<bool> = structure.iter().map(|&s| s == 1).collect();
        let mut dequeues = 0;
        while let Some(x) = queue.pop_front() {
            dequeues += 1;
            if dequeues > RELABEL_BUDGET {
                return distance_map_any(size, structure, goal, false);
            }
            for dir in NEIGHBOURS {
                if let Some(y) = neighbour(size, x, dir) {
                    if open[y] {
                        d[y] = d[x] + 1;
                        queue.push_back(y);
                    }
                }
            }
            open[x] = false;
        }
    } else {
        let mut seen = vec![false; size * size];
        seen[g] = true;
        while let Some(x) = queue.pop_front() {
            for dir in NEIGHBOURS {
                if let Some(y) = neighbour(size, x, dir) {
                    if structure[y] == 1 && !seen[y] {
                        seen[y] = true;
                        d[y] = d[x] + 1;
                        queue.push_back(y);
                    }
                }
            }
        }
    }
    d
}

/// Number of cells (start and goal included) on the greedy walk from `start` to `goal` over the
/// distance map `d`; see the module docs. The fastest solution of a general maze is this − 2.
///
/// # Errors
/// [`MazeError::GreedyWalkStuck`] if the goal is not reached within `size²` moves.
///
/// # Panics
/// If the slices are not `size²` long or `start` lies outside the grid.
pub fn greedy_walk_length(
    size: usize,
    structure: &[u8],
    d: &[u32],
    start: Cell,
    goal: Cell,
) -> Result<usize, MazeError> {
    assert_eq!(
        structure.len(),
        size * size,
        "greedy walk: structure length"
    );
    assert_eq!(d.len(), size * size, "greedy walk: distance map length");
    let dmax = d.iter().copied().max().unwrap_or(0);
    let value = |i: usize| if structure[i] == 1 { dmax - d[i] } else { 0 };
    let goal_i = goal.0 * size + goal.1;
    let mut at = start.0 * size + start.1;
    let mut cells = 1;
    let cap = size * size;
    while at != goal_i {
        if cells > cap {
            return Err(MazeError::GreedyWalkStuck {
                start,
                goal,
                steps: cap,
            });
        }
        // Candidates in the order L, R, U, D, stay; strict `>` keeps the first maximum.
        let mut best = None::<(usize, u32)>;
        for dir in NEIGHBOURS {
            let cand = neighbour(size, at, dir).map_or((at, 0), |y| (y, value(y)));
            if best.is_none_or(|(_, v)| cand.1 > v) {
                best = Some(cand);
            }
        }
        let stay = (at, value(at));
        let (next, v) = best.unwrap_or(stay);
        at = if stay.1 > v { stay.0 } else { next };
        cells += 1;
    }
    Ok(cells)
}

/// [`greedy_walk_length`] when the border is wall, `start` is a path cell and `dmax` is
/// `max(d)` (every generated general maze): while the walk stands on path cells, which are
/// interior, the neighbours are `i − 1, i + 1, i − size, i + size` without bounds tests or
/// divisions. `None` if the walk steps onto a wall (impossible when the goal reaches `start`)
/// or exceeds `size²` moves; the caller then runs [`greedy_walk_length`], which gives the
/// answer (or the error) for that case. Otherwise the same walk, so the same length.
pub(crate) fn greedy_walk_length_interior(
    size: usize,
    structure: &[u8],
    d: &[u32],
    dmax: u32,
    start: Cell,
    goal: Cell,
) -> Option<usize> {
    let value = |i: usize| if structure[i] == 1 { dmax - d[i] } else { 0 };
    let goal_i = goal.0 * size + goal.1;
    let mut at = start.0 * size + start.1;
    let mut cells = 1;
    let cap = size * size;
    while at != goal_i {
        if cells > cap || structure[at] != 1 {
            return None;
        }
        // Candidates L, R, U, D, then stay; strict `>` keeps the first maximum.
        let (mut next, mut best) = (at - 1, value(at - 1));
        for y in [at + 1, at - size, at + size, at] {
            let v = value(y);
            if v > best {
                (next, best) = (y, v);
            }
        }
        at = next;
        cells += 1;
    }
    Some(cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fully open interior: every cell of the quirky queue ends at its true distance.
    #[test]
    fn relabel_quirk_is_exact_on_an_open_grid() {
        for size in [5usize, 7, 9, 11] {
            let mut s = vec![0u8; size * size];
            for r in 1..size - 1 {
                for c in 1..size - 1 {
                    s[r * size + c] = 1;
                }
            }
            for goal in [(1, 1), (size / 2, size / 2), (1, size - 2)] {
                let a = distance_map(size, &s, goal, true);
                let b = distance_map(size, &s, goal, false);
                assert_eq!(a, b, "size {size} goal {goal:?}");
                let manhattan =
                    |r: usize, c: usize| (r.abs_diff(goal.0) + c.abs_diff(goal.1)) as u32;
                for r in 1..size - 1 {
                    for c in 1..size - 1 {
                        assert_eq!(b[r * size + c], manhattan(r, c));
                    }
                }
            }
        }
    }

    /// The unchecked-neighbour path gives the bounds-checked one's maps, loops, unreachable
    /// cells, quirk budget and all.
    #[test]
    fn interior_fast_path_matches_the_checked_one() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
        for size in [5usize, 7, 9, 11, 13] {
            for trial in 0..400 {
                let p_open = [0.3, 0.6, 0.9, 1.0][trial % 4];
                let mut s = vec![0u8; size * size];
                for r in 1..size - 1 {
                    for c in 1..size - 1 {
                        s[r * size + c] = u8::from(rng.random::<f64>() < p_open);
                    }
                }
                let goal = (rng.random_range(1..size - 1), rng.random_range(1..size - 1));
                for quirk in [true, false] {
                    assert_eq!(
                        distance_map(size, &s, goal, quirk),
                        distance_map_any(size, &s, goal, quirk),
                        "size {size} trial {trial} quirk {quirk}"
                    );
                }
            }
        }
    }

    /// The bit-set search gives the queue's maps (quirk on and off), and the unchecked greedy
    /// walk the checked one's lengths, on random grids with loops and unreachable cells.
    #[test]
    fn bitset_search_and_interior_walk_match_the_queue_and_checked_walk() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(9);
        let mut scratch = DistanceScratch::default();
        let mut walks = 0;
        for size in [5usize, 7, 9, 11] {
            for trial in 0..1000 {
                let p_open = [0.3, 0.6, 0.9, 1.0][trial % 4];
                let mut s = vec![0u8; size * size];
                for r in 1..size - 1 {
                    for c in 1..size - 1 {
                        s[r * size + c] = u8::from(rng.random::<f64>() < p_open);
                    }
                }
                let goal = (rng.random_range(1..size - 1), rng.random_range(1..size - 1));
                s[goal.0 * size + goal.1] = 1;
                let mut bitset = Vec::new();
                distance_map_bitset(size, &s, goal, &mut bitset);
                for quirk in [true, false] {
                    let mut queue = vec![7u32; 3];
                    distance_map_interior(size, &s, goal, quirk, &mut queue, &mut scratch);
                    assert_eq!(bitset, queue, "size {size} trial {trial} quirk {quirk}");
                }
                let dmax = bitset.iter().copied().max().unwrap_or(0);
                let start = (rng.random_range(1..size - 1), rng.random_range(1..size - 1));
                if s[start.0 * size + start.1] == 1 && bitset[start.0 * size + start.1] > 0 {
                    let fast = greedy_walk_length_interior(size, &s, &bitset, dmax, start, goal);
                    let checked = greedy_walk_length(size, &s, &bitset, start, goal).unwrap();
                    assert_eq!(fast, Some(checked), "size {size} trial {trial}");
                    walks += 1;
                }
            }
        }
        assert!(walks > 1000, "{walks} walks");
    }

    #[test]
    fn greedy_walk_reports_a_stuck_walk() {
        // A hand-made distance map with a local maximum of progress at (1,2) that is not the
        // goal: the walk stays there forever and must be cut off.
        let size = 5;
        let mut s = vec![0u8; 25];
        s[5 + 1] = 1;
        s[5 + 2] = 1;
        s[5 + 3] = 1;
        let mut d = vec![0u32; 25];
        d[5 + 1] = 2; // start
        d[5 + 2] = 1; // better than both neighbours
        d[5 + 3] = 3; // "goal" with a distance that never attracts the walk
        let err = greedy_walk_length(size, &s, &d, (1, 1), (1, 3)).unwrap_err();
        assert_eq!(
            err,
            MazeError::GreedyWalkStuck {
                start: (1, 1),
                goal: (1, 3),
                steps: 25
            }
        );
    }
}
