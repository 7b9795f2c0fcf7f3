//! Binary and weighted graph measures against bctpy 0.6.1 and networkx (golden file).

mod common;

use common::*;
use wiring_metrics::graph::*;

#[test]
fn binary_measures_match_bctpy_and_networkx() {
    let golden = load("graph_golden.json");
    for case in golden["binary"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let n = case["n"].as_u64().unwrap() as usize;
        let a = dense_from_edges(n, &pairs(&case["edges"]));
        let g = BinaryGraph::from_adjacency(&a, n).unwrap();
        assert_eq!(g.edge_count(), pairs(&case["edges"]).len(), "{name}");
        let want_c = nums(&case["clustering"]);
        for (u, (got, want)) in clustering_coefficients(&g).iter().zip(&want_c).enumerate() {
            assert_close(&format!("{name} C[{u}]"), *got, *want, 0.0, 1e-14);
        }
        let mean_c = mean_clustering(&g);
        assert_close(
            name,
            mean_c,
            num(&case["nx_average_clustering"]),
            0.0,
            1e-13,
        );
        let sums = binary_path_sums(&g);
        assert_close(
            &format!("{name} charpath finite"),
            sums.characteristic_path_length(false),
            num(&case["charpath_finite"]),
            0.0,
            1e-14,
        );
        assert_close(
            &format!("{name} charpath infinite"),
            sums.characteristic_path_length(true),
            num(&case["charpath_infinite"]),
            0.0,
            1e-14,
        );
        let e = sums.global_efficiency();
        assert_close(
            &format!("{name} E"),
            e,
            num(&case["efficiency_bin"]),
            0.0,
            1e-13,
        );
        assert_close(
            &format!("{name} nx E"),
            e,
            num(&case["nx_global_efficiency"]),
            0.0,
            1e-13,
        );
        // The weighted code on a 0/1 matrix is the binary one (lengths 1).
        let ew = global_efficiency_weighted(&a, n).unwrap();
        assert_close(&format!("{name} E_wei(0/1)"), ew, e, 0.0, 1e-13);
        assert_close(
            &format!("{name} density"),
            g.density(),
            num(&case["density_und"]),
            0.0,
            1e-15,
        );
    }
}

#[test]
fn weighted_efficiency_matches_bctpy() {
    let golden = load("graph_golden.json");
    for case in golden["weighted"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let n = case["n"].as_u64().unwrap() as usize;
        let w = nums(&case["weights"]);
        let e = global_efficiency_weighted(&w, n).unwrap();
        assert_close(name, e, num(&case["efficiency_wei"]), 0.0, 1e-13);
    }
}

#[test]
fn threshold_and_binarisation_match_bctpy() {
    let golden = load("graph_golden.json");
    for case in golden["thresholds"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let n = case["n"].as_u64().unwrap() as usize;
        let p = num(&case["p"]);
        let w = nums(&case["weights"]);
        let kept = threshold_proportional(&w, n, p).unwrap();
        let mut got: Vec<(usize, usize)> = (0..n * n)
            .filter(|&ij| kept[ij] != 0.0)
            .map(|ij| (ij / n, ij % n))
            .collect();
        got.sort_unstable();
        assert_eq!(got, pairs(&case["kept"]), "{name}: kept entries");
        for &(i, j) in &got {
            assert_eq!(kept[i * n + j], w[i * n + j].abs(), "{name}: kept value");
        }
        let Some(edges) = case.get("binary_edges") else {
            continue;
        };
        let g = binarise_proportional(&w, n, p).unwrap();
        let a = dense_from_edges(n, &pairs(edges));
        assert_eq!(
            g,
            BinaryGraph::from_adjacency(&a, n).unwrap(),
            "{name}: A ∨ Aᵀ"
        );
        let sums = binary_path_sums(&g);
        assert_close(
            name,
            mean_clustering(&g),
            num(&case["clustering_mean"]),
            0.0,
            1e-13,
        );
        assert_close(
            name,
            sums.characteristic_path_length(false),
            num(&case["charpath_finite"]),
            0.0,
            1e-14,
        );
        assert_close(
            name,
            sums.global_efficiency(),
            num(&case["efficiency_bin"]),
            0.0,
            1e-13,
        );
        let sym = symmetrise_weights(&w, n).unwrap();
        let ew = global_efficiency_weighted(&sym, n).unwrap();
        assert_close(name, ew, num(&case["efficiency_wei_sym"]), 0.0, 1e-13);
        let want = &case["modularity_und_bctpy_binary"];
        let got = modularity_und(&g.to_dense(), n, 1.0, FineTuning::Bctpy).unwrap();
        assert_close(&format!("{name} Q"), got.q, num(&want["q"]), 1e-12, 0.0);
        let nodes: Vec<usize> = (0..n).filter(|&i| g.degree(i) > 0).collect();
        assert!(
            same_partition(&got.labels, &usizes(&want["labels"]), &nodes),
            "{name}"
        );
    }
}

#[test]
fn wiring_and_communicability_match_numpy_scipy() {
    let golden = load("graph_golden.json");
    let case = &golden["wiring"];
    let n = case["n"].as_u64().unwrap() as usize;
    let w = nums(&case["weights"]);
    let d = nums(&case["distance"]);
    let c = communicability(&w, n).unwrap();
    for (k, (got, want)) in c.iter().zip(nums(&case["communicability"])).enumerate() {
        assert_close(&format!("C[{k}]"), *got, want, 1e-15, 1e-12);
    }
    let mc = mean_communicability(&w, n).unwrap();
    assert_close("mean C", mc, num(&case["mean_communicability"]), 0.0, 1e-12);
    let tw = total_weight(&w, n).unwrap();
    assert_close("Σ|W|", tw, num(&case["total_weight"]), 0.0, 1e-13);
    let cost = wiring_cost(&w, &d, n).unwrap();
    assert_close("cost", cost, num(&case["wiring_cost"]), 0.0, 1e-13);
    let len = mean_weighted_edge_length(&w, &d, n).unwrap();
    assert_close(
        "length",
        len,
        num(&case["mean_weighted_edge_length"]),
        0.0,
        1e-13,
    );
    let r = weight_distance_correlation(&w, &d, n).unwrap();
    assert_close(
        "corr",
        r,
        num(&case["weight_distance_correlation"]),
        0.0,
        1e-12,
    );
}
