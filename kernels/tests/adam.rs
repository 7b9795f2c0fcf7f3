//! The `adam` family: both forms against a trajectory computed by hand (exact decimal
//! arithmetic, 50 digits, in Python's `decimal`), the constant-gradient closed forms, and
//! `Simd` against `Reference` bit for bit.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use wiring_kernels::adam::{step, AdamForm, AdamParams, AdamVariant};
use wiring_kernels::{KernelError, Real};

const VARIANTS: [AdamVariant; 2] = [AdamVariant::Reference, AdamVariant::Simd];

fn params(form: AdamForm) -> AdamParams {
    AdamParams {
        lr: 0.01,
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-7,
        form,
    }
}

/// `(p, m, v)` after steps 1, 2, 3 from `p = 0.5, m = v = 0` with gradients 0.3, −1.2, 0.05,
/// `lr = 0.01, β₁ = 0.9, β₂ = 0.999, ε = 1e-7`, evaluated exactly (then rounded to the
/// nearest f64) with the formulas of the module docs.
const KERAS: [[f64; 3]; 3] = [
    [0.49000010540814426, 0.03, 9e-05],
    [0.49559512604415246, -0.093, 0.00152991],
    [0.4996584101374039, -0.0787, 0.00153088009],
];
const PYTORCH: [[f64; 3]; 3] = [
    [0.4900000033333322, 0.03, 9e-05],
    [0.49559503763415846, -0.093, 0.00152991],
    [0.4996583315438853, -0.0787, 0.00153088009],
];

/// Relative tolerance against exact arithmetic: a handful of correctly rounded operations
/// per step, three steps, plus the rounding of the constants to `T` — a few ulps; the
/// `p` update subtracts a ~1e-2 step from 0.5, so its error relative to `p` is smaller.
fn tol<T: Real>() -> f64 {
    if T::NAME == "f32" {
        1e-6
    } else {
        1e-14
    }
}

fn check_trajectory<T: Real>(form: AdamForm, expected: &[[f64; 3]; 3]) {
    let hp = params(form);
    for variant in VARIANTS {
        // 11 copies of the same scalar problem, so the Simd variant uses vectors and a tail.
        let n = 11;
        let mut p = vec![T::from_f64(0.5); n];
        let (mut m, mut v) = (vec![T::ZERO; n], vec![T::ZERO; n]);
        for (t, (g, want)) in [0.3, -1.2, 0.05].iter().zip(expected).enumerate() {
            let grads = vec![T::from_f64(*g); n];
            step(variant, &hp, t as u64 + 1, &mut p, &grads, &mut m, &mut v).unwrap();
            for i in 0..n {
                for (name, got, want) in [
                    ("p", p[i], want[0]),
                    ("m", m[i], want[1]),
                    ("v", v[i], want[2]),
                ] {
                    let err = (got.to_f64() - want).abs() / want.abs();
                    assert!(
                        err <= tol::<T>(),
                        "{form:?} {variant} {} step {} {name}[{i}]: {got:?} vs {want:e} (rel {err:e})",
                        T::NAME,
                        t + 1
                    );
                }
            }
        }
    }
}

#[test]
fn trajectories_match_hand_computation() {
    check_trajectory::<f64>(AdamForm::Keras, &KERAS);
    check_trajectory::<f32>(AdamForm::Keras, &KERAS);
    check_trajectory::<f64>(AdamForm::PyTorch, &PYTORCH);
    check_trajectory::<f32>(AdamForm::PyTorch, &PYTORCH);
}

/// With a constant gradient `g`, `m_t = (1−β₁ᵗ)g` and `v_t = (1−β₂ᵗ)g²`, so each step moves
/// `p` by `lr·g/(|g| + ε)` (PyTorch) or `lr·g/(|g| + ε/√(1−β₂ᵗ))` (Keras: ε sits on the
/// uncorrected √v). With a large ε the two forms differ visibly.
#[test]
fn constant_gradient_closed_forms() {
    let (g, lr, eps) = (0.25f64, 0.1, 0.05);
    for form in [AdamForm::Keras, AdamForm::PyTorch] {
        let hp = AdamParams {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: eps,
            form,
        };
        for variant in VARIANTS {
            let (mut p, mut m, mut v) = ([1.0f64; 5], [0.0; 5], [0.0; 5]);
            let mut want = 1.0;
            for t in 1..=20u64 {
                step(variant, &hp, t, &mut p, &[g; 5], &mut m, &mut v).unwrap();
                let eps_eff = match form {
                    AdamForm::PyTorch => eps,
                    AdamForm::Keras => eps / (1.0 - 0.999f64.powi(t as i32)).sqrt(),
                };
                want -= lr * g / (g + eps_eff);
                assert!(
                    (p[0] - want).abs() < 1e-13,
                    "{form:?} {variant} t={t}: {} vs {want}",
                    p[0]
                );
            }
        }
    }
}

/// `Simd` equals `Reference` bit for bit: both evaluate the same correctly rounded IEEE
/// operations (`+ − × ÷ √`, no FMA) in the same order, so there is no ulp to allow.
fn check_bit_identical<T: Real>() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(17);
    for n in [0, 1, 3, 4, 7, 8, 9, 33, 1000] {
        for form in [AdamForm::Keras, AdamForm::PyTorch] {
            let hp = params(form);
            let mut rand = |s: f64| -> Vec<T> {
                (0..n)
                    .map(|_| T::from_f64(s * rng.random_range(-1.0..1.0)))
                    .collect()
            };
            let p0 = rand(1.0);
            let m0 = rand(0.1);
            let v0: Vec<T> = rand(0.01).into_iter().map(|x| x * x).collect();
            let mut states: Vec<(Vec<T>, Vec<T>, Vec<T>)> = VARIANTS
                .iter()
                .map(|_| (p0.clone(), m0.clone(), v0.clone()))
                .collect();
            for t in 1..=5 {
                let g = rand(if t == 3 { 1e30 } else { 1.0 });
                for (variant, (p, m, v)) in VARIANTS.iter().zip(&mut states) {
                    step(*variant, &hp, t, p, &g, m, v).unwrap();
                }
                let bits = |x: &[T]| x.iter().map(|x| x.to_f64().to_bits()).collect::<Vec<_>>();
                let (a, b) = (&states[0], &states[1]);
                assert!(
                    bits(&a.0) == bits(&b.0)
                        && bits(&a.1) == bits(&b.1)
                        && bits(&a.2) == bits(&b.2),
                    "{} {form:?} n={n} t={t}: simd differs from reference",
                    T::NAME
                );
            }
        }
    }
}

#[test]
fn simd_is_bit_identical_to_reference() {
    check_bit_identical::<f32>();
    check_bit_identical::<f64>();
}

#[test]
fn bad_inputs_are_errors() {
    let hp = params(AdamForm::Keras);
    let (mut p, mut m, mut v) = (vec![0.0f32; 4], vec![0.0f32; 4], vec![0.0f32; 4]);
    let g = vec![1.0f32; 4];
    for variant in VARIANTS {
        let r = step(variant, &hp, 1, &mut p, &g[1..], &mut m, &mut v);
        assert!(
            matches!(
                r,
                Err(KernelError::BufferLength {
                    buffer: "grads",
                    ..
                })
            ),
            "{r:?}"
        );
        let r = step(variant, &hp, 1, &mut p, &g, &mut m[1..], &mut v);
        assert!(
            matches!(r, Err(KernelError::BufferLength { buffer: "m", .. })),
            "{r:?}"
        );
        let r = step(variant, &hp, 1, &mut p, &g, &mut m, &mut v[1..]);
        assert!(
            matches!(r, Err(KernelError::BufferLength { buffer: "v", .. })),
            "{r:?}"
        );
        let r = step(variant, &hp, 0, &mut p, &g, &mut m, &mut v);
        assert!(matches!(r, Err(KernelError::Dimension { .. })), "{r:?}");
        let bad = AdamParams { beta1: 1.0, ..hp };
        let r = step(variant, &bad, 1, &mut p, &g, &mut m, &mut v);
        assert!(matches!(r, Err(KernelError::Dimension { .. })), "{r:?}");
    }
}
