//! The `prnn` family: f32 against f64 (the reference in both types), the step APIs against
//! each other, absent blocks never read or written, softmax stability, and bad shapes.
//! Analytic gradients and Jacobians against finite differences are in
//! `model/tests/prnn_gradient.rs` (all 129 architectures).

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use wiring_kernels::prnn::{
    self, backward_scratch, jacobian_scratch, memory_jacobians_len, Block, PrnnDims, PrnnMask,
    PrnnNet, N_BLOCKS,
};
use wiring_kernels::{KernelError, Real};

/// One problem in f64: parameters `U(−k, k)` with `k = 1.5/√fan_in` (a little livelier than
/// the study's init), an episode of inputs in [0, 1], jitter and an upstream gradient.
struct Problem {
    dims: PrnnDims,
    mask: PrnnMask,
    steps: usize,
    params: Vec<f64>,
    x: Vec<f64>,
    u: Vec<f64>,
    dout: Vec<f64>,
}

impl Problem {
    fn random(dims: PrnnDims, mask: PrnnMask, steps: usize, seed: u64) -> Self {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut params = vec![0.0; dims.param_len()];
        for block in Block::ALL {
            if mask.has(block) {
                let k = 1.5 / (dims.layer_len(block.from_layer()) as f64).sqrt();
                for w in &mut params[dims.block_range(block)] {
                    *w = rng.random_range(-k..k);
                }
            }
        }
        loop {
            let p = Self {
                dims,
                mask,
                steps,
                params: params.clone(),
                x: (0..steps * dims.n_in)
                    .map(|_| rng.random::<f64>())
                    .collect(),
                u: (0..steps * dims.n_out)
                    .map(|_| rng.random::<f64>() / 1000.0)
                    .collect(),
                dout: (0..steps * dims.n_out)
                    .map(|_| rng.random_range(-2.0..2.0))
                    .collect(),
            };
            // f32 and f64 must agree on every ReLU mask: keep pre-activations off zero.
            let rec = p.records::<f64>();
            let rl = dims.record_len();
            let min = (0..steps)
                .flat_map(|t| rec[t * rl + dims.state_len()..(t + 1) * rl].iter())
                .fold(f64::INFINITY, |m, a| m.min(a.abs()));
            if min > 1e-3 {
                return p;
            }
        }
    }

    fn cast<T: Real>(v: &[f64]) -> Vec<T> {
        v.iter().map(|&x| T::from_f64(x)).collect()
    }

    fn records<T: Real>(&self) -> Vec<T> {
        let params = Self::cast::<T>(&self.params);
        let net = PrnnNet {
            dims: self.dims,
            mask: self.mask,
            params: &params,
        };
        let mut rec = vec![T::ZERO; self.steps * self.dims.record_len()];
        let zero = vec![T::ZERO; self.dims.state_len()];
        let (x, u) = (Self::cast::<T>(&self.x), Self::cast::<T>(&self.u));
        prnn::forward(net, self.steps, &zero, &x, &u, &mut rec).unwrap();
        rec
    }

    /// Records, gradient, memory Jacobians — all as f64.
    fn outputs<T: Real>(&self) -> [Vec<f64>; 3] {
        let params = Self::cast::<T>(&self.params);
        let d = self.dims;
        let net = PrnnNet {
            dims: d,
            mask: self.mask,
            params: &params,
        };
        let rec = self.records::<T>();
        let zero = vec![T::ZERO; d.state_len()];
        let mut grads = vec![T::ZERO; d.param_len()];
        let mut scratch = vec![T::ZERO; backward_scratch(d)];
        let dout = Self::cast::<T>(&self.dout);
        prnn::backward(
            net,
            self.steps,
            &zero,
            &rec,
            &dout,
            &mut grads,
            &mut scratch,
        )
        .unwrap();
        let mut jac = vec![T::ZERO; memory_jacobians_len(d, self.steps)];
        let mut scratch = vec![T::ZERO; jacobian_scratch(d)];
        prnn::memory_jacobians(net, self.steps, &rec, &mut jac, &mut scratch).unwrap();
        let f = |v: Vec<T>| v.into_iter().map(|x| x.to_f64()).collect();
        [f(rec), f(grads), f(jac)]
    }
}

fn masks() -> Vec<(String, PrnnMask)> {
    let mut out = vec![
        ("ff".to_string(), PrnnMask::FEEDFORWARD),
        ("full".to_string(), PrnnMask::FULL),
    ];
    for bits in [
        0b0000001u8,
        0b1000000,
        0b0100000,
        0b0010000,
        0b0001000,
        0b0000110,
        0b1011010,
    ] {
        let flags = core::array::from_fn(|p| (bits >> (6 - p)) & 1 == 1);
        out.push((format!("{bits:07b}"), PrnnMask::from_flags(flags)));
    }
    out
}

#[test]
fn f32_agrees_with_f64() {
    // f32 rounding (ε ≈ 1.2e-7) grows through ≤ 20 steps of products of ≤ 34 terms; the
    // largest error observed over all cases is 2.7e-6 of the scale. Bound:
    // |a32 − a64| ≤ 1e-4 · max(1, max |a64|) per output array (records, gradient, memory
    // Jacobians), with the f64 parameters rounded to f32 as the only input difference.
    let dims_list = [
        PrnnDims::study(8),
        PrnnDims::study(34),
        PrnnDims::study(1),
        PrnnDims::study(9),
        PrnnDims {
            n_in: 3,
            n_hidden: 7,
            n_out: 2,
        },
    ];
    let mut seed = 0;
    for dims in dims_list {
        for (name, mask) in masks() {
            for steps in [1, 2, 7, 20] {
                seed += 1;
                let p = Problem::random(dims, mask, steps, seed);
                let lo = p.outputs::<f32>();
                let hi = p.outputs::<f64>();
                for (what, (a, b)) in ["records", "gradient", "memory jacobians"]
                    .iter()
                    .zip(lo.iter().zip(&hi))
                {
                    let scale = b.iter().fold(1.0f64, |m, v| m.max(v.abs()));
                    for (i, (x, y)) in a.iter().zip(b).enumerate() {
                        assert!(
                            (x - y).abs() <= 1e-4 * scale,
                            "{dims:?} {name} T={steps}: {what}[{i}] f32 {x} vs f64 {y}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn step_apis_chain_to_forward_and_softmax_is_normalised() {
    let dims = PrnnDims::study(8);
    for (name, mask) in masks() {
        let p = Problem::random(dims, mask, 9, 77);
        let net = PrnnNet {
            dims,
            mask,
            params: &p.params,
        };
        let rec = p.records::<f64>();
        let (sl, rl) = (dims.state_len(), dims.record_len());
        let mut state = vec![0.0; sl];
        let mut record = vec![0.0; rl];
        let mut next = vec![0.0; sl];
        for t in 0..p.steps {
            let (x, u) = (&p.x[t * 8..(t + 1) * 8], &p.u[t * 5..(t + 1) * 5]);
            prnn::step(net, &state, x, u, &mut next).unwrap();
            prnn::step_record(net, &state, x, u, &mut record).unwrap();
            assert_eq!(&record[..], &rec[t * rl..(t + 1) * rl], "{name} t {t}");
            assert_eq!(&next[..], &record[..sl], "{name} t {t}");
            let o = &next[sl - 5..];
            assert!((o.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            assert!(o.iter().all(|&v| v > 0.0));
            // h = relu(a).
            for j in 0..8 {
                assert_eq!(record[8 + j], record[sl + j].max(0.0));
            }
            state.copy_from_slice(&next);
        }
    }
}

#[test]
fn absent_blocks_are_never_read_or_written() {
    let dims = PrnnDims::study(8);
    for (name, mask) in masks() {
        let p = Problem::random(dims, mask, 11, 5);
        let mut dirty = p.params.clone();
        for block in Block::ALL {
            if !mask.has(block) {
                dirty[dims.block_range(block)].fill(1e30);
            }
        }
        let clean_net = PrnnNet {
            dims,
            mask,
            params: &p.params,
        };
        let dirty_net = PrnnNet {
            params: &dirty,
            ..clean_net
        };
        let zero = vec![0.0; dims.state_len()];
        let mut rec_clean = vec![0.0; p.steps * dims.record_len()];
        let mut rec_dirty = rec_clean.clone();
        prnn::forward(clean_net, p.steps, &zero, &p.x, &p.u, &mut rec_clean).unwrap();
        prnn::forward(dirty_net, p.steps, &zero, &p.x, &p.u, &mut rec_dirty).unwrap();
        assert_eq!(rec_clean, rec_dirty, "{name}");
        // Gradient buffers: absent slots keep what the caller put there.
        let mut grads = vec![0.0; dims.param_len()];
        for block in Block::ALL {
            if !mask.has(block) {
                grads[dims.block_range(block)].fill(7.0);
            }
        }
        let mut scratch = vec![0.0; backward_scratch(dims)];
        prnn::backward(
            dirty_net,
            p.steps,
            &zero,
            &rec_dirty,
            &p.dout,
            &mut grads,
            &mut scratch,
        )
        .unwrap();
        for block in Block::ALL {
            let g = &grads[dims.block_range(block)];
            if mask.has(block) {
                assert!(g.iter().all(|v| v.is_finite()) && g.iter().any(|&v| v != 0.0));
            } else {
                assert!(
                    g.iter().all(|&v| v == 7.0),
                    "{name}: W_{} written",
                    block.name()
                );
            }
        }
    }
}

#[test]
fn extreme_inputs_stay_finite() {
    // Softmax subtracts its maximum: logits of ±1e4 give a one-hot output, not NaN.
    let dims = PrnnDims::study(8);
    let p = Problem::random(dims, PrnnMask::FULL, 5, 9);
    let net = PrnnNet {
        dims,
        mask: PrnnMask::FULL,
        params: &p.params,
    };
    let x: Vec<f64> = p.x.iter().map(|v| v * 1e4).collect();
    let zero = vec![0.0; dims.state_len()];
    let mut rec = vec![0.0; p.steps * dims.record_len()];
    prnn::forward(net, p.steps, &zero, &x, &p.u, &mut rec).unwrap();
    assert!(rec.iter().all(|v| v.is_finite()));
    let mut jac = vec![0.0; memory_jacobians_len(dims, p.steps)];
    let mut scratch = vec![0.0; jacobian_scratch(dims)];
    prnn::memory_jacobians(net, p.steps, &rec, &mut jac, &mut scratch).unwrap();
    assert!(jac.iter().all(|v| v.is_finite()));
}

#[test]
fn bad_shapes_are_refused_with_the_buffer_named() {
    let dims = PrnnDims::study(8);
    let mask = PrnnMask::FULL;
    let params = vec![0.0f32; dims.param_len()];
    let net = PrnnNet {
        dims,
        mask,
        params: &params,
    };
    let (sl, rl) = (dims.state_len(), dims.record_len());
    let steps = 3;
    let state = vec![0.0f32; sl];
    let x = vec![0.0f32; steps * 8];
    let u = vec![0.0f32; steps * 5];
    let mut rec = vec![0.0f32; steps * rl];
    let mut next = vec![0.0f32; sl];
    let dout = vec![0.0f32; steps * 5];
    let mut grads = vec![0.0f32; dims.param_len()];
    let mut scratch = vec![0.0f32; backward_scratch(dims)];
    let mut jac = vec![0.0f32; 40];
    let mut mem = vec![0.0f32; memory_jacobians_len(dims, steps)];

    let buffer = |r: Result<(), KernelError>| match r {
        Err(KernelError::BufferLength { buffer, .. }) => buffer,
        other => panic!("expected a buffer-length error, got {other:?}"),
    };
    let short = vec![0.0f32; dims.param_len() - 1];
    let short_net = PrnnNet {
        params: &short,
        ..net
    };
    assert_eq!(
        buffer(prnn::step(short_net, &state, &x[..8], &u[..5], &mut next)),
        "params"
    );
    assert_eq!(
        buffer(prnn::step(net, &state[1..], &x[..8], &u[..5], &mut next)),
        "prev"
    );
    assert_eq!(
        buffer(prnn::step(net, &state, &x[..7], &u[..5], &mut next)),
        "x"
    );
    assert_eq!(
        buffer(prnn::step(net, &state, &x[..8], &u[..4], &mut next)),
        "u"
    );
    assert_eq!(
        buffer(prnn::step(
            net,
            &state,
            &x[..8],
            &u[..5],
            &mut rec[..sl + 1]
        )),
        "next"
    );
    assert_eq!(
        buffer(prnn::step_record(net, &state, &x[..8], &u[..5], &mut next)),
        "record"
    );
    assert_eq!(
        buffer(prnn::forward(net, steps, &state, &x[..16], &u, &mut rec)),
        "x"
    );
    assert_eq!(
        buffer(prnn::forward(net, steps, &state, &x, &u, &mut rec[..rl])),
        "records"
    );
    assert_eq!(
        buffer(prnn::forward(net, steps, &state[..3], &x, &u, &mut rec)),
        "initial"
    );
    assert_eq!(
        buffer(prnn::backward(
            net,
            steps,
            &state,
            &rec,
            &dout[..5],
            &mut grads,
            &mut scratch
        )),
        "dout"
    );
    assert_eq!(
        buffer(prnn::backward(
            net,
            steps,
            &state,
            &rec,
            &dout,
            &mut grads[..9],
            &mut scratch
        )),
        "grads"
    );
    assert_eq!(
        buffer(prnn::backward(
            net, steps, &state, &rec, &dout, &mut grads, &mut jac
        )),
        "scratch"
    );
    assert_eq!(
        buffer(prnn::input_jacobian(
            net,
            &rec[..rl],
            &mut jac[..39],
            &mut scratch
        )),
        "jac"
    );
    assert_eq!(
        buffer(prnn::input_jacobian(
            net,
            &rec[..sl],
            &mut jac,
            &mut scratch
        )),
        "record"
    );
    assert_eq!(
        buffer(prnn::memory_jacobians(
            net,
            steps,
            &rec,
            &mut jac,
            &mut scratch
        )),
        "jac"
    );
    assert_eq!(
        buffer(prnn::memory_jacobians(
            net,
            steps + 1,
            &rec,
            &mut mem,
            &mut scratch
        )),
        "records"
    );
    // Everything right: fine, including an empty episode.
    prnn::forward(net, steps, &state, &x, &u, &mut rec).unwrap();
    prnn::memory_jacobians(net, steps, &rec, &mut mem, &mut scratch).unwrap();
    prnn::forward(net, 0, &state, &[], &[], &mut []).unwrap();
    prnn::backward(net, 0, &state, &[], &[], &mut grads, &mut scratch).unwrap();

    // A mask without W_ih / W_ho, and an empty layer, are dimension errors.
    let mut present = [true; N_BLOCKS];
    present[Block::Ho.index()] = false;
    let err = PrnnMask::from_present(present).unwrap_err();
    assert!(matches!(err, KernelError::Dimension { .. }), "{err}");
    assert!(err.to_string().contains("W_ih and W_ho"));
    let empty = PrnnDims {
        n_in: 8,
        n_hidden: 0,
        n_out: 5,
    };
    let none: Vec<f32> = vec![0.0; empty.param_len()];
    let empty_net = PrnnNet {
        dims: empty,
        mask,
        params: &none,
    };
    let err = prnn::step(empty_net, &state[..13], &x[..8], &u[..5], &mut next[..13]).unwrap_err();
    assert!(matches!(err, KernelError::Dimension { .. }), "{err}");
}

#[test]
fn layout_of_the_parameter_vector() {
    let d = PrnnDims::study(8);
    let names: Vec<&str> = Block::ALL.iter().map(|b| b.name()).collect();
    assert_eq!(
        names,
        ["ih", "ho", "ii", "hh", "oo", "io", "oi", "hi", "oh"]
    );
    let shapes: Vec<(usize, usize)> = Block::ALL.iter().map(|&b| d.block_shape(b)).collect();
    // (to, from): W_ih is 8×8, W_ho 5×8, W_ii 8×8, W_hh 8×8, W_oo 5×5, W_io 5×8, W_oi 8×5,
    // W_hi 8×8, W_oh 8×5.
    assert_eq!(
        shapes,
        [
            (8, 8),
            (5, 8),
            (8, 8),
            (8, 8),
            (5, 5),
            (5, 8),
            (8, 5),
            (8, 8),
            (8, 5)
        ]
    );
    assert_eq!(d.param_len(), 441);
    assert_eq!(
        PrnnDims::study(34).param_len(),
        34 * 13 + 64 + 34 * 34 + 25 + 40 + 40 + 34 * 8 + 34 * 5
    );
    let mut end = 0;
    for b in Block::ALL {
        assert_eq!(d.block_offset(b), end);
        end += d.block_len(b);
    }
    assert_eq!((d.state_len(), d.record_len()), (21, 29));
    assert_eq!(PrnnMask::FULL.flags(), [true; 7]);
    assert_eq!(PrnnMask::FEEDFORWARD.present()[..2], [true, true]);
}
