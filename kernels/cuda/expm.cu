// The elementwise parts of the batched matmul-only matrix exponential (kernels/src/expm/
// taylor.rs has the method; the products are cuBLAS strided-batched GEMMs): a population of
// `n × n` matrices one after another (stride n²), each with its own number of squarings s_p.

// s_p = the smallest s ≥ 0 with ‖A_p‖₁ / 2^s ≤ θ (column sums in double), at most 64; 0 for a
// matrix that is not finite (its network has failed, and its result is NaN either way; one
// such network must not make the whole population square a thousand times). One thread per
// network.
extern "C" __global__ void expm_squarings(const float* a, int* s, int n, double theta,
                                          long long total) {
    long long p = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (p >= total) return;
    const float* ap = a + p * (long long)n * n;
    double norm = 0.0;
    for (int j = 0; j < n; ++j) {
        double col = 0.0;
        for (int i = 0; i < n; ++i) col += fabs((double)ap[(long long)i * n + j]);
        norm = col > norm ? col : norm;
    }
    int k = 0;
    if (!(norm <= 1e300)) norm = 0.0;
    while (norm > theta && k < 64) {
        norm *= 0.5;
        ++k;
    }
    s[p] = k;
}

// x = 2^{-s_p} a (exact: a power of two). One thread per element.
extern "C" __global__ void expm_scale(float* x, const float* a, const int* s, long long nn,
                                      long long total) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    x[i] = ldexpf(a[i], -s[i / nn]);
}

// dst = diag·I + c0·m0 + c1·m1 + c2·m2, zero-started fused multiply-adds in that order (a null
// m_k is skipped), as `combine` in taylor.rs. dst may be one of the m_k. One thread per element.
extern "C" __global__ void expm_combine(float* dst, float c0, const float* m0, float c1,
                                        const float* m1, float c2, const float* m2, float diag,
                                        int n, long long total) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    float d = 0.0f;
    if (m0) d = fmaf(m0[i], c0, d);
    if (m1) d = fmaf(m1[i], c1, d);
    if (m2) d = fmaf(m2[i], c2, d);
    long long e = i % ((long long)n * n);
    if (diag != 0.0f && e / n == e % n) d += diag;
    dst[i] = d;
}

// dst += c0·m0 + c1·m1 + diag·I (fused, in that order; null m_k skipped).
extern "C" __global__ void expm_accumulate(float* dst, float c0, const float* m0, float c1,
                                           const float* m1, float diag, int n,
                                           long long total) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    float d = dst[i];
    if (m0) d = fmaf(m0[i], c0, d);
    if (m1) d = fmaf(m1[i], c1, d);
    long long e = i % ((long long)n * n);
    if (diag != 0.0f && e / n == e % n) d += diag;
    dst[i] = d;
}

// Squaring k of network p happens only when k < s_p: where it does not, dst = keep.
extern "C" __global__ void expm_select(float* dst, const float* keep, const int* s, int k,
                                       long long nn, long long total) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    if (!(k < s[i / nn])) dst[i] = keep[i];
}
