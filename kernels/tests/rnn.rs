//! The `rnn` family: every fast variant against the reference, analytic gradients against
//! central finite differences, determinism across `Par`, and bad buffer lengths.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use wiring_kernels::rnn::{backward, forward, RnnGrads, RnnShape, RnnVariant, RnnWeights};
use wiring_kernels::{KernelError, Par, Real};

const EDGE: [usize; 12] = [1, 2, 3, 7, 8, 9, 31, 32, 33, 100, 128, 129];

/// One problem: weights, inputs and the upstream gradient `dh`, all owned.
#[derive(Clone)]
struct Problem<T> {
    shape: RnnShape,
    w_in: Vec<T>,
    w_rec: Vec<T>,
    b: Vec<T>,
    x: Vec<T>,
    dh: Vec<T>,
}

impl<T: Real> Problem<T> {
    /// Random problem with ReLU doing real work: ~30 % exact zeros in `x`, `W_in`, `W_rec`
    /// and `dh`; a bias centred below zero so that roughly half of the units are off; `W_rec`
    /// scaled by `0.9/√n` so activity neither dies nor explodes over 50 steps. `scale`
    /// multiplies `x` and `b` (the layer is positively homogeneous in them, so magnitudes
    /// stay at `scale` through time): 1e±20 probes extreme magnitudes.
    fn random(shape: RnnShape, seed: u64, scale: f64) -> Self {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let n = shape.n_hidden;
        let mut sparse = |len: usize, s: f64, shift: f64| -> Vec<T> {
            (0..len)
                .map(|_| {
                    if rng.random::<f64>() < 0.3 {
                        T::ZERO
                    } else {
                        T::from_f64(s * (rng.random_range(-1.0..1.0) + shift))
                    }
                })
                .collect()
        };
        let w_in = sparse(shape.w_in_len(), 1.0, 0.0);
        let w_rec = sparse(shape.w_rec_len(), 0.9 * (3.0 / n as f64).sqrt(), 0.0);
        let b = sparse(n, 0.5 * scale, -0.3);
        let x = sparse(shape.x_len(), scale, 0.2);
        let dh = sparse(shape.h_len(), 1.0, 0.0);
        Problem {
            shape,
            w_in,
            w_rec,
            b,
            x,
            dh,
        }
    }

    fn weights(&self) -> RnnWeights<'_, T> {
        RnnWeights {
            w_in: &self.w_in,
            w_rec: &self.w_rec,
            b: &self.b,
        }
    }

    fn forward(&self, variant: RnnVariant, par: Par) -> Vec<T> {
        let mut h = vec![T::from_f64(f64::NAN); self.shape.h_len()];
        forward(variant, self.shape, self.weights(), &self.x, &mut h, par).unwrap();
        h
    }

    /// `(δ, ∂W_in, ∂W_rec, ∂b)` for the given `h` (so every variant sees the same masks).
    fn backward(&self, variant: RnnVariant, h: &[T], par: Par) -> [Vec<T>; 4] {
        let s = self.shape;
        let mut dh = self.dh.clone();
        let nan = T::from_f64(f64::NAN);
        let (mut gi, mut gr, mut gb) = (
            vec![nan; s.w_in_len()],
            vec![nan; s.w_rec_len()],
            vec![nan; s.n_hidden],
        );
        let grads = RnnGrads {
            w_in: &mut gi,
            w_rec: &mut gr,
            b: &mut gb,
        };
        backward(variant, s, self.weights(), &self.x, h, &mut dh, grads, par).unwrap();
        [dh, gi, gr, gb]
    }
}

/// `|a - r| ≤ tol · max(|r|, max_i |r_i|)` element-wise, i.e. normwise relative to the
/// buffer's largest magnitude. The variants add the same terms in another order and with
/// FMA, so their difference is a few ulps of the *sum of magnitudes* of each dot product,
/// not of its (possibly cancelled) value; the buffer's max magnitude is a cheap stand-in.
/// Returns the largest observed `|a - r| / max(|r|, max_i |r_i|)`.
fn assert_close<T: Real>(what: &str, actual: &[T], reference: &[T], tol: f64) -> f64 {
    assert_eq!(actual.len(), reference.len(), "{what}: length");
    let scale = reference
        .iter()
        .map(|r| r.to_f64().abs())
        .fold(0.0, f64::max);
    let mut worst = 0.0f64;
    for (i, (a, r)) in actual.iter().zip(reference).enumerate() {
        let (a, r) = (a.to_f64(), r.to_f64());
        let bound = tol * r.abs().max(scale);
        assert!(
            (a - r).abs() <= bound && a.is_finite() == r.is_finite(),
            "{what}[{i}]: {a:e} vs reference {r:e} (bound {bound:e})"
        );
        if bound > 0.0 {
            worst = worst.max((a - r).abs() / r.abs().max(scale));
        }
    }
    worst
}

/// Normwise relative tolerances of the fast variants against the reference. Each output
/// is a dot product of ≤ n_hidden + n_in terms per step summed in another order (and with
/// FMA), errors propagate through ≤ 600 steps of a contracting recurrence, and gradients sum
/// ≤ 50·129 rows. Observed worst cases over all tests: f32 2.7e-6 (≈ 23 ulps of the
/// buffer's scale), f64 4.7e-15; the tolerances leave ~20× headroom.
fn tol<T: Real>() -> f64 {
    if T::NAME == "f32" {
        5e-5
    } else {
        1e-13
    }
}

fn check_variants<T: Real>(shape: RnnShape, seed: u64, scale: f64) {
    let p = Problem::<T>::random(shape, seed, scale);
    let h_ref = p.forward(RnnVariant::Reference, Par::Seq);
    let back_ref = p.backward(RnnVariant::Reference, &h_ref, Par::Seq);
    let names = ["delta", "dw_in", "dw_rec", "db"];
    for variant in [RnnVariant::Faer, RnnVariant::Simd] {
        let ctx = format!("{variant} {} {shape:?} scale {scale:e}", T::NAME);
        let h = p.forward(variant, Par::Seq);
        let mut worst = assert_close(&format!("{ctx} h"), &h, &h_ref, tol::<T>());
        // Backward from the reference's h: a pre-activation within rounding of 0 may flip
        // its unit between variants, which changes δ there by O(1) — not a bug of backward.
        let back = p.backward(variant, &h_ref, Par::Seq);
        for (name, (a, r)) in names.iter().zip(back.iter().zip(&back_ref)) {
            worst = worst.max(assert_close(&format!("{ctx} {name}"), a, r, tol::<T>()));
        }
        // Visible with `--nocapture`: the error actually observed, to keep `tol` honest.
        println!("{ctx}: worst normwise error {worst:.2e}");
    }
}

fn both_types(shape: RnnShape, seed: u64, scale: f64) {
    check_variants::<f32>(shape, seed, scale);
    check_variants::<f64>(shape, seed, scale);
}

#[test]
fn variants_match_reference_over_n_hidden() {
    for (i, &n) in EDGE.iter().enumerate() {
        for steps in [1, 2, 50] {
            let shape = RnnShape {
                steps,
                batch: 3,
                n_in: 5,
                n_hidden: n,
            };
            both_types(shape, 100 + i as u64, 1.0);
        }
    }
}

#[test]
fn variants_match_reference_over_batch() {
    for (i, &batch) in EDGE.iter().enumerate() {
        for steps in [1, 2, 50] {
            let shape = RnnShape {
                steps,
                batch,
                n_in: 3,
                n_hidden: 33,
            };
            both_types(shape, 200 + i as u64, 1.0);
        }
    }
}

#[test]
fn variants_match_reference_study_shape_and_edges() {
    both_types(RnnShape::STUDY, 7, 1.0);
    // n_in = 0 (no input), single-step single-unit, and one long sequence.
    both_types(
        RnnShape {
            steps: 4,
            batch: 9,
            n_in: 0,
            n_hidden: 9,
        },
        8,
        1.0,
    );
    both_types(
        RnnShape {
            steps: 1,
            batch: 1,
            n_in: 1,
            n_hidden: 1,
        },
        9,
        1.0,
    );
    both_types(
        RnnShape {
            steps: 600,
            batch: 2,
            n_in: 2,
            n_hidden: 17,
        },
        10,
        1.0,
    );
}

#[test]
fn variants_match_reference_extreme_magnitudes() {
    for scale in [1e-20, 1e20] {
        both_types(
            RnnShape {
                steps: 20,
                batch: 9,
                n_in: 8,
                n_hidden: 33,
            },
            11,
            scale,
        );
    }
}

#[test]
fn relu_masks_are_exercised() {
    // The generator must give both active and silent units, or the tests above prove little.
    let p = Problem::<f64>::random(RnnShape::STUDY, 7, 1.0);
    let h = p.forward(RnnVariant::Reference, Par::Seq);
    let off = h.iter().filter(|&&v| v == 0.0).count() as f64 / h.len() as f64;
    assert!((0.2..0.8).contains(&off), "fraction of silent units {off}");
}

/// `L = Σ_t Σ c_t ∘ h_t` for the given `c` (so `∂L/∂h = c`), through the reference forward.
fn loss(p: &Problem<f64>, c: &[f64]) -> f64 {
    let h = p.forward(RnnVariant::Reference, Par::Seq);
    h.iter().zip(c).map(|(h, c)| h * c).sum()
}

/// Pre-activations `a_t`, computed independently of the kernels, to find ReLU kinks.
fn pre_activations(p: &Problem<f64>) -> Vec<f64> {
    let RnnShape {
        steps,
        batch,
        n_in,
        n_hidden: n,
    } = p.shape;
    let mut a = vec![0.0; p.shape.h_len()];
    let mut h = vec![0.0; p.shape.h_len()];
    for t in 0..steps {
        for r in 0..batch {
            for j in 0..n {
                let row = t * batch + r;
                let mut s = p.b[j];
                s += (0..n_in)
                    .map(|k| p.x[row * n_in + k] * p.w_in[k * n + j])
                    .sum::<f64>();
                if t > 0 {
                    let prev = (row - batch) * n;
                    s += (0..n)
                        .map(|k| h[prev + k] * p.w_rec[k * n + j])
                        .sum::<f64>();
                }
                a[row * n + j] = s;
                h[row * n + j] = s.max(0.0);
            }
        }
    }
    a
}

/// Central differences `(L(θ+ε) − L(θ−ε)) / 2ε` in f64 with ε = 1e-6: truncation error is
/// O(ε²·L''') and vanishes for a piecewise-linear net away from kinks; rounding error is
/// O(u·|L|/ε) ≈ 1e-10. Kinks: L is piecewise linear in each parameter and the FD quotient is
/// exact as long as no pre-activation changes sign within ±ε·(its sensitivity), so we take
/// the first seed whose pre-activations all have |a| > 1e-3 (≫ ε·max|∂a/∂θ| ≈ 1e-5).
#[test]
fn gradients_match_finite_differences() {
    let shape = RnnShape {
        steps: 5,
        batch: 2,
        n_in: 3,
        n_hidden: 9,
    };
    let p = (0..1000)
        .map(|seed| Problem::<f64>::random(shape, 300 + seed, 1.0))
        .find(|p| pre_activations(p).iter().all(|a| a.abs() > 1e-3))
        .expect("a seed without near-kink pre-activations");
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    let c_all: Vec<f64> = (0..shape.h_len())
        .map(|_| rng.random_range(-1.0..1.0))
        .collect();
    let mut c_last = vec![0.0; shape.h_len()];
    let last = (shape.steps - 1) * shape.batch * shape.n_hidden;
    c_last[last..].copy_from_slice(&c_all[last..]);
    for (case, c) in [("all steps", &c_all), ("last step", &c_last)] {
        let mut q = p.clone();
        q.dh = c.clone();
        let eps = 1e-6;
        let fd = |field: usize| -> Vec<f64> {
            let len = [q.w_in.len(), q.w_rec.len(), q.b.len()][field];
            (0..len)
                .map(|i| {
                    let mut plus = q.clone();
                    let mut minus = q.clone();
                    let (pp, mm) = match field {
                        0 => (&mut plus.w_in, &mut minus.w_in),
                        1 => (&mut plus.w_rec, &mut minus.w_rec),
                        _ => (&mut plus.b, &mut minus.b),
                    };
                    pp[i] += eps;
                    mm[i] -= eps;
                    (loss(&plus, c) - loss(&minus, c)) / (2.0 * eps)
                })
                .collect()
        };
        let (fd_in, fd_rec, fd_b) = (fd(0), fd(1), fd(2));
        for variant in RnnVariant::ALL {
            let h = q.forward(variant, Par::Seq);
            let [_, gi, gr, gb] = q.backward(variant, &h, Par::Seq);
            let ctx = format!("{variant} {case}");
            // Rounding of the FD quotient ≈ u·|L|/ε ≈ 1e-9 for |L| ~ 10.
            let worst = assert_close(&format!("{ctx} dw_in"), &gi, &fd_in, 1e-6)
                .max(assert_close(&format!("{ctx} dw_rec"), &gr, &fd_rec, 1e-6))
                .max(assert_close(&format!("{ctx} db"), &gb, &fd_b, 1e-6));
            println!("{ctx}: worst error against finite differences {worst:.2e}");
        }
    }
}

fn check_par_independent<T: Real>() {
    let p = Problem::<T>::random(RnnShape::STUDY, 21, 1.0);
    let pars = [Par::Seq, Par::rayon(2), Par::rayon(3), Par::rayon(7)];
    for variant in RnnVariant::ALL {
        let h0 = p.forward(variant, Par::Seq);
        let g0 = p.backward(variant, &h0, Par::Seq);
        for par in pars {
            let h = p.forward(variant, par);
            let g = p.backward(variant, &h, par);
            let bits = |v: &[T]| v.iter().map(|x| x.to_f64().to_bits()).collect::<Vec<_>>();
            assert!(
                bits(&h) == bits(&h0),
                "{variant} {} h differs under {par:?}",
                T::NAME
            );
            for (a, b) in g.iter().zip(&g0) {
                assert!(
                    bits(a) == bits(b),
                    "{variant} {} grads differ under {par:?}",
                    T::NAME
                );
            }
        }
    }
}

#[test]
fn results_do_not_depend_on_par() {
    check_par_independent::<f32>();
    check_par_independent::<f64>();
}

fn grads<'a>(w_in: &'a mut [f32], w_rec: &'a mut [f32], b: &'a mut [f32]) -> RnnGrads<'a, f32> {
    RnnGrads { w_in, w_rec, b }
}

#[test]
fn bad_buffer_lengths_are_errors() {
    let shape = RnnShape {
        steps: 3,
        batch: 2,
        n_in: 2,
        n_hidden: 4,
    };
    let p = Problem::<f32>::random(shape, 1, 1.0);
    let mut h = vec![0.0f32; shape.h_len()];
    let short = |v: &[f32]| v[..v.len() - 1].to_vec();
    let expect = |r: Result<(), KernelError>, buffer: &str| match r {
        Err(KernelError::BufferLength { buffer: b, .. }) => assert_eq!(b, buffer),
        other => panic!("expected a BufferLength error for {buffer}, got {other:?}"),
    };
    for variant in RnnVariant::ALL {
        let w = p.weights();
        let bad_in = short(&p.w_in);
        let bad_rec = short(&p.w_rec);
        let bad_b = short(&p.b);
        let cases = [
            (RnnWeights { w_in: &bad_in, ..w }, "w_in"),
            (
                RnnWeights {
                    w_rec: &bad_rec,
                    ..w
                },
                "w_rec",
            ),
            (RnnWeights { b: &bad_b, ..w }, "b"),
        ];
        for (bad, name) in cases {
            expect(forward(variant, shape, bad, &p.x, &mut h, Par::Seq), name);
        }
        expect(
            forward(variant, shape, w, &short(&p.x), &mut h, Par::Seq),
            "x",
        );
        expect(forward(variant, shape, w, &p.x, &mut h[1..], Par::Seq), "h");
        forward(variant, shape, w, &p.x, &mut h, Par::Seq).unwrap();

        let (mut gi, mut gr, mut gb) = (p.w_in.clone(), p.w_rec.clone(), p.b.clone());
        let mut dh = p.dh.clone();
        let run = |h: &[f32], dh: &mut [f32], g: RnnGrads<'_, f32>| {
            backward(variant, shape, w, &p.x, h, dh, g, Par::Seq)
        };
        expect(run(&h[1..], &mut dh, grads(&mut gi, &mut gr, &mut gb)), "h");
        expect(
            run(&h, &mut dh[1..], grads(&mut gi, &mut gr, &mut gb)),
            "dh",
        );
        expect(
            run(&h, &mut dh, grads(&mut gi[1..], &mut gr, &mut gb)),
            "w_in",
        );
        expect(
            run(&h, &mut dh, grads(&mut gi, &mut gr[1..], &mut gb)),
            "w_rec",
        );
        expect(run(&h, &mut dh, grads(&mut gi, &mut gr, &mut gb[1..])), "b");
        let bad_x = short(&p.x);
        expect(
            backward(
                variant,
                shape,
                w,
                &bad_x,
                &h,
                &mut dh,
                grads(&mut gi, &mut gr, &mut gb),
                Par::Seq,
            ),
            "x",
        );
    }
}

#[test]
fn empty_shapes_do_not_panic() {
    for shape in [
        RnnShape {
            steps: 0,
            batch: 2,
            n_in: 2,
            n_hidden: 3,
        },
        RnnShape {
            steps: 2,
            batch: 0,
            n_in: 2,
            n_hidden: 3,
        },
        RnnShape {
            steps: 2,
            batch: 2,
            n_in: 2,
            n_hidden: 0,
        },
    ] {
        let p = Problem::<f64>::random(shape, 1, 1.0);
        for variant in RnnVariant::ALL {
            let h = p.forward(variant, Par::Seq);
            let [_, gi, gr, gb] = p.backward(variant, &h, Par::Seq);
            assert!(gi.iter().chain(&gr).chain(&gb).all(|&g| g == 0.0));
        }
    }
}

#[test]
fn variant_names_round_trip() {
    for v in RnnVariant::ALL {
        assert_eq!(v.to_string().parse::<RnnVariant>(), Ok(v));
    }
    assert!("blas".parse::<RnnVariant>().is_err());
    assert_eq!(RnnVariant::default(), RnnVariant::Simd);
}
