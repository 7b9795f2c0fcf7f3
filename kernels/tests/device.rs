//! The device layer on the emulated device: cuBLAS's GEMM semantics argument for argument,
//! the row-major translation, and every custom kernel of `kernels/cuda/*.cu` (compiled as host
//! C++ through the shim) against its Rust reference at edge sizes around the block (255, 256,
//! 257 threads) and the SIMD width. The regulariser's kernels are checked against the CPU
//! regulariser in `wiring-model` (`model/tests/device_engine.rs`).

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use wiring_kernels::adam::{self, AdamParams, AdamVariant};
use wiring_kernels::device::{
    self, gemm_row_major, Buf, CudaDevice, Device, EmulatedDevice, Gemm, Op, Operand, RowMajor,
};
use wiring_kernels::expm::{cuda::TaylorBatch, taylor};
use wiring_kernels::rnn::cuda as rnn_cuda;
use wiring_kernels::{KernelError, Par};

const SIZES: [usize; 13] = [1, 2, 3, 7, 8, 9, 31, 32, 33, 100, 255, 256, 257];

fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

fn uniform(n: usize, r: &mut Xoshiro256PlusPlus) -> Vec<f32> {
    (0..n).map(|_| r.random_range(-1.0f32..1.0)).collect()
}

fn upload<D: Device>(dev: &mut D, x: &[f32]) -> Buf<f32> {
    let b = dev.alloc::<f32>(x.len()).expect("alloc");
    dev.upload(x, b.all()).expect("upload");
    b
}

fn download<D: Device>(dev: &mut D, b: Buf<f32>) -> Vec<f32> {
    let mut out = vec![0.0; b.len()];
    dev.download(b.all(), &mut out).expect("download");
    out
}

/// `C_i = α op(A_i) op(B_i) + β C_i`, column-major, by the definition (f64 sums).
#[allow(clippy::too_many_arguments)]
fn naive_gemm(g: &Gemm, a: &[f32], b: &[f32], c: &mut [f32]) {
    for i in 0..g.batch {
        let (ao, bo, co) = (
            g.a.offset + i * g.a.stride,
            g.b.offset + i * g.b.stride,
            g.c.offset + i * g.c.stride,
        );
        for col in 0..g.n {
            for row in 0..g.m {
                let mut acc = 0.0f64;
                for l in 0..g.k {
                    let av = match g.op_a {
                        Op::N => a[ao + l * g.a.ld + row],
                        Op::T => a[ao + row * g.a.ld + l],
                    };
                    let bv = match g.op_b {
                        Op::N => b[bo + col * g.b.ld + l],
                        Op::T => b[bo + l * g.b.ld + col],
                    };
                    acc += f64::from(av) * f64::from(bv);
                }
                let ci = co + col * g.c.ld + row;
                let old = if g.beta == 0.0 {
                    0.0
                } else {
                    f64::from(c[ci]) * f64::from(g.beta)
                };
                c[ci] = (f64::from(g.alpha) * acc + old) as f32;
            }
        }
    }
}

fn gemm_has_cublas_semantics<D: Device>(mk: &dyn Fn() -> D) {
    let mut r = rng(1);
    for (op_a, op_b) in [
        (Op::N, Op::N),
        (Op::T, Op::N),
        (Op::N, Op::T),
        (Op::T, Op::T),
    ] {
        for &(m, n, k) in &[(1, 1, 1), (3, 5, 2), (7, 4, 9), (33, 8, 17)] {
            for beta in [0.0f32, 0.5] {
                let batch = 3;
                let (ar, ac) = if op_a == Op::N { (m, k) } else { (k, m) };
                let (br, bc) = if op_b == Op::N { (k, n) } else { (n, k) };
                // Leading dimensions larger than the rows, strides larger than a matrix, and
                // offsets: what a layout bug gets wrong.
                let (lda, ldb, ldc) = (ar + 2, br + 1, m + 3);
                let (sa, sb, sc) = (lda * ac + 5, ldb * bc + 1, ldc * n + 2);
                let (oa, ob, oc) = (4, 1, 3);
                let mut dev = mk();
                let a = uniform(oa + sa * batch, &mut r);
                let b = uniform(ob + sb * batch, &mut r);
                let mut c = uniform(oc + sc * batch, &mut r);
                if beta == 0.0 {
                    // cuBLAS does not read C when β = 0: NaNs there must not leak.
                    c.iter_mut().for_each(|x| *x = f32::NAN);
                }
                let (da, db, dc) = (
                    upload(&mut dev, &a),
                    upload(&mut dev, &b),
                    upload(&mut dev, &c),
                );
                let operand = |buf, offset, ld, stride| Operand {
                    buf,
                    offset,
                    ld,
                    stride,
                };
                let g = Gemm {
                    op_a,
                    op_b,
                    m,
                    n,
                    k,
                    alpha: 1.5,
                    a: operand(da, oa, lda, sa),
                    b: operand(db, ob, ldb, sb),
                    beta,
                    c: operand(dc, oc, ldc, sc),
                    batch,
                };
                device::gemm(&mut dev, &g).expect("gemm");
                let got = download(&mut dev, dc);
                let mut want = c.clone();
                naive_gemm(&g, &a, &b, &mut want);
                for (i, (x, y)) in got.iter().zip(&want).enumerate() {
                    let same =
                        (x.is_nan() && y.is_nan()) || (x - y).abs() <= 1e-5 * (1.0 + y.abs());
                    assert!(
                        same,
                        "{op_a:?}{op_b:?} {m}×{n}×{k} β={beta}: C[{i}] {x} vs {y}"
                    );
                }
            }
        }
    }
}

#[test]
fn emulated_gemm_has_cublas_semantics() {
    gemm_has_cublas_semantics(&EmulatedDevice::new);
}

#[test]
fn gemm_refuses_an_operand_that_overruns_its_buffer() {
    let mut dev = EmulatedDevice::new();
    let a = dev.alloc::<f32>(12).expect("alloc");
    let c = dev.alloc::<f32>(12).expect("alloc");
    let op = |buf, ld, stride| Operand {
        buf,
        offset: 0,
        ld,
        stride,
    };
    let g = Gemm {
        op_a: Op::N,
        op_b: Op::N,
        m: 2,
        n: 2,
        k: 2,
        alpha: 1.0,
        a: op(a, 2, 4),
        b: op(a, 2, 4),
        beta: 0.0,
        c: op(c, 2, 4),
        batch: 4,
    };
    let e = device::gemm(&mut dev, &g).expect_err("4 matrices 4 apart need 16 elements");
    assert!(e.to_string().contains("overrun"), "{e}");
    let bad_ld = Gemm {
        a: op(a, 1, 4),
        batch: 2,
        ..g
    };
    assert!(device::gemm(&mut dev, &bad_ld).is_err());
}

fn row_major_products_translate<D: Device>(mk: &dyn Fn() -> D) {
    // C = A·B, Aᵀ·B, A·Bᵀ for row-major batches, against plain row-major loops.
    let mut r = rng(2);
    let (m, k, n, batch) = (5, 7, 3, 4);
    for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
        let (ar, ac) = if ta { (k, m) } else { (m, k) };
        let (br, bc) = if tb { (n, k) } else { (k, n) };
        let a = uniform(batch * ar * ac, &mut r);
        let b = uniform(batch * br * bc, &mut r);
        let mut dev = mk();
        let (da, db) = (upload(&mut dev, &a), upload(&mut dev, &b));
        let dc = dev.alloc::<f32>(batch * m * n).expect("alloc");
        let ma = RowMajor::dense(da, 0, ar, ac, ar * ac);
        let mb = RowMajor::dense(db, 0, br, bc, br * bc);
        let ma = if ta { ma.t() } else { ma };
        let mb = if tb { mb.t() } else { mb };
        gemm_row_major(
            &mut dev,
            1.0,
            ma,
            mb,
            0.0,
            RowMajor::dense(dc, 0, m, n, m * n),
            batch,
        )
        .expect("gemm");
        let got = download(&mut dev, dc);
        for p in 0..batch {
            for i in 0..m {
                for j in 0..n {
                    let mut acc = 0.0f64;
                    for l in 0..k {
                        let av = if ta {
                            a[p * ar * ac + l * ac + i]
                        } else {
                            a[p * ar * ac + i * ac + l]
                        };
                        let bv = if tb {
                            b[p * br * bc + j * bc + l]
                        } else {
                            b[p * br * bc + l * bc + j]
                        };
                        acc += f64::from(av) * f64::from(bv);
                    }
                    let x = got[p * m * n + i * n + j];
                    assert!(
                        (f64::from(x) - acc).abs() < 1e-5,
                        "ta={ta} tb={tb} [{p},{i},{j}]"
                    );
                }
            }
        }
    }
}

#[test]
fn row_major_products_translate_to_column_major_calls() {
    row_major_products_translate(&EmulatedDevice::new);
}

fn adam_equals_the_cpu_update<D: Device>(mk: &dyn Fn() -> D) {
    let mut r = rng(3);
    for n in SIZES.into_iter().chain([1000]) {
        let (p, g, m, v) = (
            uniform(n, &mut r),
            uniform(n, &mut r),
            uniform(n, &mut r),
            uniform(n, &mut r),
        );
        let v: Vec<f32> = v.iter().map(|x| x.abs()).collect();
        let mut dev = mk();
        let (dp, dg, dm, dv) = (
            upload(&mut dev, &p),
            upload(&mut dev, &g),
            upload(&mut dev, &m),
            upload(&mut dev, &v),
        );
        let (mut cp, mut cm, mut cv) = (p.clone(), m.clone(), v.clone());
        for t in 1..=3 {
            adam::cuda::step(
                &mut dev,
                &AdamParams::KERAS,
                t,
                dp.all(),
                dg.all(),
                dm.all(),
                dv.all(),
            )
            .expect("device adam");
            adam::step(
                AdamVariant::Reference,
                &AdamParams::KERAS,
                t,
                &mut cp,
                &g,
                &mut cm,
                &mut cv,
            )
            .expect("cpu adam");
        }
        let bits = |x: &[f32]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&download(&mut dev, dp)), bits(&cp), "params, n = {n}");
        assert_eq!(bits(&download(&mut dev, dm)), bits(&cm), "m, n = {n}");
        assert_eq!(bits(&download(&mut dev, dv)), bits(&cv), "v, n = {n}");
    }
    let mut dev = mk();
    let b = dev.alloc::<f32>(4).expect("alloc");
    let short = dev.alloc::<f32>(3).expect("alloc");
    assert!(matches!(
        adam::cuda::step(
            &mut dev,
            &AdamParams::KERAS,
            1,
            b.all(),
            short.all(),
            b.all(),
            b.all()
        ),
        Err(KernelError::BufferLength { .. })
    ));
    assert!(adam::cuda::step(
        &mut dev,
        &AdamParams::PYTORCH,
        1,
        b.all(),
        b.all(),
        b.all(),
        b.all()
    )
    .is_err());
}

#[test]
fn adam_kernel_equals_the_cpu_update_bit_for_bit() {
    adam_equals_the_cpu_update(&EmulatedDevice::new);
}

fn rnn_kernels_equal_their_loops<D: Device>(mk: &dyn Fn() -> D) {
    let mut r = rng(4);
    for n in SIZES {
        let (networks, rows) = (3, 5);
        let stride = rows * n + 7; // a gap after each network's block
        let h = uniform(networks * stride, &mut r);
        let b = uniform(networks * n, &mut r);
        let mut dev = mk();
        let (dh, db) = (upload(&mut dev, &h), upload(&mut dev, &b));
        rnn_cuda::bias_relu(&mut dev, dh.all(), db.all(), networks, rows, n, stride)
            .expect("bias_relu");
        let got = download(&mut dev, dh);
        let mut want = h.clone();
        for p in 0..networks {
            for e in 0..rows * n {
                let v = want[p * stride + e] + b[p * n + e % n];
                want[p * stride + e] = if v > 0.0 { v } else { 0.0 };
            }
        }
        assert_eq!(got, want, "bias_relu n = {n}");

        let d = uniform(networks * stride, &mut r);
        let dd = upload(&mut dev, &d);
        rnn_cuda::relu_backward(&mut dev, dd.all(), dh.all(), networks, rows * n, stride)
            .expect("relu_backward");
        let got = download(&mut dev, dd);
        let mut want_d = d.clone();
        for p in 0..networks {
            for e in 0..rows * n {
                if want[p * stride + e] <= 0.0 {
                    want_d[p * stride + e] = 0.0;
                }
            }
        }
        assert_eq!(got, want_d, "relu_backward n = {n}");

        let out0 = uniform(networks * n, &mut r);
        let dout = upload(&mut dev, &out0);
        for accumulate in [false, true] {
            dev.upload(&out0, dout.all()).expect("upload");
            rnn_cuda::column_sums(
                &mut dev,
                dout.all(),
                dh.all(),
                networks,
                rows,
                n,
                stride,
                accumulate,
            )
            .expect("column_sums");
            let got = download(&mut dev, dout);
            for p in 0..networks {
                for j in 0..n {
                    let mut s = 0.0f32;
                    for row in 0..rows {
                        s += want[p * stride + row * n + j];
                    }
                    let w = if accumulate { out0[p * n + j] + s } else { s };
                    assert_eq!(
                        got[p * n + j],
                        w,
                        "column_sums n = {n} accumulate = {accumulate}"
                    );
                }
            }
        }
    }
}

#[test]
fn rnn_elementwise_kernels_equal_their_loops() {
    rnn_kernels_equal_their_loops(&EmulatedDevice::new);
}

fn softmax_equals_the_readout<D: Device>(mk: &dyn Fn() -> D) {
    let mut r = rng(5);
    for batch in SIZES {
        let networks = 2;
        let trials = networks * batch;
        let z: Vec<f32> = (0..trials * 4)
            .map(|_| r.random_range(-8.0f32..8.0))
            .collect();
        let b_out = uniform(networks * 4, &mut r);
        let labels: Vec<i32> = (0..trials).map(|_| r.random_range(0..4)).collect();
        let mut dev = mk();
        let (dz, db) = (upload(&mut dev, &z), upload(&mut dev, &b_out));
        let dl = dev.alloc::<i32>(trials).expect("alloc");
        dev.upload(&labels, dl.all()).expect("upload");
        let dce = dev.alloc::<f32>(trials).expect("alloc");
        let dcorrect = dev.alloc::<i32>(trials).expect("alloc");
        let inv = 1.0 / batch as f32;
        rnn_cuda::softmax_cross_entropy(
            &mut dev,
            dz.all(),
            db.all(),
            dl.all(),
            dce.all(),
            dcorrect.all(),
            networks,
            batch,
            inv,
        )
        .expect("softmax");
        let dz_got = download(&mut dev, dz);
        let ce_got = download(&mut dev, dce);
        let mut correct_got = vec![0i32; trials];
        dev.download(dcorrect.all(), &mut correct_got)
            .expect("download");
        for t in 0..trials {
            let p = t / batch;
            let v: Vec<f64> = (0..4)
                .map(|c| f64::from(z[t * 4 + c] + b_out[p * 4 + c]))
                .collect();
            let best = (1..4).fold(0, |b, c| if v[c] > v[b] { c } else { b });
            let sum: f64 = v.iter().map(|x| (x - v[best]).exp()).sum();
            let ce = sum.ln() - (v[labels[t] as usize] - v[best]);
            assert!(
                (f64::from(ce_got[t]) - ce).abs() < 1e-5 * (1.0 + ce),
                "ce batch {batch} trial {t}"
            );
            assert_eq!(correct_got[t], i32::from(best == labels[t] as usize));
            for c in 0..4 {
                let pc =
                    (v[c] - v[best]).exp() / sum - if c == labels[t] as usize { 1.0 } else { 0.0 };
                let want = pc * f64::from(inv);
                assert!(
                    (f64::from(dz_got[t * 4 + c]) - want).abs() < 1e-6,
                    "dz batch {batch} trial {t}"
                );
            }
        }
    }
}

#[test]
fn softmax_cross_entropy_kernel_equals_the_readout() {
    softmax_equals_the_readout(&EmulatedDevice::new);
}

fn normalised_connectome(n: usize, scale: f64, r: &mut Xoshiro256PlusPlus) -> Vec<f32> {
    (0..n * n)
        .map(|_| (r.random_range(0.0..1.0f64) * scale / n as f64) as f32)
        .collect()
}

fn batched_taylor_equals_the_cpu_variant<D: Device>(mk: &dyn Fn() -> D) {
    // Networks with norms from 0.05 to 60 in one batch: each keeps its own squarings (0 to 7),
    // so each must equal the CPU variant run alone. They differ only in the GEMMs' summation
    // order (faer on column- vs row-major views), amplified by up to 7 squarings: 1e-5.
    let mut r = rng(6);
    for n in [1, 2, 7, 33, 100] {
        let scales = [0.05, 1.0, 4.0, 60.0];
        let mats: Vec<Vec<f32>> = scales
            .iter()
            .map(|&s| normalised_connectome(n, s, &mut r))
            .collect();
        let g: Vec<Vec<f32>> = scales.iter().map(|_| uniform(n * n, &mut r)).collect();
        let mut dev = mk();
        let a = upload(&mut dev, &mats.concat());
        let dg = upload(&mut dev, &g.concat());
        let e = dev.alloc::<f32>(a.len()).expect("alloc");
        let adj = dev.alloc::<f32>(a.len()).expect("alloc");
        let mut batch = TaylorBatch::new(&mut dev, n, scales.len()).expect("batch");
        batch.expm(&mut dev, a.all(), e.all()).expect("expm");
        batch
            .adjoint_last(&mut dev, dg.all(), adj.all())
            .expect("adjoint");
        let (e_got, adj_got) = (download(&mut dev, e), download(&mut dev, adj));
        for (p, (m, gp)) in mats.iter().zip(&g).enumerate() {
            let mut ws = taylor::TaylorWorkspace::<f32>::new(n);
            let mut e_cpu = vec![0.0f32; n * n];
            let mut adj_cpu = vec![0.0f32; n * n];
            let s = taylor::expm(m, &mut e_cpu, &mut ws, Par::Seq).expect("cpu expm");
            taylor::adjoint_last(gp, &mut adj_cpu, &mut ws, Par::Seq).expect("cpu adjoint");
            assert_eq!(
                batch.squarings()[p],
                s as i32,
                "n = {n} network {p}: squarings"
            );
            let rel = |x: &[f32], y: &[f32]| {
                let num: f64 = x.iter().zip(y).map(|(a, b)| f64::from(a - b).powi(2)).sum();
                let den: f64 = y.iter().map(|b| f64::from(*b).powi(2)).sum();
                (num / den.max(1e-300)).sqrt()
            };
            let nn = n * n;
            let err_e = rel(&e_got[p * nn..(p + 1) * nn], &e_cpu);
            let err_l = rel(&adj_got[p * nn..(p + 1) * nn], &adj_cpu);
            println!("n={n} network {p} (s={s}): expm {err_e:.1e}, adjoint {err_l:.1e}");
            assert!(
                err_e < 1e-5 && err_l < 1e-5,
                "n = {n} network {p}: {err_e:e} {err_l:e}"
            );
        }
    }
}

#[test]
fn batched_taylor_equals_the_cpu_variant_network_by_network() {
    batched_taylor_equals_the_cpu_variant(&EmulatedDevice::new);
}

#[test]
fn taylor_batch_adjoint_needs_its_forward() {
    let mut dev = EmulatedDevice::new();
    let mut batch = TaylorBatch::new(&mut dev, 3, 2).expect("batch");
    let g = dev.alloc::<f32>(18).expect("alloc");
    assert!(matches!(
        batch.adjoint_last(&mut dev, g.all(), g.all()),
        Err(KernelError::MissingState { .. })
    ));
}

#[test]
fn unknown_kernels_and_short_buffers_are_errors() {
    let mut dev = EmulatedDevice::new();
    let b = dev.alloc::<f32>(4).expect("alloc");
    let e = dev
        .launch(&device::Launch {
            module: "rnn",
            kernel: "no_such_kernel",
            threads: 1,
            block: device::BLOCK,
            args: &[],
        })
        .expect_err("unknown kernel");
    assert!(e.to_string().contains("no_such_kernel"), "{e}");
    let short = dev.alloc::<f32>(3).expect("alloc");
    assert!(matches!(
        rnn_cuda::bias_relu(&mut dev, b.all(), short.all(), 1, 1, 4, 4),
        Err(KernelError::BufferLength { .. })
    ));
    assert!(b.view(2, 3).is_err());
}

#[test]
fn cuda_device_is_refused_in_one_line_without_a_gpu() {
    // Without the `cuda` feature: "not compiled"; with it, on a machine with no driver or GPU
    // (CI, this project's machines): which is missing. Either way one line, never a panic.
    match CudaDevice::open(0) {
        Ok(dev) => println!("GPU present: {}", dev.info().name),
        Err(e) => {
            let e = e.to_string();
            println!("no CUDA device: {e}");
            assert!(e.starts_with("backend cuda: ") && !e.contains('\n'), "{e}");
        }
    }
}

#[test]
fn nvrtc_compiles_every_kernel_source_as_the_device_does() {
    // The run-time compile path of CudaDevice::open (NVRTC, --fmad=false, one program per
    // source) for an H100 (9.0) and an A100 (8.0). It needs only NVRTC: .ci/run builds this
    // test with the `cuda` feature and NVRTC from NVIDIA's wheel. Elsewhere it skips, saying
    // why.
    for cc in [(9, 0), (8, 0)] {
        match device::compile_ptx(cc) {
            Err(e) => {
                println!("skipped: {e}");
                return;
            }
            Ok(modules) => {
                assert_eq!(modules.len(), device::SOURCES.len());
                for ((module, ptx), (name, source)) in modules.iter().zip(device::SOURCES) {
                    assert_eq!(*module, name);
                    let target = format!(".target sm_{}{}", cc.0, cc.1);
                    assert!(ptx.contains(&target), "{module}: no `{target}`");
                    for kernel in source
                        .split("extern \"C\" __global__ void ")
                        .skip(1)
                        .filter_map(|rest| rest.split('(').next())
                    {
                        assert!(
                            ptx.contains(&format!(".entry {kernel}(")),
                            "{module}.cu: no entry `{kernel}` in the PTX"
                        );
                    }
                    println!(
                        "{module}.cu → {} bytes of PTX for sm_{}{}",
                        ptx.len(),
                        cc.0,
                        cc.1
                    );
                }
            }
        }
    }
}

#[test]
fn every_header_is_listed_and_expands_for_nvrtc() {
    // NVRTC compiles a source from a string, so `#include "x.cuh"` lines are expanded from
    // device::HEADERS: every header of kernels/cuda must be listed there, every source must
    // expand to text with no quoted include left, and an unlisted header is an error.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("cuda");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .expect("kernels/cuda")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".cuh"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = device::HEADERS.iter().map(|(h, _)| h.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "kernels/cuda/*.cuh vs device::HEADERS");
    for (name, text) in device::HEADERS {
        let on_disk = std::fs::read_to_string(dir.join(name)).expect("header");
        assert_eq!(on_disk, text, "{name}");
    }
    let sources = device::expanded_sources().expect("expand");
    assert_eq!(sources.len(), device::SOURCES.len());
    for (module, text) in &sources {
        assert!(
            !text
                .lines()
                .any(|l| l.trim_start().starts_with("#include \"")),
            "{module}.cu: an include is left"
        );
    }
    let maze = &sources.iter().find(|(m, _)| *m == "maze").expect("maze").1;
    // maze.cu includes maze.cuh, which includes rng.cuh: each once, each framed by #line.
    for (header, times) in [("maze.cuh", 1), ("rng.cuh", 1)] {
        let framed = format!("#line 1 \"{header}\"");
        assert_eq!(maze.matches(&framed).count(), times, "{header}");
    }
    assert!(maze.contains("#define MAZE_MAX_SIZE"));
    assert!(maze.contains("struct Rng {"));
    // Twice in one source: the second include expands to nothing (an empty line).
    let twice = device::expand_includes("t.cu", "#include \"rng.cuh\"\n#include \"rng.cuh\"\nx\n")
        .expect("expand");
    assert_eq!(twice.matches("#define RNG_ZIG_R").count(), 1);
    assert!(
        twice.ends_with("#line 2 \"t.cu\"\n\nx\n"),
        "{:?}",
        &twice[twice.len() - 30..]
    );
    let e = device::expand_includes("t.cu", "  #  include \"nope.cuh\"\n").unwrap_err();
    assert!(
        e.to_string().contains("t.cu:1") && e.to_string().contains("nope.cuh"),
        "{e}"
    );
}

/// The GPU, or `None` with the reason printed (every machine without one).
fn gpu() -> Option<CudaDevice> {
    match CudaDevice::open(0) {
        Ok(dev) => Some(dev),
        Err(e) => {
            println!("skipped on the GPU: {e}");
            None
        }
    }
}

#[test]
fn on_the_gpu_every_kernel_check_passes() {
    // The checks above, against cudarc and cuBLAS on GPU 0, with the same references and
    // tolerances (Adam bit for bit; cuBLAS's summation order and the device's expf/logf are
    // within them).
    let Some(name) = gpu().map(|dev| dev.info().name.clone()) else {
        return;
    };
    println!("GPU: {name}");
    let open = || CudaDevice::open(0).expect("the GPU opened a moment ago");
    gemm_has_cublas_semantics(&open);
    row_major_products_translate(&open);
    adam_equals_the_cpu_update(&open);
    rnn_kernels_equal_their_loops(&open);
    softmax_equals_the_readout(&open);
    batched_taylor_equals_the_cpu_variant(&open);
    noise_inputs_match_rand_distr(&open);
}

#[test]
fn a_non_finite_network_does_not_disturb_its_batch() {
    // A diverged network (NaN or infinite weights) gets no squarings and a NaN result; the
    // others in its batch are computed exactly as without it.
    let n = 9;
    let mut r = rng(8);
    let good = normalised_connectome(n, 3.0, &mut r);
    let g = uniform(n * n, &mut r);
    for bad_value in [f32::NAN, f32::INFINITY] {
        let bad = vec![bad_value; n * n];
        let mut dev = EmulatedDevice::new();
        let a = upload(&mut dev, &[good.clone(), bad, good.clone()].concat());
        let dg = upload(&mut dev, &[g.clone(), g.clone(), g.clone()].concat());
        let e = dev.alloc::<f32>(a.len()).expect("alloc");
        let adj = dev.alloc::<f32>(a.len()).expect("alloc");
        let mut batch = TaylorBatch::new(&mut dev, n, 3).expect("batch");
        batch.expm(&mut dev, a.all(), e.all()).expect("expm");
        batch
            .adjoint_last(&mut dev, dg.all(), adj.all())
            .expect("adjoint");
        let s = batch.squarings().to_vec();
        assert_eq!(s[1], 0, "{bad_value}: {s:?}");
        assert_eq!(s[0], s[2]);
        let (e_all, adj_all) = (download(&mut dev, e), download(&mut dev, adj));
        let nn = n * n;
        assert_eq!(e_all[..nn], e_all[2 * nn..], "{bad_value}");
        assert_eq!(adj_all[..nn], adj_all[2 * nn..], "{bad_value}");
        assert!(e_all[nn..2 * nn].iter().all(|v| !v.is_finite()));
    }
}

fn noise_inputs_match_rand_distr<D: Device>(mk: &dyn Fn() -> D) {
    // Four networks, 45 steps × 128 trials × 8 inputs × 3 batches: 553 000 draws, about 140
    // from the ziggurat's tail and thousands through its density test — every value equal to
    // rand_distr's `Normal<f32>` on the same stream, bit for bit, and each stream left where
    // the CPU's is.
    use rand_distr::{Distribution, Normal};
    use wiring_kernels::lanes::{cuda::NoiseStreams, xoshiro_state, ziggurat_tables};
    let (networks, steps, trials, sigma) = (4, 45, 128, 0.05f32);
    let mut r = rng(9);
    let seeds: Vec<u64> = (0..networks).map(|_| r.random()).collect();
    let patterns: Vec<f32> = (0..8 * steps * 8)
        .map(|_| f32::from(r.random_range(0u8..2)))
        .collect();
    let mut dev = mk();
    let mut streams =
        NoiseStreams::new(&mut dev, &seeds, sigma, &ziggurat_tables()).expect("streams");
    let dpat = upload(&mut dev, &patterns);
    let dprob = dev.alloc::<i32>(networks * trials).expect("alloc");
    let dx = dev
        .alloc::<f32>(networks * steps * trials * 8)
        .expect("alloc");
    let mut cpu: Vec<Xoshiro256PlusPlus> = seeds
        .iter()
        .map(|&s| Xoshiro256PlusPlus::seed_from_u64(s))
        .collect();
    let normal = Normal::new(0.0f32, sigma).expect("normal");
    let mut tail = 0;
    for batch in 0..3 {
        let problems: Vec<i32> = (0..networks * trials)
            .map(|_| r.random_range(0..8))
            .collect();
        dev.upload(&problems, dprob.all()).expect("upload");
        streams
            .goal_inputs(&mut dev, dx.all(), dpat.all(), dprob.all(), steps, trials)
            .expect("goal_inputs");
        let got = download(&mut dev, dx);
        for (p, rng_p) in cpu.iter_mut().enumerate() {
            for t in 0..steps {
                for b in 0..trials {
                    let pr = problems[p * trials + b] as usize;
                    for k in 0..8 {
                        let mut v = patterns[(pr * steps + t) * 8 + k];
                        let z = normal.sample(rng_p);
                        tail += usize::from(f64::from(z / sigma).abs() > 3.654_152_885);
                        v += z;
                        let i = ((p * steps + t) * trials + b) * 8 + k;
                        assert_eq!(
                            got[i].to_bits(),
                            v.to_bits(),
                            "batch {batch} network {p} [{t},{b},{k}]"
                        );
                    }
                }
            }
        }
    }
    println!("{tail} draws from the ziggurat's tail");
    assert!(tail > 50, "the tail was not exercised: {tail}");
    // The streams advanced exactly as the CPU's: the next word of each equals.
    let states = streams.states(&mut dev).expect("states");
    for (p, rng_p) in cpu.iter_mut().enumerate() {
        let s = &states[4 * p..4 * p + 4];
        let next = (s[0].wrapping_add(s[3])).rotate_left(23).wrapping_add(s[0]);
        assert_eq!(next, rng_p.random::<u64>(), "network {p}: stream position");
    }
    assert_eq!(xoshiro_state(1).len(), 4);
}

#[test]
fn noise_inputs_equal_rand_distr_bit_for_bit() {
    noise_inputs_match_rand_distr(&EmulatedDevice::new);
}
