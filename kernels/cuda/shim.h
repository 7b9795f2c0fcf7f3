// Host shim: lets the kernels of this folder compile as plain C++ and run their grid as loops
// (kernels/cuda/host.cpp), so that the logic NVRTC compiles for the GPU is the logic the tests
// check on the CPU. Only what the kernels use is defined: 1-D grids, no shared memory, no
// block synchronisation (DESIGN.md: cuBLAS covers what needs it).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

struct shim_dim3 {
    unsigned int x, y, z;
};
// The launch index of the "thread" the host loop is running (one per host thread, so tests may
// run kernels concurrently).
extern thread_local shim_dim3 threadIdx, blockIdx, blockDim, gridDim;

#define __global__
#define __device__ static inline
#define __forceinline__
#define __restrict__

// Correctly rounded single-precision intrinsics (host IEEE arithmetic, built without
// contraction: see build.rs).
__device__ float __fadd_rn(float a, float b) { return a + b; }
__device__ float __fsub_rn(float a, float b) { return a - b; }
__device__ float __fmul_rn(float a, float b) { return a * b; }
__device__ float __fdiv_rn(float a, float b) { return a / b; }
__device__ float __fsqrt_rn(float a) { return std::sqrt(a); }
__device__ float __fmaf_rn(float a, float b, float c) { return std::fma(a, b, c); }
__device__ float __int_as_float(int bits) {
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}
__device__ double __longlong_as_double(long long bits) {
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
}
// expf, logf, sqrtf, fabsf, ldexpf: the C library's (the device's differ by an ulp or two;
// the tests' tolerances say so where it matters).
