//! The device mazes (`kernels/cuda/maze.cuh`, through the check kernels of `maze.cu` and the
//! wrappers of `wiring_tasks::maze::cuda`) against the CPU's, bit for bit: every maze's
//! structure, cue bits, distance map, dmax, start, goal, fastest solution and layout, and where
//! every stream ends, for each kind and knob; the training source over several batches; the
//! agent's sensing, progress and moves; and the draws of `rng.cuh` against `rand`. Each check
//! runs on the emulated device (the same `.cu` sources as host C++) and, where a GPU opens
//! (built with `--features wiring-kernels/cuda`), on it; elsewhere that test says why it
//! skipped.

use rand::{Rng, RngCore, SeedableRng};
use rand_distr::StandardNormal;
use rand_xoshiro::Xoshiro256PlusPlus;
use wiring_kernels::device::{CudaDevice, Device, EmulatedDevice};
use wiring_kernels::lanes::{box_muller_x8, ziggurat_tables, Lanes8, LANES};
use wiring_tasks::maze::cuda::{
    agent_on, generate_on, rng_draws_on, stream, stream_state, DeviceMazeError, DeviceMazeSource,
    StreamState,
};
use wiring_tasks::maze::{
    sense, sense_lanes, step, Action, Cell, DistanceScratch, Maze, MazeConfig, MazeError, MazeKind,
    MazeQuirks,
};

/// Streams per check: eight, so that a check covers both a full warp's worth of divergent
/// threads on a GPU and the lanes of `sense_lanes`.
const STREAMS: usize = 8;

fn seeds(base: u64) -> [u64; STREAMS] {
    core::array::from_fn(|p| base.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (1000 + p as u64))
}

fn states(base: u64) -> Vec<StreamState> {
    seeds(base).iter().map(|&s| stream_state(s)).collect()
}

/// `a` and `b` are the same maze, cue bits included.
fn assert_same(got: &Maze, want: &Maze, what: &str) {
    let bits = |m: &Maze| m.cues.iter().map(|c| c.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(got), bits(want), "{what}: cues");
    let without_cues = |m: &Maze| Maze {
        cues: Vec::new(),
        ..m.clone()
    };
    assert_eq!(without_cues(got), without_cues(want), "{what}");
}

fn general(size: usize) -> MazeConfig {
    MazeConfig::of_kind(MazeKind::General { size, n_steps: 20 })
}

/// `count` mazes of `config` per stream by `generate_on` equal `MazeConfig::generate` from
/// the same stream, and every stream ends where the CPU's does.
fn generate_matches<D: Device>(dev: &mut D, config: &MazeConfig, count: usize, seed: u64) {
    let mut st = states(seed);
    let start = st.clone();
    let got = generate_on(dev, config, count, &mut st).expect("generate_on");
    for (p, (batch, s)) in got.iter().zip(&start).enumerate() {
        let mut cpu = stream(*s);
        let want = config.generate(count, &mut cpu).expect("generate");
        assert_eq!(batch.len(), want.len());
        for (k, (g, w)) in batch.iter().zip(&want).enumerate() {
            assert_same(g, w, &format!("{config:?}: stream {p} maze {k}"));
        }
        assert_eq!(stream(st[p]), cpu, "{config:?}: stream {p} ends elsewhere");
    }
}

fn general_configs() -> Vec<(MazeConfig, usize)> {
    let off = |last_cell_closed, relabel_distances| MazeConfig {
        quirks: MazeQuirks {
            last_cell_closed,
            relabel_distances,
        },
        ..MazeConfig::default()
    };
    vec![
        (MazeConfig::default(), 150),
        (off(false, true), 100),
        (off(true, false), 100),
        (off(false, false), 100),
        (
            MazeConfig {
                wall_sparsity: 0.3,
                ..MazeConfig::default()
            },
            100,
        ),
        (
            MazeConfig {
                cue_sparsity: 0.4,
                ..MazeConfig::default()
            },
            100,
        ),
        (
            MazeConfig {
                maze_noise: 0.1,
                ..MazeConfig::default()
            },
            100,
        ),
        (general(5), 100),
        (general(7), 100),
        (general(11), 100),
        (general(13), 60),
        (general(15), 60),
        (
            MazeConfig {
                maze_noise: 0.1,
                cue_sparsity: 0.4,
                wall_sparsity: 0.3,
                quirks: MazeQuirks {
                    last_cell_closed: false,
                    relabel_distances: true,
                },
                ..general(15)
            },
            60,
        ),
        (
            MazeConfig {
                maze_noise: 0.1,
                wall_sparsity: 0.8,
                ..general(11)
            },
            60,
        ),
    ]
}

fn general_mazes_match<D: Device>(mk: &dyn Fn() -> D) {
    for (i, (config, count)) in general_configs().iter().enumerate() {
        generate_matches(&mut mk(), config, *count, 10 + i as u64);
    }
}

#[test]
fn general_mazes_equal_the_cpus_bit_for_bit() {
    general_mazes_match(&EmulatedDevice::new);
}

fn track(size: usize, gaps: usize, maze_noise: f64) -> MazeConfig {
    MazeConfig {
        maze_noise,
        ..MazeConfig::of_kind(MazeKind::Track {
            size,
            n_steps: 6,
            gaps,
        })
    }
}

fn h(size: usize, gaps: usize) -> MazeConfig {
    MazeConfig::of_kind(MazeKind::H {
        size,
        n_steps: 14,
        gaps,
    })
}

fn track_and_h_mazes_match<D: Device>(mk: &dyn Fn() -> D) {
    let configs = [
        track(11, 0, 0.0),
        track(11, 1, 0.0),
        track(11, 3, 0.0),
        track(11, 1, 0.1),
        track(11, 3, 0.1),
        track(5, 0, 0.1),
        track(15, 2, 0.1),
        h(11, 0),
        h(11, 1),
        h(13, 0),
        h(13, 1),
        h(5, 0),
        h(15, 5),
    ];
    for (i, config) in configs.iter().enumerate() {
        // Batches of 100 (25 per H corner), shuffled balanced choices included.
        generate_matches(&mut mk(), config, 100, 40 + i as u64);
    }
}

#[test]
fn track_and_h_mazes_equal_the_cpus_bit_for_bit() {
    track_and_h_mazes_match(&EmulatedDevice::new);
}

/// The CPU's training source (model `prnn::train::mazes::MazeSource`), from public APIs: plan
/// a batch, per maze remember the stream where its build begins and skip it (a default general
/// maze keeps its sketch instead), shuffle the plan with `random_range(0..=i)`, then rebuild
/// the mazes in plan order.
struct CpuSource {
    config: MazeConfig,
    batch: usize,
    rng: Xoshiro256PlusPlus,
    plan: Vec<Planned>,
    next: usize,
    maze: Maze,
    scratch: DistanceScratch,
}

enum Planned {
    Sketch(wiring_tasks::maze::MazeSketch),
    Stream(wiring_tasks::maze::Layout, Xoshiro256PlusPlus),
}

impl CpuSource {
    fn next_maze(&mut self) -> Maze {
        if self.next == self.plan.len() {
            self.plan.clear();
            for layout in self.config.plan(self.batch, &mut self.rng).expect("plan") {
                let at = self.rng.clone();
                let sketch = self
                    .config
                    .skip(layout, &mut self.rng, &mut self.maze, &mut self.scratch)
                    .expect("skip");
                self.plan.push(match sketch {
                    Some(s) => Planned::Sketch(s),
                    None => Planned::Stream(layout, at),
                });
            }
            for i in (1..self.plan.len()).rev() {
                let j = self.rng.random_range(0..=i);
                self.plan.swap(i, j);
            }
            self.next = 0;
        }
        match &self.plan[self.next] {
            Planned::Sketch(s) => self.config.build_sketch(s, &mut self.maze),
            Planned::Stream(layout, at) => self
                .config
                .build_into(*layout, &mut at.clone(), &mut self.maze, &mut self.scratch)
                .expect("build_into"),
        }
        self.next += 1;
        self.maze.clone()
    }
}

fn sources_match<D: Device>(mk: &dyn Fn() -> D) {
    // (config, batch, mazes per launch): two launches that end mid-batch, over more than two
    // batches in all.
    let cases = [
        (MazeConfig::default(), 40, [70, 45]),
        (
            MazeConfig {
                maze_noise: 0.1,
                cue_sparsity: 0.2,
                ..general(11)
            },
            24,
            [60, 50],
        ),
        (
            MazeConfig {
                wall_sparsity: 0.3,
                ..MazeConfig::default()
            },
            16,
            [50, 45],
        ),
        (track(11, 1, 0.1), 20, [55, 50]),
        (track(11, 1, 0.0), 10, [45, 40]),
        (h(11, 1), 16, [50, 46]),
        (MazeConfig::default(), 1, [3, 2]),
    ];
    for (i, (config, batch, launches)) in cases.iter().enumerate() {
        let mut dev = mk();
        let start = states(70 + i as u64);
        let mut source = DeviceMazeSource::new(&mut dev, config, *batch, &start).expect("source");
        let mut cpu: Vec<CpuSource> = start
            .iter()
            .map(|&s| CpuSource {
                config: *config,
                batch: *batch,
                rng: stream(s),
                plan: Vec::new(),
                next: 0,
                maze: Maze::blank(),
                scratch: DistanceScratch::default(),
            })
            .collect();
        let mut k = 0;
        for &count in launches {
            let got = source.next_mazes(&mut dev, count).expect("next_mazes");
            for (p, (mazes, cpu)) in got.iter().zip(&mut cpu).enumerate() {
                for (j, g) in mazes.iter().enumerate() {
                    let what = format!("{config:?} batch {batch}: stream {p} maze {}", k + j);
                    assert_same(g, &cpu.next_maze(), &what);
                }
            }
            k += count;
        }
        let ends = source.states(&mut dev).expect("states");
        for (p, (end, cpu)) in ends.iter().zip(&cpu).enumerate() {
            assert_eq!(
                stream(*end),
                cpu.rng,
                "{config:?}: stream {p} ends elsewhere"
            );
        }
    }
}

#[test]
fn maze_sources_equal_the_cpus_training_source() {
    sources_match(&EmulatedDevice::new);
}

fn agent_matches<D: Device>(mk: &dyn Fn() -> D) {
    // Mazes with noisy cues (so that the clip bites at both ends with σ = 3), one per stream,
    // and 1 500 cells per stream: interior path cells mostly, some interior walls.
    let configs = [
        MazeConfig {
            maze_noise: 0.1,
            ..MazeConfig::default()
        },
        track(11, 1, 0.1),
        h(13, 1),
        MazeConfig {
            wall_sparsity: 0.3,
            ..general(15)
        },
    ];
    let mut draws = 0;
    for (i, config) in configs.iter().enumerate() {
        let mut walk = Xoshiro256PlusPlus::seed_from_u64(90 + i as u64);
        let mazes = config
            .generate(4 * STREAMS, &mut walk)
            .expect("generate")
            .into_iter()
            .step_by(4)
            .collect::<Vec<_>>();
        let cells: Vec<Vec<Cell>> = mazes
            .iter()
            .map(|m| {
                let n = m.size;
                let interior: Vec<Cell> = (1..n - 1)
                    .flat_map(|r| (1..n - 1).map(move |c| (r, c)))
                    .collect();
                let path: Vec<Cell> = interior.iter().copied().filter(|&c| m.is_path(c)).collect();
                (0..1500)
                    .map(|k| {
                        let from = if k % 5 == 4 { &interior } else { &path };
                        from[walk.random_range(0..from.len())]
                    })
                    .collect()
            })
            .collect();
        for sigma in [0.05f32, 0.0, 3.0] {
            let seed = seeds(100 + i as u64);
            let mut st: Vec<StreamState> = seed.iter().map(|&s| stream_state(s)).collect();
            let got = agent_on(&mut mk(), &mazes, &cells, sigma, &mut st).expect("agent_on");
            // Lane by lane with `sense`, and all lanes at once with `sense_lanes`.
            let mut one: Vec<Xoshiro256PlusPlus> =
                seed.iter().map(|&s| stream(stream_state(s))).collect();
            let mut lanes = Lanes8::from_seeds(seed);
            let refs: Vec<&Maze> = mazes.iter().collect();
            for k in 0..1500 {
                let pos: Vec<Cell> = cells.iter().map(|c| c[k]).collect();
                let mut all = [[f32::NAN; LANES]; 8];
                sense_lanes(&refs, &pos, sigma, 0xff, &mut lanes, &mut all).expect("sense_lanes");
                for p in 0..STREAMS {
                    let (maze, cell) = (&mazes[p], pos[p]);
                    let what = format!("{config:?} σ {sigma}: stream {p} cell {k} {cell:?}");
                    let mut want = [0.0f32; 8];
                    sense(maze, cell, sigma, [true, true], &mut one[p], &mut want).expect("sense");
                    let g = got[p].inputs[k].map(f32::to_bits);
                    assert_eq!(g, want.map(f32::to_bits), "{what}: sense");
                    let lane: [f32; 8] = core::array::from_fn(|e| all[e][p]);
                    assert_eq!(g, lane.map(f32::to_bits), "{what}: sense_lanes");
                    assert_eq!(
                        got[p].progress[k].to_bits(),
                        maze.progress(cell).to_bits(),
                        "{what}: progress"
                    );
                    let moves = Action::ALL.map(|a| step(maze, cell, a));
                    assert_eq!(got[p].moves[k], moves, "{what}: moves");
                }
                draws += if sigma == 0.0 { 0 } else { 4 * STREAMS };
            }
            for (p, rng) in one.iter().enumerate() {
                assert_eq!(
                    stream(st[p]),
                    *rng,
                    "{config:?} σ {sigma}: stream {p} ends elsewhere"
                );
            }
        }
    }
    assert!(draws >= 10_000, "{draws} noise words");
}

#[test]
fn sensing_progress_and_moves_equal_the_cpus_bit_for_bit() {
    agent_matches(&EmulatedDevice::new);
}

fn rng_draws_match<D: Device>(mk: &dyn Fn() -> D) {
    // Range lengths: the shuffles' i + 1 up to 400, powers of two and their neighbours (where
    // Canon's second draw and its carry happen most), and the largest u32.
    let mut walk = Xoshiro256PlusPlus::seed_from_u64(7);
    let special = [
        1u32,
        2,
        3,
        4,
        5,
        7,
        255,
        256,
        257,
        1 << 20,
        (1 << 31) + 1,
        u32::MAX - 1,
        u32::MAX,
    ];
    let n: Vec<u32> = (0..50_000)
        .map(|k| match k % 3 {
            0 => 1 + (k as u32 / 3) % 400,
            1 => special[(k / 3) % special.len()],
            _ => walk.random_range(1..=u32::MAX),
        })
        .collect();
    let mut st = states(5);
    let start = st.clone();
    let (draws, [x, f]) = rng_draws_on(&mut mk(), &n, &mut st).expect("rng_draws_on");
    let tables = ziggurat_tables();
    assert_eq!(
        x.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        tables.x.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        "ziggurat x"
    );
    assert_eq!(
        f.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        tables.f.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        "ziggurat f"
    );
    let mut tail = 0;
    for (p, (d, s)) in draws.iter().zip(&start).enumerate() {
        let mut cpu = stream(*s);
        for (k, &nk) in n.iter().enumerate() {
            // random_range(0..n) and random_range(0..=n − 1) draw alike (the same sampler).
            let (mut a, mut b) = (cpu.clone(), cpu.clone());
            let exclusive = a.random_range(0..nk as usize);
            let inclusive = b.random_range(0..=nk as usize - 1);
            assert_eq!(
                (exclusive, &a),
                (inclusive, &b),
                "n {nk}: 0..n and 0..=n−1 differ"
            );
            let below = cpu.random_range(0..=nk as usize - 1);
            assert_eq!(
                d.below[k] as usize, below,
                "stream {p} round {k}: below({nk})"
            );
            assert_eq!(
                d.f32s[k].to_bits(),
                cpu.random::<f32>().to_bits(),
                "stream {p} round {k}: f32"
            );
            assert_eq!(
                d.f64s[k].to_bits(),
                cpu.random::<f64>().to_bits(),
                "stream {p} round {k}: f64"
            );
            let z: f64 = cpu.sample(StandardNormal);
            assert_eq!(
                d.normals[k].to_bits(),
                z.to_bits(),
                "stream {p} round {k}: normal"
            );
            tail += usize::from(z.abs() > tables.r);
            let (z0, z1) = box_muller_x8([cpu.next_u64(), 0, 0, 0, 0, 0, 0, 0]);
            assert_eq!(
                (d.pairs[k].0.to_bits(), d.pairs[k].1.to_bits()),
                (z0[0].to_bits(), z1[0].to_bits()),
                "stream {p} round {k}: Box–Muller pair"
            );
        }
        assert_eq!(stream(st[p]), cpu, "stream {p} ends elsewhere");
    }
    println!("{tail} normal draws from the ziggurat's tail");
    assert!(tail >= 20, "the tail was not exercised: {tail}");
}

#[test]
fn rng_draws_equal_rands_bit_for_bit() {
    rng_draws_match(&EmulatedDevice::new);
}

#[test]
fn what_the_device_cannot_take_is_refused() {
    let mut dev = EmulatedDevice::new();
    let mut st = states(1);
    let big = general(17);
    assert_eq!(
        generate_on(&mut dev, &big, 4, &mut st),
        Err(DeviceMazeError::TooLarge { size: 17, max: 15 })
    );
    let three = MazeConfig {
        n_channels: 3,
        ..MazeConfig::default()
    };
    assert_eq!(
        generate_on(&mut dev, &three, 4, &mut st),
        Err(DeviceMazeError::Channels { n_channels: 3 })
    );
    assert_eq!(
        generate_on(&mut dev, &track(11, 1, 0.0), 5, &mut st),
        Err(DeviceMazeError::Maze(MazeError::TrackBatchOdd { batch: 5 }))
    );
    assert!(matches!(
        DeviceMazeSource::new(&mut dev, &h(11, 1), 6, &st),
        Err(DeviceMazeError::Maze(MazeError::HBatchNotQuarters {
            batch: 6
        }))
    ));
    assert!(matches!(
        DeviceMazeSource::new(&mut dev, &MazeConfig::default(), 0, &st),
        Err(DeviceMazeError::Zero { what: "batch" })
    ));
    let maze = MazeConfig::default()
        .generate(1, &mut Xoshiro256PlusPlus::seed_from_u64(1))
        .expect("generate")
        .remove(0);
    let mazes = vec![maze.clone(); STREAMS];
    let mut cells = vec![vec![(1, 1)]; STREAMS];
    cells[3] = vec![(0, 4)];
    assert_eq!(
        agent_on(&mut dev, &mazes, &cells, 0.05, &mut st),
        Err(DeviceMazeError::Position {
            stream: 3,
            cell: (0, 4),
            size: 9
        })
    );
    assert!(matches!(
        agent_on(&mut dev, &mazes[1..], &cells, 0.05, &mut st),
        Err(DeviceMazeError::Length { what: "mazes", .. })
    ));
    let mut short = mazes.clone();
    short[2].cues.pop();
    assert!(matches!(
        agent_on(
            &mut dev,
            &short,
            &vec![vec![(1, 1)]; STREAMS],
            0.05,
            &mut st
        ),
        Err(DeviceMazeError::Length {
            what: "maze.cues",
            ..
        })
    ));
    assert!(matches!(
        rng_draws_on(&mut dev, &[3, 0], &mut st),
        Err(DeviceMazeError::Zero { .. })
    ));
    // Nothing launched: every stream is where it started.
    assert_eq!(st, states(1));
    // Errors are one line naming what was wrong.
    let e = DeviceMazeError::TooLarge { size: 17, max: 15 }.to_string();
    assert!(e.contains("kind.size") && !e.contains('\n'), "{e}");
}

/// The GPU, or `None` with the reason printed (every machine without one, and every build
/// without `--features wiring-kernels/cuda`).
fn gpu() -> Option<CudaDevice> {
    match CudaDevice::open(0) {
        Ok(dev) => Some(dev),
        Err(e) => {
            println!("skipped on the GPU: {e}");
            None
        }
    }
}

#[test]
fn on_the_gpu_every_maze_check_passes() {
    // The checks above against cudarc on GPU 0, with the same CPU references. Bit for bit
    // there too, except that the ziggurat's rare slow path uses the device's f64 exp and log
    // (see rng.cuh): a draw within an ulp of a wedge's edge could differ.
    let Some(name) = gpu().map(|dev| dev.info().name.clone()) else {
        return;
    };
    println!("GPU: {name}");
    let open = || CudaDevice::open(0).expect("the GPU opened a moment ago");
    general_mazes_match(&open);
    track_and_h_mazes_match(&open);
    sources_match(&open);
    agent_matches(&open);
    rng_draws_match(&open);
}
