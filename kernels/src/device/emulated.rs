//! [`EmulatedDevice`]: the device in host memory, for tests and CI (see the module docs of
//! [`super`]). Custom kernels are the `kernels/cuda/*.cu` sources compiled as host C++
//! (`build.rs`, `cuda/host.cpp`); GEMMs follow cuBLAS's column-major strided-batched
//! semantics, computed through faer.

use std::ffi::{c_char, c_void, CString};

use ::faer::linalg::matmul::matmul;
use ::faer::{Accum, MatMut, MatRef, Par};

use super::{
    blocks, Arg, Buf, Device, DeviceInfo, Element, Gemm, Launch, MemoryUse, Op, PhaseMark,
};
use crate::KernelError;

/// One kernel argument as `cuda/host.cpp` reads it.
#[repr(C)]
struct HostArg {
    ptr: *mut c_void,
    i: i64,
    f: f64,
}

extern "C" {
    fn wiring_host_launch(
        kernel: *const c_char,
        grid: u32,
        block: u32,
        args: *const HostArg,
        count: u32,
    ) -> i32;
}

/// The emulated device: every buffer a host vector (8-byte aligned, so the kernels' `double`
/// partial sums are aligned at even offsets), work done as it is queued.
pub struct EmulatedDevice {
    info: DeviceInfo,
    /// Buffers as 8-byte words; `lens[i]` is the buffer's length in 4-byte elements.
    mem: Vec<Vec<u64>>,
    lens: Vec<usize>,
    memory: MemoryUse,
    /// Host clock marks of [`Device::phase_start`] (the emulation's work is synchronous).
    marks: Vec<std::time::Instant>,
}

impl Default for EmulatedDevice {
    fn default() -> Self {
        Self::new()
    }
}

impl EmulatedDevice {
    pub fn new() -> Self {
        Self {
            info: DeviceInfo {
                name: "emulated (host loops)".into(),
                compute_capability: None,
                driver_version: None,
                cuda_version: "none",
                memory_bytes: None,
                fp32_peak_gflops: None,
            },
            mem: Vec::new(),
            lens: Vec::new(),
            memory: MemoryUse::default(),
            marks: Vec::new(),
        }
    }

    fn words(&self, id: usize) -> &[f32] {
        &bytemuck::cast_slice::<u64, f32>(&self.mem[id])[..self.lens[id]]
    }

    fn words_mut(&mut self, id: usize) -> &mut [f32] {
        let len = self.lens[id];
        &mut bytemuck::cast_slice_mut::<u64, f32>(&mut self.mem[id])[..len]
    }

    fn ptr(&mut self, id: usize, offset: usize) -> *mut c_void {
        // In bounds: the wrappers checked the extent; offset ≤ len.
        self.words_mut(id)[offset..].as_mut_ptr().cast()
    }
}

impl Device for EmulatedDevice {
    fn info(&self) -> &DeviceInfo {
        &self.info
    }

    fn alloc<T: Element>(&mut self, len: usize) -> Result<Buf<T>, KernelError> {
        self.mem.push(vec![0u64; len.div_ceil(2)]);
        self.lens.push(len);
        self.memory.current += 4 * len as u64;
        self.memory.peak = self.memory.peak.max(self.memory.current);
        Ok(Buf::new(self.mem.len() - 1, len))
    }

    fn upload<T: Element>(&mut self, src: &[T], dst: super::View<T>) -> Result<(), KernelError> {
        crate::check_len("upload", "src", src, dst.len)?;
        let words: &[f32] = bytemuck::cast_slice(src);
        self.words_mut(dst.buf.id)[dst.offset..dst.offset + dst.len].copy_from_slice(words);
        Ok(())
    }

    fn download<T: Element>(
        &mut self,
        src: super::View<T>,
        dst: &mut [T],
    ) -> Result<(), KernelError> {
        crate::check_len("download", "dst", dst, src.len)?;
        let words: &mut [f32] = bytemuck::cast_slice_mut(dst);
        words.copy_from_slice(&self.words(src.buf.id)[src.offset..src.offset + src.len]);
        Ok(())
    }

    fn gemm_unchecked(&mut self, g: &Gemm) -> Result<(), KernelError> {
        // Column-major operand `o` stored as `rows × cols`: a faer view with row stride 1 and
        // column stride ld, transposed for Op::T. C may share a buffer with A or B only where
        // cuBLAS allows it (never in place), so the inputs are copied first.
        let stored = |op: Op, r: usize, c: usize| if op == Op::N { (r, c) } else { (c, r) };
        let (ar, ac) = stored(g.op_a, g.m, g.k);
        let (br, bc) = stored(g.op_b, g.k, g.n);
        let extent = |r: usize, c: usize, ld: usize| {
            if r == 0 || c == 0 {
                0
            } else {
                (c - 1) * ld + r
            }
        };
        let (a_len, b_len) = (extent(ar, ac, g.a.ld), extent(br, bc, g.b.ld));
        let mut a_tmp = vec![0.0f32; a_len];
        let mut b_tmp = vec![0.0f32; b_len];
        for i in 0..g.batch {
            let a0 = g.a.offset + i * g.a.stride;
            let b0 = g.b.offset + i * g.b.stride;
            a_tmp.copy_from_slice(&self.words(g.a.buf.id)[a0..a0 + a_len]);
            b_tmp.copy_from_slice(&self.words(g.b.buf.id)[b0..b0 + b_len]);
            let a = MatRef::from_column_major_slice_with_stride(&a_tmp, ar, ac, g.a.ld);
            let b = MatRef::from_column_major_slice_with_stride(&b_tmp, br, bc, g.b.ld);
            let a = if g.op_a == Op::T { a.transpose() } else { a };
            let b = if g.op_b == Op::T { b.transpose() } else { b };
            let c_all = self.words_mut(g.c.buf.id);
            let c = &mut c_all[g.c.offset + i * g.c.stride..];
            let mut c = MatMut::from_column_major_slice_with_stride_mut(c, g.m, g.n, g.c.ld);
            if g.beta == 0.0 {
                // cuBLAS does not read C when β = 0.
                c.fill(0.0);
            } else if g.beta != 1.0 {
                for j in 0..g.n {
                    for r in 0..g.m {
                        c[(r, j)] *= g.beta;
                    }
                }
            }
            matmul(c, Accum::Add, a, b, g.alpha, Par::Seq);
        }
        Ok(())
    }

    fn launch(&mut self, l: &Launch<'_>) -> Result<(), KernelError> {
        let grid = blocks(l.threads, l.block)?;
        let args: Vec<HostArg> = l
            .args
            .iter()
            .map(|a| {
                let (ptr, i, f) = match *a {
                    Arg::F32Ptr(b, o) => (self.ptr(b.id, o), 0, 0.0),
                    Arg::I32Ptr(b, o) => (self.ptr(b.id, o), 0, 0.0),
                    Arg::F64Ptr(b, o) => (self.ptr(b.id, o), 0, 0.0),
                    Arg::Null => (core::ptr::null_mut(), 0, 0.0),
                    Arg::Int(v) => (core::ptr::null_mut(), i64::from(v), 0.0),
                    Arg::Long(v) => (core::ptr::null_mut(), v, 0.0),
                    Arg::Float(v) => (core::ptr::null_mut(), 0, f64::from(v)),
                    Arg::Double(v) => (core::ptr::null_mut(), 0, v),
                };
                HostArg { ptr, i, f }
            })
            .collect();
        let name = CString::new(l.kernel).map_err(|_| KernelError::Dimension {
            op: "launch",
            what: format!("kernel name {:?}", l.kernel),
        })?;
        // SAFETY: `wiring_host_launch` runs the host-compiled kernel `l.kernel` over the grid;
        // every pointer is into a live buffer of this device at an offset its typed wrapper
        // checked, with the extent the kernel reads for `l.threads` threads.
        let rc = unsafe {
            wiring_host_launch(
                name.as_ptr(),
                grid,
                l.block,
                args.as_ptr(),
                args.len() as u32,
            )
        };
        match rc {
            0 => Ok(()),
            -1 => Err(KernelError::Dimension {
                op: "launch",
                what: format!("no kernel `{}` in the host build", l.kernel),
            }),
            _ => Err(KernelError::Dimension {
                op: "launch",
                what: format!("kernel `{}`: wrong argument count {}", l.kernel, args.len()),
            }),
        }
    }

    fn synchronize(&mut self) -> Result<(), KernelError> {
        Ok(())
    }

    fn memory(&self) -> MemoryUse {
        self.memory
    }

    fn phase_start(&mut self) -> Option<PhaseMark> {
        self.marks.push(std::time::Instant::now());
        Some(PhaseMark(self.marks.len() - 1))
    }

    fn phase_ms(&mut self, start: PhaseMark) -> Option<f64> {
        let ms = self.marks.get(start.0)?.elapsed().as_secs_f64() * 1e3;
        if start.0 + 1 == self.marks.len() {
            self.marks.pop();
        }
        Some(ms)
    }
}
