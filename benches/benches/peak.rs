//! `peak/fma_f32x8`: the core's f32 FMA throughput — ten independent chains of 8-lane fused
//! multiply-adds, nothing loaded or stored — reported in flops (criterion's "elements", so
//! Gelem/s reads as GFLOP/s; one FMA of 8 lanes = 16 flops). It is the ceiling the kernels'
//! GFLOP/s figures are read against: the seRNN recipe's recurrent products need about 7 G
//! vector FMAs per network even when every ReLU zero is skipped, so one network cannot train
//! faster than 7 G ÷ (this figure ÷ 16) on one core.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use wide::f32x8;

/// Iterations per measured call; ten FMAs each.
const ITERS: u64 = 1 << 16;

/// Ten chains, each `a ← a·m + c`; the four-cycle FMA latency is covered by ≥ 8 independent
/// chains on two FMA pipes. `m` and `c` come through `black_box` and the sum is returned, so
/// nothing can be folded away; no `black_box` inside the loop (it would send the chains
/// through memory).
fn chains(m: f32x8, c: f32x8) -> f32x8 {
    let mut a = [f32x8::splat(0.5); 10];
    for _ in 0..ITERS {
        for x in a.iter_mut() {
            *x = x.mul_add(m, c);
        }
    }
    a.iter().fold(f32x8::ZERO, |s, &x| s + x)
}

fn bench_peak(c: &mut Criterion) {
    let mut g = c.benchmark_group("peak");
    g.throughput(Throughput::Elements(ITERS * 10 * 16));
    let (m, k) = (f32x8::splat(0.999_9), f32x8::splat(1e-4));
    g.bench_function("fma_f32x8", |b| {
        b.iter(|| chains(black_box(m), black_box(k)))
    });
    g.finish();
}

criterion_group!(benches, bench_peak);
criterion_main!(benches);
