//! The four regularisers' gradients against central finite differences (f64), and the
//! definitions the spec calls ours (pruned units, C as a constant).

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use wiring_model::sernn::regulariser::{Regulariser, RegulariserKind, RegulariserSpec};
use wiring_model::sernn::Space;

/// A random `n × n` weight matrix with entries of both signs and |w| ∈ [0.05, 0.5], so every
/// finite-difference step (1e-6) stays on one side of the |w| kink.
fn weights(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..n * n)
        .map(|_| {
            let m: f64 = rng.random_range(0.05..0.5);
            if rng.random::<bool>() {
                m
            } else {
                -m
            }
        })
        .collect()
}

fn space(n: usize) -> Space {
    // An irregular cloud so no two distances coincide by symmetry.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(99);
    Space::from_coordinates(
        (0..n)
            .map(|_| {
                [
                    rng.random_range(0.0..4.0),
                    rng.random_range(0.0..4.0),
                    rng.random_range(0.0..3.0),
                ]
            })
            .collect(),
    )
    .unwrap()
}

/// Max relative error of the analytic gradient against central differences, relative to the
/// gradient's largest entry.
fn check(spec: RegulariserSpec, n: usize, seed: u64) -> f64 {
    let d = space(n).distance(1.0);
    let mut reg = Regulariser::<f64>::new(spec, &d, n).unwrap();
    let w = weights(n, seed);
    let mut grad = vec![0.0; n * n];
    reg.penalty_and_gradient(&w, &mut grad).unwrap();
    let h = 1e-6;
    // A single unit has no off-diagonal distance or communicability: its gradient is exactly 0
    // (and so is the penalty), which the comparison below still checks.
    let scale = grad
        .iter()
        .fold(0.0f64, |m, g| m.max(g.abs()))
        .max(f64::MIN_POSITIVE);
    assert!(n == 1 || scale > 1e-3, "a non-trivial gradient to check");
    let mut worst = 0.0f64;
    for k in 0..n * n {
        let mut wp = w.clone();
        wp[k] += h;
        let mut wm = w.clone();
        wm[k] -= h;
        let fd = (reg.penalty(&wp).unwrap() - reg.penalty(&wm).unwrap()) / (2.0 * h);
        worst = worst.max((fd - grad[k]).abs() / scale);
    }
    worst
}

// Central differences with h = 1e-6 on penalties of order 1 carry ~1e-10 rounding error and
// O(h²) ≈ 1e-12 truncation: 1e-7 relative to the largest entry separates a right gradient
// from a wrong one (a missing term is off by O(1)).
const TOL: f64 = 1e-7;

#[test]
fn every_regulariser_gradient_matches_finite_differences() {
    for kind in [
        RegulariserKind::L1,
        RegulariserKind::Spatial,
        RegulariserKind::Communicability,
        RegulariserKind::Se,
    ] {
        for n in [1, 2, 3, 8, 13] {
            let spec = RegulariserSpec {
                kind,
                gamma: 0.7,
                ..RegulariserSpec::se(0.7)
            };
            let err = check(spec, n, 10 + n as u64);
            assert!(err < TOL, "{kind:?} n={n}: relative error {err:e}");
        }
    }
}

#[test]
fn powered_variants_match_finite_differences() {
    for kind in [
        RegulariserKind::Spatial,
        RegulariserKind::Communicability,
        RegulariserKind::Se,
    ] {
        for (dp, cp) in [(2.0, 1.0), (1.0, 0.5), (0.5, 2.0)] {
            let spec = RegulariserSpec {
                kind,
                gamma: 0.3,
                distance_power: dp,
                communicability_power: cp,
                constant_communicability: false,
            };
            let err = check(spec, 9, 5);
            assert!(
                err < TOL,
                "{kind:?} distance^{dp} C^{cp}: relative error {err:e}"
            );
        }
    }
}

#[test]
fn constant_communicability_keeps_only_the_direct_term() {
    let n = 9;
    let d = space(n).distance(1.0);
    let w = weights(n, 3);
    let spec = RegulariserSpec {
        constant_communicability: true,
        ..RegulariserSpec::se(0.5)
    };
    let mut reg = Regulariser::<f64>::new(spec, &d, n).unwrap();
    let mut grad = vec![0.0; n * n];
    let penalty = reg.penalty_and_gradient(&w, &mut grad).unwrap();
    // With C held fixed the penalty is linear in |W|: P = Σ |w_ij| · grad_ij · sign(w_ij).
    let linear: f64 = w
        .iter()
        .zip(&grad)
        .map(|(w, g)| w.abs() * g * w.signum())
        .sum();
    assert!(
        (penalty - linear).abs() < 1e-12 * penalty.abs(),
        "{penalty} vs {linear}"
    );
    // And it differs from the full gradient (which flows through expm).
    let mut full = Regulariser::<f64>::new(RegulariserSpec::se(0.5), &d, n).unwrap();
    let mut grad_full = vec![0.0; n * n];
    full.penalty_and_gradient(&w, &mut grad_full).unwrap();
    let diff = grad
        .iter()
        .zip(&grad_full)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(
        diff > 1e-3,
        "the through-expm term should matter, max diff {diff}"
    );
}

#[test]
fn a_fully_pruned_unit_does_not_poison_communicability() {
    let n = 8;
    let d = space(n).distance(1.0);
    let mut w = weights(n, 4);
    for j in 0..n {
        w[2 * n + j] = 0.0; // unit 2 sends nothing
    }
    for kind in [RegulariserKind::Communicability, RegulariserKind::Se] {
        let mut reg = Regulariser::<f64>::new(
            RegulariserSpec {
                kind,
                ..RegulariserSpec::se(1.0)
            },
            &d,
            n,
        )
        .unwrap();
        let mut grad = vec![0.0; n * n];
        let p = reg.penalty_and_gradient(&w, &mut grad).unwrap();
        assert!(p.is_finite() && p > 0.0, "{kind:?}: penalty {p}");
        assert!(
            grad.iter().all(|g| g.is_finite()),
            "{kind:?}: non-finite gradient"
        );
        // Sub-gradient of |w| at 0 is 0: the pruned row gets no gradient.
        assert!(grad[2 * n..3 * n].iter().all(|&g| g == 0.0), "{kind:?}");
    }
    // An all-zero matrix: zero penalty, zero gradient, no NaN.
    let mut reg = Regulariser::<f64>::new(RegulariserSpec::se(1.0), &d, n).unwrap();
    let mut grad = vec![0.0; n * n];
    assert_eq!(
        reg.penalty_and_gradient(&vec![0.0; n * n], &mut grad)
            .unwrap(),
        0.0
    );
    assert!(grad.iter().all(|&g| g == 0.0));
}

#[test]
fn penalties_match_their_definitions() {
    let n = 5;
    let d = space(n).distance(1.0);
    let w = weights(n, 8);
    let l1: f64 = w.iter().map(|x| x.abs()).sum();
    let spatial: f64 = w.iter().zip(&d).map(|(x, d)| x.abs() * d).sum();
    let mut reg = Regulariser::<f64>::new(RegulariserSpec::l1(0.25), &d, n).unwrap();
    assert!((reg.penalty(&w).unwrap() - 0.25 * l1).abs() < 1e-12);
    let mut reg = Regulariser::<f64>::new(
        RegulariserSpec {
            kind: RegulariserKind::Spatial,
            ..RegulariserSpec::se(0.25)
        },
        &d,
        n,
    )
    .unwrap();
    assert!((reg.penalty(&w).unwrap() - 0.25 * spatial).abs() < 1e-12);
    // se ≤ spatial · max C, and > 0; C's diagonal is excluded (a diagonal-only W has P = 0).
    let mut diag = vec![0.0; n * n];
    for i in 0..n {
        diag[i * n + i] = 1.0;
    }
    let mut reg = Regulariser::<f64>::new(RegulariserSpec::se(1.0), &d, n).unwrap();
    assert_eq!(reg.penalty(&diag).unwrap(), 0.0);
}

#[test]
fn invalid_specs_are_refused() {
    let d = vec![0.0; 4];
    for spec in [
        RegulariserSpec::se(-0.1),
        RegulariserSpec::l1(f64::NAN),
        RegulariserSpec {
            distance_power: 0.0,
            ..RegulariserSpec::se(0.1)
        },
    ] {
        assert!(Regulariser::<f32>::new(spec, &d, 2).is_err(), "{spec:?}");
    }
    assert!(
        Regulariser::<f32>::new(RegulariserSpec::se(0.1), &d, 3).is_err(),
        "distance of the wrong size"
    );
}
