// The training inputs of a population of seRNNs, built on the device: the goal-choice task's
// inputs plus Gaussian noise drawn from each network's own Xoshiro256++ stream, exactly as the
// CPU draws it (rand_distr's StandardNormal ziggurat in double, rounded to float, times σ), so
// that a network's noise is the same on every backend. kernels/src/lanes/normal.rs documents
// the tables; kernels/src/lanes/cuda.rs is the wrapper. No contraction (--fmad=false): every
// double operation below is one IEEE rounding, as in Rust.

typedef unsigned long long u64;

__device__ u64 rotl64(u64 x, int k) { return (x << k) | (x >> (64 - k)); }

// Xoshiro256++: rotl(s0 + s3, 23) + s0, then the state transition.
__device__ u64 xoshiro_next(u64* s) {
    u64 result = rotl64(s[0] + s[3], 23) + s[0];
    u64 t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return result;
}

__device__ double bits_to_double(u64 bits) { return __longlong_as_double((long long)bits); }

// rand's `Open01` for f64: 52 random bits as [1, 2) minus (1 − ε/2).
__device__ double open01(u64* s) {
    u64 fraction = xoshiro_next(s) >> 12;
    return bits_to_double(fraction | (1023ull << 52)) - (1.0 - 2.220446049250313e-16 / 2.0);
}

// rand's `StandardUniform` for f64: (u64 >> 11) · 2⁻⁵³.
__device__ double uniform01(u64* s) {
    return (double)(xoshiro_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

// rand_distr's StandardNormal (ziggurat, symmetric, 256 layers).
__device__ double standard_normal(u64* s, const double* zx, const double* zf, double r) {
    for (;;) {
        u64 bits = xoshiro_next(s);
        int i = (int)(bits & 0xff);
        // [2, 4) − 3 → [−1, 1)
        double u = bits_to_double((bits >> 12) | (1024ull << 52)) - 3.0;
        double x = u * zx[i];
        double test_x = x < 0.0 ? -x : x;
        if (test_x < zx[i + 1]) return x;
        if (i == 0) {
            // The tail, by hand.
            double tx = 1.0, ty = 0.0;
            while (-2.0 * ty < tx * tx) {
                double x_ = open01(s);
                double y_ = open01(s);
                tx = log(x_) / r;
                ty = log(y_);
            }
            return u < 0.0 ? tx - r : r - tx;
        }
        double pdf = exp(-x * x / 2.0);
        if (zf[i + 1] + (zf[i] - zf[i + 1]) * uniform01(s) < pdf) return x;
    }
}

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
