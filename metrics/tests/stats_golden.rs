//! Mann–Whitney U and Benjamini–Hochberg against SciPy 1.11 (golden file), and properties.

mod common;

use common::*;
use wiring_metrics::stats::*;
use wiring_metrics::MetricsError;

#[test]
fn mann_whitney_matches_scipy() {
    let golden = load("stats_golden.json");
    for case in golden["mann_whitney"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let (x, y) = (nums(&case["x"]), nums(&case["y"]));
        let policy = match case["nan_policy"].as_str().unwrap() {
            "omit" => NanPolicy::Omit,
            _ => NanPolicy::Propagate,
        };
        let r = mann_whitney_u(&x, &y, policy).unwrap();
        assert_close(&format!("{name} U"), r.u, num(&case["u"]), 0.0, 0.0);
        assert_close(&format!("{name} p"), r.p, num(&case["p"]), 1e-300, 1e-12);
    }
}

#[test]
fn mann_whitney_is_symmetric_in_its_samples() {
    let golden = load("stats_golden.json");
    for case in golden["mann_whitney"].as_array().unwrap() {
        let (x, y) = (nums(&case["x"]), nums(&case["y"]));
        let a = mann_whitney_u(&x, &y, NanPolicy::Omit).unwrap();
        let b = mann_whitney_u(&y, &x, NanPolicy::Omit).unwrap();
        let (nx, ny) = (
            x.iter().filter(|v| !v.is_nan()).count() as f64,
            y.iter().filter(|v| !v.is_nan()).count() as f64,
        );
        assert_eq!(a.u + b.u, nx * ny, "U₁ + U₂ = n₁n₂");
        assert_eq!(a.p, b.p, "two-sided p is symmetric");
        // Shifting both samples or scaling them by a positive factor changes nothing.
        let shift = |v: &[f64]| v.iter().map(|t| 3.0 * t + 10.0).collect::<Vec<_>>();
        let c = mann_whitney_u(&shift(&x), &shift(&y), NanPolicy::Omit).unwrap();
        assert_eq!((a.u, a.p), (c.u, c.p));
    }
}

#[test]
fn mann_whitney_edges() {
    let same = mann_whitney_u(&[2.0; 4], &[2.0; 3], NanPolicy::Raise).unwrap();
    assert_eq!(same.p, 1.0);
    assert_eq!(same.u, 6.0);
    let identical = mann_whitney_u(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0], NanPolicy::Raise).unwrap();
    assert_eq!(identical.p, 1.0);
    let far = mann_whitney_u(
        &(0..200).map(f64::from).collect::<Vec<_>>(),
        &(1000..1200).map(f64::from).collect::<Vec<_>>(),
        NanPolicy::Raise,
    )
    .unwrap();
    assert!(
        far.p > 0.0 && far.p < 1e-60,
        "tiny p keeps its size: {}",
        far.p
    );
    assert_eq!(far.u, 0.0);
}

#[test]
fn mann_whitney_bad_inputs() {
    assert!(matches!(
        mann_whitney_u(&[], &[1.0], NanPolicy::Propagate),
        Err(MetricsError::Empty { what: "x", .. })
    ));
    assert!(matches!(
        mann_whitney_u(&[1.0], &[f64::NAN], NanPolicy::Omit),
        Err(MetricsError::Empty { what: "y", .. })
    ));
    assert!(matches!(
        mann_whitney_u(&[1.0, f64::NAN], &[2.0], NanPolicy::Raise),
        Err(MetricsError::NonFinite {
            what: "x",
            index: 1,
            ..
        })
    ));
    let r = mann_whitney_u(&[1.0, f64::NAN], &[2.0], NanPolicy::Propagate).unwrap();
    assert!(r.u.is_nan() && r.p.is_nan());
}

#[test]
fn benjamini_hochberg_matches_scipy() {
    let golden = load("stats_golden.json");
    for case in golden["benjamini_hochberg"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let got = benjamini_hochberg(&nums(&case["ps"])).unwrap();
        for (i, (g, w)) in got.iter().zip(nums(&case["adjusted"])).enumerate() {
            assert_close(&format!("{name}[{i}]"), *g, w, 0.0, 1e-14);
        }
    }
}

#[test]
fn benjamini_hochberg_edges_and_nan() {
    assert_eq!(benjamini_hochberg(&[]).unwrap(), Vec::<f64>::new());
    assert_eq!(benjamini_hochberg(&[0.3]).unwrap(), vec![0.3]);
    for bad in [f64::NAN, -0.1, 1.5] {
        assert!(matches!(
            benjamini_hochberg(&[0.1, bad]),
            Err(MetricsError::OutOfRange { .. })
        ));
    }
    let with_nan = benjamini_hochberg_omit_nan(&[0.01, f64::NAN, 0.04, 0.03]).unwrap();
    let without = benjamini_hochberg(&[0.01, 0.04, 0.03]).unwrap();
    assert!(with_nan[1].is_nan());
    assert_eq!(
        [with_nan[0], with_nan[2], with_nan[3]],
        [without[0], without[1], without[2]]
    );
    // Monotone in the raw p-values and never below them.
    let ps = [0.2, 0.001, 0.05, 0.05, 0.9, 0.01];
    let adj = benjamini_hochberg(&ps).unwrap();
    for i in 0..ps.len() {
        assert!(adj[i] >= ps[i]);
        for j in 0..ps.len() {
            if ps[i] <= ps[j] {
                assert!(adj[i] <= adj[j]);
            }
        }
    }
}
