#!/usr/bin/env python3
"""Golden data for the `expm` kernel family (kernels/tests/expm.rs).

Writes, next to this script:
  expm_golden.json  index: one entry per case with its name, n, 1-norm, what it exercises,
                    and the offsets (in f64 elements) of its four matrices in the .bin file;
  expm_golden.bin   raw little-endian f64, row-major n x n matrices, in the order
                    A, G, expm(A), expm_frechet(A.T, G)[1] for each case.

expm(A) is scipy.linalg.expm(A); the adjoint  d/dA sum(G * expm(A)) = L_exp(A^T, G)  is
scipy.linalg.expm_frechet(A.T, G)[1] (Al-Mohy & Higham 2009, Algorithm 6.4).

Run with the project's venv:  /work/venv/bin/python kernels/tests/data/make_expm_golden.py
The tests read the committed files; they never need Python.
"""

import json
import os

import numpy as np
import scipy
import scipy.linalg

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20230407)


def scaled(m, norm1):
    """m rescaled so that its 1-norm (max column abs sum) is norm1."""
    return m * (norm1 / np.linalg.norm(m, 1))


def gaussian(n, norm1):
    return scaled(rng.standard_normal((n, n)), norm1)


def sernn_communicability_input(n):
    """The seRNN regulariser's A = S^{-1/2} |W| S^{-1/2}, S = diag(row sums of |W|), for a
    sparse-ish random recurrent weight matrix W (as at initialisation / during training)."""
    w = rng.standard_normal((n, n)) * (rng.random((n, n)) < 0.3) * 0.1
    np.fill_diagonal(w, 0.0)
    w_abs = np.abs(w)
    s = w_abs.sum(axis=1)
    s_inv_sqrt = np.where(s > 0, 1.0 / np.sqrt(np.where(s > 0, s, 1.0)), 0.0)  # isolated unit: 0
    return s_inv_sqrt[:, None] * w_abs * s_inv_sqrt[None, :]


def nilpotent(n):
    """Strictly upper triangular: A^n = 0, expm(A) is a finite polynomial."""
    return np.triu(rng.standard_normal((n, n)), k=1) * 2.0


def negative_definite(n, norm1):
    b = rng.standard_normal((n, n))
    return -scaled(b @ b.T / n + 0.1 * np.eye(n), norm1)


def non_normal(n):
    """Eigenvalues -1..-n on the diagonal, large off-diagonal coupling (||A A^T - A^T A|| big)."""
    return np.diag(-np.arange(1.0, n + 1)) + np.triu(rng.standard_normal((n, n)), k=1) * 10.0


def skew(n, norm1):
    b = rng.standard_normal((n, n))
    return scaled(b - b.T, norm1)


CASES = [
    # (name, matrix, what it exercises)
    ("n1_positive", np.array([[0.7]]), "scalar"),
    ("n1_negative", np.array([[-3.0]]), "scalar, negative"),
    ("n2_rotation", np.array([[0.0, 2.0], [-2.0, 0.0]]), "rotation generator, norm 2"),
    ("n3_nilpotent", nilpotent(3), "nilpotent"),
    ("n7_norm1e-4", gaussian(7, 1e-4), "tiny norm: degree 3"),
    ("n8_norm1e-1", gaussian(8, 1e-1), "small norm: degree 5 (f64) / 3 (f32)"),
    ("n8_non_normal", non_normal(8), "strongly non-normal, needs squaring"),
    ("n9_norm1", gaussian(9, 1.0), "norm 1: degree 9 (f64) / 5 (f32)"),
    ("n9_norm200", gaussian(9, 200.0), "norm 200: many squarings"),
    ("n31_norm5", gaussian(31, 5.0), "norm 5: degree 13 with one squaring"),
    ("n32_skew_norm50", skew(32, 50.0), "skew-symmetric, norm 50: orthogonal expm"),
    ("n33_negdef_norm200", negative_definite(33, 200.0), "negative definite, norm 200"),
    ("n100_sernn", sernn_communicability_input(100), "the seRNN regulariser's input"),
]


def main():
    index = {
        "generator": "make_expm_golden.py",
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "layout": "row-major little-endian f64; per case A, G, expm(A), expm_frechet(A.T, G)[1]",
        "cases": [],
    }
    chunks = []
    offset = 0
    for name, a, what in CASES:
        n = a.shape[0]
        g = rng.standard_normal((n, n))
        e = scipy.linalg.expm(a)
        adj = scipy.linalg.expm_frechet(a.T, g, compute_expm=False)
        entry = {"name": name, "n": n, "norm1": float(np.linalg.norm(a, 1)), "what": what}
        for key, m in (("a", a), ("g", g), ("expm", e), ("adjoint", adj)):
            m = np.ascontiguousarray(m, dtype="<f8")
            assert np.all(np.isfinite(m)), (name, key)
            entry[key] = offset
            chunks.append(m.tobytes())
            offset += m.size
        index["cases"].append(entry)
    with open(os.path.join(HERE, "expm_golden.bin"), "wb") as f:
        f.write(b"".join(chunks))
    with open(os.path.join(HERE, "expm_golden.json"), "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")
    print(f"{len(CASES)} cases, {offset * 8} bytes")


if __name__ == "__main__":
    main()
