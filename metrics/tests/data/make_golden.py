"""Golden data for the wiring-metrics tests (bctpy, networkx, SciPy).

Run from anywhere with a Python that has the pinned packages:

    python3 -m venv /tmp/venv
    /tmp/venv/bin/pip install "numpy<1.24" "scipy<1.12" bctpy networkx
    /tmp/venv/bin/python metrics/tests/data/make_golden.py

(the files committed were made with numpy 1.23.5, scipy 1.11.4, bctpy 0.6.1, networkx 3.6.1).
Writes graph_golden.json and stats_golden.json next to this script. Non-finite numbers are
written as the strings "inf", "-inf", "nan". Inputs are rounded to 6 decimals so the JSON
text is the exact input both sides use.
"""
import json
import os

import bct
import networkx as nx
import numpy as np
import scipy
import scipy.linalg
import scipy.stats

HERE = os.path.dirname(os.path.abspath(__file__))


def enc(x):
    """JSON-safe number: non-finite floats as strings."""
    if isinstance(x, (list, tuple, np.ndarray)):
        return [enc(v) for v in x]
    x = float(x)
    if np.isnan(x):
        return "nan"
    if np.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def edges_of(a):
    n = len(a)
    return [[i, j] for i in range(n) for j in range(i + 1, n) if a[i, j] != 0]


def modularity_und_newman(A, gamma=1.0, tol=1e-10):
    """Spectral modularity with effective Newman fine-tuning: MATLAB BCT's modularity_und
    (2016) with its loop order, but one node moved per step (the first within `tol` of the
    best gain) and the best assignment kept as a copy; tolerances as the Rust code."""
    N = len(A)
    K = A.sum(axis=0)
    m = K.sum()
    B = A - gamma * np.outer(K, K) / m
    modules = []
    stack = [np.arange(N)]
    while stack:
        ind = stack.pop()
        bg = B[np.ix_(ind, ind)]
        Bg = bg - np.diag(bg.sum(axis=0))
        Ng = len(ind)
        vals, vecs = np.linalg.eigh(Bg)
        v1 = vecs[:, int(np.argmax(vals))]
        vmax = np.abs(v1).max()
        lead = int(np.flatnonzero(np.abs(v1) >= (1 - 1e-9) * vmax)[0])
        v1 = v1 if v1[lead] >= 0 else -v1
        S = np.where((v1 >= 0) | (np.abs(v1) < 1e-12 * vmax), 1.0, -1.0)
        q = S @ Bg @ S
        if q <= tol:
            modules.append(ind)
            continue
        qmax = q
        np.fill_diagonal(Bg, 0)
        moved = np.zeros(Ng, dtype=bool)
        Sit = S.copy()
        while not moved.all():
            Qit = qmax - 4 * Sit * (Bg @ Sit)
            best = Qit[~moved].max()
            imax = int(np.flatnonzero(~moved & (Qit >= best - tol))[0])
            qmax = Qit[imax]
            Sit[imax] = -Sit[imax]
            moved[imax] = True
            if qmax > q + tol:
                q = qmax
                S = Sit.copy()
        plus, minus = ind[S > 0], ind[S < 0]
        if len(plus) == 0 or len(minus) == 0:
            modules.append(ind)
        else:
            stack.append(minus)
            stack.append(plus)
    ci = np.zeros(N, dtype=int)
    for c, mod in enumerate(modules):
        ci[mod] = c
    s = np.tile(ci, (N, 1))
    Q = np.sum((s - s.T == 0) * B / m)
    return ci, Q


def binary_case(name, a, louvain=False):
    a = np.array(a, dtype=float)
    n = len(a)
    d = bct.distance_bin(a)
    case = {
        "name": name,
        "n": n,
        "edges": edges_of(a),
        "clustering": enc(bct.clustering_coef_bu(a)),
        "charpath_finite": enc(bct.charpath(d, include_infinite=False)[0]),
        "charpath_infinite": enc(bct.charpath(d, include_infinite=True)[0]),
        "efficiency_bin": enc(bct.efficiency_bin(a)),
        "density_und": enc(bct.density_und(a)[0]) if n > 1 else "nan",
    }
    g = nx.from_numpy_array(a)
    case["nx_average_clustering"] = enc(nx.average_clustering(g)) if n else "nan"
    case["nx_global_efficiency"] = enc(nx.global_efficiency(g))
    if a.sum() > 0:
        ci, q = bct.modularity_und(a)
        case["modularity_und_bctpy"] = {"labels": [int(c) for c in ci], "q": enc(q)}
        ci, q = modularity_und_newman(a)
        case["modularity_und_newman"] = {"labels": [int(c) for c in ci], "q": enc(q)}
        if louvain:
            qs = [bct.community_louvain(a, seed=s)[1] for s in range(20)]
            case["louvain_q_max"] = enc(max(qs))
    return case


def weighted_case(name, w, louvain=False):
    w = np.round(np.array(w, dtype=float), 6)
    n = len(w)
    case = {
        "name": name,
        "n": n,
        "weights": enc(w.ravel()),
        "efficiency_wei": enc(bct.efficiency_wei(w)),
    }
    if np.allclose(w, w.T) and w.sum() > 0:
        ci, q = bct.modularity_und(w)
        case["modularity_und_bctpy"] = {"labels": [int(c) for c in ci], "q": enc(q)}
        ci, q = modularity_und_newman(w)
        case["modularity_und_newman"] = {"labels": [int(c) for c in ci], "q": enc(q)}
        if louvain:
            qs = [bct.community_louvain(w, seed=s)[1] for s in range(20)]
            case["louvain_q_max"] = enc(max(qs))
    return case


def er(rng, n, p):
    a = (rng.random((n, n)) < p).astype(float)
    a = np.triu(a, 1)
    return a + a.T


def planted(rng, sizes, p_in, p_out):
    n = sum(sizes)
    labels = np.repeat(np.arange(len(sizes)), sizes)
    prob = np.where(labels[:, None] == labels[None, :], p_in, p_out)
    a = np.triu((rng.random((n, n)) < prob).astype(float), 1)
    return a + a.T, labels


def trained_like(rng, n, sparsity):
    """A directed weight matrix like a trained W_rec: normal weights, some exactly 0."""
    w = np.round(rng.normal(0, 0.3, (n, n)), 6)
    w[rng.random((n, n)) < sparsity] = 0.0
    return w


def grid_distance(n):
    k = np.arange(n)
    xyz = np.stack([k // 20, (k // 4) % 5, k % 4], axis=1).astype(float)
    return np.sqrt(((xyz[:, None, :] - xyz[None, :, :]) ** 2).sum(-1))


def graphs():
    rng = np.random.default_rng(20240611)
    binary = []
    karate = nx.to_numpy_array(nx.karate_club_graph(), weight=None)
    binary.append(binary_case("karate", karate, louvain=True))
    binary.append(binary_case("er20", er(rng, 20, 0.3)))
    a = er(rng, 50, 0.08)
    a[[3, 17, 40], :] = 0
    a[:, [3, 17, 40]] = 0
    binary.append(binary_case("er50_isolated", a))
    binary.append(binary_case("er100", er(rng, 100, 0.1)))
    two = np.zeros((12, 12))
    two[:6, :6] = er(rng, 6, 0.9)
    two[6:, 6:] = er(rng, 6, 0.9)
    binary.append(binary_case("two_components", two))
    binary.append(binary_case("empty10", np.zeros((10, 10))))
    binary.append(binary_case("complete8", np.ones((8, 8)) - np.eye(8)))
    binary.append(binary_case("path5", np.diag(np.ones(4), 1) + np.diag(np.ones(4), -1)))
    pp, _ = planted(rng, [15, 15, 15, 15], 0.5, 0.02)
    binary.append(binary_case("planted60", pp, louvain=True))

    weighted = []
    w = rng.random((30, 30)) * (rng.random((30, 30)) < 0.4)
    w = np.triu(w, 1)
    weighted.append(weighted_case("sym30", w + w.T, louvain=True))
    pw, labels = planted(rng, [10, 10, 10], 0.7, 0.05)
    pw = pw * np.round(rng.uniform(0.2, 1.0, pw.shape), 6)
    pw = np.triu(pw, 1)
    weighted.append(weighted_case("planted30_weighted", pw + pw.T, louvain=True))
    d = trained_like(rng, 25, 0.3)
    weighted.append(weighted_case("directed25", np.abs(d)))

    # Binarisation of directed inputs (spec: |W| → proportional threshold → A ∨ Aᵀ).
    thresholds = []
    for name, n, sparsity, p in [("dir40_p10", 40, 0.2, 0.1), ("dir40_p25", 40, 0.0, 0.25),
                                 ("dir17_p10", 17, 0.5, 0.1)]:
        wd = trained_like(rng, n, sparsity)
        kept = bct.threshold_proportional(np.abs(wd), p)
        binar = ((kept + kept.T) != 0).astype(float)
        sym = (np.abs(wd) + np.abs(wd).T) / 2
        np.fill_diagonal(sym, 0)
        ci, q = bct.modularity_und(binar)
        thresholds.append({
            "name": name, "n": n, "p": p, "weights": enc(wd.ravel()),
            "kept": [[int(i), int(j)] for i, j in zip(*np.nonzero(kept))],
            "binary_edges": edges_of(binar),
            "clustering_mean": enc(np.mean(bct.clustering_coef_bu(binar))),
            "charpath_finite": enc(bct.charpath(bct.distance_bin(binar), include_infinite=False)[0]),
            "efficiency_bin": enc(bct.efficiency_bin(binar)),
            "efficiency_wei_sym": enc(bct.efficiency_wei(sym)),
            "modularity_und_bctpy_binary": {"labels": [int(c) for c in ci], "q": enc(q)},
        })
    # Symmetric input: BCT ranks the upper triangle only.
    ws = np.round(rng.random((30, 30)), 6)
    ws = np.triu(ws, 1)
    ws = ws + ws.T
    kept = bct.threshold_proportional(ws, 0.15)
    thresholds.append({"name": "sym30_p15", "n": 30, "p": 0.15, "weights": enc(ws.ravel()),
                       "kept": [[int(i), int(j)] for i, j in zip(*np.nonzero(kept))]})

    # Communicability and wiring (spec: C = expm(S^-1/2 |W| S^-1/2), diag 0).
    wc = trained_like(rng, 20, 0.4)
    wc[5, :] = 0.0  # a fully pruned unit
    aw = np.abs(wc)
    s = aw.sum(axis=1)
    inv = np.where(s > 0, 1 / np.sqrt(np.where(s > 0, s, 1)), 0.0)
    c = scipy.linalg.expm(inv[:, None] * aw * inv[None, :])
    np.fill_diagonal(c, 0)
    dist = grid_distance(20)
    nz = (aw != 0) & ~np.eye(20, dtype=bool)
    wiring = {
        "n": 20, "weights": enc(wc.ravel()), "distance": enc(dist.ravel()),
        "communicability": enc(c.ravel()),
        "mean_communicability": enc(c.sum() / (20 * 19)),
        "total_weight": enc(aw.sum()),
        "wiring_cost": enc((aw * dist).sum()),
        "mean_weighted_edge_length": enc((aw * dist).sum() / aw.sum()),
        "weight_distance_correlation": enc(scipy.stats.pearsonr(aw[nz], dist[nz])[0]),
    }
    return {"binary": binary, "weighted": weighted, "thresholds": thresholds, "wiring": wiring}


def stats():
    rng = np.random.default_rng(7)
    mw = []

    def case(name, x, y, nan_policy="propagate"):
        r = scipy.stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic",
                                     nan_policy=nan_policy)
        mw.append({"name": name, "x": enc(x), "y": enc(y), "nan_policy": nan_policy,
                   "u": enc(r.statistic), "p": enc(r.pvalue)})

    r6 = lambda v: np.round(v, 6)
    case("continuous_equal", r6(rng.normal(0, 1, 10)), r6(rng.normal(0.8, 1, 10)))
    case("ties_unequal", rng.integers(0, 5, 12).astype(float), rng.integers(1, 6, 7).astype(float))
    case("large_shift", r6(rng.normal(0, 1, 50)), r6(rng.normal(0.5, 1, 60)))
    case("separated", np.arange(50.0), np.arange(50.0) + 100)
    case("all_tied", np.ones(5), np.ones(8))
    case("singletons", np.array([1.0]), np.array([2.0]))
    case("heavy_ties", np.array([0.9, 0.9, 0.93, 0.93, 0.93, 0.5]), np.array([0.93, 0.93, 0.9, 0.1]))
    case("omit_nan", np.array([1.0, np.nan, 3.0, 2.5, 7.0]), np.array([4.0, 5.0, np.nan, 6.0]), "omit")
    case("propagate_nan", np.array([1.0, np.nan, 3.0]), np.array([4.0, 5.0]))
    bh_in = np.concatenate([rng.uniform(0, 1, 100), rng.uniform(0, 0.001, 25),
                            [0.0, 1.0, 0.02, 0.02]])
    bh_in = r6(bh_in)
    bh = [{"name": "mixed129", "ps": enc(bh_in),
           "adjusted": enc(scipy.stats.false_discovery_control(bh_in, method="bh"))},
          {"name": "small", "ps": [0.01, 0.04, 0.03, 0.2],
           "adjusted": enc(scipy.stats.false_discovery_control([0.01, 0.04, 0.03, 0.2]))}]
    return {"mann_whitney": mw, "benjamini_hochberg": bh}


def main():
    versions = {"numpy": np.__version__, "scipy": scipy.__version__,
                "bctpy": getattr(bct, "__version__", "0.6.1"), "networkx": nx.__version__}
    for fname, data in [("graph_golden.json", graphs()), ("stats_golden.json", stats())]:
        data["versions"] = versions
        with open(os.path.join(HERE, fname), "w") as f:
            json.dump(data, f, separators=(",", ":"))
        print(fname, os.path.getsize(os.path.join(HERE, fname)), "bytes")


if __name__ == "__main__":
    main()
