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
    // Re-run when HEAD moves: the checkout's HEAD, and the branch refs of the repository
    // (shared by every worktree). Asked of git rather than guessed from this crate's depth,
    // which changes when crates move; only paths that exist (or cargo re-runs every build).
    let git_dir = output("git", &["rev-parse", "--absolute-git-dir"]);
    let common_dir = output(
        "git",
        &["rev-parse", "--path-format=absolute", "--git-common-dir"],
    );
    let mut watched = Vec::new();
    if let Some(d) = &git_dir {
        watched.push(Path::new(d).join("HEAD"));
    }
    if let Some(d) = common_dir.as_ref().or(git_dir.as_ref()) {
        watched.push(Path::new(d).join("refs/heads"));
        watched.push(Path::new(d).join("packed-refs"));
    }
    for p in watched.iter().filter(|p| p.exists()) {
        println!("cargo:rerun-if-changed={}", p.display());
    }
    println!("cargo:rerun-if-changed=build.rs");
}
