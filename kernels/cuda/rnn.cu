// The ReLU RNN's elementwise parts, batched over a population of networks; the products are
// cuBLAS strided-batched GEMMs (kernels/src/rnn/cuda.rs). Every matrix is row-major, one
// network after another with a per-network stride. One thread per element (or per column),
// grid-stride free: the launch covers `total` threads exactly (rounded up to the block).

// h[p][r][j] = max(h[p][r][j] + b[p][j], 0) for the `rows × n` block of each network.
extern "C" __global__ void rnn_bias_relu(float* h, const float* b, int rows, int n,
                                         long long stride_h, long long total) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    long long per = (long long)rows * n;
    long long p = i / per, e = i % per;
    int j = (int)(e % n);
    float v = h[p * stride_h + e] + b[p * n + j];
    h[p * stride_h + e] = v > 0.0f ? v : 0.0f;
}

// dh[p][e] = h[p][e] > 0 ? dh[p][e] : 0 (the ReLU's derivative, from its output).
extern "C" __global__ void rnn_relu_backward(float* dh, const float* h, long long per,
                                             long long stride, long long total) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    long long p = i / per, e = i % per;
    long long k = p * stride + e;
    if (!(h[k] > 0.0f)) dh[k] = 0.0f;
}

// out[p][j] (+)= Σ_r m[p][r][j], r in order: one thread per (network, column).
extern "C" __global__ void column_sums(float* out, const float* m, int rows, int cols,
                                       long long stride_m, int accumulate, long long total) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    long long p = i / cols;
    int j = (int)(i % cols);
    const float* mp = m + p * stride_m + j;
    float s = 0.0f;
    for (int r = 0; r < rows; ++r) s += mp[(long long)r * cols];
    out[i] = accumulate ? out[i] + s : s;
}

// x[i] = value.
extern "C" __global__ void fill_f32(float* x, float value, long long total) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    x[i] = value;
}
