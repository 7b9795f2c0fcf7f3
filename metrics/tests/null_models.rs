//! Null graphs keep their node and edge counts; small-worldness of Watts–Strogatz graphs;
//! the structural entry point; bad inputs.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use wiring_metrics::graph::*;
use wiring_metrics::MetricsError;

#[test]
fn null_graphs_have_the_claimed_node_and_edge_counts() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    for n in [0usize, 1, 2, 3, 7, 63, 64, 65, 100, 129] {
        let pairs = n * n.saturating_sub(1) / 2;
        for m in [0, 1, pairs / 10, pairs / 2, pairs.saturating_sub(1), pairs] {
            if m > pairs {
                continue;
            }
            let g = random_graph(n, m, &mut rng).unwrap();
            assert_eq!((g.n(), g.edge_count()), (n, m), "n = {n}, m = {m}");
            for i in 0..n {
                assert!(!g.has_edge(i, i));
                for j in 0..n {
                    assert_eq!(g.has_edge(i, j), g.has_edge(j, i));
                }
            }
        }
        assert!(matches!(
            random_graph(n, pairs + 1, &mut rng),
            Err(MetricsError::OutOfRange { name: "m", .. })
        ));
    }
}

#[test]
fn null_graph_pairs_are_uniform() {
    // Each of the 45 pairs of a 10-node graph is drawn with probability m / 45.
    let (n, m, draws) = (10, 9, 20_000);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2);
    let mut count = vec![0usize; n * n];
    for _ in 0..draws {
        let g = random_graph(n, m, &mut rng).unwrap();
        for i in 0..n {
            for j in i + 1..n {
                count[i * n + j] += usize::from(g.has_edge(i, j));
            }
        }
    }
    let expect = draws as f64 * m as f64 / 45.0; // 4 000, sd ≈ 56
    for i in 0..n {
        for j in i + 1..n {
            let c = count[i * n + j] as f64;
            assert!(
                (c - expect).abs() < 5.0 * 56.6,
                "pair ({i},{j}): {c} vs {expect}"
            );
        }
    }
}

/// Watts–Strogatz: ring of `n` nodes joined to `k/2` neighbours each side, each edge's far
/// end rewired with probability `p` to a uniform node (no self-loops or duplicates).
fn watts_strogatz(n: usize, k: usize, p: f64, rng: &mut Xoshiro256PlusPlus) -> BinaryGraph {
    let mut a = vec![false; n * n];
    for i in 0..n {
        for d in 1..=k / 2 {
            let j = (i + d) % n;
            a[i * n + j] = true;
            a[j * n + i] = true;
        }
    }
    for d in 1..=k / 2 {
        for i in 0..n {
            let j = (i + d) % n;
            if a[i * n + j] && rng.random::<f64>() < p {
                let t = rng.random_range(0..n);
                if t != i && !a[i * n + t] {
                    a[i * n + j] = false;
                    a[j * n + i] = false;
                    a[i * n + t] = true;
                    a[t * n + i] = true;
                }
            }
        }
    }
    let dense: Vec<f64> = a.iter().map(|&x| f64::from(u8::from(x))).collect();
    BinaryGraph::from_adjacency(&dense, n).unwrap()
}

#[test]
fn watts_strogatz_small_worldness() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    let mut scratch = NullScratch::default();
    let small = watts_strogatz(100, 10, 0.05, &mut rng);
    let s = small_world(&small, 200, false, &mut rng, &mut scratch).unwrap();
    assert!(s.sigma > 2.0, "σ(p = 0.05) = {}", s.sigma);
    assert!(
        s.sigma_efficiency > 2.0,
        "σ_E(p = 0.05) = {}",
        s.sigma_efficiency
    );
    let random = watts_strogatz(100, 10, 1.0, &mut rng);
    let r = small_world(&random, 200, false, &mut rng, &mut scratch).unwrap();
    assert!((r.sigma - 1.0).abs() < 0.2, "σ(p = 1) = {}", r.sigma);
    assert!(
        (r.sigma_efficiency - 1.0).abs() < 0.2,
        "σ_E(p = 1) = {}",
        r.sigma_efficiency
    );
    assert_eq!(r.draws, 200);
    // Same seed, same result.
    let mut again = |seed| {
        small_world(
            &small,
            20,
            false,
            &mut Xoshiro256PlusPlus::seed_from_u64(seed),
            &mut scratch,
        )
        .unwrap()
    };
    let first = again(9);
    assert_eq!(first, again(9));
}

#[test]
fn structural_measures_runs_and_serialises() {
    let n = 100;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(4);
    let w: Vec<f64> = (0..n * n).map(|_| rng.random::<f64>() - 0.5).collect();
    let d: Vec<f64> = (0..n * n)
        .map(|ij| ((ij / n) as f64 - (ij % n) as f64).abs())
        .collect();
    let opts = StructuralOptions {
        null_draws: 50,
        ..StructuralOptions::default()
    };
    let m = structural_measures(&w, n, Some(&d), &opts).unwrap();
    // A ∨ Aᵀ of the 990 kept directed entries: between 495 and 990 undirected edges.
    assert!(m.edges >= 495 && m.edges <= 990);
    assert!((m.weight_density - 1.0).abs() < 1e-12);
    assert!(m.spectral_binary.q.is_finite() && m.louvain_weighted.q.is_finite());
    assert!(m.wiring_cost.is_some() && m.mean_communicability > 0.0);
    let text = serde_json::to_string(&m).unwrap();
    assert!(text.contains("\"sigma\""));
    assert_eq!(
        m,
        structural_measures(&w, n, Some(&d), &opts).unwrap(),
        "seeded ⇒ repeatable"
    );
}

#[test]
fn edgeless_and_complete_graphs() {
    let e = BinaryGraph::empty(6);
    let s = binary_path_sums(&e);
    assert!(s.characteristic_path_length(false).is_nan());
    assert_eq!(s.characteristic_path_length(true), f64::INFINITY);
    assert_eq!(s.global_efficiency(), 0.0);
    assert_eq!(mean_clustering(&e), 0.0);
    let c = BinaryGraph::complete(70);
    assert_eq!(mean_clustering(&c), 1.0);
    assert_eq!(characteristic_path_length(&c, true), 1.0);
    assert_eq!(global_efficiency_binary(&c), 1.0);
    assert_eq!(c.density(), 1.0);
}

#[test]
fn threshold_ties_keep_the_later_entry() {
    // All off-diagonal weights equal (asymmetric zero pattern): the later row-major entries win.
    let n = 3;
    let w = [0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0];
    let kept = threshold_proportional(&w, n, 0.5).unwrap(); // en = round(6 · 0.5) = 3
    let on: Vec<usize> = (0..9).filter(|&k| kept[k] != 0.0).collect();
    assert_eq!(on, vec![5, 6, 7]);
}

#[test]
fn bad_inputs_are_errors() {
    assert!(matches!(
        BinaryGraph::from_adjacency(&[0.0; 5], 2),
        Err(MetricsError::NotSquare { len: 5, n: 2, .. })
    ));
    assert!(matches!(
        threshold_proportional(&[0.0, f64::NAN, 1.0, 0.0], 2, 0.1),
        Err(MetricsError::NonFinite { index: 1, .. })
    ));
    assert!(matches!(
        threshold_proportional(&[0.0; 4], 2, 1.5),
        Err(MetricsError::OutOfRange { name: "p", .. })
    ));
    assert!(matches!(
        global_efficiency_weighted(&[0.0, -1.0, -1.0, 0.0], 2),
        Err(MetricsError::Negative { .. })
    ));
    assert!(matches!(
        modularity_und(&[0.0, -1.0, -1.0, 0.0], 2, 1.0, FineTuning::Newman),
        Err(MetricsError::Negative { .. })
    ));
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
    assert!(matches!(
        community_louvain(&[0.0; 3], 2, 1.0, &mut rng),
        Err(MetricsError::NotSquare { .. })
    ));
    assert!(matches!(
        modularity_quality(&[0.0; 4], 2, &[0], 1.0),
        Err(MetricsError::LengthMismatch { .. })
    ));
    assert!(matches!(
        wiring_cost(&[0.0; 4], &[0.0; 3], 2),
        Err(MetricsError::NotSquare {
            what: "distance",
            ..
        })
    ));
    let opts = StructuralOptions {
        null_draws: 0,
        ..StructuralOptions::default()
    };
    assert!(matches!(
        structural_measures(&[0.0; 4], 2, None, &opts),
        Err(MetricsError::OutOfRange {
            name: "null_draws",
            ..
        })
    ));
    let g = BinaryGraph::empty(3);
    assert!(small_world(&g, 0, false, &mut rng, &mut NullScratch::default()).is_err());
    // The messages name the facts.
    let msg = BinaryGraph::from_adjacency(&[0.0; 5], 2)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("length 5") && msg.contains("n = 2"), "{msg}");
}

/// `cargo test --release -p wiring-metrics --test null_models -- --ignored --nocapture`
#[test]
#[ignore]
fn timing_small_world_100_nodes_1000_nulls() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    let w: Vec<f64> = (0..100 * 100).map(|_| rng.random::<f64>()).collect();
    let g = binarise_proportional(&w, 100, 0.1).unwrap();
    let mut scratch = NullScratch::default();
    let t = std::time::Instant::now();
    let s = small_world(&g, 1000, false, &mut rng, &mut scratch).unwrap();
    let dt = t.elapsed();
    let t2 = std::time::Instant::now();
    let m = structural_measures(&w, 100, None, &StructuralOptions::default()).unwrap();
    println!(
        "small_world(n = 100, m = {}, 1000 nulls): {dt:?}, σ = {:.3}; structural_measures: {:?} (Q = {:.3})",
        g.edge_count(),
        s.sigma,
        t2.elapsed(),
        m.spectral_binary.q
    );
}
