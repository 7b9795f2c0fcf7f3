//! Spectral modularity (bctpy `modularity_und` and our port of MATLAB BCT's) and Louvain
//! (bctpy `community_louvain`) against the golden file.

mod common;

use common::*;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use wiring_metrics::graph::*;

fn cases() -> Vec<(String, usize, Vec<f64>, serde_json::Value)> {
    let golden = load("graph_golden.json");
    let mut out = Vec::new();
    for case in golden["binary"].as_array().unwrap() {
        let n = case["n"].as_u64().unwrap() as usize;
        let a = dense_from_edges(n, &pairs(&case["edges"]));
        out.push((
            case["name"].as_str().unwrap().to_owned(),
            n,
            a,
            case.clone(),
        ));
    }
    for case in golden["weighted"].as_array().unwrap() {
        let n = case["n"].as_u64().unwrap() as usize;
        out.push((
            case["name"].as_str().unwrap().to_owned(),
            n,
            nums(&case["weights"]),
            case.clone(),
        ));
    }
    out
}

fn check_spectral(key: &str, fine_tuning: FineTuning) {
    let mut checked = 0;
    for (name, n, a, case) in cases() {
        let Some(want) = case.get(key) else { continue };
        let got = modularity_und(&a, n, 1.0, fine_tuning).unwrap();
        assert_close(
            &format!("{name} Q ({key})"),
            got.q,
            num(&want["q"]),
            1e-12,
            0.0,
        );
        // Isolated nodes sit wherever LAPACK's rounding put them in BCT: compare the rest.
        let nodes: Vec<usize> = (0..n)
            .filter(|&i| (0..n).any(|j| a[i * n + j] != 0.0))
            .collect();
        assert!(
            same_partition(&got.labels, &usizes(&want["labels"]), &nodes),
            "{name} ({key}): got {:?}, want {:?}",
            got.labels,
            usizes(&want["labels"])
        );
        let q = modularity_quality(&a, n, &got.labels, 1.0).unwrap();
        assert_close(&format!("{name} Q of labels"), q, got.q, 1e-14, 0.0);
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} cases");
}

#[test]
fn spectral_matches_bctpy_partition_and_q() {
    check_spectral("modularity_und_bctpy", FineTuning::Bctpy);
}

#[test]
fn spectral_newman_fine_tuning_matches_reference_port() {
    check_spectral("modularity_und_newman", FineTuning::Newman);
}

#[test]
fn louvain_reaches_bctpy_q_on_clear_optima() {
    for (name, n, a, case) in cases() {
        let Some(want) = case.get("louvain_q_max") else {
            continue;
        };
        let want = num(want);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        let best = (0..20)
            .map(|_| community_louvain(&a, n, 1.0, &mut rng).unwrap())
            .max_by(|x, y| x.q.total_cmp(&y.q))
            .unwrap();
        let q = modularity_quality(&a, n, &best.labels, 1.0).unwrap();
        assert_close(
            &format!("{name} Louvain Q = Q(labels)"),
            best.q,
            q,
            1e-12,
            0.0,
        );
        if name == "sym30" {
            // A random weighted graph has no clear optimum: the best of 20 runs need only
            // come close to bctpy's best of 20.
            assert!(best.q > want - 0.01, "{name}: {} vs {want}", best.q);
        } else {
            assert_close(&format!("{name} Louvain Q"), best.q, want, 1e-10, 0.0);
        }
    }
}

#[test]
fn louvain_is_deterministic_per_seed() {
    let (_, n, a, _) = cases().into_iter().find(|c| c.0 == "karate").unwrap();
    let run =
        |seed| community_louvain(&a, n, 1.0, &mut Xoshiro256PlusPlus::seed_from_u64(seed)).unwrap();
    assert_eq!(run(5), run(5));
}

#[test]
fn edgeless_graph_has_nan_modularity() {
    let a = vec![0.0; 25];
    let s = modularity_und(&a, 5, 1.0, FineTuning::Newman).unwrap();
    assert!(s.q.is_nan());
    assert_eq!(s.modules(), 1);
    let l = community_louvain(&a, 5, 1.0, &mut Xoshiro256PlusPlus::seed_from_u64(0)).unwrap();
    assert!(l.q.is_nan());
}
