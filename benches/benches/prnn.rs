//! The pRNN kernels, f32, one core. Throughput in elements = **network-steps**.
//!
//! - `prnn_step/{reference,population}/{shape}`: one forward step (no record) of 8 networks —
//!   the reference runs them one after another, the population kernel as one population
//!   step. `h8_mixed`: 8 hidden units, 8 different architectures (feedforward and fully
//!   recurrent among them). `h8_full` / `h8_ff`: all 8 fully recurrent / feedforward (a
//!   population of one architecture). `h34_ff`: the parameter-matched feedforward net, the
//!   only 34-unit architecture of the study.
//! - `prnn_step_probe/{separate,fused}/h8_full`: a recorded step plus the greedy probe (same
//!   input, own jitter) of 8 networks — two population steps, or one
//!   `population_step_record_probe` sharing everything before the jitter.
//! - `prnn_step_target/{separate,sibling}/h8_full`: a recorded step with the greedy probe
//!   plus a Q-target step from the same state (own input and jitter) — the fused step and a
//!   population step, or `population_step_record_recurrent` keeping the recurrent sums and
//!   `population_step_sibling` computing only the terms that wait for the input.
//! - `prnn_backward/{reference,population}/h8_mixed_t20`: BPTT over a 20-step episode of 8
//!   networks (160 network-steps).
//! - `prnn_softmax_exp/{shared_f32x8,libm_per_lane}`: the 5 × 8 exponentials of one
//!   population softmax, as the kernel runs them and with `f32::exp` lane by lane (the
//!   alternative to the shared exp); elements = exponentials.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::hint::black_box;
use std::time::Duration;
use wiring_kernels::prnn::{
    self, backward_scratch, population_backward, population_backward_scratch, population_forward,
    population_step, population_step_record, population_step_record_probe,
    population_step_record_recurrent, population_step_sibling, scatter_lane, scatter_params,
    softmax_exp_lanes, Block, PrnnDims, PrnnMask, PrnnNet, POPULATION_LANES as L,
};

fn mask(bits: u8) -> PrnnMask {
    PrnnMask::from_flags(core::array::from_fn(|p| (bits >> (6 - p)) & 1 == 1))
}

/// Eight networks of `dims` with the given masks (spec init), a population of them, and a
/// mid-episode state in both layouts.
struct Setup {
    dims: PrnnDims,
    masks: [PrnnMask; L],
    params: Vec<Vec<f32>>,
    pop_params: Vec<f32>,
    x: Vec<f32>,
    u: Vec<f32>,
}

impl Setup {
    fn new(dims: PrnnDims, masks: [PrnnMask; L], steps: usize) -> Self {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(dims.n_hidden as u64);
        let mut pop_params = vec![0.0f32; dims.param_len() * L];
        let params: Vec<Vec<f32>> = (0..L)
            .map(|l| {
                let mut p = vec![0.0f32; dims.param_len()];
                for block in Block::ALL {
                    if masks[l].has(block) {
                        let k = 1.0 / (dims.layer_len(block.from_layer()) as f32).sqrt();
                        for w in &mut p[dims.block_range(block)] {
                            *w = rng.random_range(-k..k);
                        }
                    }
                }
                let net = PrnnNet {
                    dims,
                    mask: masks[l],
                    params: &p,
                };
                scatter_params(net, l, &mut pop_params).unwrap();
                p
            })
            .collect();
        let x = (0..steps * dims.n_in * L)
            .map(|_| rng.random::<f32>())
            .collect();
        let u = (0..steps * dims.n_out * L)
            .map(|_| rng.random::<f32>() / 1000.0)
            .collect();
        Self {
            dims,
            masks,
            params,
            pop_params,
            x,
            u,
        }
    }

    fn net(&self, l: usize) -> PrnnNet<'_, f32> {
        PrnnNet {
            dims: self.dims,
            mask: self.masks[l],
            params: &self.params[l],
        }
    }

    /// Lane `l`'s `[steps][len]` vector out of an interleaved `[steps][len][L]` one.
    fn lane(pop: &[f32], l: usize) -> Vec<f32> {
        pop.iter().skip(l).step_by(L).copied().collect()
    }
}

fn mixed() -> [PrnnMask; L] {
    [
        0b0000000, 0b1111111, 0b1000000, 0b0100000, 0b0011000, 0b0000111, 0b1011010, 0b0100101,
    ]
    .map(mask)
}

fn bench_step(c: &mut Criterion) {
    let mut g = c.benchmark_group("prnn_step");
    g.throughput(Throughput::Elements(L as u64));
    let cases = [
        ("h8_mixed", PrnnDims::study(8), mixed()),
        ("h8_full", PrnnDims::study(8), [PrnnMask::FULL; L]),
        ("h8_ff", PrnnDims::study(8), [PrnnMask::FEEDFORWARD; L]),
        ("h34_ff", PrnnDims::study(34), [PrnnMask::FEEDFORWARD; L]),
    ];
    for (name, dims, masks) in cases {
        // State after one step from zero, so every pathway carries non-zero values.
        let s = Setup::new(dims, masks, 2);
        let sl = dims.state_len();
        let mut rec = vec![0.0f32; 2 * dims.record_len() * L];
        let zero = vec![0.0f32; sl * L];
        population_forward(dims, &masks, &s.pop_params, 2, &zero, &s.x, &s.u, &mut rec).unwrap();
        let pop_prev = rec[..sl * L].to_vec();
        let (xl, ul) = (dims.n_in * L, dims.n_out * L);
        let (pop_x, pop_u) = (&s.x[xl..2 * xl], &s.u[ul..2 * ul]);
        let prev: Vec<Vec<f32>> = (0..L).map(|l| Setup::lane(&pop_prev, l)).collect();
        let x: Vec<Vec<f32>> = (0..L).map(|l| Setup::lane(pop_x, l)).collect();
        let u: Vec<Vec<f32>> = (0..L).map(|l| Setup::lane(pop_u, l)).collect();

        let mut next = vec![0.0f32; sl];
        g.bench_function(BenchmarkId::new("reference", name), |b| {
            b.iter(|| {
                for l in 0..L {
                    prnn::step(s.net(l), black_box(&prev[l]), &x[l], &u[l], &mut next).unwrap();
                }
                black_box(&next);
            })
        });
        let mut pop_next = vec![0.0f32; sl * L];
        g.bench_function(BenchmarkId::new("population", name), |b| {
            b.iter(|| {
                population_step(
                    dims,
                    &masks,
                    &s.pop_params,
                    black_box(&pop_prev),
                    pop_x,
                    pop_u,
                    &mut pop_next,
                )
                .unwrap();
                black_box(&pop_next);
            })
        });
    }
    g.finish();
}

fn bench_step_probe(c: &mut Criterion) {
    let mut g = c.benchmark_group("prnn_step_probe");
    g.throughput(Throughput::Elements(L as u64));
    let (dims, masks) = (PrnnDims::study(8), [PrnnMask::FULL; L]);
    let s = Setup::new(dims, masks, 2);
    let (sl, rl) = (dims.state_len(), dims.record_len());
    let zero = vec![0.0f32; sl * L];
    let mut rec = vec![0.0f32; 2 * rl * L];
    population_forward(dims, &masks, &s.pop_params, 2, &zero, &s.x, &s.u, &mut rec).unwrap();
    let prev = rec[..sl * L].to_vec();
    let (xl, ul) = (dims.n_in * L, dims.n_out * L);
    let (x, u, u_probe) = (&s.x[xl..2 * xl], &s.u[ul..2 * ul], &s.u[..ul]);
    let mut record = vec![0.0f32; rl * L];
    let mut next = vec![0.0f32; sl * L];
    let mut probe = vec![0.0f32; ul];
    g.bench_function(BenchmarkId::new("separate", "h8_full"), |b| {
        b.iter(|| {
            population_step(
                dims,
                &masks,
                &s.pop_params,
                black_box(&prev),
                x,
                u_probe,
                &mut next,
            )
            .unwrap();
            population_step_record(dims, &masks, &s.pop_params, &prev, x, u, &mut record).unwrap();
            black_box((&next, &record));
        })
    });
    g.bench_function(BenchmarkId::new("fused", "h8_full"), |b| {
        b.iter(|| {
            population_step_record_probe(
                dims,
                &masks,
                &s.pop_params,
                black_box(&prev),
                x,
                u,
                u_probe,
                &mut record,
                &mut probe,
            )
            .unwrap();
            black_box((&probe, &record));
        })
    });
    g.finish();
}

fn bench_step_target(c: &mut Criterion) {
    let mut g = c.benchmark_group("prnn_step_target");
    g.throughput(Throughput::Elements(L as u64));
    let (dims, masks) = (PrnnDims::study(8), [PrnnMask::FULL; L]);
    let s = Setup::new(dims, masks, 3);
    let (sl, rl) = (dims.state_len(), dims.record_len());
    let zero = vec![0.0f32; sl * L];
    let mut rec = vec![0.0f32; 3 * rl * L];
    population_forward(dims, &masks, &s.pop_params, 3, &zero, &s.x, &s.u, &mut rec).unwrap();
    let prev = rec[..sl * L].to_vec();
    let (xl, ul) = (dims.n_in * L, dims.n_out * L);
    let (x, u, u_probe) = (&s.x[xl..2 * xl], &s.u[ul..2 * ul], &s.u[..ul]);
    let (x_target, u_target) = (&s.x[2 * xl..3 * xl], &s.u[2 * ul..3 * ul]);
    let mut record = vec![0.0f32; rl * L];
    let mut probe = vec![0.0f32; ul];
    let mut target = vec![0.0f32; sl * L];
    let mut recurrent = vec![0.0f32; sl * L];
    g.bench_function(BenchmarkId::new("separate", "h8_full"), |b| {
        b.iter(|| {
            population_step(
                dims,
                &masks,
                &s.pop_params,
                black_box(&prev),
                x_target,
                u_target,
                &mut target,
            )
            .unwrap();
            population_step_record_probe(
                dims,
                &masks,
                &s.pop_params,
                &prev,
                x,
                u,
                u_probe,
                &mut record,
                &mut probe,
            )
            .unwrap();
            black_box((&target, &probe, &record));
        })
    });
    g.bench_function(BenchmarkId::new("sibling", "h8_full"), |b| {
        b.iter(|| {
            population_step_record_recurrent(
                dims,
                &masks,
                &s.pop_params,
                black_box(&prev),
                x,
                u,
                Some((u_probe, &mut probe)),
                &mut record,
                &mut recurrent,
            )
            .unwrap();
            population_step_sibling(
                dims,
                &masks,
                &s.pop_params,
                &recurrent,
                x_target,
                u_target,
                &mut target,
            )
            .unwrap();
            black_box((&target, &probe, &record));
        })
    });
    g.finish();
}

fn bench_backward(c: &mut Criterion) {
    let mut g = c.benchmark_group("prnn_backward");
    let steps = 20;
    g.throughput(Throughput::Elements((L * steps) as u64));
    let dims = PrnnDims::study(8);
    let masks = mixed();
    let s = Setup::new(dims, masks, steps);
    let (sl, rl, pl) = (dims.state_len(), dims.record_len(), dims.param_len());
    let zero = vec![0.0f32; sl * L];
    let mut pop_rec = vec![0.0f32; steps * rl * L];
    population_forward(
        dims,
        &masks,
        &s.pop_params,
        steps,
        &zero,
        &s.x,
        &s.u,
        &mut pop_rec,
    )
    .unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    let mut pop_dout = vec![0.0f32; steps * dims.n_out * L];
    for l in 0..L {
        // Q-learning: one non-zero entry (the taken action) per step.
        let mut d = vec![0.0f32; steps * dims.n_out];
        for t in 0..steps {
            d[t * dims.n_out + rng.random_range(0..dims.n_out)] = rng.random_range(-1.0..1.0);
        }
        scatter_lane(l, &d, &mut pop_dout).unwrap();
    }
    let rec: Vec<Vec<f32>> = (0..L).map(|l| Setup::lane(&pop_rec, l)).collect();
    let dout: Vec<Vec<f32>> = (0..L).map(|l| Setup::lane(&pop_dout, l)).collect();
    let label = format!("h8_mixed_t{steps}");

    let mut grads = vec![vec![0.0f32; pl]; L];
    let mut scratch = vec![0.0f32; backward_scratch(dims)];
    g.bench_function(BenchmarkId::new("reference", &label), |b| {
        b.iter(|| {
            for l in 0..L {
                prnn::backward(
                    s.net(l),
                    steps,
                    &zero[..sl],
                    black_box(&rec[l]),
                    &dout[l],
                    &mut grads[l],
                    &mut scratch,
                )
                .unwrap();
            }
            black_box(&grads);
        })
    });
    let mut pop_grads = vec![0.0f32; pl * L];
    let mut pop_scratch = vec![0.0f32; population_backward_scratch(dims, steps)];
    g.bench_function(BenchmarkId::new("population", &label), |b| {
        b.iter(|| {
            population_backward(
                dims,
                &masks,
                &s.pop_params,
                steps,
                &zero,
                black_box(&pop_rec),
                &pop_dout,
                &mut pop_grads,
                &mut pop_scratch,
            )
            .unwrap();
            black_box(&pop_grads);
        })
    });
    g.finish();
}

fn bench_exp(c: &mut Criterion) {
    let mut g = c.benchmark_group("prnn_softmax_exp");
    g.throughput(Throughput::Elements((5 * L) as u64));
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    let z: [[f32; L]; 5] =
        core::array::from_fn(|_| core::array::from_fn(|_| rng.random_range(-10.0f32..0.0)));
    g.bench_function("shared_f32x8", |b| {
        b.iter(|| black_box(black_box(&z).map(softmax_exp_lanes)))
    });
    g.bench_function("libm_per_lane", |b| {
        b.iter(|| black_box(black_box(&z).map(|v| v.map(f32::exp))))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    targets = bench_step, bench_step_probe, bench_step_target, bench_backward, bench_exp
}
criterion_main!(benches);
