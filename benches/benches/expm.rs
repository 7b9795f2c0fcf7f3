//! `expm/{variant}/{type}/{n}` and `expm_adjoint/{variant}/{type}/{n}`: the matrix exponential
//! of the seRNN communicability regulariser and its adjoint, on its realistic input
//! `A = S^{-1/2}|W|S^{-1/2}` (non-negative, `‖A‖₁ ≈ 2`), `n = 100` (the seRNN) and `200`.
//!
//! - `faer`: the fast path. `expm_adjoint/faer` times [`expm_adjoint_last`] alone after an
//!   `expm` on the same workspace — what training pays for the gradient once the forward ran.
//! - `taylor`: the matmul-only variant the GPU runs ([`taylor`]: degree-8 Taylor in
//!   Bader–Blanes–Casas form, scaling and squaring, adjoint by reverse differentiation), here
//!   through faer; `expm_adjoint/taylor` times [`taylor::adjoint_last`] after its forward.
//! - `reference`: the scalar `f64` oracle (Taylor series; the adjoint through the `2n × 2n`
//!   block matrix), at `n = 100` only: it is slow.
//!
//! Throughput is `Throughput::Elements(flops)`: the unit is **floating-point operations**, so
//! criterion's "elem/s" reads as flop/s (GFLOP/s when it prints "Gelem/s"). The count is the
//! fast path's (Padé), from its product count at the degree and scaling this input selects
//! ([`expm_flops`], [`expm_adjoint_flops`]: `2n³` per product, `⅔n³` LU, `2n³` solves). The
//! taylor and reference rows use the same count so the rates compare as speed (the
//! Taylor variant's own products are printed on stderr); the reference really does
//! more arithmetic (≈20 Taylor products, and `8×` that for the block-matrix adjoint).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::hint::black_box;
use std::time::Duration;
use wiring_kernels::expm::{
    expm, expm_adjoint_flops, expm_adjoint_last, expm_flops, reference, taylor, ExpmWorkspace,
};
use wiring_kernels::{Par, Real};

/// The seRNN regulariser's input: `|W|` with 30 % non-zeros, `S = diag(row sums of |W|)`.
fn sernn_input(n: usize) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(n as u64);
    let w: Vec<f64> = (0..n * n)
        .map(|k| {
            let v: f64 = rng.sample(StandardNormal);
            if k / n == k % n || rng.random::<f64>() > 0.3 {
                0.0
            } else {
                0.1 * v.abs()
            }
        })
        .collect();
    let s: Vec<f64> = (0..n)
        .map(|i| {
            let strength: f64 = w[i * n..(i + 1) * n].iter().sum();
            if strength > 0.0 {
                1.0 / strength.sqrt()
            } else {
                0.0
            }
        })
        .collect();
    (0..n * n).map(|k| s[k / n] * w[k] * s[k % n]).collect()
}

fn upstream_gradient(n: usize) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1000 + n as u64);
    (0..n * n).map(|_| rng.sample(StandardNormal)).collect()
}

fn cast<T: Real>(m: &[f64]) -> Vec<T> {
    m.iter().map(|&v| T::from_f64(v)).collect()
}

fn bench_type<T: Real>(c: &mut Criterion, n: usize) {
    let a: Vec<T> = cast(&sernn_input(n));
    let g: Vec<T> = cast(&upstream_gradient(n));
    let mut ws = ExpmWorkspace::<T>::new(n);
    let mut e = vec![T::ZERO; n * n];
    let mut out = vec![T::ZERO; n * n];
    expm(&a, &mut e, &mut ws, Par::Seq).expect("expm of the benchmark input");
    let Some(choice) = ws.last_pade() else {
        return;
    };
    eprintln!(
        "expm {} n={n}: Padé degree {}, {} squarings",
        T::NAME,
        choice.degree,
        choice.squarings
    );
    let mut tws = taylor::TaylorWorkspace::<T>::new(n);
    let s = taylor::expm(&a, &mut e, &mut tws, Par::Seq).expect("taylor expm");
    eprintln!(
        "expm {} n={n}: Taylor degree 8, {s} squarings: {} + {} products (Padé: {:.1} + {:.1})",
        T::NAME,
        3 + s,
        8 + 2 * s,
        expm_flops(n, choice) as f64 / (2 * n * n * n) as f64,
        expm_adjoint_flops(n, choice) as f64 / (2 * n * n * n) as f64,
    );
    let id = |variant: &str| BenchmarkId::new(format!("{variant}/{}", T::NAME), n);

    let mut group = c.benchmark_group("expm");
    group.throughput(Throughput::Elements(expm_flops(n, choice)));
    group.bench_function(id("faer"), |b| {
        b.iter(|| expm(black_box(&a), &mut e, &mut ws, Par::Seq).expect("expm"))
    });
    group.bench_function(id("taylor"), |b| {
        b.iter(|| taylor::expm(black_box(&a), &mut e, &mut tws, Par::Seq).expect("taylor"))
    });
    if n <= 100 {
        group.bench_function(id("reference"), |b| {
            b.iter(|| reference::expm(n, black_box(&a), &mut e).expect("reference expm"))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("expm_adjoint");
    group.throughput(Throughput::Elements(expm_adjoint_flops(n, choice)));
    expm(&a, &mut e, &mut ws, Par::Seq).expect("expm");
    group.bench_function(id("faer"), |b| {
        b.iter(|| expm_adjoint_last(black_box(&g), &mut out, &mut ws, Par::Seq).expect("adjoint"))
    });
    taylor::expm(&a, &mut e, &mut tws, Par::Seq).expect("taylor expm");
    group.bench_function(id("taylor"), |b| {
        b.iter(|| {
            taylor::adjoint_last(black_box(&g), &mut out, &mut tws, Par::Seq).expect("adjoint")
        })
    });
    if n <= 100 {
        group.bench_function(id("reference"), |b| {
            b.iter(|| {
                reference::expm_adjoint(n, black_box(&a), &g, &mut out).expect("reference adjoint")
            })
        });
    }
    group.finish();
}

fn bench_expm(c: &mut Criterion) {
    eprintln!(
        "compiled CPU features: {:?}",
        wiring_kernels::cpu::compiled_features()
    );
    for n in [100, 200] {
        bench_type::<f32>(c, n);
        bench_type::<f64>(c, n);
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    targets = bench_expm
}
criterion_main!(benches);
