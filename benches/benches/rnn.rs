//! `rnn_forward/{variant}/{shape}` and `rnn_backward/{variant}/{shape}` on the seRNN study
//! shape (batch 128, 100 units, 50 steps, 8 inputs), f32, one core (`Par::Seq`: a study
//! trains many networks in parallel, one per core).
//!
//! Two inputs: `_dense` (positive bias, every unit active: the sparse kernels cannot skip
//! anything) and `_active50` (random weights, bias centred below zero: about half of the
//! units are silent at each step, the sparsity of a trained seRNN). Throughput is reported
//! as criterion *elements*, and the elements are floating-point operations
//! (`rnn::forward_flops` / `rnn::backward_flops`, dense-equivalent), so Gelem/s = GFLOP/s.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::hint::black_box;
use std::time::Duration;
use wiring_kernels::rnn::{
    backward, backward_flops, forward, forward_flops, RnnGrads, RnnShape, RnnVariant, RnnWeights,
};
use wiring_kernels::Par;

struct Input {
    name: &'static str,
    w_in: Vec<f32>,
    w_rec: Vec<f32>,
    b: Vec<f32>,
    x: Vec<f32>,
}

/// `dense`: `b = 1`, small weights, so every pre-activation is ≈ 1 > 0. `active50`: weights
/// `U(-1, 1)` (recurrent ones scaled by `1.5/√n`) and `b ~ U(-1, 1) - 0.3`.
fn input(shape: RnnShape, dense: bool) -> Input {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(if dense { 1 } else { 2 });
    let mut u = |len: usize, s: f32, shift: f32| -> Vec<f32> {
        (0..len)
            .map(|_| s * (rng.random_range(-1.0f32..1.0) + shift))
            .collect()
    };
    let n = shape.n_hidden;
    if dense {
        Input {
            name: "dense",
            w_in: u(shape.w_in_len(), 0.05, 0.0),
            w_rec: u(shape.w_rec_len(), 0.1 / (n as f32).sqrt(), 0.0),
            b: vec![1.0; n],
            x: u(shape.x_len(), 0.5, 1.0),
        }
    } else {
        Input {
            name: "active50",
            w_in: u(shape.w_in_len(), 1.0, 0.0),
            w_rec: u(shape.w_rec_len(), 1.5 / (n as f32).sqrt(), 0.0),
            b: u(n, 1.0, -0.3),
            x: u(shape.x_len(), 0.5, 1.0),
        }
    }
}

fn bench_rnn(c: &mut Criterion) {
    let shape = RnnShape::STUDY;
    let label = format!("b{}_n{}_t{}", shape.batch, shape.n_hidden, shape.steps);
    for dense in [true, false] {
        let inp = input(shape, dense);
        let w = RnnWeights {
            w_in: &inp.w_in,
            w_rec: &inp.w_rec,
            b: &inp.b,
        };
        let mut h = vec![0.0f32; shape.h_len()];
        forward(RnnVariant::Reference, shape, w, &inp.x, &mut h, Par::Seq).unwrap();
        let off = h.iter().filter(|&&v| v == 0.0).count() as f64 / h.len() as f64;
        eprintln!(
            "rnn bench input `{}`: {:.1} % of h is exactly 0",
            inp.name,
            100.0 * off
        );
        // seRNN loss: only the last step's h feeds the readout.
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let last = (shape.steps - 1) * shape.batch * shape.n_hidden;
        let dh0: Vec<f32> = (0..shape.h_len())
            .map(|i| {
                if i >= last {
                    rng.random_range(-1.0f32..1.0)
                } else {
                    0.0
                }
            })
            .collect();
        let id = format!("{label}_{}", inp.name);

        let mut g = c.benchmark_group("rnn_forward");
        g.throughput(Throughput::Elements(forward_flops(shape))); // elements = flops
        for variant in RnnVariant::ALL {
            g.bench_function(BenchmarkId::new(variant.name(), &id), |bch| {
                bch.iter(|| {
                    forward(variant, shape, w, black_box(&inp.x), &mut h, Par::Seq).unwrap()
                })
            });
        }
        g.finish();

        let mut g = c.benchmark_group("rnn_backward");
        g.throughput(Throughput::Elements(backward_flops(shape))); // elements = flops
        let (mut gi, mut gr, mut gb) = (
            vec![0.0; shape.w_in_len()],
            vec![0.0; shape.w_rec_len()],
            vec![0.0; shape.n_hidden],
        );
        let mut dh = dh0.clone();
        for variant in RnnVariant::ALL {
            g.bench_function(BenchmarkId::new(variant.name(), &id), |bch| {
                bch.iter(|| {
                    dh.copy_from_slice(&dh0);
                    let grads = RnnGrads {
                        w_in: &mut gi,
                        w_rec: &mut gr,
                        b: &mut gb,
                    };
                    backward(variant, shape, w, &inp.x, &h, &mut dh, grads, Par::Seq).unwrap()
                })
            });
        }
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = bench_rnn
}
criterion_main!(benches);
