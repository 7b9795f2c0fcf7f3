//! The size-9 fast path of general mazes (the study's default: a 4 × 4 walk grid), steps 1
//! and 3–6 of [`super::general`]'s recipe with exactly its draws and results, held in
//! registers instead of grids until the end.
//!
//! Walk cell `c = 4a + b` (row index `a`, column index `b`) is grid cell `(1 + 2a, 1 + 2b)`.
//! A set of walk cells is a `u32` with bit `c`; the walls between walk cells are a `u32` with
//! bit `c` for the wall between `c` and `c + 1` (`b < 3`) and bit `16 + c` for the wall
//! between `c` and `c + 4` (`a < 3`).
//!
//! - **Walk**: each group of three direction attempts (6 bits) is looked up in [`TRIPLES`],
//!   indexed by the current cell and the group, which gives the three cells reached. An
//!   out-of-range attempt is a step that stays in place: its cell is already visited, so it
//!   opens nothing and changes nothing, exactly as attempting again does. A cell first
//!   entered by a move in direction `dir` is recorded in lane `dir` of a `u64` of four 16-bit
//!   sets; the walls follow from those at the end.
//! - **Distances**: the maze is the walk's spanning tree (with the quirk, less its last cell;
//!   its entrance wall stays open as a stub), so the grid distance of a walk cell is twice its
//!   tree distance from the goal, and an open wall between a parent and its child lies at
//!   `2·t(parent) + 1 = t(parent) + t(child)`; the stub, beside the closed last cell, at
//!   `2·t(its open neighbour) + 1`. Tree distances come from a breadth-first search a level
//!   at a time on the 16-bit sets, kept as sixteen 4-bit fields of a `u64`.
//! - **Fastest solution**: on a tree the greedy walk follows the unique path (each cell's
//!   parent has the largest value, every other neighbour a smaller one), so it is
//!   `d(start) − 1`.
//!
//! The tests compare every field with the recipe written out step by step and with
//! [`super::general::from_structure`] on thousands of seeds, quirk on and off.

use super::bits::RandomBits;
use super::{Layout, Maze};
use rand::RngCore;

/// Side of the grid this path serves.
pub(crate) const SIZE: usize = 9;
/// Cells of the grid.
const CELLS: usize = SIZE * SIZE;
/// Every walk cell visited.
const FULL: u32 = 0xffff;
/// The walk cells at the corners in the order of [`super::general::corners`].
const CORNERS: [u32; 4] = [0, 3, 12, 15];

/// Grid index of walk cell `c`.
const fn grid(c: usize) -> usize {
    (1 + 2 * (c / 4)) * SIZE + 1 + 2 * (c % 4)
}

/// Grid index of each walk cell.
const GRID: [usize; 16] = {
    let mut t = [0; 16];
    let mut c = 0;
    while c < 16 {
        t[c] = grid(c);
        c += 1;
    }
    t
};

/// Grid index of each wall bit (0 for bits that name no wall).
const WALL_GRID: [u8; 32] = {
    let mut t = [0u8; 32];
    let mut c = 0;
    while c < 16 {
        if c % 4 < 3 {
            t[c] = (grid(c) + 1) as u8;
        }
        if c / 4 < 3 {
            t[16 + c] = (grid(c) + SIZE) as u8;
        }
        c += 1;
    }
    t
};

/// The two walk cells each wall bit lies between (0 for bits that name no wall).
const WALL_ENDS: [(u8, u8); 32] = {
    let mut t = [(0u8, 0u8); 32];
    let mut c = 0;
    while c < 16 {
        if c % 4 < 3 {
            t[c] = (c as u8, c as u8 + 1);
        }
        if c / 4 < 3 {
            t[16 + c] = (c as u8, c as u8 + 4);
        }
        c += 1;
    }
    t
};

/// One step from walk cell `c` in direction `dir` (L, R, U, D): the cell reached, or `c` when
/// the move leaves the walk grid.
const fn step(c: usize, dir: usize) -> usize {
    let (a, b) = (c / 4, c % 4);
    match dir {
        0 if b > 0 => c - 1,
        1 if b < 3 => c + 1,
        2 if a > 0 => c - 4,
        3 if a < 3 => c + 4,
        _ => c,
    }
}

/// The three-step table, entry `64c + d1 + 4·d2 + 16·d3` for the steps from walk cell `c`
/// with directions `d1`, `d2`, `d3` (an out-of-range direction stays in place): the three
/// cells reached as sets in bits `0..16`, `16..32`, `32..48` (`cells`), and 64 × the last of
/// them (`next`, the next entry's block).
struct Triples {
    cells: [u64; 1024],
    next: [u16; 1024],
}

static TRIPLES: Triples = {
    let mut t = Triples {
        cells: [0; 1024],
        next: [0; 1024],
    };
    let mut i = 0;
    while i < 1024 {
        let c1 = step(i / 64, i % 4);
        let c2 = step(c1, (i / 4) % 4);
        let c3 = step(c2, (i / 16) % 4);
        t.cells[i] = 1 << c1 | 1 << (16 + c2) | 1 << (32 + c3);
        t.next[i] = 64 * c3 as u16;
        i += 1;
    }
    t
};

/// Byte `x` with each bit spread to a 4-bit field of ones (bit `j` → bits `4j..4j+4`).
static SPREAD: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut x = 0;
    while x < 256 {
        let mut j = 0;
        while j < 8 {
            if x >> j & 1 == 1 {
                t[x] |= 0xf << (4 * j);
            }
            j += 1;
        }
        x += 1;
    }
    t
};

/// The spanning tree of one walk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Tree {
    /// Its 15 edges as wall bits.
    walls: u32,
    /// The last cell the walk visited (closed with the quirk).
    last: u32,
    /// The cell the walk entered `last` from.
    prev: u32,
}

/// Step 1: the walk, drawing from the fresh reservoir `bits`: 2 bits start row index, 2 bits
/// start column index, then the directions in groups of three (6 bits, module docs). Out of
/// line so that the loop's state gets registers of its own.
///
/// Each cell first entered by a move in direction `dir` is recorded in the 16-bit lane `dir`
/// of `entered` (a move that reaches a visited cell, or stays, records nothing); the walls
/// follow at the end: a cell entered moving left lies right of its wall, and so on.
#[inline(never)]
fn walk<R: RngCore + ?Sized>(bits: &mut RandomBits, rng: &mut R) -> Tree {
    debug_assert_eq!(bits.left, 0, "the walk starts on a fresh reservoir");
    let start = bits.take(4, rng) as u32;
    let c0 = (start & 3) * 4 + (start >> 2);
    let mut visited = 1u32 << c0;
    let mut entered = 0u64;
    // `at` = 64 × the current cell.
    let mut at = (c0 * 64) as usize;
    let (mut word, mut left) = (bits.word, bits.left);
    loop {
        if left < 6 {
            word = next_word(rng);
            left = 64;
        }
        let group = word & 63;
        word >>= 6;
        left -= 6;
        let i = (at | group as usize) & 1023;
        let cells = TRIPLES.cells[i];
        let (c1, c2, c3) = (
            cells as u32 & 0xffff,
            (cells >> 16) as u32 & 0xffff,
            (cells >> 32) as u32,
        );
        let before = visited;
        let fresh1 = c1 & !visited;
        visited |= c1;
        let fresh2 = c2 & !visited;
        visited |= c2;
        let fresh3 = c3 & !visited;
        visited |= c3;
        // Lane `16·dir` of each step's direction.
        entered |= u64::from(fresh1) << (group << 4 & 48)
            | u64::from(fresh2) << (group << 2 & 48)
            | u64::from(fresh3) << (group & 48);
        if visited == FULL {
            (bits.word, bits.left) = (word, left);
            let (last, prev) = if before | c1 == FULL {
                (c1, 1 << (at / 64))
            } else if before | c1 | c2 == FULL {
                (c2, c1)
            } else {
                (c3, c2)
            };
            let lane = |dir: u32| (entered >> (16 * dir)) as u32 & 0xffff;
            let right = lane(0) | lane(1) >> 1;
            let down = lane(2) | lane(3) >> 4;
            return Tree {
                walls: right | down << 16,
                last: last.trailing_zeros(),
                prev: prev.trailing_zeros(),
            };
        }
        at = usize::from(TRIPLES.next[i]);
    }
}

/// `rng.next_u64()` out of line: the walk needs a word every 16 look-ups, and keeping the
/// generator's state out of the loop leaves its registers to the walk.
#[cold]
#[inline(never)]
fn next_word<R: RngCore + ?Sized>(rng: &mut R) -> u64 {
    rng.next_u64()
}

/// Grid cell of walk cell `c`.
fn cell_of(c: u32) -> (usize, usize) {
    (1 + 2 * (c as usize / 4), 1 + 2 * (c as usize % 4))
}

/// The random part of a size-9 general maze (steps 1 and 3): the walk's tree, the open
/// cells, start and goal — every draw the maze takes, in 24 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Drawn {
    tree: Tree,
    open: u32,
    start: u32,
    goal: u32,
}

const _: () = assert!(core::mem::size_of::<Drawn>() == 24);

/// The draws of [`build_into`] without building: `rng` ends where building leaves it, and
/// what was drawn builds the maze with [`build_drawn`].
pub(crate) fn draw<R: RngCore + ?Sized>(last_cell_closed: bool, rng: &mut R) -> Drawn {
    let mut bits = RandomBits::new();
    let tree = walk(&mut bits, rng);
    let open = if last_cell_closed {
        FULL & !(1 << tree.last)
    } else {
        FULL
    };
    // Step 3: the open corners, then start and goal among them.
    let mut corners = [0u32; 4];
    let mut n = 0;
    for c in CORNERS {
        corners[n] = c;
        n += usize::from(open >> c & 1 == 1);
    }
    let i = bits.below(n, rng);
    let j = bits.below(n - 1, rng);
    let j = if j >= i { j + 1 } else { j };
    Drawn {
        tree,
        open,
        start: corners[i],
        goal: corners[j],
    }
}

/// Steps 1 and 3–6 of a size-9 general maze (no wall sparsity) into `maze`, every field
/// overwritten: walk, start and goal, distance map, fastest solution, noise-free cues.
pub(crate) fn build_into<R: RngCore + ?Sized>(
    n_channels: usize,
    last_cell_closed: bool,
    rng: &mut R,
    maze: &mut Maze,
) {
    build_drawn(
        n_channels,
        last_cell_closed,
        draw(last_cell_closed, rng),
        maze,
    );
}

/// Steps 4–6 of [`build_into`] on its draws (from [`skip`] with the same `last_cell_closed`).
pub(crate) fn build_drawn(
    n_channels: usize,
    last_cell_closed: bool,
    drawn: Drawn,
    maze: &mut Maze,
) {
    let Drawn {
        tree,
        open,
        start,
        goal,
    } = drawn;

    // Tree distances from the goal, level by level, as 4-bit fields (≤ 15 levels).
    let (right, down) = (tree.walls & 0xffff, tree.walls >> 16);
    let mut unreached = open & !(1 << goal);
    let mut frontier = 1u32 << goal;
    let (mut dist, mut level, mut depth) = (0u64, 0u64, 0u32);
    loop {
        let next = ((frontier & right) << 1
            | (frontier >> 1 & right)
            | (frontier & down) << 4
            | (frontier >> 4 & down))
            & unreached;
        if next == 0 {
            break;
        }
        unreached &= !next;
        level += 0x1111_1111_1111_1111;
        let spread = u64::from(SPREAD[(next & 255) as usize])
            | u64::from(SPREAD[(next >> 8) as usize]) << 32;
        dist |= spread & level;
        depth += 1;
        frontier = next;
    }
    let t = |c: usize| (dist >> (4 * c) & 15) as u32;
    let mut dmax = 2 * depth;
    let stub = 2 * t(tree.prev as usize) + 1;
    if last_cell_closed {
        dmax = dmax.max(stub);
    }

    maze.size = SIZE;
    maze.n_channels = n_channels;
    maze.start = cell_of(start);
    maze.goal = cell_of(goal);
    maze.layout = Layout::General;
    maze.dmax = dmax;
    maze.fastest = 2 * t(start as usize) as usize - 1;
    // The cue of a path cell at distance `v` is `value[v]`, the formula of
    // `general::fill_unchecked` (the same f32 operations); `dmax ≤ 31`.
    let (dmax_f, per_channel) = (dmax as f32, n_channels as f32);
    let mut value = [0.0f32; 32];
    for (v, x) in value.iter_mut().enumerate() {
        *x = (dmax as i32 - v as i32) as f32 / dmax_f / per_channel;
    }
    // Structure, distance map and first cue channel, walls 0, then the path cells written.
    // As arrays (their addresses and lengths stay in registers across the byte stores, and
    // the zero fills and the channel copies are inline stores).
    maze.structure.resize(CELLS, 0);
    maze.d.resize(CELLS, 0);
    maze.cues.resize(n_channels * CELLS, 0.0);
    let s: &mut [u8; CELLS] = (&mut maze.structure[..]).try_into().expect("resized");
    let d: &mut [u32; CELLS] = (&mut maze.d[..]).try_into().expect("resized");
    let (first, others) = maze.cues.split_at_mut(CELLS);
    let cue: &mut [f32; CELLS] = first.try_into().expect("resized");
    *s = [0; CELLS];
    *d = [0; CELLS];
    *cue = [0.0; CELLS];
    let mut open_path = |g: usize, v: u32| {
        s[g] = 1;
        d[g] = v;
        cue[g] = value[(v & 31) as usize];
    };
    for (c, &g) in GRID.iter().enumerate() {
        open_path(g, 2 * t(c));
    }
    let mut walls = tree.walls;
    while walls != 0 {
        let w = walls.trailing_zeros() as usize;
        let (a, b) = WALL_ENDS[w];
        open_path(usize::from(WALL_GRID[w]), t(a.into()) + t(b.into()));
        walls &= walls - 1;
    }
    if last_cell_closed {
        let (lo, hi) = (tree.prev.min(tree.last), tree.prev.max(tree.last));
        let wall = if hi - lo == 4 { 16 + lo } else { lo };
        open_path(usize::from(WALL_GRID[wall as usize]), stub);
        // The last cell (written above with `d = 0`) is wall.
        let g = GRID[tree.last as usize];
        (s[g], cue[g]) = (0, 0.0);
    }
    for channel in others.chunks_exact_mut(CELLS) {
        channel.copy_from_slice(cue);
    }
}
