//! [`CudaDevice`] in a build without the `cuda` feature: the same name, and an
//! [`CudaDevice::open`] that says so. It can never be constructed.

use super::{Buf, Device, DeviceInfo, Element, Gemm, Launch, MemoryUse, View};
use crate::KernelError;

enum Never {}

/// Every kernel source compiled to PTX by NVRTC — not in this build (the `cuda` feature).
pub fn compile_ptx(_cc: (i32, i32)) -> Result<Vec<(&'static str, String)>, KernelError> {
    CudaDevice::open(0).map(|_| Vec::new())
}

/// One NVIDIA GPU — not in this build (see [`CudaDevice::open`]).
pub struct CudaDevice {
    never: Never,
}

impl CudaDevice {
    /// Always [`KernelError::BackendUnavailable`]: this build has no CUDA backend.
    pub fn open(_ordinal: usize) -> Result<Self, KernelError> {
        Err(KernelError::BackendUnavailable {
            backend: "cuda",
            why: "this build has no CUDA backend (not compiled with the `cuda` feature: cargo build --release --features cuda); use \"cpu\"",
        })
    }
}

impl Device for CudaDevice {
    fn info(&self) -> &DeviceInfo {
        match self.never {}
    }
    fn alloc<T: Element>(&mut self, _len: usize) -> Result<Buf<T>, KernelError> {
        match self.never {}
    }
    fn upload<T: Element>(&mut self, _src: &[T], _dst: View<T>) -> Result<(), KernelError> {
        match self.never {}
    }
    fn download<T: Element>(&mut self, _src: View<T>, _dst: &mut [T]) -> Result<(), KernelError> {
        match self.never {}
    }
    fn gemm_unchecked(&mut self, _g: &Gemm) -> Result<(), KernelError> {
        match self.never {}
    }
    fn launch(&mut self, _l: &Launch<'_>) -> Result<(), KernelError> {
        match self.never {}
    }
    fn synchronize(&mut self) -> Result<(), KernelError> {
        match self.never {}
    }
    fn memory(&self) -> MemoryUse {
        match self.never {}
    }
}
