// The training inputs of a population of seRNNs, built on the device: the goal-choice task's
// inputs plus Gaussian noise drawn from each network's own Xoshiro256++ stream, exactly as the
// CPU draws it (rand_distr's StandardNormal ziggurat in double, rounded to float, times σ), so
// that a network's noise is the same on every backend. kernels/src/lanes/normal.rs documents
// the tables; kernels/src/lanes/cuda.rs is the wrapper; the stream and the sampler are
// rng.cuh's (`standard_normal` with the tables passed in). No contraction (--fmad=false): every
// double operation below is one IEEE rounding, as in Rust.

#include "rng.cuh"

// x[p] (steps × trials × 8, time-major) = patterns[problem] + σ·N(0, 1) from network p's stream
// (state[p], four words, advanced in place), drawn in the order of x — as the CPU's
// `fill_inputs` then `for v in x { v += noise.sample(rng) }`. σ = 0: no draws, as the CPU.
// patterns: 8 problems × steps × 8. One thread per network.
extern "C" __global__ void goal_inputs(float* x, const float* patterns, const int* problems,
                                       u64* state, const double* zx, const double* zf, double r,
                                       float sigma, int steps, int trials, long long total) {
    long long p = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (p >= total) return;
    u64 s[4] = {state[4 * p], state[4 * p + 1], state[4 * p + 2], state[4 * p + 3]};
    float* xp = x + p * (long long)steps * trials * 8;
    const int* pp = problems + p * trials;
    for (int t = 0; t < steps; ++t) {
        for (int b = 0; b < trials; ++b) {
            const float* pat = patterns + ((long long)pp[b] * steps + t) * 8;
            float* out = xp + ((long long)t * trials + b) * 8;
            for (int k = 0; k < 8; ++k) {
                float v = pat[k];
                if (sigma > 0.0f) {
                    float z = (float)standard_normal(s, zx, zf, r);
                    v = v + (0.0f + sigma * z);
                }
                out[k] = v;
            }
        }
    }
    for (int k = 0; k < 4; ++k) state[4 * p + k] = s[k];
}
