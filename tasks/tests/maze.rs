//! Properties of the pRNN mazes and the agent, on thousands of seeded mazes per kind, plus
//! hand-checked examples and the bad-config table.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use wiring_tasks::maze::general::{aldous_broder, corners, from_structure};
use wiring_tasks::maze::h::rotate;
use wiring_tasks::maze::{
    distance_map, sense, sense_channels, step, Action, DistanceScratch, Layout, Maze, MazeConfig,
    MazeError, MazeKind, MazeQuirks,
};

#[path = "maze/agent.rs"]
mod agent;
#[path = "maze/config.rs"]
mod config;
#[path = "maze/examples.rs"]
mod examples;

fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

const QUIRKS_OFF: MazeQuirks = MazeQuirks {
    last_cell_closed: false,
    relabel_distances: false,
};

fn general(size: usize, wall_sparsity: f64, quirks: MazeQuirks) -> MazeConfig {
    MazeConfig {
        kind: MazeKind::General { size, n_steps: 20 },
        wall_sparsity,
        quirks,
        ..MazeConfig::default()
    }
}

fn track(size: usize, gaps: usize) -> MazeConfig {
    MazeConfig::of_kind(MazeKind::Track {
        size,
        n_steps: 6,
        gaps,
    })
}

fn h_maze(size: usize, gaps: usize) -> MazeConfig {
    MazeConfig::of_kind(MazeKind::H {
        size,
        n_steps: 14,
        gaps,
    })
}

/// True distances by relaxation to a fixed point (independent of any queue): `None` where the
/// goal cannot reach.
fn true_distances(size: usize, structure: &[u8], goal: (usize, usize)) -> Vec<Option<u32>> {
    let mut d: Vec<Option<u32>> = vec![None; size * size];
    d[goal.0 * size + goal.1] = Some(0);
    let mut changed = true;
    while changed {
        changed = false;
        for r in 1..size - 1 {
            for c in 1..size - 1 {
                let i = r * size + c;
                if structure[i] == 0 {
                    continue;
                }
                let best = [i - 1, i + 1, i - size, i + size]
                    .iter()
                    .filter_map(|&j| d[j])
                    .min()
                    .map(|x| x + 1);
                if let Some(b) = best {
                    if d[i].is_none_or(|x| b < x) {
                        d[i] = Some(b);
                        changed = true;
                    }
                }
            }
        }
    }
    d
}

/// A set of configs covering every kind, size edge and knob, with `per` mazes each.
fn corpus(per: usize, quirks: MazeQuirks) -> Vec<(MazeConfig, usize)> {
    let mut out = Vec::new();
    for size in [5, 7, 9, 11, 13] {
        for p in [0.0, 0.3, 1.0] {
            out.push((general(size, p, quirks), per));
        }
        for gaps in 0..=size / 2 - 2 {
            let mut t = track(size, gaps);
            t.quirks = quirks;
            out.push((t, per));
            let mut hm = h_maze(size, gaps);
            hm.quirks = quirks;
            out.push((hm, per));
        }
    }
    out
}

fn generate(cfg: &MazeConfig, batch: usize, seed: u64) -> Vec<Maze> {
    cfg.generate(batch, &mut rng(seed)).expect("valid config")
}

/// The hand-checked 5 × 5 maze: a serpentine from (1,1) to the goal (3,1).
fn serpentine() -> Vec<u8> {
    #[rustfmt::skip]
    let s = vec![
        0, 0, 0, 0, 0,
        0, 1, 1, 1, 0,
        0, 0, 0, 1, 0,
        0, 1, 1, 1, 0,
        0, 0, 0, 0, 0,
    ];
    s
}

#[test]
fn every_maze_has_a_closed_border_and_a_valid_start_and_goal() {
    let mut count = 0;
    for (k, (cfg, per)) in corpus(252, MazeQuirks::default()).into_iter().enumerate() {
        for maze in generate(&cfg, per, k as u64) {
            count += 1;
            let n = maze.size;
            assert_eq!(maze.structure.len(), n * n);
            assert_eq!(maze.cues.len(), maze.n_channels * n * n);
            for i in 0..n * n {
                let (r, c) = (i / n, i % n);
                if r == 0 || c == 0 || r == n - 1 || c == n - 1 {
                    assert_eq!(maze.structure[i], 0, "{cfg:?}: border cell {r},{c} open");
                }
                if maze.structure[i] == 0 {
                    for ch in 0..maze.n_channels {
                        assert_eq!(maze.cue(ch, (r, c)), 0.0, "wall cue at {r},{c}");
                    }
                    assert_eq!(maze.d[i], 0);
                }
            }
            assert!(maze.is_path(maze.start) && maze.is_path(maze.goal));
            assert_ne!(maze.start, maze.goal);
            assert_eq!(maze.distance(maze.goal), 0);
            assert!(maze.dmax >= 1 && maze.dmax == *maze.d.iter().max().unwrap());
            match maze.layout {
                Layout::General => {
                    assert!(corners(n).contains(&maze.start) && corners(n).contains(&maze.goal));
                }
                Layout::Track { goal_right, .. } => {
                    assert_eq!(maze.start, (n / 2, n / 2));
                    assert_eq!(maze.goal, (n / 2, if goal_right { n - 2 } else { 1 }));
                }
                Layout::H { corner, .. } => {
                    assert_eq!(maze.start, (n / 2, n / 2));
                    assert_eq!(maze.goal, corners(n)[corner]);
                }
            }
        }
    }
    assert!(count > 10_000, "{count} mazes");
}

#[test]
fn distance_map_equals_an_independent_bfs_with_and_without_the_relabel_quirk() {
    // Quirk off: plain BFS. Quirk on: the reference's relabelling, which on a grid (bipartite)
    // cannot overestimate — even with loops from wall sparsity (see `maze::distance`).
    let mut loopy = 0;
    for quirks in [QUIRKS_OFF, MazeQuirks::default()] {
        for (k, (cfg, per)) in corpus(152, quirks).into_iter().enumerate() {
            for maze in generate(&cfg, per, 1000 + k as u64) {
                let truth = true_distances(maze.size, &maze.structure, maze.goal);
                let expect: Vec<u32> = truth.iter().map(|x| x.unwrap_or(0)).collect();
                assert_eq!(maze.d, expect, "{cfg:?}");
                let k_cells = (maze.size - 1) / 2;
                let passages = maze.structure.iter().filter(|&&s| s == 1).count();
                if maze.layout == Layout::General && passages > 2 * k_cells * k_cells - 1 {
                    loopy += 1;
                }
            }
        }
    }
    assert!(loopy > 1000, "only {loopy} mazes with loops were checked");
}

#[test]
fn relabel_quirk_cannot_matter_on_tree_mazes() {
    for size in [5, 7, 9, 11, 15, 21] {
        let cfg = general(size, 0.0, MazeQuirks::default());
        for maze in generate(&cfg, 300, size as u64) {
            let plain = distance_map(size, &maze.structure, maze.goal, false);
            assert_eq!(maze.d, plain);
        }
    }
}

#[test]
fn relabel_quirk_past_its_budget_still_gives_true_distances() {
    // A fully open 15 × 15 interior would need millions of dequeues done literally.
    let size = 15;
    let mut s = vec![0u8; size * size];
    for r in 1..size - 1 {
        for c in 1..size - 1 {
            s[r * size + c] = 1;
        }
    }
    let d = distance_map(size, &s, (1, 1), true);
    for r in 1..size - 1 {
        for c in 1..size - 1 {
            assert_eq!(d[r * size + c], (r - 1 + c - 1) as u32);
        }
    }
}

#[test]
fn fastest_is_the_shortest_path_length_minus_one() {
    for quirks in [QUIRKS_OFF, MazeQuirks::default()] {
        for (k, (cfg, per)) in corpus(152, quirks).into_iter().enumerate() {
            for maze in generate(&cfg, per, 2000 + k as u64) {
                let truth = true_distances(maze.size, &maze.structure, maze.goal);
                let shortest = truth[maze.index(maze.start)].expect("start reaches goal");
                assert_eq!(maze.fastest as u32, shortest - 1, "{cfg:?}");
                let m = maze.size / 2;
                match maze.layout {
                    Layout::Track { .. } => assert_eq!(maze.fastest, m - 2),
                    Layout::H { .. } => assert_eq!(maze.fastest, 2 * m - 3),
                    Layout::General => {}
                }
            }
        }
    }
}

#[test]
fn general_cues_before_noise_are_progress_over_channels() {
    for n_channels in [1usize, 2, 3] {
        for p in [0.0, 0.5] {
            let cfg = MazeConfig {
                n_channels,
                ..general(9, p, MazeQuirks::default())
            };
            for maze in generate(&cfg, 400, n_channels as u64) {
                let top = 1.0 / n_channels as f32;
                for r in 0..maze.size {
                    for c in 0..maze.size {
                        let want = if maze.is_path((r, c)) {
                            maze.progress((r, c)) / n_channels as f32
                        } else {
                            0.0
                        };
                        for ch in 0..n_channels {
                            let v = maze.cue(ch, (r, c));
                            assert_eq!(v, want);
                            assert!((0.0..=top).contains(&v));
                        }
                    }
                }
                assert_eq!(maze.cue(0, maze.goal), top);
            }
        }
    }
}

#[test]
fn general_maze_noise_is_clipped_to_the_unit_interval() {
    let cfg = MazeConfig {
        maze_noise: 0.6,
        ..MazeConfig::default()
    };
    let (mut zeros, mut ones) = (0, 0);
    for maze in generate(&cfg, 1000, 5) {
        for (i, &v) in maze.cues.iter().enumerate() {
            assert!((0.0..=1.0).contains(&v), "{v}");
            let cell = i % (maze.size * maze.size);
            if maze.structure[cell] == 1 {
                zeros += usize::from(v == 0.0);
                ones += usize::from(v == 1.0);
            } else {
                assert_eq!(v, 0.0);
            }
        }
    }
    assert!(
        zeros > 1000 && ones > 1000,
        "clipping never happened: {zeros} {ones}"
    );
}

#[test]
fn track_maze_noise_is_clipped_below_only() {
    let cfg = MazeConfig {
        maze_noise: 1.0,
        ..track(11, 1)
    };
    let mut above_one = 0;
    for maze in generate(&cfg, 1000, 6) {
        for (i, &v) in maze.cues.iter().enumerate() {
            assert!(v >= 0.0);
            above_one += usize::from(v > 1.0);
            if maze.structure[i % (maze.size * maze.size)] == 0 {
                assert_eq!(v, 0.0);
            }
        }
        // The gap stays silent after the noise.
        let gap = (5, if maze.goal.1 == 1 { 2 } else { 8 });
        assert_eq!((maze.cue(0, gap), maze.cue(1, gap)), (0.0, 0.0));
    }
    assert!(above_one > 1000, "{above_one}");
}

#[test]
fn cue_sparsity_blanks_whole_path_cells_at_its_rate() {
    let dense = MazeConfig::default();
    let sparse = MazeConfig {
        cue_sparsity: 0.4,
        ..dense
    };
    let (mut blank, mut cells) = (0usize, 0usize);
    for seed in 0..1000 {
        // Sparsity draws come last, so the same seed gives the same maze underneath.
        let a = &generate(&dense, 1, seed)[0];
        let b = &generate(&sparse, 1, seed)[0];
        assert_eq!(a.structure, b.structure);
        for i in 0..a.size * a.size {
            if a.structure[i] == 1 {
                let same = (0..2).all(|ch| b.cues[ch * 81 + i] == a.cues[ch * 81 + i]);
                let zero = (0..2).all(|ch| b.cues[ch * 81 + i] == 0.0);
                assert!(same || zero);
                if a.cues[i] != 0.0 {
                    cells += 1;
                    blank += usize::from(zero);
                }
            }
        }
    }
    // Among cells whose dense cue is not already 0; ≈ 25 000 cells: sd ≈ 0.003.
    let rate = blank as f64 / cells as f64;
    assert!((rate - 0.4).abs() < 0.015, "{rate}");
    let all = MazeConfig {
        cue_sparsity: 1.0,
        ..dense
    };
    for maze in generate(&all, 200, 9) {
        assert!(maze.cues.iter().all(|&v| v == 0.0));
    }
}

#[test]
fn wall_sparsity_opens_walls_at_its_rate() {
    for maze in generate(&general(9, 1.0, MazeQuirks::default()), 100, 3) {
        for r in 1..8 {
            for c in 1..8 {
                assert!(maze.is_path((r, c)));
            }
        }
    }
    let (mut opened, mut walls) = (0usize, 0usize);
    for seed in 0..500 {
        let a = &generate(&general(9, 0.0, QUIRKS_OFF), 1, seed)[0];
        let b = &generate(&general(9, 0.3, QUIRKS_OFF), 1, seed)[0];
        for r in 1..8 {
            for c in 1..8 {
                if !a.is_path((r, c)) {
                    walls += 1;
                    opened += usize::from(b.is_path((r, c)));
                } else {
                    assert!(b.is_path((r, c)));
                }
            }
        }
    }
    let rate = opened as f64 / walls as f64;
    assert!((rate - 0.3).abs() < 0.02, "{rate}");
}

#[test]
fn gaps_silence_the_cells_next_to_the_goal() {
    for size in [7, 9, 11, 13] {
        for gaps in 0..=size / 2 - 2 {
            for cfg in [track(size, gaps), h_maze(size, gaps)] {
                for maze in generate(&cfg, 400, (size * 10 + gaps) as u64) {
                    for i in 0..size * size {
                        let d = maze.d[i];
                        if maze.structure[i] == 0 || d == 0 {
                            continue;
                        }
                        let cues: Vec<f32> =
                            (0..2).map(|ch| maze.cues[ch * size * size + i]).collect();
                        if d as usize <= gaps {
                            assert_eq!(cues, [0.0, 0.0], "{cfg:?} d={d}");
                        } else if d == 1 {
                            assert!(
                                cues.iter().any(|&v| v > 0.0),
                                "{cfg:?}: no cue next to the goal"
                            );
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn track_batches_are_balanced_exactly() {
    for batch in [2usize, 4, 6, 100, 1000] {
        let mazes = generate(&track(11, 1), batch, batch as u64);
        let mut leading = [0usize; 2];
        let mut first_half_channels = [0usize; 2];
        for (b, maze) in mazes.iter().enumerate() {
            let Layout::Track {
                goal_right,
                leading_channel,
            } = maze.layout
            else {
                panic!("not a track layout");
            };
            assert_eq!(goal_right, b >= batch / 2);
            leading[leading_channel] += 1;
            if b < batch / 2 {
                first_half_channels[leading_channel] += 1;
            }
            // The leading channel is silent on the side away from the goal.
            let away = if goal_right { 1..5 } else { 6..10 };
            for c in away {
                assert_eq!(maze.cue(leading_channel, (5, c)), 0.0);
                assert!(maze.cue(1 - leading_channel, (5, c)) > 0.0);
            }
        }
        assert_eq!(leading, [batch / 2, batch / 2]);
        if batch == 1000 {
            // Shuffled, not blocked: both channels lead in the first half.
            assert!(
                first_half_channels.iter().all(|&n| n > 200),
                "{first_half_channels:?}"
            );
        }
    }
}

#[test]
fn h_batches_are_balanced_exactly() {
    for batch in [4usize, 8, 100, 1000] {
        let mazes = generate(&h_maze(11, 1), batch, batch as u64);
        let (mut pairs01, mut rotated) = (0, 0);
        let mut rotated_per_corner = [0usize; 4];
        for (b, maze) in mazes.iter().enumerate() {
            let Layout::H {
                corner,
                horizontal_channel,
                vertical_channel,
                rotated: rot,
            } = maze.layout
            else {
                panic!("not an H layout");
            };
            assert_eq!(corner, b / (batch / 4), "corners in block order");
            assert_eq!(horizontal_channel + vertical_channel, 1);
            pairs01 += usize::from(horizontal_channel == 0);
            rotated += usize::from(rot);
            rotated_per_corner[corner] += usize::from(rot);
        }
        assert_eq!((pairs01, rotated), (batch / 2, batch / 2));
        if batch == 1000 {
            assert!(
                rotated_per_corner.iter().all(|&n| n > 80),
                "{rotated_per_corner:?}"
            );
        }
    }
}

#[test]
fn general_mazes_without_quirks_are_perfect() {
    for size in [5usize, 7, 9, 11, 15] {
        let k = (size - 1) / 2;
        for maze in generate(&general(size, 0.0, QUIRKS_OFF), 500, size as u64) {
            for r in (1..size).step_by(2) {
                for c in (1..size).step_by(2) {
                    assert!(maze.is_path((r, c)), "cell {r},{c} closed");
                }
            }
            let truth = true_distances(size, &maze.structure, maze.goal);
            for (s, t) in maze.structure.iter().zip(&truth) {
                assert_eq!(*s == 1, t.is_some(), "unreachable path cell");
            }
            // A spanning tree: k² cells and k² − 1 passages.
            let path = maze.structure.iter().filter(|&&s| s == 1).count();
            assert_eq!(path, 2 * k * k - 1);
        }
    }
}

#[test]
fn aldous_broder_quirk_leaves_exactly_one_dead_end_stub() {
    for size in [5usize, 7, 9, 11, 15] {
        let k = (size - 1) / 2;
        let mut r = rng(size as u64);
        for _ in 0..1000 {
            let s = aldous_broder(size, true, &mut r);
            let open = |r: usize, c: usize| s[r * size + c] == 1;
            let closed_cells: Vec<(usize, usize)> = (1..size)
                .step_by(2)
                .flat_map(|r| (1..size).step_by(2).map(move |c| (r, c)))
                .filter(|&(r, c)| !open(r, c))
                .collect();
            assert_eq!(closed_cells.len(), 1);
            let (cr, cc) = closed_cells[0];
            // Passage cells (one odd, one even coordinate) with a single open neighbour.
            let stubs: Vec<(usize, usize)> = (1..size - 1)
                .flat_map(|r| (1..size - 1).map(move |c| (r, c)))
                .filter(|&(r, c)| (r + c) % 2 == 1 && open(r, c))
                .filter(|&(r, c)| {
                    [(r, c - 1), (r, c + 1), (r - 1, c), (r + 1, c)]
                        .iter()
                        .filter(|&&(a, b)| open(a, b))
                        .count()
                        == 1
                })
                .collect();
            assert_eq!(stubs.len(), 1, "{stubs:?}");
            let (sr, sc) = stubs[0];
            assert_eq!(
                sr.abs_diff(cr) + sc.abs_diff(cc),
                1,
                "stub not next to the closed cell"
            );
            assert_eq!(s.iter().filter(|&&x| x == 1).count(), 2 * k * k - 2);
        }
    }
}

#[test]
fn h_rotation_keeps_the_goal_in_place() {
    let cfg = h_maze(11, 1);
    for corner in 0..4 {
        for (h, v) in [(0, 1), (1, 0)] {
            let layout = |rotated| Layout::H {
                corner,
                horizontal_channel: h,
                vertical_channel: v,
                rotated,
            };
            let plain = cfg.build(layout(false), &mut rng(0)).unwrap();
            let turned = cfg.build(layout(true), &mut rng(0)).unwrap();
            assert_eq!(turned.goal, plain.goal);
            assert_eq!(turned.start, plain.start);
            assert_eq!(turned.distance(turned.goal), 0);
            assert_eq!(turned.fastest, plain.fastest);
            let flip = corner == 1 || corner == 2;
            assert_eq!(turned.structure, rotate(11, &plain.structure, flip));
            for ch in 0..2 {
                assert_eq!(
                    turned.cue_channel(ch),
                    rotate(11, plain.cue_channel(ch), flip)
                );
            }
            // The rotated H lies on its side: rows 1 and 9 and the middle column are path.
            for k in 1..10 {
                assert!(turned.is_path((1, k)) && turned.is_path((9, k)) && turned.is_path((k, 5)));
            }
        }
    }
}

#[test]
fn generation_is_reproducible_from_the_seed() {
    for cfg in [
        MazeConfig {
            maze_noise: 0.1,
            cue_sparsity: 0.2,
            wall_sparsity: 0.2,
            ..MazeConfig::default()
        },
        MazeConfig {
            maze_noise: 0.1,
            ..track(11, 1)
        },
        h_maze(11, 1),
    ] {
        assert_eq!(generate(&cfg, 40, 5), generate(&cfg, 40, 5));
        assert_ne!(generate(&cfg, 40, 5), generate(&cfg, 40, 6));
    }
}

#[test]
fn draws_per_maze_do_not_depend_on_the_batch_around_them() {
    // General mazes are i.i.d.: a batch of 3 equals three batches of 1 from one stream.
    let cfg = MazeConfig::default();
    let mut a = rng(11);
    let batch = cfg.generate(3, &mut a).unwrap();
    let mut b = rng(11);
    let singles: Vec<Maze> = (0..3)
        .flat_map(|_| cfg.generate(1, &mut b).unwrap())
        .collect();
    assert_eq!(batch, singles);
    assert_eq!(a.random::<u64>(), b.random::<u64>());
}

/// The in-place path the training loop uses gives `generate`'s mazes and draws, with one set
/// of buffers reused across sizes, quirks, wall and cue sparsity and noise (stale contents of
/// larger and smaller mazes included).
#[test]
fn generate_into_matches_generate_with_reused_buffers() {
    let mut mazes = Vec::new();
    let mut scratch = DistanceScratch::default();
    let mut count = 0;
    for size in [11usize, 5, 9, 13, 7] {
        for quirks in [MazeQuirks::default(), QUIRKS_OFF] {
            for (wall, cue, noise) in [
                (0.0, 0.0, 0.0),
                (0.1, 0.1, 0.0),
                (0.5, 0.0, 0.2),
                (1.0, 0.3, 0.1),
            ] {
                let mut cfg = general(size, wall, quirks);
                cfg.cue_sparsity = cue;
                cfg.maze_noise = noise;
                let mut a = rng(size as u64 * 97 + count as u64);
                let mut b = a.clone();
                for batch in [60, 35, 100] {
                    let fresh = cfg.generate(batch, &mut a).unwrap();
                    cfg.generate_into(batch, &mut b, &mut mazes, &mut scratch)
                        .unwrap();
                    assert_eq!(fresh, mazes, "{cfg:?}");
                    count += batch;
                }
                assert_eq!(a.random::<u64>(), b.random::<u64>(), "streams in step");
            }
        }
    }
    assert!(count > 7_000, "{count} mazes");
}

/// A batch can be replayed maze by maze: recording the stream where each build begins, or
/// the default general maze's sketch, and rebuilding from it (in any order, into one reused
/// maze, across kinds) gives `generate`'s mazes — what training does to avoid keeping its
/// batches.
#[test]
fn build_into_from_recorded_states_replays_generate() {
    let mut sparse = general(11, 0.2, QUIRKS_OFF);
    sparse.cue_sparsity = 0.1;
    sparse.maze_noise = 0.1;
    let mut noisy_track = track(11, 1);
    noisy_track.maze_noise = 0.2;
    let cfgs = [
        general(9, 0.0, MazeQuirks::default()),
        sparse,
        noisy_track,
        h_maze(11, 1),
    ];
    let mut maze = Maze::blank();
    let mut scratch = DistanceScratch::default();
    for (k, cfg) in cfgs.iter().enumerate() {
        let batch = 40;
        let mut a = rng(31 + k as u64);
        let mut b = a.clone();
        let fresh = cfg.generate(batch, &mut a).unwrap();
        let mut recorded = Vec::new();
        for layout in cfg.plan(batch, &mut b).unwrap() {
            let at = b.clone();
            let sketch = cfg.skip(layout, &mut b, &mut maze, &mut scratch).unwrap();
            // A sketch exactly for the default general maze.
            assert_eq!(sketch.is_some(), k == 0, "{cfg:?}");
            recorded.push((layout, at, sketch));
        }
        assert_eq!(
            a.random::<u64>(),
            b.random::<u64>(),
            "{cfg:?}: streams in step"
        );
        for i in (0..batch).rev().step_by(3).chain(0..batch) {
            let (layout, at, sketch) = &recorded[i];
            cfg.build_into(*layout, &mut at.clone(), &mut maze, &mut scratch)
                .unwrap();
            assert_eq!(maze, fresh[i], "{cfg:?}: maze {i}");
            if let Some(sketch) = sketch {
                // Into a maze left by another build: every field overwritten.
                cfg.build_sketch(sketch, &mut maze);
                assert_eq!(maze, fresh[i], "{cfg:?}: maze {i} from its sketch");
            }
        }
    }
}

/// `skip` leaves the stream where building leaves it, maze after maze, for every kind of
/// general maze (the size-9 draws-only path with both quirk settings, and the built ones),
/// and a sketch it returns builds the same maze.
#[test]
fn skip_draws_what_build_draws() {
    let mut maze = Maze::blank();
    let mut scratch = DistanceScratch::default();
    for size in [9usize, 7, 11] {
        for quirks in [MazeQuirks::default(), QUIRKS_OFF] {
            for (wall, cue, noise) in [(0.0, 0.0, 0.0), (0.1, 0.0, 0.0), (0.0, 0.2, 0.1)] {
                let mut cfg = general(size, wall, quirks);
                cfg.cue_sparsity = cue;
                cfg.maze_noise = noise;
                let mut a = rng(size as u64 + 1000);
                let mut b = a.clone();
                for _ in 0..500 {
                    cfg.build_into(Layout::General, &mut a, &mut maze, &mut scratch)
                        .unwrap();
                    let built = maze.clone();
                    let sketch = cfg
                        .skip(Layout::General, &mut b, &mut maze, &mut scratch)
                        .unwrap();
                    assert_eq!(a, b, "{cfg:?}");
                    if let Some(sketch) = sketch {
                        cfg.build_sketch(&sketch, &mut maze);
                        assert_eq!(maze, built, "{cfg:?}: from its sketch");
                    }
                }
            }
        }
    }
}

/// Generation's unchecked fill (distance map, greedy walk, cues) agrees with the checked
/// [`from_structure`] on the generated structure, start and goal.
#[test]
fn generated_general_mazes_equal_from_structure() {
    let mut count = 0;
    for size in [5usize, 7, 9, 11, 13] {
        for quirks in [MazeQuirks::default(), QUIRKS_OFF] {
            for wall in [0.0, 0.1, 0.4, 1.0] {
                let cfg = general(size, wall, quirks);
                for maze in generate(&cfg, 200, 7 + size as u64) {
                    let oracle = from_structure(
                        size,
                        cfg.n_channels,
                        maze.structure.clone(),
                        maze.start,
                        maze.goal,
                        quirks.relabel_distances,
                    )
                    .unwrap();
                    assert_eq!(maze, oracle, "{cfg:?}");
                    count += 1;
                }
            }
        }
    }
    assert!(count >= 8_000, "{count} mazes");
}
