//! Where a study's numbers live and its kernels run: the [`Backend`] a config names
//! (`compute.backend = "cpu" | "cuda"`), and whether this build and machine can run it.
//!
//! The CPU backend is always there. The CUDA backend (cudarc, NVRTC-compiled kernels) is built
//! only with the `cuda` feature and runs only where a driver and a device are found; until
//! then [`Backend::check`] refuses it with one line saying which is missing, and no model code
//! carries a `cfg`.

use core::fmt;
use core::str::FromStr;

use crate::KernelError;

/// A place where numbers live and kernels run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Backend {
    /// This machine's cores (SIMD kernels, rayon over networks).
    #[default]
    Cpu,
    /// One NVIDIA GPU.
    Cuda,
}

impl Backend {
    /// Every backend (the config's names).
    pub const ALL: [Backend; 2] = [Backend::Cpu, Backend::Cuda];

    /// `"cpu"` or `"cuda"`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Cpu => "cpu",
            Backend::Cuda => "cuda",
        }
    }

    /// Whether this build on this machine can run the backend: the CPU always; CUDA when the
    /// build has the `cuda` feature and GPU 0 opens ([`crate::device::CudaDevice::open`]: a
    /// driver, a device, NVRTC and cuBLAS).
    ///
    /// # Errors
    /// [`KernelError::BackendUnavailable`] naming the backend and why.
    pub fn check(self) -> Result<(), KernelError> {
        match self {
            Backend::Cpu => Ok(()),
            Backend::Cuda => crate::device::CudaDevice::open(0).map(|_| ()),
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Backend {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Backend::ALL.into_iter().find(|b| b.name() == s).ok_or(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_cuda_is_refused_in_one_line() {
        for b in Backend::ALL {
            assert_eq!(b.name().parse::<Backend>(), Ok(b));
        }
        assert!("gpu".parse::<Backend>().is_err());
        assert_eq!(Backend::Cpu.check(), Ok(()));
        let e = Backend::Cuda.check().unwrap_err().to_string();
        assert!(e.starts_with("backend cuda: ") && !e.contains('\n'), "{e}");
    }
}
