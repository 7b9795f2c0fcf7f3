//! What the binary was compiled for, checked against the CPU it runs on.
//!
//! `.cargo/config.toml` compiles for x86-64-v3 (AVX2 + FMA). A binary started on a CPU without
//! those features would die with SIGILL somewhere deep in a kernel; drivers call
//! [`check_compiled_features`] first thing in `main` and exit with a clear message instead.

/// SIMD features this build was compiled to use, e.g. `["avx2", "fma"]`.
pub fn compiled_features() -> Vec<&'static str> {
    let mut f = Vec::new();
    if cfg!(target_feature = "sse4.2") {
        f.push("sse4.2");
    }
    if cfg!(target_feature = "avx") {
        f.push("avx");
    }
    if cfg!(target_feature = "avx2") {
        f.push("avx2");
    }
    if cfg!(target_feature = "fma") {
        f.push("fma");
    }
    if cfg!(target_feature = "avx512f") {
        f.push("avx512f");
    }
    if cfg!(target_feature = "neon") {
        f.push("neon");
    }
    f
}

/// Compiled features the running CPU lacks (empty when the binary is safe to run).
#[inline(never)]
pub fn missing_features() -> Vec<&'static str> {
    #[allow(unused_mut)]
    let mut missing = Vec::new();
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        if cfg!(target_feature = "avx") && !std::arch::is_x86_feature_detected!("avx") {
            missing.push("avx");
        }
        if cfg!(target_feature = "avx2") && !std::arch::is_x86_feature_detected!("avx2") {
            missing.push("avx2");
        }
        if cfg!(target_feature = "fma") && !std::arch::is_x86_feature_detected!("fma") {
            missing.push("fma");
        }
        if cfg!(target_feature = "avx512f") && !std::arch::is_x86_feature_detected!("avx512f") {
            missing.push("avx512f");
        }
    }
    missing
}

/// `Err(message)` when this CPU lacks a feature the binary was compiled for.
pub fn check_compiled_features() -> Result<(), String> {
    let missing = missing_features();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "this binary was compiled for CPU features {:?} but this CPU lacks {:?}; \
             rebuild with RUSTFLAGS=\"-C target-cpu=native\" (or edit .cargo/config.toml)",
            compiled_features(),
            missing
        ))
    }
}
