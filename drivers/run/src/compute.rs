//! The `compute.backend` field both study configs share (`"cpu"`, the default, or `"cuda"`)
//! and the check a run makes before it trains anything.
//!
//! A config that leaves the backend at `"cpu"` stores and hashes exactly as before the field
//! existed (it is written only when it is not the default), so run directories of earlier
//! builds still resume. Another backend is part of the study's identity: its networks differ
//! from the CPU's by rounding, and one run directory holds one study.

use serde::{Deserialize, Deserializer, Serializer};
use wiring_kernels::device::{Device, DeviceInfo, EmulatedDevice};
use wiring_kernels::Backend;

/// `skip_serializing_if` of the field: the default backend is not written.
pub fn is_cpu(backend: &Backend) -> bool {
    *backend == Backend::Cpu
}

/// A study's identity text (`identity`, a JSON object of what decides its results) with the
/// backend added when it is not the CPU — so a CPU study hashes as before the field existed.
pub fn identity_text(mut identity: serde_json::Value, backend: Backend) -> String {
    if backend != Backend::Cpu {
        identity["backend"] = backend.name().into();
    }
    identity.to_string()
}

/// Refuses to run on a backend the study has no engine for (`supported`), or that this build
/// or machine cannot run, in one line naming where the study came from and the field.
/// Returns what the device is, for the manifest (`None` on the CPU).
pub fn check(
    backend: Backend,
    supported: &[Backend],
    kind: &str,
    source: &str,
) -> anyhow::Result<Option<DeviceInfo>> {
    if !supported.contains(&backend) {
        anyhow::bail!(
            "{source}: compute.backend = \"{backend}\": the {kind} study has no {backend} engine yet; use \"cpu\""
        );
    }
    let refuse = |e| match e {
        wiring_kernels::KernelError::BackendUnavailable { why, .. } => {
            anyhow::anyhow!("{source}: compute.backend = \"{backend}\": {why}")
        }
        wiring_kernels::KernelError::DeviceFailure { what, .. } => {
            anyhow::anyhow!("{source}: compute.backend = \"{backend}\": {what}")
        }
        e => anyhow::anyhow!("{source}: compute.backend = \"{backend}\": {e}"),
    };
    match backend {
        Backend::Cpu => Ok(None),
        Backend::Cuda if emulated() => Ok(Some(EmulatedDevice::new().info().clone())),
        Backend::Cuda => {
            let dev = wiring_kernels::device::CudaDevice::open(0).map_err(refuse)?;
            Ok(Some(dev.info().clone()))
        }
    }
}

/// The environment variable that puts the CUDA backend on the emulated device
/// (`WIRING_DEVICE=emulated`): the same engine, layouts and kernel sources run on the host, so
/// the whole GPU path of a study can be run and checked on a machine without one (slowly).
pub const DEVICE_ENV: &str = "WIRING_DEVICE";

/// Whether [`DEVICE_ENV`] asks for the emulated device.
pub fn emulated() -> bool {
    std::env::var(DEVICE_ENV).is_ok_and(|v| v == "emulated")
}

/// Serde of the field by name (`with = "wiring_run::compute::backend_name"`).
pub mod backend_name {
    use super::*;

    pub fn serialize<S: Serializer>(b: &Backend, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(b.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Backend, D::Error> {
        let name = String::deserialize(d)?;
        name.parse()
            .map_err(|()| serde::de::Error::unknown_variant(&name, &["cpu", "cuda"]))
    }
}
