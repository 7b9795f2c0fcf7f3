//! `maze/generate/{general9,track11,h11}`: generating a batch of the study's mazes (default
//! configs: general 9 × 9, track 11 × 11, H 11 × 11, quirks on), reported in mazes per second;
//! `maze/generate_into/general9` the same general batches into reused buffers.
//! `maze/sense/{noise_free,sigma0.05}/general9`: one 8-input sensing call of the agent on every
//! path cell of a batch of general mazes, reported in sensing calls per second (the pRNN
//! training loop makes ~10⁷ per network); `maze/sense_lanes/{noise_free,sigma0.05}/general9` the same
//! senses eight lanes at a time from lockstep streams (as training does); `maze/step/general9`
//! likewise for moves.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::hint::black_box;
use std::time::Duration;
use wiring_tasks::maze::{
    sense, sense_lanes, step, Action, DistanceScratch, Lanes8, Maze, MazeConfig, MazeKind, LANES,
};

/// Mazes per generated batch (divisible by 4 for H mazes).
const BATCH: usize = 256;

fn bench_generate(c: &mut Criterion) {
    let mut g = c.benchmark_group("maze");
    g.throughput(Throughput::Elements(BATCH as u64));
    for (name, kind) in [
        ("general9", MazeKind::GENERAL),
        ("track11", MazeKind::TRACK),
        ("h11", MazeKind::H),
    ] {
        let cfg = MazeConfig::of_kind(kind);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        g.bench_function(format!("generate/{name}"), |b| {
            b.iter(|| cfg.generate(black_box(BATCH), &mut rng).unwrap())
        });
    }
    // Into reused buffers, as the training loop generates its batches.
    let cfg = MazeConfig::default();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let mut mazes = Vec::new();
    let mut scratch = DistanceScratch::default();
    g.bench_function("generate_into/general9", |b| {
        b.iter(|| {
            cfg.generate_into(black_box(BATCH), &mut rng, &mut mazes, &mut scratch)
                .unwrap()
        })
    });
    g.finish();
}

fn bench_agent(c: &mut Criterion) {
    let cfg = MazeConfig::default();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2);
    let mazes = cfg.generate(BATCH, &mut rng).unwrap();
    // Every (maze, path cell) pair: the positions an agent can stand on.
    let positions: Vec<(usize, (usize, usize))> = mazes
        .iter()
        .enumerate()
        .flat_map(|(m, maze)| {
            (0..maze.size * maze.size)
                .filter(|&i| maze.structure[i] == 1)
                .map(move |i| (m, (i / maze.size, i % maze.size)))
        })
        .collect();
    let mut g = c.benchmark_group("maze");
    g.throughput(Throughput::Elements(positions.len() as u64));
    for (variant, sigma) in [("noise_free", 0.0f32), ("sigma0.05", 0.05)] {
        g.bench_function(format!("sense/{variant}/general9"), |b| {
            let mut out = [0.0f32; 8];
            b.iter(|| {
                let mut acc = 0.0f32;
                for &(m, pos) in &positions {
                    sense(&mazes[m], pos, sigma, [true, true], &mut rng, &mut out).unwrap();
                    acc += out[0];
                }
                black_box(acc)
            })
        });
    }
    // The same senses eight lanes at a time (lane l at position k + l of the list), from
    // eight lockstep streams: throughput in sensed positions, comparable with the above.
    let mut lanes = Lanes8::from_seeds([1, 2, 3, 4, 5, 6, 7, 8]);
    for (variant, sigma) in [("noise_free", 0.0f32), ("sigma0.05", 0.05)] {
        g.bench_function(format!("sense_lanes/{variant}/general9"), |b| {
            let mut out = [[0.0f32; 8]; LANES];
            b.iter(|| {
                let mut acc = 0.0f32;
                for chunk in positions.chunks_exact(LANES) {
                    let mz: [&Maze; LANES] = core::array::from_fn(|l| &mazes[chunk[l].0]);
                    let pos: [(usize, usize); LANES] = core::array::from_fn(|l| chunk[l].1);
                    sense_lanes(&mz, &pos, sigma, 0xff, &mut lanes, &mut out).unwrap();
                    acc += out[0][0];
                }
                black_box(acc)
            })
        });
    }
    g.bench_function("step/general9", |b| {
        b.iter(|| {
            let mut acc = 0usize;
            for (k, &(m, pos)) in positions.iter().enumerate() {
                acc += step(&mazes[m], pos, Action::ALL[k % 5]).0;
            }
            black_box(acc)
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    targets = bench_generate, bench_agent
}
criterion_main!(benches);
