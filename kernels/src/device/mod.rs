//! The device layer: where a backend's numbers live and its kernels run, behind one trait
//! ([`Device`]) with two implementations —
//!
//! - [`CudaDevice`]: one NVIDIA GPU through cudarc (driver, NVRTC, cuBLAS; all loaded at run
//!   time, so every machine builds it). Built with the `cuda` feature (bindings of CUDA 12.6)
//!   or `cuda-13` (13.0); without either, a stand-in of the same name whose
//!   [`CudaDevice::open`] returns "not compiled with CUDA".
//! - [`EmulatedDevice`]: host memory, the same `kernels/cuda/*.cu` sources compiled as host
//!   C++ through a shim that runs the grid as loops, and a GEMM with cuBLAS's column-major,
//!   strided-batched semantics argument for argument. It is how CI, which has no GPU, proves
//!   the orchestration (layouts, leading dimensions, strides, which kernel runs when).
//!
//! Memory is a set of typed buffers ([`Buf`]: a handle, its element type and length) owned by
//! the device. Work is queued in order on one stream: [`gemm`] and the kernel launches;
//! [`Device::download`] waits for it. Each kernel has one safe, typed wrapper in its family's
//! `cuda.rs` (e.g. [`crate::rnn::cuda`]) that checks every extent against the buffers before
//! [`Device::launch`] — the only entry to a kernel.
//!
//! Dense products go through [`gemm`] (cuBLAS's `sgemm_strided_batched`, checked), or
//! [`gemm_row_major`], which states a row-major product and translates it.

mod emulated;
#[cfg(any(feature = "cuda", feature = "cuda-13"))]
mod real;
#[cfg(not(any(feature = "cuda", feature = "cuda-13")))]
mod stand_in;

use core::marker::PhantomData;

pub use emulated::EmulatedDevice;
#[cfg(any(feature = "cuda", feature = "cuda-13"))]
pub use real::{compile_ptx, CudaDevice};
#[cfg(not(any(feature = "cuda", feature = "cuda-13")))]
pub use stand_in::{compile_ptx, CudaDevice};

use crate::KernelError;

/// The element types a device buffer holds (four bytes each: the kernels' `float` and `int`).
pub trait Element: bytemuck::Pod + Default + Send + Sync + 'static {}
impl Element for f32 {}
impl Element for i32 {}

/// A device buffer of `len` elements of `T` (a handle: the memory is the device's).
#[derive(Debug)]
pub struct Buf<T> {
    pub(crate) id: usize,
    len: usize,
    _t: PhantomData<T>,
}

impl<T> Clone for Buf<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Buf<T> {}

impl<T> Buf<T> {
    pub(crate) fn new(id: usize, len: usize) -> Self {
        Self {
            id,
            len,
            _t: PhantomData,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The whole buffer as a view.
    pub fn all(self) -> View<T> {
        View {
            buf: self,
            offset: 0,
            len: self.len,
        }
    }

    /// Elements `offset .. offset + len`.
    pub fn view(self, offset: usize, len: usize) -> Result<View<T>, KernelError> {
        if offset.checked_add(len).is_none_or(|end| end > self.len) {
            return Err(KernelError::Dimension {
                op: "device view",
                what: format!(
                    "elements {offset}..{} of a buffer of {}",
                    offset.saturating_add(len),
                    self.len
                ),
            });
        }
        Ok(View {
            buf: self,
            offset,
            len,
        })
    }
}

/// A contiguous range of a device buffer.
#[derive(Debug)]
pub struct View<T> {
    pub buf: Buf<T>,
    pub offset: usize,
    pub len: usize,
}

impl<T> Clone for View<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for View<T> {}

/// One kernel argument: a buffer (at an element offset) or a scalar. `Null` is a null pointer
/// (the kernels' "absent" optional array).
#[derive(Clone, Copy, Debug)]
pub enum Arg {
    F32Ptr(Buf<f32>, usize),
    I32Ptr(Buf<i32>, usize),
    /// A buffer the kernel reads and writes as `double` (two `f32` slots per value).
    F64Ptr(Buf<f32>, usize),
    Null,
    Int(i32),
    Long(i64),
    Float(f32),
    Double(f64),
}

impl From<View<f32>> for Arg {
    fn from(v: View<f32>) -> Self {
        Arg::F32Ptr(v.buf, v.offset)
    }
}
impl From<View<i32>> for Arg {
    fn from(v: View<i32>) -> Self {
        Arg::I32Ptr(v.buf, v.offset)
    }
}
impl From<Option<View<f32>>> for Arg {
    fn from(v: Option<View<f32>>) -> Self {
        v.map_or(Arg::Null, Arg::from)
    }
}

/// The CUDA source files, by module name (each compiled on its own by NVRTC, after
/// [`expand_includes`]).
pub const SOURCES: [(&str, &str); 8] = [
    ("adam", include_str!("../../cuda/adam.cu")),
    ("expm", include_str!("../../cuda/expm.cu")),
    ("maze", include_str!("../../cuda/maze.cu")),
    ("noise", include_str!("../../cuda/noise.cu")),
    ("prnn", include_str!("../../cuda/prnn.cu")),
    ("readout", include_str!("../../cuda/readout.cu")),
    ("regulariser", include_str!("../../cuda/regulariser.cu")),
    ("rnn", include_str!("../../cuda/rnn.cu")),
];

/// The headers the sources may `#include "name.cuh"`, by file name: the one list of them
/// (`.ci/cuda-ptx.py` reads it from this file). The host build finds them in `kernels/cuda/`;
/// NVRTC, which compiles a source from a string, gets them through [`expand_includes`].
pub const HEADERS: [(&str, &str); 2] = [
    ("maze.cuh", include_str!("../../cuda/maze.cuh")),
    ("rng.cuh", include_str!("../../cuda/rng.cuh")),
];

/// `source` with every `#include "name.cuh"` line replaced by that header of [`HEADERS`]
/// (expanded in turn, each header at most once per source, as `#pragma once`), framed by
/// `#line` directives so that NVRTC's messages name the header's or the source's own lines.
/// `file` names the source in those directives (e.g. `maze.cu`).
///
/// # Errors
/// An `#include "…"` of a file that is not in [`HEADERS`] (the message names it and `file`).
pub fn expand_includes(file: &str, source: &str) -> Result<String, KernelError> {
    let mut out = String::with_capacity(source.len());
    let mut included = Vec::new();
    expand_into(file, source, &mut included, &mut out)?;
    Ok(out)
}

fn expand_into(
    file: &str,
    source: &str,
    included: &mut Vec<&'static str>,
    out: &mut String,
) -> Result<(), KernelError> {
    for (n, line) in source.lines().enumerate() {
        let Some(name) = quoted_include(line) else {
            out.push_str(line);
            out.push('\n');
            continue;
        };
        let Some(&(header, text)) = HEADERS.iter().find(|(h, _)| *h == name) else {
            return Err(dim(
                "expand_includes",
                format!("{file}:{}: #include \"{name}\" is not a header of kernels/cuda (device::HEADERS)", n + 1),
            ));
        };
        if !included.contains(&header) {
            included.push(header);
            out.push_str(&format!("#line 1 \"{header}\"\n"));
            expand_into(header, text, included, out)?;
            out.push_str(&format!("#line {} \"{file}\"\n", n + 2));
        } else {
            out.push('\n');
        }
    }
    Ok(())
}

/// The file name of an `#include "name"` line, if `line` is one.
fn quoted_include(line: &str) -> Option<&str> {
    let rest = line.trim_start().strip_prefix('#')?.trim_start();
    let rest = rest.strip_prefix("include")?.trim_start();
    let rest = rest.strip_prefix('"')?;
    rest.split('"').next()
}

/// Every source of [`SOURCES`] with its includes expanded ([`expand_includes`]), as NVRTC
/// compiles it.
///
/// # Errors
/// As [`expand_includes`].
pub fn expanded_sources() -> Result<Vec<(&'static str, String)>, KernelError> {
    SOURCES
        .iter()
        .map(|&(module, source)| Ok((module, expand_includes(&format!("{module}.cu"), source)?)))
        .collect()
}

/// `u64`s as the `i32` pairs a device buffer holds them in (low word first): what the
/// kernels read through a `u64*` argument ([`Arg::I32Ptr`]), e.g. random-stream states.
pub fn u64_slots(v: &[u64]) -> Vec<i32> {
    v.iter()
        .flat_map(|&w| [w as u32 as i32, (w >> 32) as u32 as i32])
        .collect()
}

/// The `u64`s of [`u64_slots`] back.
pub fn slots_u64(v: &[i32]) -> Vec<u64> {
    v.chunks_exact(2)
        .map(|c| u64::from(c[0] as u32) | (u64::from(c[1] as u32) << 32))
        .collect()
}

/// `f64`s as the `f32` pairs (their bits, low word first) of a buffer the kernels read
/// through a `double*` argument ([`Arg::F64Ptr`]).
pub fn f64_slots(v: &[f64]) -> Vec<f32> {
    v.iter()
        .flat_map(|&d| {
            let b = d.to_bits();
            [f32::from_bits(b as u32), f32::from_bits((b >> 32) as u32)]
        })
        .collect()
}

/// The `f64`s of [`f64_slots`] back.
pub fn slots_f64(v: &[f32]) -> Vec<f64> {
    v.chunks_exact(2)
        .map(|w| f64::from_bits(u64::from(w[0].to_bits()) | (u64::from(w[1].to_bits()) << 32)))
        .collect()
}

/// Threads per block of a custom kernel launch unless it says otherwise (1-D grids,
/// `⌈threads / 256⌉` blocks).
pub const BLOCK: u32 = 256;

/// One custom kernel launch: `threads` threads of kernel `kernel` in source module `module`,
/// `block` threads per block.
#[derive(Clone, Debug)]
pub struct Launch<'a> {
    pub module: &'static str,
    pub kernel: &'static str,
    pub threads: usize,
    pub block: u32,
    pub args: &'a [Arg],
}

/// Transposition of a GEMM operand (cuBLAS `CUBLAS_OP_N` / `CUBLAS_OP_T`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    N,
    T,
}

/// One operand of a strided-batched GEMM: column-major with leading dimension `ld`, matrix `i`
/// of the batch at `view.offset + i·stride`.
#[derive(Clone, Copy, Debug)]
pub struct Operand {
    pub buf: Buf<f32>,
    pub offset: usize,
    pub ld: usize,
    pub stride: usize,
}

/// `C_i = α·op(A_i)·op(B_i) + β·C_i` for `i < batch`, column-major, `op(A)` `m × k`, `op(B)`
/// `k × n`, `C` `m × n` — cuBLAS `sgemm_strided_batched`, argument for argument. With `β = 0`,
/// `C` is not read (it may hold anything, NaN included).
#[derive(Clone, Copy, Debug)]
pub struct Gemm {
    pub op_a: Op,
    pub op_b: Op,
    pub m: usize,
    pub n: usize,
    pub k: usize,
    pub alpha: f32,
    pub a: Operand,
    pub b: Operand,
    pub beta: f32,
    pub c: Operand,
    pub batch: usize,
}

/// What a device is, for manifests and messages.
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceInfo {
    /// E.g. "NVIDIA H100 80GB HBM3" or "emulated (host loops)".
    pub name: String,
    /// Compute capability, e.g. (9, 0); `None` for the emulation.
    pub compute_capability: Option<(i32, i32)>,
    /// Driver version as CUDA reports it (e.g. 12040 for 12.4).
    pub driver_version: Option<i32>,
    /// The CUDA version this build's bindings were pinned to.
    pub cuda_version: &'static str,
    /// Total device memory in bytes.
    pub memory_bytes: Option<u64>,
    /// FP32 peak in GFLOP/s (2 × cores × clock), where the device reports what it needs.
    pub fp32_peak_gflops: Option<f64>,
}

/// Memory the device holds for this process's buffers, in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemoryUse {
    pub current: u64,
    pub peak: u64,
}

/// A place where numbers live and kernels run (see the module docs).
pub trait Device {
    fn info(&self) -> &DeviceInfo;

    /// A zero-filled buffer of `len` elements.
    fn alloc<T: Element>(&mut self, len: usize) -> Result<Buf<T>, KernelError>;

    /// Copies `src` into `dst` (same length).
    fn upload<T: Element>(&mut self, src: &[T], dst: View<T>) -> Result<(), KernelError>;

    /// Waits for the queued work, then copies `src` into `dst` (same length).
    fn download<T: Element>(&mut self, src: View<T>, dst: &mut [T]) -> Result<(), KernelError>;

    /// Queues a strided-batched GEMM. Callers use [`gemm`], which checks every extent first.
    fn gemm_unchecked(&mut self, g: &Gemm) -> Result<(), KernelError>;

    /// Queues a custom kernel. Callers are the typed wrappers of the families' `cuda.rs`,
    /// which check every extent first.
    fn launch(&mut self, l: &Launch<'_>) -> Result<(), KernelError>;

    /// Waits for the queued work.
    fn synchronize(&mut self) -> Result<(), KernelError>;

    /// Device memory held by this device's buffers.
    fn memory(&self) -> MemoryUse;

    /// Starts a named timed phase (device events on the GPU); `None` where not timed.
    fn phase_start(&mut self) -> Option<PhaseMark> {
        None
    }

    /// Milliseconds of device time since `start` (after waiting for it).
    fn phase_ms(&mut self, _start: PhaseMark) -> Option<f64> {
        None
    }
}

/// A point on the device's stream, for [`Device::phase_ms`].
#[derive(Clone, Copy, Debug)]
pub struct PhaseMark(pub(crate) usize);

fn dim(op: &'static str, what: String) -> KernelError {
    KernelError::Dimension { op, what }
}

/// Checks one column-major operand of `rows × cols` (as stored) against its buffer for every
/// matrix of the batch.
fn check_operand(
    name: &'static str,
    o: &Operand,
    rows: usize,
    cols: usize,
    batch: usize,
) -> Result<(), KernelError> {
    const OP: &str = "gemm";
    if o.ld < rows.max(1) {
        return Err(dim(
            OP,
            format!("{name}: leading dimension {} < {rows} rows", o.ld),
        ));
    }
    if rows == 0 || cols == 0 || batch == 0 {
        return Ok(());
    }
    let last = (batch - 1)
        .checked_mul(o.stride)
        .and_then(|x| x.checked_add(o.offset))
        .and_then(|x| x.checked_add((cols - 1) * o.ld + rows));
    match last {
        Some(end) if end <= o.buf.len() => Ok(()),
        _ => Err(dim(
            OP,
            format!(
                "{name}: {batch} matrices of {rows}×{cols} (ld {}, stride {}, offset {}) overrun a buffer of {}",
                o.ld,
                o.stride,
                o.offset,
                o.buf.len()
            ),
        )),
    }
}

/// Queues `g` on `dev` after checking every operand's extent (and that the sizes fit cuBLAS's
/// `int`s).
pub fn gemm<D: Device + ?Sized>(dev: &mut D, g: &Gemm) -> Result<(), KernelError> {
    let stored = |op: Op, r: usize, c: usize| if op == Op::N { (r, c) } else { (c, r) };
    let (ar, ac) = stored(g.op_a, g.m, g.k);
    let (br, bc) = stored(g.op_b, g.k, g.n);
    check_operand("A", &g.a, ar, ac, g.batch)?;
    check_operand("B", &g.b, br, bc, g.batch)?;
    check_operand("C", &g.c, g.m, g.n, g.batch)?;
    let too_big = [g.m, g.n, g.k, g.a.ld, g.b.ld, g.c.ld, g.batch]
        .iter()
        .any(|&x| x > i32::MAX as usize);
    if too_big {
        return Err(dim("gemm", "a size exceeds cuBLAS's int".into()));
    }
    if g.batch == 0 || g.m == 0 || g.n == 0 {
        return Ok(());
    }
    dev.gemm_unchecked(g)
}

/// A row-major matrix of a batch: `rows × cols` with row stride `ld` (≥ cols), matrix `i` at
/// `offset + i·stride`, transposed first when `t`.
#[derive(Clone, Copy, Debug)]
pub struct RowMajor {
    pub buf: Buf<f32>,
    pub offset: usize,
    pub rows: usize,
    pub cols: usize,
    pub ld: usize,
    pub stride: usize,
    pub t: bool,
}

impl RowMajor {
    /// A batch of dense row-major `rows × cols` matrices, `stride` apart, from `offset`.
    pub fn dense(buf: Buf<f32>, offset: usize, rows: usize, cols: usize, stride: usize) -> Self {
        Self {
            buf,
            offset,
            rows,
            cols,
            ld: cols,
            stride,
            t: false,
        }
    }

    /// The same matrices, transposed in the product.
    pub fn t(self) -> Self {
        Self { t: !self.t, ..self }
    }

    /// Rows and columns as the product sees them.
    fn shape(&self) -> (usize, usize) {
        if self.t {
            (self.cols, self.rows)
        } else {
            (self.rows, self.cols)
        }
    }
}

/// `C_i = α·A_i·B_i + β·C_i` for row-major matrices (each possibly transposed), as one
/// cuBLAS call: a row-major `M` is the column-major `Mᵀ`, so it computes `Cᵀ = Bᵀ·Aᵀ` with the
/// operands swapped.
pub fn gemm_row_major<D: Device + ?Sized>(
    dev: &mut D,
    alpha: f32,
    a: RowMajor,
    b: RowMajor,
    beta: f32,
    c: RowMajor,
    batch: usize,
) -> Result<(), KernelError> {
    let (m, k) = a.shape();
    let (k2, n) = b.shape();
    if k != k2 || c.shape() != (m, n) || c.t {
        return Err(dim(
            "gemm_row_major",
            format!(
                "shapes {m}×{k} · {k2}×{n} → {:?} (C transposed: {})",
                c.shape(),
                c.t
            ),
        ));
    }
    let operand = |x: &RowMajor| Operand {
        buf: x.buf,
        offset: x.offset,
        ld: x.ld,
        stride: x.stride,
    };
    let op = |t: bool| if t { Op::T } else { Op::N };
    gemm(
        dev,
        &Gemm {
            op_a: op(b.t),
            op_b: op(a.t),
            m: n,
            n: m,
            k,
            alpha,
            a: operand(&b),
            b: operand(&a),
            beta,
            c: operand(&c),
            batch,
        },
    )
}

/// Checks that `v` holds at least `need` elements from its offset (for the kernel wrappers).
pub fn check_extent<T>(
    op: &'static str,
    buffer: &'static str,
    v: View<T>,
    need: usize,
) -> Result<(), KernelError> {
    if v.len >= need {
        Ok(())
    } else {
        Err(KernelError::BufferLength {
            op,
            buffer,
            expected: need,
            actual: v.len,
        })
    }
}

/// The blocks of a launch of `threads` threads, `block` per block.
pub fn blocks(threads: usize, block: u32) -> Result<u32, KernelError> {
    if block == 0 || block > 1024 {
        return Err(dim("launch", format!("{block} threads per block")));
    }
    u32::try_from(threads.div_ceil(block as usize))
        .map_err(|_| dim("launch", format!("{threads} threads exceed the grid")))
}

/// Sums rows of `f64` partial sums that a kernel wrote into an `f32` buffer (two slots per
/// value), `per` values at a time, in order: the penalties' host side.
pub fn sum_f64_partials(raw: &[f32], per: usize) -> Vec<f64> {
    let values: Vec<f64> = raw
        .chunks_exact(2)
        .map(|w| {
            let (lo, hi) = (u64::from(w[0].to_bits()), u64::from(w[1].to_bits()));
            f64::from_bits(lo | (hi << 32))
        })
        .collect();
    values.chunks(per.max(1)).map(|c| c.iter().sum()).collect()
}

/// Queues kernel `kernel` of `kernels/cuda/{module}.cu` over `threads` threads (nothing for 0).
/// For the typed wrappers of the families' `cuda.rs`, after their extent checks.
pub(crate) fn launch<D: Device + ?Sized>(
    dev: &mut D,
    module: &'static str,
    kernel: &'static str,
    threads: usize,
    args: &[Arg],
) -> Result<(), KernelError> {
    launch_blocks(dev, module, kernel, threads, BLOCK, args)
}

/// [`launch`] with `block` threads per block: for kernels whose threads are few and heavy
/// (one per network of a population), small blocks spread them over every multiprocessor.
pub(crate) fn launch_blocks<D: Device + ?Sized>(
    dev: &mut D,
    module: &'static str,
    kernel: &'static str,
    threads: usize,
    block: u32,
    args: &[Arg],
) -> Result<(), KernelError> {
    if threads == 0 {
        return Ok(());
    }
    dev.launch(&Launch {
        module,
        kernel,
        threads,
        block,
        args,
    })
}

/// Extent of `networks` blocks of `per` elements, `stride` apart.
pub(crate) fn strided(networks: usize, per: usize, stride: usize) -> usize {
    if networks == 0 || per == 0 {
        0
    } else {
        (networks - 1) * stride + per
    }
}

/// A `long long` kernel argument.
pub(crate) fn kernel_long(x: usize) -> Arg {
    Arg::Long(x as i64)
}

/// An `int` kernel argument, refused when it does not fit.
pub(crate) fn kernel_int(op: &'static str, x: usize) -> Result<Arg, KernelError> {
    i32::try_from(x)
        .map(Arg::Int)
        .map_err(|_| KernelError::Dimension {
            op,
            what: format!("{x} exceeds a kernel int"),
        })
}
