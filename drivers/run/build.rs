//! Captures the git commit and rustc version for run manifests (`WIRING_GIT_COMMIT`,
//! `WIRING_RUSTC_VERSION`) and the
//! cargo profile (`WIRING_PROFILE`: release, profiling, debug…); "unknown" when git or rustc cannot tell.

use std::path::Path;
use std::process::Command;

fn output(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !s.is_empty()).then_some(s)
}

fn main() {
    let commit = output("git", &["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = output(&rustc, &["--version"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=WIRING_GIT_COMMIT={commit}");
    println!("cargo:rustc-env=WIRING_RUSTC_VERSION={version}");
    // OUT_DIR is target/<profile>/build/<pkg>/out (target/<triple>/<profile>/… when cross).
    let profile = std::env::var("OUT_DIR")
        .ok()
        .and_then(|d| {
            Path::new(&d)
                .ancestors()
                .nth(3)
                .and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| std::env::var("PROFILE").unwrap_or_else(|_| "unknown".into()));
    println!("cargo:rustc-env=WIRING_PROFILE={profile}");
    // Re-run when HEAD moves (only paths that exist, or cargo would re-run every build).
    for p in ["../.git/HEAD", "../.git/refs/heads", "../.git/packed-refs"] {
        if Path::new(p).exists() {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
