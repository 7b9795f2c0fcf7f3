//! General mazes against their recipe written out literally (one bit at a time, grid
//! coordinates, the checked [`from_structure`]), and the statistics of the walk: uniform
//! direction choices and uniform spanning trees, each with a biased walk the bound must catch.

use super::*;
use crate::maze::{MazeKind, MazeQuirks};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::collections::{HashMap, VecDeque};

type Rng64 = Xoshiro256PlusPlus;

/// The reservoir of the module docs, one bit at a time in a queue.
pub(crate) struct LiteralBits {
    queue: VecDeque<u64>,
    /// The walk's direction attempts not yet used.
    directions: VecDeque<usize>,
}

impl LiteralBits {
    pub(crate) fn new() -> Self {
        Self {
            queue: VecDeque::new(),
            directions: VecDeque::new(),
        }
    }

    /// The walk's next 2-bit direction attempt, from groups of three taken as 6 bits.
    fn direction(&mut self, rng: &mut Rng64) -> usize {
        if self.directions.is_empty() {
            let group = self.take(6, rng);
            self.directions
                .extend([group & 3, group >> 2 & 3, group >> 4 & 3]);
        }
        self.directions.pop_front().unwrap()
    }

    /// `n` bits, the first one lowest; a new word (lowest bit first) when fewer are left.
    pub(crate) fn take(&mut self, n: usize, rng: &mut Rng64) -> usize {
        if self.queue.len() < n {
            self.queue.clear();
            let w = rng.next_u64();
            self.queue.extend((0..64).map(|i| w >> i & 1));
        }
        (0..n)
            .map(|i| (self.queue.pop_front().unwrap() as usize) << i)
            .sum()
    }

    /// Uniform in `0..n`: the fewest bits that can name `n − 1`, drawn until below `n`.
    pub(crate) fn below(&mut self, n: usize, rng: &mut Rng64) -> usize {
        let mut bits = 0;
        while (1usize << bits) < n {
            bits += 1;
        }
        loop {
            let v = self.take(bits, rng);
            if v < n {
                return v;
            }
        }
    }
}

/// How the walk picks a direction (0 = L, 1 = R, 2 = U, 3 = D) among the `allowed` ones.
type Choose = fn(&[usize], &mut LiteralBits, &mut Rng64) -> usize;

/// The recipe: 2-bit attempts until one names an allowed move.
fn by_rejection(allowed: &[usize], bits: &mut LiteralBits, rng: &mut Rng64) -> usize {
    loop {
        let dir = bits.direction(rng);
        if allowed.contains(&dir) {
            return dir;
        }
    }
}

/// A biased choice (2 bits modulo the number of allowed moves) the statistics must catch.
fn by_modulo(allowed: &[usize], bits: &mut LiteralBits, rng: &mut Rng64) -> usize {
    allowed[bits.direction(rng) % allowed.len()]
}

/// The walk as the spec words it, step by step with grid coordinates.
fn walk_literal(
    size: usize,
    last_closed: bool,
    choose: Choose,
    bits: &mut LiteralBits,
    rng: &mut Rng64,
) -> Vec<u8> {
    let k = (size - 1) / 2;
    let mut s = vec![0u8; size * size];
    let row = bits.below(k, rng);
    let col = bits.below(k, rng);
    let mut cur = (1 + 2 * row, 1 + 2 * col);
    let mut unvisited = k * k - 1;
    let moves: [(isize, isize); 4] = [(0, -2), (0, 2), (-2, 0), (2, 0)];
    let hi = size as isize - 2;
    while unvisited > 0 {
        s[cur.0 * size + cur.1] = 1;
        let allowed: Vec<usize> = (0..4)
            .filter(|&dir| {
                let (r, c) = (cur.0 as isize + moves[dir].0, cur.1 as isize + moves[dir].1);
                r >= 1 && c >= 1 && r <= hi && c <= hi
            })
            .collect();
        let m = moves[choose(&allowed, bits, rng)];
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

/// A whole general maze (no sparsity, no noise) by the recipe: the literal walk, start and
/// goal drawn from the same reservoir, then the checked [`from_structure`].
pub(crate) fn maze_literal(
    size: usize,
    n_channels: usize,
    quirks: MazeQuirks,
    rng: &mut Rng64,
) -> Maze {
    let mut bits = LiteralBits::new();
    let s = walk_literal(size, quirks.last_cell_closed, by_rejection, &mut bits, rng);
    let mut open: Vec<Cell> = corners(size)
        .into_iter()
        .filter(|c| s[c.0 * size + c.1] == 1)
        .collect();
    let start = open.remove(bits.below(open.len(), rng));
    let goal = open[bits.below(open.len(), rng)];
    from_structure(size, n_channels, s, start, goal, quirks.relabel_distances).unwrap()
}

pub(crate) const QUIRK_SETS: [MazeQuirks; 3] = [
    MazeQuirks {
        last_cell_closed: true,
        relabel_distances: true,
    },
    MazeQuirks {
        last_cell_closed: false,
        relabel_distances: false,
    },
    MazeQuirks {
        last_cell_closed: false,
        relabel_distances: true,
    },
];

/// Pearson's χ² of `counts` against equal expected counts.
fn chi_square(counts: &[u64]) -> f64 {
    let n: u64 = counts.iter().sum();
    let e = n as f64 / counts.len() as f64;
    counts.iter().map(|&c| (c as f64 - e).powi(2) / e).sum()
}

/// A bound on χ² with `df` degrees of freedom that a uniform sample exceeds with
/// probability ≲ 10⁻⁵ (mean + 7 standard deviations + 5, generous for small `df`).
fn chi_square_bound(df: usize) -> f64 {
    df as f64 + 7.0 * (2.0 * df as f64).sqrt() + 5.0
}

#[test]
fn random_bits_match_the_literal_reservoir() {
    let mut a = Rng64::seed_from_u64(3);
    let mut b = a.clone();
    let mut pick = Rng64::seed_from_u64(4);
    let (mut fast, mut literal) = (RandomBits::new(), LiteralBits::new());
    for _ in 0..50_000 {
        if pick.random::<bool>() {
            let n = pick.random_range(0..=40);
            assert_eq!(
                fast.take(n, &mut a) as usize,
                literal.take(n as usize, &mut b)
            );
        } else {
            let n = pick.random_range(1..=100);
            assert_eq!(fast.below(n, &mut a), literal.below(n, &mut b), "n {n}");
        }
    }
    assert_eq!(a.random::<u64>(), b.random::<u64>(), "streams in step");
}

#[test]
fn walk_matches_the_literal_recipe_and_draws() {
    for size in [3usize, 5, 7, 9, 11, 13, 21] {
        for seed in 0..300u64 {
            for last_closed in [true, false] {
                let mut a = Rng64::seed_from_u64(seed);
                let mut b = a.clone();
                assert_eq!(
                    aldous_broder(size, last_closed, &mut a),
                    walk_literal(
                        size,
                        last_closed,
                        by_rejection,
                        &mut LiteralBits::new(),
                        &mut b
                    ),
                    "size {size} seed {seed}"
                );
                assert_eq!(a.random::<u64>(), b.random::<u64>(), "streams in step");
            }
        }
    }
}

/// Every field and every draw of generated mazes (the size-9 fast path included, over
/// thousands of seeds) equals the literal recipe's, quirks on and off, 1–3 channels.
#[test]
fn mazes_match_the_literal_recipe() {
    let mut mazes = Vec::new();
    let mut scratch = DistanceScratch::default();
    let mut count = 0;
    for size in [5usize, 7, 9, 11, 13] {
        let batch = if size == 9 { 1000 } else { 100 };
        for quirks in QUIRK_SETS {
            for n_channels in 1..=3 {
                let cfg = MazeConfig {
                    kind: MazeKind::General { size, n_steps: 20 },
                    n_channels,
                    quirks,
                    ..MazeConfig::default()
                };
                let mut a = Rng64::seed_from_u64(size as u64 * 1000 + n_channels as u64);
                let mut b = a.clone();
                for _ in 0..2 {
                    cfg.generate_into(batch, &mut a, &mut mazes, &mut scratch)
                        .unwrap();
                    for maze in &mazes {
                        assert_eq!(*maze, maze_literal(size, n_channels, quirks, &mut b));
                        count += 1;
                    }
                    assert_eq!(a.clone().next_u64(), b.clone().next_u64(), "in step");
                }
            }
        }
    }
    assert!(count >= 18_000, "{count} mazes");
}

/// Each direction the walk can take from a corner, an edge and an interior cell is drawn
/// equally often (χ²), and the bound catches a modulo choice on the edges.
#[test]
fn walk_direction_is_uniform_over_the_allowed_moves() {
    let k = 4;
    let mut rng = Rng64::seed_from_u64(21);
    let mut bits = RandomBits::new();
    let mut directions = Directions::default();
    let mut literal = LiteralBits::new();
    for (a, b, allowed) in [
        (0, 0, vec![1, 3]),
        (3, 3, vec![0, 2]),
        (0, 1, vec![0, 1, 3]),
        (2, 3, vec![0, 2, 3]),
        (1, 2, vec![0, 1, 2, 3]),
    ] {
        let n = 60_000;
        let mut counts = [0u64; 4];
        let mut biased = [0u64; 4];
        for _ in 0..n {
            counts[directions.next((a, b), k, &mut bits, &mut rng)] += 1;
            biased[by_modulo(&allowed, &mut literal, &mut rng)] += 1;
        }
        let seen: Vec<u64> = allowed.iter().map(|&d| counts[d]).collect();
        assert_eq!(
            seen.iter().sum::<u64>(),
            n,
            "a move off the grid at ({a}, {b})"
        );
        let bound = chi_square_bound(allowed.len() - 1);
        let x2 = chi_square(&seen);
        assert!(x2 < bound, "({a}, {b}): χ² {x2} ≥ {bound}, {counts:?}");
        if allowed.len() == 3 {
            let seen: Vec<u64> = allowed.iter().map(|&d| biased[d]).collect();
            assert!(chi_square(&seen) > bound, "the bound misses a modulo bias");
        }
    }
}

/// The opened walls (the spanning tree, stub included) of a walk, as a key.
fn tree_key(size: usize, s: &[u8]) -> u64 {
    let walls = (0..size * size).filter(|i| (i / size + i % size) % 2 == 1);
    walls
        .enumerate()
        .filter(|&(_, i)| s[i] == 1)
        .fold(0, |key, (j, _)| key | 1 << j)
}

/// Aldous–Broder draws a uniform spanning tree: on the 2 × 2 walk grid all 4 trees, on the
/// 3 × 3 grid all 192, equally often (χ²), quirk on and off; a modulo choice fails the bound.
#[test]
fn spanning_trees_of_small_grids_are_uniform() {
    for (size, trees) in [(5usize, 4usize), (7, 192)] {
        let n = 300 * trees;
        let bound = chi_square_bound(trees - 1);
        for last_closed in [true, false] {
            let mut rng = Rng64::seed_from_u64(size as u64);
            let mut counts = HashMap::<u64, u64>::new();
            for _ in 0..n {
                let s = aldous_broder(size, last_closed, &mut rng);
                *counts.entry(tree_key(size, &s)).or_default() += 1;
            }
            assert_eq!(counts.len(), trees, "size {size}");
            let x2 = chi_square(&counts.into_values().collect::<Vec<_>>());
            assert!(x2 < bound, "size {size}: χ² {x2} ≥ {bound}");
        }
        if size == 7 {
            let mut rng = Rng64::seed_from_u64(99);
            let mut counts = HashMap::<u64, u64>::new();
            for _ in 0..n {
                let s = walk_literal(size, false, by_modulo, &mut LiteralBits::new(), &mut rng);
                *counts.entry(tree_key(size, &s)).or_default() += 1;
            }
            let x2 = chi_square(&counts.into_values().collect::<Vec<_>>());
            assert!(x2 > bound, "the bound misses a modulo-biased walk: χ² {x2}");
        }
    }
}
