//! `adam/{variant}/{n}`: one Adam update (Keras form, f32) of `n` parameters, reported in
//! elements (parameters) per second. `n = 10 932` is the seRNN's parameter count
//! (`8·100 + 100·100 + 100 + 100·4 + 4`); `1 000 000` shows the memory-bound regime.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::hint::black_box;
use std::time::Duration;
use wiring_kernels::adam::{step, AdamParams, AdamVariant};

fn bench_adam(c: &mut Criterion) {
    let mut g = c.benchmark_group("adam");
    for n in [10_932usize, 1_000_000] {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(n as u64);
        let grads: Vec<f32> = (0..n).map(|_| rng.random_range(-1.0f32..1.0)).collect();
        let mut p: Vec<f32> = (0..n).map(|_| rng.random_range(-1.0f32..1.0)).collect();
        let (mut m, mut v) = (vec![0.0f32; n], vec![0.0f32; n]);
        g.throughput(Throughput::Elements(n as u64));
        for variant in [AdamVariant::Reference, AdamVariant::Simd] {
            let mut t = 0u64;
            g.bench_function(BenchmarkId::new(variant.name(), n), |b| {
                b.iter(|| {
                    t += 1;
                    let hp = AdamParams::KERAS;
                    step(variant, &hp, t, &mut p, black_box(&grads), &mut m, &mut v).unwrap()
                })
            });
        }
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    targets = bench_adam
}
criterion_main!(benches);
