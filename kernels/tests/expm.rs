//! Tests of the `expm` family: the fast path (`f64`, `f32`) and the reference against SciPy's
//! golden values (`tests/data/make_expm_golden.py`), the adjoint against central finite
//! differences, the fast path against the reference at sizes straddling faer's blocking,
//! properties of `exp`, bad inputs, and that the hot calls do not allocate.
//!
//! Errors are relative Frobenius norms `‖x − y‖_F / ‖y‖_F`, computed in `f64`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use rand_xoshiro::Xoshiro256PlusPlus;
use wiring_kernels::expm::{self, reference, taylor, ExpmWorkspace};
use wiring_kernels::{KernelError, Par, Real};

// ---------------------------------------------------------------------------------------
// Allocation counting (this thread only, so tests running in parallel do not interfere).

struct CountingAlloc;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.try_with(Cell::get).unwrap_or(false) {
            let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        }
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// Number of heap allocations `f` makes on this thread.
fn allocations_in(f: impl FnOnce()) -> usize {
    ALLOCATIONS.with(|c| c.set(0));
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.with(Cell::get)
}

// ---------------------------------------------------------------------------------------
// Helpers.

fn rel_frob<T: Real, U: Real>(x: &[T], y: &[U]) -> f64 {
    assert_eq!(x.len(), y.len());
    let (mut num, mut den) = (0.0f64, 0.0f64);
    for (&a, &b) in x.iter().zip(y) {
        let (a, b) = (a.to_f64(), b.to_f64());
        num += (a - b) * (a - b);
        den += b * b;
    }
    if den == 0.0 {
        num.sqrt()
    } else {
        (num / den).sqrt()
    }
}

fn cast<T: Real>(m: &[f64]) -> Vec<T> {
    m.iter().map(|&v| T::from_f64(v)).collect()
}

fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

fn gaussian(n: usize, norm1: f64, rng: &mut Xoshiro256PlusPlus) -> Vec<f64> {
    let mut m: Vec<f64> = (0..n * n).map(|_| rng.sample(StandardNormal)).collect();
    let norm = (0..n)
        .map(|j| (0..n).map(|i| m[i * n + j].abs()).sum::<f64>())
        .fold(0.0, f64::max);
    m.iter_mut().for_each(|v| *v *= norm1 / norm);
    m
}

/// The seRNN regulariser's input `S^{-1/2}|W|S^{-1/2}`, `S = diag(row sums of |W|)`.
fn sernn_input(n: usize, rng: &mut Xoshiro256PlusPlus) -> Vec<f64> {
    let w: Vec<f64> = (0..n * n)
        .map(|k| {
            let v: f64 = rng.sample(StandardNormal);
            if k / n == k % n || rng.random::<f64>() > 0.3 {
                0.0
            } else {
                v.abs() * 0.1
            }
        })
        .collect();
    let s: Vec<f64> = (0..n)
        .map(|i| {
            let strength = w[i * n..(i + 1) * n].iter().sum::<f64>();
            if strength > 0.0 {
                1.0 / strength.sqrt()
            } else {
                0.0 // an isolated unit: its row and column of A stay zero
            }
        })
        .collect();
    (0..n * n).map(|k| s[k / n] * w[k] * s[k % n]).collect()
}

fn transpose(m: &[f64], n: usize) -> Vec<f64> {
    (0..n * n).map(|k| m[(k % n) * n + k / n]).collect()
}

// ---------------------------------------------------------------------------------------
// Golden data from SciPy.

struct GoldenCase {
    name: String,
    n: usize,
    a: Vec<f64>,
    g: Vec<f64>,
    expm: Vec<f64>,
    adjoint: Vec<f64>,
}

fn golden() -> Vec<GoldenCase> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
    let index: serde_json::Value = serde_json::from_slice(
        &std::fs::read(format!("{dir}/expm_golden.json")).expect("read expm_golden.json"),
    )
    .expect("parse expm_golden.json");
    let bytes = std::fs::read(format!("{dir}/expm_golden.bin")).expect("read expm_golden.bin");
    let data: Vec<f64> = bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect();
    let cases = index["cases"].as_array().expect("cases array");
    cases
        .iter()
        .map(|c| {
            let n = c["n"].as_u64().expect("n") as usize;
            let take = |key: &str| {
                let at = c[key].as_u64().expect("offset") as usize;
                data[at..at + n * n].to_vec()
            };
            GoldenCase {
                name: c["name"].as_str().expect("name").to_string(),
                n,
                a: take("a"),
                g: take("g"),
                expm: take("expm"),
                adjoint: take("adjoint"),
            }
        })
        .collect()
}

/// Tolerance (relative Frobenius) against SciPy, the same for `expm` and its adjoint.
///
/// Both sides are scaling-and-squaring methods whose Padé (or Taylor) step has backward error
/// ≤ u; what separates them is rounding in the products, the LU and above all the squarings,
/// which for these cases amounts to ≈ ‖A‖₁ · u · s (s squarings, each able to double the
/// error, on a problem with κ_exp ≈ ‖A‖₁). Observed errors (fast f64 / f32, reference f64) are
/// in the comments; every tolerance is that estimate rounded up, 5–100× above what we see.
fn golden_tolerance<T: Real>(name: &str) -> f64 {
    let single = T::EPSILON.to_f64() > 1e-10;
    let (f64_tol, f32_tol) = match name {
        // ‖A‖₁ = 200, s = 6: 200·u·6 = 1.3e-13 (f64), 7e-5 (f32).
        // Seen: 1.3e-13 / 4.1e-6, reference 2.3e-13.
        "n9_norm200" | "n33_negdef_norm200" => (1e-12, 1e-4),
        // ‖A‖₁ = 50, s = 4: 50·u·4 = 2.2e-14 / 1.2e-5. Seen: 3.6e-15 / 1.1e-6, reference 1.2e-14.
        "n32_skew_norm50" => (1e-13, 2e-5),
        // ‖A‖₁ = 77, s = 5, off-diagonal coupling 10× the diagonal: 77·u·5 = 4e-14 / 2.3e-5.
        // Seen: 6e-15 / 2.5e-7, reference 1e-14.
        "n8_non_normal" => (2e-13, 5e-5),
        // ‖A‖₁ ≤ 5, s ≤ 1, well conditioned: a few tens of ulp. Seen: ≤ 6.4e-16 / 4.1e-7,
        // reference ≤ 3.9e-15 (its ~4 extra squarings at ‖A‖₁ = 5).
        _ => (1e-14, 2e-6),
    };
    if single {
        f32_tol
    } else {
        f64_tol
    }
}

fn check_golden_fast<T: Real>() {
    let mut worst = (0.0f64, 0.0f64);
    for case in golden() {
        let n = case.n;
        let a: Vec<T> = cast(&case.a);
        let g: Vec<T> = cast(&case.g);
        let mut ws = ExpmWorkspace::<T>::new(n);
        let mut e = vec![T::ZERO; n * n];
        let mut adj = vec![T::ZERO; n * n];
        expm::expm(&a, &mut e, &mut ws, Par::Seq).expect("expm");
        expm::expm_adjoint_last(&g, &mut adj, &mut ws, Par::Seq).expect("adjoint");
        let (err_e, err_l) = (rel_frob(&e, &case.expm), rel_frob(&adj, &case.adjoint));
        let tol = golden_tolerance::<T>(&case.name);
        let (tol_e, tol_l) = (tol, tol);
        println!(
            "{} {:>20} (n={n:>3}, {:?}): expm {err_e:.2e} (tol {tol_e:.0e}), adjoint {err_l:.2e} (tol {tol_l:.0e})",
            T::NAME,
            case.name,
            ws.last_pade(),
        );
        assert!(
            err_e <= tol_e,
            "{} {}: expm error {err_e:e} > {tol_e:e}",
            T::NAME,
            case.name
        );
        assert!(
            err_l <= tol_l,
            "{} {}: adjoint error {err_l:e} > {tol_l:e}",
            T::NAME,
            case.name
        );
        worst = (worst.0.max(err_e / tol_e), worst.1.max(err_l / tol_l));
    }
    println!(
        "{}: worst error/tolerance: expm {:.2}, adjoint {:.2}",
        T::NAME,
        worst.0,
        worst.1
    );
}

#[test]
fn expm_fast_f64_matches_scipy() {
    check_golden_fast::<f64>();
}

#[test]
fn expm_fast_f32_matches_scipy() {
    check_golden_fast::<f32>();
}

#[test]
fn expm_reference_matches_scipy() {
    // The reference's Taylor series meets the same conditioning as the fast path; the
    // tolerances of the f64 fast path apply (it adds up to ~log2(‖A‖/0.5) squarings vs
    // Padé's fewer, already inside the margins above).
    for case in golden() {
        let n = case.n;
        let mut e = vec![0.0; n * n];
        let mut adj = vec![0.0; n * n];
        reference::expm(n, &case.a, &mut e).expect("reference expm");
        reference::expm_adjoint(n, &case.a, &case.g, &mut adj).expect("reference adjoint");
        let (err_e, err_l) = (rel_frob(&e, &case.expm), rel_frob(&adj, &case.adjoint));
        let tol = golden_tolerance::<f64>(&case.name);
        let (tol_e, tol_l) = (tol, tol);
        println!(
            "reference {:>20}: expm {err_e:.2e}, adjoint {err_l:.2e}",
            case.name
        );
        assert!(
            err_e <= tol_e,
            "{}: reference expm error {err_e:e} > {tol_e:e}",
            case.name
        );
        assert!(
            err_l <= tol_l,
            "{}: reference adjoint error {err_l:e} > {tol_l:e}",
            case.name
        );
    }
}

// ---------------------------------------------------------------------------------------
// Finite differences, consistency of the three derivative entry points.

/// `f(A) = Σ_ij G_ij expm(A)_ij` with the fast `f64` path.
fn objective(a: &[f64], g: &[f64], ws: &mut ExpmWorkspace<f64>) -> f64 {
    let n = ws.n();
    let mut e = vec![0.0; n * n];
    expm::expm(a, &mut e, ws, Par::Seq).expect("expm");
    e.iter().zip(g).map(|(x, y)| x * y).sum()
}

#[test]
fn expm_adjoint_matches_central_differences() {
    // h = 1e-5: truncation h²·|f'''| ~ 1e-10·‖e^A‖ and rounding u·|f|/h ~ 1e-11·|f|, so the
    // difference quotient is good to ~1e-9 relative; 1e-7 leaves room.
    let mut r = rng(7);
    for (n, norm) in [(1, 0.5), (2, 1.0), (3, 0.05), (3, 3.0), (5, 8.0), (7, 0.9)] {
        let a = gaussian(n, norm, &mut r);
        let g = gaussian(n, 1.0, &mut r);
        let mut ws = ExpmWorkspace::<f64>::new(n);
        let mut adj = vec![0.0; n * n];
        expm::expm_adjoint(&a, &g, &mut adj, &mut ws, Par::Seq).expect("adjoint");
        let h = 1e-5;
        let mut fd = vec![0.0; n * n];
        for k in 0..n * n {
            let mut ap = a.clone();
            ap[k] += h;
            let mut am = a.clone();
            am[k] -= h;
            fd[k] = (objective(&ap, &g, &mut ws) - objective(&am, &g, &mut ws)) / (2.0 * h);
        }
        let err = rel_frob(&adj, &fd);
        println!("n={n} ‖A‖₁={norm}: adjoint vs central differences {err:.2e}");
        assert!(err < 1e-7, "n={n} norm={norm}: {err:e}");
    }
}

fn adjoint_last_is_adjoint<T: Real>() {
    let mut r = rng(11);
    for (n, norm) in [(4, 0.1), (9, 2.0), (33, 40.0)] {
        let a: Vec<T> = cast(&gaussian(n, norm, &mut r));
        let g: Vec<T> = cast(&gaussian(n, 1.0, &mut r));
        let mut ws = ExpmWorkspace::<T>::new(n);
        let mut e = vec![T::ZERO; n * n];
        let (mut x, mut y, mut z) = (
            vec![T::ZERO; n * n],
            vec![T::ZERO; n * n],
            vec![T::ZERO; n * n],
        );
        expm::expm(&a, &mut e, &mut ws, Par::Seq).expect("expm");
        expm::expm_adjoint_last(&g, &mut x, &mut ws, Par::Seq).expect("adjoint_last");
        // A second call on the same state gives the same bits: the adjoint keeps the state.
        expm::expm_adjoint_last(&g, &mut y, &mut ws, Par::Seq).expect("adjoint_last again");
        let mut ws2 = ExpmWorkspace::<T>::new(n);
        expm::expm_adjoint(&a, &g, &mut z, &mut ws2, Par::Seq).expect("adjoint");
        assert_eq!(
            x,
            y,
            "{} n={n}: repeated expm_adjoint_last differs",
            T::NAME
        );
        assert_eq!(x, z, "{} n={n}: expm_adjoint_last != expm_adjoint", T::NAME);
    }
}

#[test]
fn expm_adjoint_last_equals_adjoint() {
    adjoint_last_is_adjoint::<f64>();
    adjoint_last_is_adjoint::<f32>();
}

#[test]
fn expm_frechet_and_adjoint_are_dual() {
    // ⟨G, L(A, D)⟩ = ⟨L(Aᵀ, G), D⟩ exactly; in f64 both sides carry ~κ·u relative error.
    let mut r = rng(13);
    for (n, norm) in [(3, 0.2), (8, 1.5), (31, 12.0)] {
        let a = gaussian(n, norm, &mut r);
        let d = gaussian(n, 1.0, &mut r);
        let g = gaussian(n, 1.0, &mut r);
        let mut ws = ExpmWorkspace::<f64>::new(n);
        let (mut e, mut l, mut adj) = (vec![0.0; n * n], vec![0.0; n * n], vec![0.0; n * n]);
        expm::expm_frechet(&a, &d, &mut e, &mut l, &mut ws, Par::Seq).expect("frechet");
        expm::expm_adjoint_last(&g, &mut adj, &mut ws, Par::Seq).expect("adjoint");
        let lhs: f64 = g.iter().zip(&l).map(|(x, y)| x * y).sum();
        let rhs: f64 = adj.iter().zip(&d).map(|(x, y)| x * y).sum();
        let scale = l.iter().map(|v| v * v).sum::<f64>().sqrt() * (n as f64);
        assert!((lhs - rhs).abs() <= 1e-12 * scale, "n={n}: {lhs} vs {rhs}");
        // The Fréchet derivative agrees with the reference's block-matrix one.
        let mut l_ref = vec![0.0; n * n];
        reference::expm_frechet(n, &a, &d, &mut l_ref).expect("reference frechet");
        let err = rel_frob(&l, &l_ref);
        assert!(err < 1e-12, "n={n}: frechet vs reference {err:e}");
    }
}

// ---------------------------------------------------------------------------------------
// Properties of exp.

fn properties<T: Real>(tol: f64) {
    let n = 9;
    let mut ws = ExpmWorkspace::<T>::new(n);
    let mut e = vec![T::ZERO; n * n];
    // expm(0) = I exactly: U = 0, V = b₀I, R₀ = I.
    expm::expm(&vec![T::ZERO; n * n], &mut e, &mut ws, Par::Seq).expect("expm(0)");
    let eye: Vec<T> = (0..n * n)
        .map(|k| if k / n == k % n { T::ONE } else { T::ZERO })
        .collect();
    assert_eq!(e, eye, "{}: expm(0) != I", T::NAME);

    // expm(diag(d)) = diag(exp(d)), with d spanning the degrees and squarings.
    for d in [[1e-3, -2e-3, 5e-4], [0.3, -0.7, 1.0], [-20.0, 3.0, 10.0]] {
        let diag: Vec<f64> = (0..n).map(|i| d[i % 3] * (1.0 + i as f64 / 10.0)).collect();
        let a: Vec<T> = (0..n * n)
            .map(|k| {
                if k / n == k % n {
                    T::from_f64(diag[k / n])
                } else {
                    T::ZERO
                }
            })
            .collect();
        expm::expm(&a, &mut e, &mut ws, Par::Seq).expect("expm diag");
        let want: Vec<f64> = (0..n * n)
            .map(|k| {
                if k / n == k % n {
                    diag[k / n].exp()
                } else {
                    0.0
                }
            })
            .collect();
        let err = rel_frob(&e, &want);
        assert!(err < tol, "{} diag {d:?}: {err:e}", T::NAME);
    }

    // expm(A) expm(-A) = I for a non-symmetric A of moderate norm (κ small).
    let mut r = rng(17);
    for norm in [0.01, 0.5, 3.0] {
        let a: Vec<T> = cast(&gaussian(n, norm, &mut r));
        let minus: Vec<T> = a.iter().map(|&v| -v).collect();
        let mut f = vec![T::ZERO; n * n];
        expm::expm(&a, &mut e, &mut ws, Par::Seq).expect("expm A");
        expm::expm(&minus, &mut f, &mut ws, Par::Seq).expect("expm -A");
        let prod: Vec<f64> = (0..n * n)
            .map(|k| {
                (0..n)
                    .map(|j| e[(k / n) * n + j].to_f64() * f[j * n + k % n].to_f64())
                    .sum()
            })
            .collect();
        let err = rel_frob(
            &prod,
            &cast::<f64>(&eye.iter().map(|v| v.to_f64()).collect::<Vec<_>>()),
        );
        assert!(
            err < 10.0 * tol,
            "{} ‖A‖={norm}: expm(A)expm(-A) - I: {err:e}",
            T::NAME
        );
    }
}

#[test]
fn expm_exp_properties() {
    // A few ulp of the type, times the squarings of the diag(-20, 3, 10) case.
    properties::<f64>(1e-14);
    properties::<f32>(2e-6);
}

// ---------------------------------------------------------------------------------------
// Fast vs reference at sizes on both sides of faer's blocking.

#[test]
fn expm_fast_matches_reference_across_sizes() {
    // Tolerances: f64 as the well-conditioned golden cases (both paths ~u·κ, κ small for the
    // seRNN input and a norm-6 Gaussian; seen ≤ 5.6e-15, the reference's extra squarings at
    // ‖A‖₁ = 6); f32 ~ 30 u: Padé + LU + a squaring in single (seen ≤ 3.9e-7).
    let mut r = rng(19);
    for n in [1, 2, 3, 7, 8, 9, 31, 32, 33, 100, 128, 129] {
        for (kind, a) in [
            ("sernn", sernn_input(n, &mut r)),
            ("gauss6", gaussian(n, 6.0, &mut r)),
        ] {
            let g = gaussian(n, 1.0, &mut r);
            let (mut e_ref, mut adj_ref) = (vec![0.0; n * n], vec![0.0; n * n]);
            reference::expm(n, &a, &mut e_ref).expect("reference expm");
            reference::expm_adjoint(n, &a, &g, &mut adj_ref).expect("reference adjoint");
            let errs64 = fast_errors::<f64>(&a, &g, &e_ref, &adj_ref);
            let errs32 = fast_errors::<f32>(&a, &g, &e_ref, &adj_ref);
            println!(
                "n={n:>3} {kind}: f64 ({:.1e}, {:.1e}), f32 ({:.1e}, {:.1e})",
                errs64.0, errs64.1, errs32.0, errs32.1
            );
            assert!(
                errs64.0 < 3e-14 && errs64.1 < 3e-14,
                "f64 n={n} {kind}: {errs64:?}"
            );
            assert!(
                errs32.0 < 3e-6 && errs32.1 < 3e-6,
                "f32 n={n} {kind}: {errs32:?}"
            );
        }
    }
}

fn fast_errors<T: Real>(a: &[f64], g: &[f64], e_ref: &[f64], adj_ref: &[f64]) -> (f64, f64) {
    let n = (a.len() as f64).sqrt() as usize;
    let mut ws = ExpmWorkspace::<T>::new(n);
    let (mut e, mut adj) = (vec![T::ZERO; n * n], vec![T::ZERO; n * n]);
    let (a, g): (Vec<T>, Vec<T>) = (cast(a), cast(g));
    expm::expm(&a, &mut e, &mut ws, Par::Seq).expect("expm");
    expm::expm_adjoint_last(&g, &mut adj, &mut ws, Par::Seq).expect("adjoint");
    // Parallel faer gives the same to rounding.
    let mut adj_par = vec![T::ZERO; n * n];
    expm::expm_adjoint(&a, &g, &mut adj_par, &mut ws, Par::rayon(2)).expect("adjoint par");
    assert!(rel_frob(&adj_par, &adj) < 100.0 * T::EPSILON.to_f64());
    (rel_frob(&e, e_ref), rel_frob(&adj, adj_ref))
}

#[test]
fn expm_transposes_are_consistent() {
    // expm(Aᵀ) = expm(A)ᵀ and the adjoint is L(A, Gᵀ)ᵀ via expm_frechet.
    let mut r = rng(23);
    let n = 12;
    let a = gaussian(n, 7.0, &mut r);
    let g = gaussian(n, 1.0, &mut r);
    let mut ws = ExpmWorkspace::<f64>::new(n);
    let (mut e, mut l, mut adj) = (vec![0.0; n * n], vec![0.0; n * n], vec![0.0; n * n]);
    expm::expm_adjoint(&a, &g, &mut adj, &mut ws, Par::Seq).expect("adjoint");
    expm::expm_frechet(&transpose(&a, n), &g, &mut e, &mut l, &mut ws, Par::Seq).expect("frechet");
    assert!(rel_frob(&l, &adj) < 1e-13);
}

// ---------------------------------------------------------------------------------------
// Bad inputs and allocation.

#[test]
fn expm_bad_inputs_are_errors() {
    let n = 4;
    let mut ws = ExpmWorkspace::<f64>::new(n);
    let a = vec![0.1; n * n];
    let mut e = vec![0.0; n * n];
    let mut out = vec![0.0; n * n];

    let err = expm::expm_adjoint_last(&a, &mut out, &mut ws, Par::Seq);
    assert!(
        matches!(err, Err(KernelError::MissingState { .. })),
        "{err:?}"
    );

    let err = expm::expm(&a[..15], &mut e, &mut ws, Par::Seq);
    assert!(matches!(err, Err(KernelError::Dimension { .. })), "{err:?}");
    let err = expm::expm(&a, &mut e[..3], &mut ws, Par::Seq);
    assert!(
        matches!(err, Err(KernelError::BufferLength { buffer: "e", .. })),
        "{err:?}"
    );
    let mut big = ExpmWorkspace::<f64>::new(5);
    let err = expm::expm(&a, &mut e, &mut big, Par::Seq);
    assert!(matches!(err, Err(KernelError::Dimension { .. })), "{err:?}");

    // A good call, then a failed one: the failed call forgets the state.
    expm::expm(&a, &mut e, &mut ws, Par::Seq).expect("good expm");
    expm::expm_adjoint_last(&a, &mut out, &mut ws, Par::Seq).expect("adjoint after good expm");
    let mut nan = a.clone();
    nan[6] = f64::NAN;
    let err = expm::expm(&nan, &mut e, &mut ws, Par::Seq);
    assert!(
        matches!(err, Err(KernelError::NonFinite { index: 6, .. })),
        "{err:?}"
    );
    let err = expm::expm_adjoint_last(&a, &mut out, &mut ws, Par::Seq);
    assert!(
        matches!(err, Err(KernelError::MissingState { .. })),
        "{err:?}"
    );

    let mut inf = a.clone();
    inf[0] = f64::INFINITY;
    let err = expm::expm_adjoint(&a, &inf, &mut out, &mut ws, Par::Seq);
    assert!(
        matches!(err, Err(KernelError::NonFinite { buffer: "g", .. })),
        "{err:?}"
    );
    let (mut l, mut e2) = (vec![0.0; n * n], vec![0.0; n * n]);
    let err = expm::expm_frechet(&a, &a[..4], &mut e2, &mut l, &mut ws, Par::Seq);
    assert!(matches!(err, Err(KernelError::Dimension { .. })), "{err:?}");
    let err = expm::expm_frechet(&a, &a, &mut e2, &mut l[..1], &mut ws, Par::Seq);
    assert!(
        matches!(err, Err(KernelError::BufferLength { buffer: "l", .. })),
        "{err:?}"
    );

    let err = reference::expm(n, &a[..2], &mut e);
    assert!(
        matches!(err, Err(KernelError::BufferLength { buffer: "a", .. })),
        "{err:?}"
    );
    let err = reference::expm_adjoint(n, &a, &inf, &mut out);
    assert!(matches!(err, Err(KernelError::NonFinite { .. })), "{err:?}");
}

#[test]
fn expm_workspace_is_send() {
    fn assert_send<S: Send>() {}
    assert_send::<ExpmWorkspace<f32>>();
    assert_send::<ExpmWorkspace<f64>>();
}

#[test]
fn expm_empty_and_huge_inputs() {
    // n = 0 is a valid (empty) problem.
    let mut ws = ExpmWorkspace::<f64>::new(0);
    expm::expm(&[], &mut [], &mut ws, Par::Seq).expect("empty expm");
    expm::expm_adjoint_last(&[], &mut [], &mut ws, Par::Seq).expect("empty adjoint");
    // exp overflows f32: the output says so with non-finite entries (inf, and NaN where the
    // squarings meet inf·0); the call does not panic.
    let mut ws = ExpmWorkspace::<f32>::new(2);
    let mut e = [0.0f32; 4];
    expm::expm(&[200.0, 0.0, 0.0, 1.0], &mut e, &mut ws, Par::Seq).expect("overflowing expm");
    assert_eq!(e[0], f32::INFINITY, "{e:?}");
}

fn no_allocation<T: Real>() {
    let mut r = rng(29);
    let n = 100;
    for norm in [0.5, 2.0, 30.0] {
        let a: Vec<T> = cast(&gaussian(n, norm, &mut r));
        let g: Vec<T> = cast(&gaussian(n, 1.0, &mut r));
        let mut ws = ExpmWorkspace::<T>::new(n);
        let (mut e, mut l, mut out) = (
            vec![T::ZERO; n * n],
            vec![T::ZERO; n * n],
            vec![T::ZERO; n * n],
        );
        let mut run = |ws: &mut ExpmWorkspace<T>| {
            expm::expm(&a, &mut e, ws, Par::Seq).expect("expm");
            expm::expm_adjoint_last(&g, &mut out, ws, Par::Seq).expect("adjoint_last");
            expm::expm_frechet(&a, &g, &mut e, &mut l, ws, Par::Seq).expect("frechet");
            expm::expm_adjoint(&a, &g, &mut out, ws, Par::Seq).expect("adjoint");
        };
        run(&mut ws); // warm-up: faer may size thread-local scratch once
        let count = allocations_in(|| run(&mut ws));
        assert_eq!(
            count,
            0,
            "{} ‖A‖={norm}: {count} allocations in hot calls",
            T::NAME
        );
    }
}

#[test]
fn expm_hot_calls_do_not_allocate() {
    no_allocation::<f64>();
    no_allocation::<f32>();
}

// ---------------------------------------------------------------------------------------
// The matmul-only Taylor variant (`expm::taylor`), held to the same golden data and
// tolerances as the Padé path.

fn check_golden_taylor<T: Real>() {
    let mut worst = (0.0f64, 0.0f64);
    for case in golden() {
        let n = case.n;
        let a: Vec<T> = cast(&case.a);
        let g: Vec<T> = cast(&case.g);
        let mut ws = taylor::TaylorWorkspace::<T>::new(n);
        let mut e = vec![T::ZERO; n * n];
        let mut adj = vec![T::ZERO; n * n];
        let s = taylor::expm(&a, &mut e, &mut ws, Par::Seq).expect("expm");
        taylor::adjoint_last(&g, &mut adj, &mut ws, Par::Seq).expect("adjoint");
        let (err_e, err_l) = (rel_frob(&e, &case.expm), rel_frob(&adj, &case.adjoint));
        // The table's estimate ‖A‖₁·u·s assumed Padé's squarings. In f32 the table holds as it
        // is; in f64 this variant squares up to 7 more times (θ = 0.07 vs ℓ₁₃ = 4.74), so the
        // same rule, with its own s and the table's largest margin (100×), applies there.
        let norm = (0..n)
            .map(|j| (0..n).map(|i| case.a[i * n + j].abs()).sum::<f64>())
            .fold(0.0, f64::max);
        let own = 100.0 * norm * T::EPSILON.to_f64() / 2.0 * f64::from(s);
        let single = T::EPSILON.to_f64() > 1e-10;
        let table = golden_tolerance::<T>(&case.name);
        let tol = if single { table } else { table.max(own) };
        println!(
            "taylor {} {:>20} (n={n:>3}, s={s}): expm {err_e:.2e}, adjoint {err_l:.2e} (tol {tol:.0e})",
            T::NAME,
            case.name,
        );
        assert!(err_e <= tol, "{} {}: expm {err_e:e}", T::NAME, case.name);
        assert!(err_l <= tol, "{} {}: adjoint {err_l:e}", T::NAME, case.name);
        worst = (worst.0.max(err_e / tol), worst.1.max(err_l / tol));
    }
    println!(
        "taylor {}: worst error/tolerance: expm {:.2}, adjoint {:.2}",
        T::NAME,
        worst.0,
        worst.1
    );
}

#[test]
fn expm_taylor_f64_matches_scipy() {
    check_golden_taylor::<f64>();
}

#[test]
fn expm_taylor_f32_matches_scipy() {
    check_golden_taylor::<f32>();
}

#[test]
fn expm_taylor_adjoint_matches_central_differences() {
    // As for the Padé path: h = 1e-5, the quotient good to ~1e-9 relative.
    let mut r = rng(11);
    for (n, norm) in [(1, 0.5), (2, 1.0), (3, 0.05), (3, 3.0), (5, 8.0), (7, 0.9)] {
        let a = gaussian(n, norm, &mut r);
        let g = gaussian(n, 1.0, &mut r);
        let mut ws = taylor::TaylorWorkspace::<f64>::new(n);
        let mut e = vec![0.0; n * n];
        let mut adj = vec![0.0; n * n];
        taylor::expm(&a, &mut e, &mut ws, Par::Seq).expect("expm");
        taylor::adjoint_last(&g, &mut adj, &mut ws, Par::Seq).expect("adjoint");
        let f = |a: &[f64], ws: &mut taylor::TaylorWorkspace<f64>| {
            let mut e = vec![0.0; n * n];
            taylor::expm(a, &mut e, ws, Par::Seq).expect("expm");
            e.iter().zip(&g).map(|(x, y)| x * y).sum::<f64>()
        };
        let h = 1e-5;
        let mut fd = vec![0.0; n * n];
        for k in 0..n * n {
            let mut ap = a.clone();
            ap[k] += h;
            let mut am = a.clone();
            am[k] -= h;
            fd[k] = (f(&ap, &mut ws) - f(&am, &mut ws)) / (2.0 * h);
        }
        let err = rel_frob(&adj, &fd);
        println!("taylor n={n} ‖A‖₁={norm}: adjoint vs central differences {err:.2e}");
        assert!(err < 1e-7, "n={n} norm={norm}: {err:e}");
    }
}

#[test]
fn expm_taylor_matches_pade_on_sernn_inputs_across_sizes() {
    // The normalised connectomes the regulariser feeds (‖A‖₁ ≈ 1): in f32 both paths are a
    // few ulp of ‖e^A‖ from the f64 reference; 2e-6 as the well-conditioned golden cases.
    let mut r = rng(5);
    for n in [1, 2, 3, 7, 8, 9, 31, 32, 33, 100] {
        let a = sernn_input(n, &mut r);
        let g = gaussian(n, 1.0, &mut r);
        let mut e_ref = vec![0.0; n * n];
        let mut adj_ref = vec![0.0; n * n];
        reference::expm(n, &a, &mut e_ref).expect("reference");
        reference::expm_adjoint(n, &a, &g, &mut adj_ref).expect("reference adjoint");
        let (a32, g32): (Vec<f32>, Vec<f32>) = (cast(&a), cast(&g));
        let mut ws = taylor::TaylorWorkspace::<f32>::new(n);
        let mut e = vec![0.0f32; n * n];
        let mut adj = vec![0.0f32; n * n];
        taylor::expm(&a32, &mut e, &mut ws, Par::Seq).expect("expm");
        taylor::adjoint_last(&g32, &mut adj, &mut ws, Par::Seq).expect("adjoint");
        let (err_e, err_l) = (rel_frob(&e, &e_ref), rel_frob(&adj, &adj_ref));
        println!("taylor f32 n={n}: expm {err_e:.2e}, adjoint {err_l:.2e}");
        assert!(err_e < 2e-6 && err_l < 2e-6, "n={n}: {err_e:e} {err_l:e}");
    }
}

#[test]
fn expm_taylor_bad_inputs_are_errors() {
    let mut ws = taylor::TaylorWorkspace::<f32>::new(3);
    let mut out = vec![0.0f32; 9];
    assert!(matches!(
        taylor::adjoint_last(&[0.0; 9], &mut out, &mut ws, Par::Seq),
        Err(KernelError::MissingState { .. })
    ));
    assert!(matches!(
        taylor::expm(&[0.0; 8], &mut out, &mut ws, Par::Seq),
        Err(KernelError::BufferLength { .. })
    ));
    let mut bad = [0.0f32; 9];
    bad[4] = f32::NAN;
    assert!(matches!(
        taylor::expm(&bad, &mut out, &mut ws, Par::Seq),
        Err(KernelError::NonFinite { index: 4, .. })
    ));
}
