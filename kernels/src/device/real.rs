//! [`CudaDevice`]: one NVIDIA GPU through cudarc — the driver API, NVRTC and cuBLAS, each
//! loaded at run time (so the build needs no toolkit and a machine without a driver gets a
//! one-line error from [`CudaDevice::open`]).
//!
//! One stream carries all work in order; cudarc's per-buffer event tracking is switched off
//! (there is one stream, and every kernel argument is a raw pointer into a buffer this device
//! owns). The kernel sources of `kernels/cuda/` are compiled by NVRTC when the device opens,
//! for its own architecture, without contraction (`--fmad=false`), so the GPU rounds the
//! elementwise kernels exactly as their host build does in tests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use cudarc::cublas::{result as blas_result, sys as blas_sys, CudaBlas};
use cudarc::driver::{
    sys, CudaContext, CudaEvent, CudaFunction, CudaSlice, CudaStream, DevicePtr, LaunchConfig,
    PushKernelArg,
};
use cudarc::nvrtc::{compile_ptx_with_opts, CompileOptions, Ptx};

use super::{
    blocks, expanded_sources, Arg, Buf, Device, DeviceInfo, Element, Gemm, Launch, MemoryUse, Op,
    PhaseMark, View, SOURCES,
};
use crate::KernelError;

/// The CUDA version the bindings are pinned to: the `cuda` feature takes cudarc's
/// `cuda-12060` (any driver and libraries of 12.6 or newer that keep those calls), `cuda-13`
/// its `cuda-13000`.
#[cfg(not(feature = "cuda-13"))]
pub const PINNED_CUDA: &str = "12.6";
#[cfg(feature = "cuda-13")]
pub const PINNED_CUDA: &str = "13.0";

fn unavailable(why: String) -> KernelError {
    KernelError::DeviceFailure {
        backend: "cuda",
        what: why,
    }
}

fn cuda_err(what: &'static str) -> impl Fn(cudarc::driver::DriverError) -> KernelError {
    move |e| unavailable(format!("{what}: {e}"))
}

/// One NVIDIA GPU: its context and stream, cuBLAS, the compiled kernels and the buffers.
pub struct CudaDevice {
    info: DeviceInfo,
    stream: Arc<CudaStream>,
    blas: CudaBlas,
    functions: HashMap<&'static str, CudaFunction>,
    buffers: Vec<CudaSlice<u32>>,
    pointers: Vec<u64>,
    memory: MemoryUse,
    events: Vec<CudaEvent>,
}

impl CudaDevice {
    /// Opens GPU `ordinal`: loads the driver, creates the context and stream, compiles the
    /// kernels with NVRTC for the device's architecture and starts cuBLAS.
    ///
    /// # Errors
    /// One line naming what is missing: no driver library, no device, NVRTC or cuBLAS not
    /// found, or a kernel that does not compile.
    pub fn open(ordinal: usize) -> Result<Self, KernelError> {
        // cudarc panics when a library it calls cannot be loaded: look for each first.
        // SAFETY: each check only tries to load the shared library by its candidate names.
        let present = unsafe {
            [
                (sys::is_culib_present(), "CUDA driver library (libcuda.so)"),
                (
                    cudarc::nvrtc::sys::is_culib_present(),
                    "NVRTC library (libnvrtc.so)",
                ),
                (
                    blas_sys::is_culib_present(),
                    "cuBLAS library (libcublas.so)",
                ),
            ]
        };
        if let Some((_, missing)) = present.iter().find(|(ok, _)| !ok) {
            return Err(unavailable(format!(
                "no {missing} on this machine; use \"cpu\""
            )));
        }
        let ctx = CudaContext::new(ordinal)
            .map_err(|e| unavailable(format!("no usable GPU {ordinal}: {e}; use \"cpu\"")))?;
        let name = ctx.name().map_err(cuda_err("device name"))?;
        let cc = ctx
            .compute_capability()
            .map_err(cuda_err("compute capability"))?;
        let memory = ctx.total_mem().map_err(cuda_err("device memory"))? as u64;
        let attr = |a| ctx.attribute(a).ok();
        let sms = attr(sys::CUdevice_attribute::CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        let clock_khz = attr(sys::CUdevice_attribute::CU_DEVICE_ATTRIBUTE_CLOCK_RATE);
        let fp32_peak_gflops = match (sms, clock_khz, fp32_lanes_per_sm(cc)) {
            (Some(s), Some(k), Some(l)) => Some(2.0 * f64::from(s) * l * f64::from(k) * 1e-6),
            _ => None,
        };
        let mut driver_version = 0i32;
        // SAFETY: cuDriverGetVersion writes one int through the pointer it is given.
        let driver_version = unsafe { sys::cuDriverGetVersion(&mut driver_version) }
            .result()
            .ok()
            .map(|()| driver_version);
        // SAFETY: one stream, all work in order on it; buffers are only freed when the device
        // drops, after synchronising (see Drop).
        unsafe { ctx.disable_event_tracking() };
        // Its own stream, so two populations (a study's sets, on two threads) overlap.
        let stream = ctx.new_stream().map_err(cuda_err("stream"))?;
        let mut functions = HashMap::new();
        for (module, ptx) in compiled_ptx(cc)? {
            let source = SOURCES
                .iter()
                .find(|(m, _)| *m == module)
                .map_or("", |(_, s)| *s);
            let m = ctx
                .load_module(Ptx::from_src(ptx))
                .map_err(cuda_err("loading the kernels"))?;
            for kernel in kernel_names(source) {
                let f = m
                    .load_function(kernel)
                    .map_err(cuda_err("loading a kernel"))?;
                functions.insert(kernel, f);
            }
        }
        let blas =
            CudaBlas::new(stream.clone()).map_err(|e| unavailable(format!("cuBLAS: {e}")))?;
        // SAFETY: sets the math mode of the handle this device owns. Plain FP32 (no TF32).
        unsafe {
            blas_sys::cublasSetMathMode(*blas.handle(), blas_sys::cublasMath_t::CUBLAS_DEFAULT_MATH)
        }
        .result()
        .map_err(|e| unavailable(format!("cuBLAS math mode: {e}")))?;
        Ok(Self {
            info: DeviceInfo {
                name,
                compute_capability: Some(cc),
                driver_version,
                cuda_version: PINNED_CUDA,
                memory_bytes: Some(memory),
                fp32_peak_gflops,
            },
            stream,
            blas,
            functions,
            buffers: Vec::new(),
            pointers: Vec::new(),
            memory: MemoryUse::default(),
            events: Vec::new(),
        })
    }

    fn ptr(&self, id: usize, offset: usize) -> u64 {
        self.pointers[id] + 4 * offset as u64
    }
}

/// Every kernel source compiled by NVRTC for compute capability `cc`, as the device does when
/// it opens: one program per file, its `#include "*.cuh"` expanded
/// ([`super::expand_includes`]), `--fmad=false`. Needs only NVRTC (no driver, no GPU).
///
/// # Errors
/// No NVRTC library, or a source that does not compile (its log in the message).
pub fn compile_ptx(cc: (i32, i32)) -> Result<Modules, KernelError> {
    // SAFETY: only tries to load the shared library by its candidate names.
    if !unsafe { cudarc::nvrtc::sys::is_culib_present() } {
        return Err(unavailable(
            "no NVRTC library (libnvrtc.so) on this machine; use \"cpu\"".into(),
        ));
    }
    // cudarc takes the architecture as a `&'static str`: a few bytes per call.
    let arch: &'static str = Box::leak(format!("compute_{}{}", cc.0, cc.1).into_boxed_str());
    expanded_sources()?
        .into_iter()
        .map(|(module, source)| {
            compile_ptx_with_opts(
                source,
                CompileOptions {
                    fmad: Some(false),
                    arch: Some(arch),
                    name: Some(format!("{module}.cu")),
                    ..Default::default()
                },
            )
            .map(|ptx| (module, ptx.to_src()))
            .map_err(|e| unavailable(format!("kernels/cuda/{module}.cu: {e}")))
        })
        .collect()
}

/// Each kernel source's module name and PTX.
type Modules = Vec<(&'static str, String)>;

/// [`compile_ptx`] once per compute capability and process: a device opened again (the tests
/// open one per check; a study one per population) reloads the PTX instead of compiling the
/// sources again.
fn compiled_ptx(cc: (i32, i32)) -> Result<Modules, KernelError> {
    static CACHE: OnceLock<Mutex<HashMap<(i32, i32), Modules>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(hit) = cache.lock().ok().and_then(|c| c.get(&cc).cloned()) {
        return Ok(hit);
    }
    let ptx = compile_ptx(cc)?;
    if let Ok(mut c) = cache.lock() {
        c.insert(cc, ptx.clone());
    }
    Ok(ptx)
}

/// FP32 lanes per SM by architecture (CUDA C Programming Guide, "Arithmetic Instructions").
fn fp32_lanes_per_sm(cc: (i32, i32)) -> Option<f64> {
    Some(match cc {
        (7, _) => 64.0,
        (8, 0) => 64.0,
        (8, _) => 128.0,
        (9, 0) => 128.0,
        (10, _) | (12, _) => 128.0,
        _ => return None,
    })
}

/// The `extern "C" __global__` kernels a source defines.
fn kernel_names(source: &'static str) -> Vec<&'static str> {
    source
        .split("extern \"C\" __global__ void ")
        .skip(1)
        .filter_map(|rest| rest.split('(').next())
        .collect()
}

impl Drop for CudaDevice {
    fn drop(&mut self) {
        let _ = self.stream.synchronize();
    }
}

impl Device for CudaDevice {
    fn info(&self) -> &DeviceInfo {
        &self.info
    }

    fn alloc<T: Element>(&mut self, len: usize) -> Result<Buf<T>, KernelError> {
        let slice = self
            .stream
            .alloc_zeros::<u32>(len.max(2))
            .map_err(cuda_err("device allocation"))?;
        let (ptr, _sync) = slice.device_ptr(&self.stream);
        drop(_sync);
        self.pointers.push(ptr);
        self.buffers.push(slice);
        self.memory.current += 4 * len as u64;
        self.memory.peak = self.memory.peak.max(self.memory.current);
        Ok(Buf::new(self.buffers.len() - 1, len))
    }

    fn upload<T: Element>(&mut self, src: &[T], dst: View<T>) -> Result<(), KernelError> {
        crate::check_len("upload", "src", src, dst.len)?;
        let words: &[u32] = bytemuck::cast_slice(src);
        let mut view = self.buffers[dst.buf.id].slice_mut(dst.offset..dst.offset + dst.len);
        self.stream
            .memcpy_htod(words, &mut view)
            .map_err(cuda_err("upload"))
    }

    fn download<T: Element>(&mut self, src: View<T>, dst: &mut [T]) -> Result<(), KernelError> {
        crate::check_len("download", "dst", dst, src.len)?;
        let words: &mut [u32] = bytemuck::cast_slice_mut(dst);
        let view = self.buffers[src.buf.id].slice(src.offset..src.offset + src.len);
        self.stream
            .memcpy_dtoh(&view, words)
            .map_err(cuda_err("download"))?;
        self.stream.synchronize().map_err(cuda_err("download"))
    }

    fn gemm_unchecked(&mut self, g: &Gemm) -> Result<(), KernelError> {
        let op = |o: Op| match o {
            Op::N => blas_sys::cublasOperation_t::CUBLAS_OP_N,
            Op::T => blas_sys::cublasOperation_t::CUBLAS_OP_T,
        };
        let (a, b, c) = (
            self.ptr(g.a.buf.id, g.a.offset),
            self.ptr(g.b.buf.id, g.b.offset),
            self.ptr(g.c.buf.id, g.c.offset),
        );
        // SAFETY: cublasSgemmStridedBatched on this device's stream; `device::gemm` checked
        // that every matrix of the batch lies inside its buffer and that sizes fit an int.
        unsafe {
            blas_result::sgemm_strided_batched(
                *self.blas.handle(),
                op(g.op_a),
                op(g.op_b),
                g.m as i32,
                g.n as i32,
                g.k as i32,
                &g.alpha,
                a as *const f32,
                g.a.ld as i32,
                g.a.stride as i64,
                b as *const f32,
                g.b.ld as i32,
                g.b.stride as i64,
                &g.beta,
                c as *mut f32,
                g.c.ld as i32,
                g.c.stride as i64,
                g.batch as i32,
            )
        }
        .map_err(|e| unavailable(format!("cuBLAS sgemm_strided_batched: {e}")))
    }

    fn launch(&mut self, l: &Launch<'_>) -> Result<(), KernelError> {
        let f = self
            .functions
            .get(l.kernel)
            .ok_or_else(|| unavailable(format!("no kernel `{}`", l.kernel)))?;
        enum Value {
            Ptr(u64),
            Int(i32),
            Long(i64),
            Float(f32),
            Double(f64),
        }
        let values: Vec<Value> = l
            .args
            .iter()
            .map(|a| match *a {
                Arg::F32Ptr(b, o) | Arg::F64Ptr(b, o) => Value::Ptr(self.ptr(b.id, o)),
                Arg::I32Ptr(b, o) => Value::Ptr(self.ptr(b.id, o)),
                Arg::Null => Value::Ptr(0),
                Arg::Int(v) => Value::Int(v),
                Arg::Long(v) => Value::Long(v),
                Arg::Float(v) => Value::Float(v),
                Arg::Double(v) => Value::Double(v),
            })
            .collect();
        let mut builder = self.stream.launch_builder(f);
        for v in &values {
            match v {
                Value::Ptr(p) => builder.arg(p),
                Value::Int(x) => builder.arg(x),
                Value::Long(x) => builder.arg(x),
                Value::Float(x) => builder.arg(x),
                Value::Double(x) => builder.arg(x),
            };
        }
        let cfg = LaunchConfig {
            grid_dim: (blocks(l.threads, l.block)?, 1, 1),
            block_dim: (l.block, 1, 1),
            shared_mem_bytes: 0,
        };
        // SAFETY: kernel `l.kernel` of kernels/cuda/{l.module}.cu with the argument list its
        // typed wrapper built and checked (pointers into live buffers of this device, extents
        // covering `l.threads` threads).
        unsafe { builder.launch(cfg) }
            .map(|_| ())
            .map_err(|e| unavailable(format!("kernel {}: {e}", l.kernel)))
    }

    fn synchronize(&mut self) -> Result<(), KernelError> {
        self.stream.synchronize().map_err(cuda_err("synchronize"))
    }

    fn memory(&self) -> MemoryUse {
        self.memory
    }

    fn phase_start(&mut self) -> Option<PhaseMark> {
        let e = self
            .stream
            .record_event(Some(sys::CUevent_flags::CU_EVENT_DEFAULT))
            .ok()?;
        self.events.push(e);
        Some(PhaseMark(self.events.len() - 1))
    }

    fn phase_ms(&mut self, start: PhaseMark) -> Option<f64> {
        let end = self
            .stream
            .record_event(Some(sys::CUevent_flags::CU_EVENT_DEFAULT))
            .ok()?;
        end.synchronize().ok()?;
        let begin = self.events.get(start.0)?;
        let ms = begin.elapsed_ms(&end).ok()?;
        // Marks are short-lived: drop those before this one.
        if start.0 + 1 == self.events.len() {
            self.events.pop();
        }
        Some(f64::from(ms))
    }
}
