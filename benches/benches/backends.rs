//! CPU against GPU on the seRNN study's shapes (100 units, 50-step trials, batches of 128),
//! batched over a population of networks as the study trains them:
//!
//! - `batch/{backend}/{regulariser}/{networks}`: one training batch of every network of a
//!   population — forward, BPTT, regulariser gradient, Adam — on the CPU (one core, the
//!   networks one after another, as each of a study's threads does) and on the GPU (the
//!   [`DeviceEngine`], all networks in lockstep);
//! - `expm_adjoint/{backend}/{networks}`: the communicability's matrix exponential and its
//!   adjoint for every network (CPU: faer's Padé and the Taylor variant, one network after
//!   another; GPU: the batched Taylor method);
//! - `adam/{backend}/{networks}`: one Adam step of every parameter of every network.
//!
//! Throughput is `Throughput::Elements(flops)` (criterion's "elem/s" reads as flop/s) where the
//! work is counted, the same count on both backends so the rates compare as speed. Without a
//! GPU (or without the `cuda` feature) the GPU rows are skipped with the reason printed; the
//! prepared script `scripts/gpu-check.sh` runs this file on a lent GPU.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::hint::black_box;
use std::time::Duration;
use wiring_kernels::adam::{self, AdamParams, AdamVariant};
use wiring_kernels::device::{CudaDevice, Device};
use wiring_kernels::expm::{self, cuda::TaylorBatch, taylor, ExpmWorkspace};
use wiring_kernels::{rnn, Par};
use wiring_model::sernn::engine::{CpuEngine, DeviceEngine, SernnEngine};
use wiring_model::sernn::network::{readout_flops, BatchStats, Params};
use wiring_model::sernn::regulariser::Regulariser;
use wiring_model::sernn::{Recipe, RegulariserSpec, Space, TrainOptions};
use wiring_tasks::goal_choice::N_INPUTS;

/// The GPU, or `None` with the reason printed once.
fn gpu() -> Option<CudaDevice> {
    match CudaDevice::open(0) {
        Ok(d) => {
            eprintln!("GPU: {} ({:?})", d.info().name, d.info().fp32_peak_gflops);
            Some(d)
        }
        Err(e) => {
            eprintln!("GPU rows skipped: {e}");
            None
        }
    }
}

/// A population's parameters and one batch of inputs (the task's, with noise) per network.
fn population(p: usize, recipe: &Recipe) -> (Vec<Params<f32>>, Vec<f32>, Vec<u8>) {
    let mut r = Xoshiro256PlusPlus::seed_from_u64(p as u64);
    let n = recipe.n_hidden;
    let (steps, b) = (recipe.task.steps(), recipe.batch_size);
    let params = (0..p).map(|_| Params::init(n, &mut r)).collect();
    let mut x = vec![0.0f32; p * steps * b * N_INPUTS];
    let mut labels = Vec::with_capacity(p * b);
    for chunk in x.chunks_mut(steps * b * N_INPUTS) {
        let set = recipe.task.sample(&mut r, b, false);
        recipe.task.fill_inputs(&set.problems, chunk);
        labels.extend_from_slice(&set.labels);
    }
    (params, x, labels)
}

fn batch_flops(recipe: &Recipe, p: usize, reg: u64) -> u64 {
    let shape = rnn::RnnShape {
        steps: recipe.task.steps(),
        batch: recipe.batch_size,
        n_in: N_INPUTS,
        n_hidden: recipe.n_hidden,
    };
    let per = rnn::forward_flops(shape)
        + rnn::backward_flops(shape)
        + readout_flops(recipe.batch_size, recipe.n_hidden, true)
        + reg;
    per * p as u64
}

fn one_batch(engine: &mut impl SernnEngine, x: &[f32], labels: &[u8], t: &mut u64) {
    let p = engine.networks();
    let mut stats = vec![BatchStats::default(); p];
    let mut pens = vec![0.0; p];
    engine
        .task_gradient(black_box(x), labels, &mut stats)
        .expect("task gradient");
    engine.regulariser_gradient(&mut pens).expect("regulariser");
    *t += 1;
    engine.adam_step(&AdamParams::KERAS, *t).expect("adam");
}

fn bench_batch(c: &mut Criterion) {
    let recipe = Recipe::default();
    let space = Space::default();
    let n = recipe.n_hidden;
    let (steps, b) = (recipe.task.steps(), recipe.batch_size);
    let mut group = c.benchmark_group("batch");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    let has_gpu = gpu().is_some();
    for (name, spec) in [
        ("se", RegulariserSpec::se(0.05)),
        ("l1", RegulariserSpec::l1(0.05)),
    ] {
        for p in [1usize, 8, 64, 1001] {
            let (params, x, labels) = population(p, &recipe);
            let specs = vec![spec; p];
            // Regulariser flops from one CPU call (the Padé count; the GPU's Taylor does a
            // similar amount), the same figure for both backends.
            let mut reg = Regulariser::<f32>::new(spec, &space.distance(1.0), n).expect("reg");
            let mut g = vec![0.0f32; n * n];
            reg.penalty_and_gradient(&params[0].w_rec, &mut g)
                .expect("regulariser");
            group.throughput(Throughput::Elements(batch_flops(
                &recipe,
                p,
                reg.last_flops(),
            )));
            if p <= 8 {
                let regs = (0..p)
                    .map(|_| Regulariser::new(spec, &space.distance(1.0), n).expect("reg"))
                    .collect();
                let mut cpu = CpuEngine::new(TrainOptions::default().rnn, n, steps, b, regs);
                cpu.load(&params).expect("load");
                let mut t = 0;
                group.bench_function(BenchmarkId::new(format!("cpu/{name}"), p), |bn| {
                    bn.iter(|| one_batch(&mut cpu, &x, &labels, &mut t))
                });
            }
            if has_gpu {
                let dev = CudaDevice::open(0).expect("GPU");
                let mut engine =
                    DeviceEngine::new(dev, n, steps, b, &specs, &space).expect("engine");
                engine.load(&params).expect("load");
                let mut t = 0;
                group.bench_function(BenchmarkId::new(format!("cuda/{name}"), p), |bn| {
                    bn.iter(|| one_batch(&mut engine, &x, &labels, &mut t))
                });
                eprintln!(
                    "cuda/{name}/{p}: device memory peak {:.1} MiB",
                    engine.device().memory().peak as f64 / 1048576.0
                );
            }
        }
    }
    group.finish();
}

fn bench_expm(c: &mut Criterion) {
    let n = 100;
    let mut group = c.benchmark_group("expm_adjoint");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    let mut r = Xoshiro256PlusPlus::seed_from_u64(3);
    let has_gpu = gpu().is_some();
    for p in [1usize, 64, 1001] {
        // Normalised connectomes of the regulariser (‖A‖₁ ≈ 1) and upstream gradients.
        let a: Vec<f32> = (0..p * n * n)
            .map(|_| rand::Rng::random_range(&mut r, 0.0f32..2.0) / n as f32)
            .collect();
        let g: Vec<f32> = (0..p * n * n)
            .map(|_| rand::Rng::random_range(&mut r, -1.0f32..1.0))
            .collect();
        let mut tws = taylor::TaylorWorkspace::<f32>::new(n);
        let mut e = vec![0.0f32; n * n];
        let s = taylor::expm(&a[..n * n], &mut e, &mut tws, Par::Seq).expect("expm");
        let flops = (taylor::flops(n, s) + taylor::adjoint_flops(n, s)) * p as u64;
        group.throughput(Throughput::Elements(flops));
        if p <= 64 {
            let mut out = vec![0.0f32; n * n];
            group.bench_function(BenchmarkId::new("cpu_taylor", p), |bn| {
                bn.iter(|| {
                    for k in 0..p {
                        let ak = &a[k * n * n..(k + 1) * n * n];
                        let gk = &g[k * n * n..(k + 1) * n * n];
                        taylor::expm(ak, &mut e, &mut tws, Par::Seq).expect("expm");
                        taylor::adjoint_last(gk, &mut out, &mut tws, Par::Seq).expect("adj");
                    }
                })
            });
            let mut ws = ExpmWorkspace::<f32>::new(n);
            group.bench_function(BenchmarkId::new("cpu_pade", p), |bn| {
                bn.iter(|| {
                    for k in 0..p {
                        let ak = &a[k * n * n..(k + 1) * n * n];
                        let gk = &g[k * n * n..(k + 1) * n * n];
                        expm::expm(ak, &mut e, &mut ws, Par::Seq).expect("expm");
                        expm::expm_adjoint_last(gk, &mut out, &mut ws, Par::Seq).expect("adj");
                    }
                })
            });
        }
        if has_gpu {
            let mut dev = CudaDevice::open(0).expect("GPU");
            let da = dev.alloc::<f32>(a.len()).expect("alloc");
            let dg = dev.alloc::<f32>(g.len()).expect("alloc");
            let de = dev.alloc::<f32>(a.len()).expect("alloc");
            let dout = dev.alloc::<f32>(a.len()).expect("alloc");
            dev.upload(&a, da.all()).expect("upload");
            dev.upload(&g, dg.all()).expect("upload");
            let mut batch = TaylorBatch::new(&mut dev, n, p).expect("batch");
            group.bench_function(BenchmarkId::new("cuda_taylor", p), |bn| {
                bn.iter(|| {
                    batch.expm(&mut dev, da.all(), de.all()).expect("expm");
                    batch
                        .adjoint_last(&mut dev, dg.all(), dout.all())
                        .expect("adjoint");
                    dev.synchronize().expect("sync");
                })
            });
        }
    }
    group.finish();
}

fn bench_adam(c: &mut Criterion) {
    let per = Params::<f32>::zeros(100).count();
    let mut group = c.benchmark_group("adam");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    let has_gpu = gpu().is_some();
    for p in [1usize, 64, 1001] {
        let len = p * per;
        // Adam's arithmetic: 11 operations per parameter (counted from the Keras form).
        group.throughput(Throughput::Elements(11 * len as u64));
        let g = vec![1e-3f32; len];
        if p <= 64 {
            let (mut prm, mut m, mut v) = (vec![0.1f32; len], vec![0.0; len], vec![0.0; len]);
            let mut t = 0;
            group.bench_function(BenchmarkId::new("cpu_simd", p), |bn| {
                bn.iter(|| {
                    t += 1;
                    adam::step(
                        AdamVariant::Simd,
                        &AdamParams::KERAS,
                        t,
                        &mut prm,
                        &g,
                        &mut m,
                        &mut v,
                    )
                    .expect("adam")
                })
            });
        }
        if has_gpu {
            let mut dev = CudaDevice::open(0).expect("GPU");
            let bufs: Vec<_> = (0..4)
                .map(|_| dev.alloc::<f32>(len).expect("alloc"))
                .collect();
            dev.upload(&g, bufs[1].all()).expect("upload");
            let mut t = 0;
            group.bench_function(BenchmarkId::new("cuda", p), |bn| {
                bn.iter(|| {
                    t += 1;
                    adam::cuda::step(
                        &mut dev,
                        &AdamParams::KERAS,
                        t,
                        bufs[0].all(),
                        bufs[1].all(),
                        bufs[2].all(),
                        bufs[3].all(),
                    )
                    .expect("adam");
                    dev.synchronize().expect("sync");
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_batch, bench_expm, bench_adam);
criterion_main!(benches);
