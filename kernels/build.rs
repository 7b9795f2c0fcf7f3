//! Compiles the CUDA kernels of `cuda/` as host C++ through `cuda/shim.h` (`cuda/host.cpp`),
//! for the emulated device (`src/device/emulated.rs`): the same kernel sources the real
//! device compiles with NVRTC at run time, run on the CPU as loops over the grid.

fn main() {
    println!("cargo:rerun-if-changed=cuda");
    cc::Build::new()
        .cpp(true)
        .file("cuda/host.cpp")
        .include("cuda")
        .flag_if_supported("-std=c++17")
        // No contraction: `a * b + c` stays two roundings, as NVRTC's explicit intrinsics and
        // the CPU reference kernels; the kernels say `fmaf` where they mean a fused one.
        .flag_if_supported("-ffp-contract=off")
        .flag_if_supported("-fno-fast-math")
        .opt_level(2)
        .warnings(true)
        .compile("wiring_cuda_host");
}
