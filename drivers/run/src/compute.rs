//! The `compute.backend` field both study configs share (`"cpu"`, the default, or `"cuda"`)
//! and the check a run makes before it trains anything.
//!
//! A config that leaves the backend at `"cpu"` stores and hashes exactly as before the field
//! existed (it is written only when it is not the default), so run directories of earlier
//! builds still resume. Another backend is part of the study's identity: its networks differ
//! from the CPU's by rounding, and one run directory holds one study.

use serde::{Deserialize, Deserializer, Serializer};
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

/// Refuses to run on a backend this build or machine cannot run, in one line naming where
/// the study came from and the field.
pub fn check(backend: Backend, source: &str) -> anyhow::Result<()> {
    backend.check().map_err(|e| match e {
        wiring_kernels::KernelError::BackendUnavailable { why, .. } => {
            anyhow::anyhow!("{source}: compute.backend = \"{backend}\": {why}")
        }
        e => anyhow::anyhow!("{source}: compute.backend = \"{backend}\": {e}"),
    })
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
