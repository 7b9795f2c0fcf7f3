// The elementwise and row-wise parts of the seRNN regularisers (model/src/sernn/regulariser.rs
// has the formulas), batched over a population of `n × n` recurrent matrices that lie one
// after another (stride n²). γ is per network; the distance matrix K (already powered) is
// shared, or null for ones. Penalties are summed per row in double (`partial[p][i]`); the host
// adds the rows of a network in order and multiplies by γ.

__device__ float sign_of(float x) { return x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : 0.0f); }

// L1 (k = null) and spatial: partial[p][i] = Σ_j |w_ij| k_ij; grad_ij += γ k_ij sign(w_ij)
// when grad is not null. One thread per (network, row).
extern "C" __global__ void reg_l1_spatial(const float* w, float* grad, const float* k,
                                          const float* gamma, double* partial, int n,
                                          long long total) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    long long p = i / n;
    int row = (int)(i % n);
    long long base = p * (long long)n * n + (long long)row * n;
    float g = gamma[p];
    double sum = 0.0;
    for (int j = 0; j < n; ++j) {
        float kk = k ? k[row * n + j] : 1.0f;
        float x = w[base + j];
        sum += (double)(k ? fabsf(x) * kk : fabsf(x));
        if (grad) grad[base + j] += k ? g * kk * sign_of(x) : g * sign_of(x);
    }
    partial[i] = sum;
}

// Communicability, step 1: M = |W| and r_i = (Σ_j M_ij)^{-1/2} (0 for an empty row).
// One thread per (network, row).
extern "C" __global__ void reg_comm_strength(const float* w, float* m, float* r, int n,
                                             long long total) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    long long base = i * n;  // row i of the stacked matrices
    float s = 0.0f;
    for (int j = 0; j < n; ++j) {
        float a = fabsf(w[base + j]);
        m[base + j] = a;
        s += a;
    }
    r[i] = s > 0.0f ? 1.0f / sqrtf(s) : 0.0f;
}

// Step 2: A_ij = r_i M_ij r_j. One thread per element.
extern "C" __global__ void reg_comm_normalise(float* a, const float* m, const float* r, int n,
                                              long long total) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    long long nn = (long long)n * n;
    long long p = i / nn, e = i % nn;
    int row = (int)(e / n), col = (int)(e % n);
    a[i] = r[p * n + row] * m[i] * r[p * n + col];
}

// Step 3, after C = expm(A): with Cᵖ (diagonal 0) and K,
//   partial[p][i] = Σ_j M_ij Cᵖ_ij K_ij                         (the penalty / γ)
//   ge_ij = γ M_ij K_ij p Cᵖ_ij / C_ij  off the diagonal, 0 on it or when constant (G_E)
//   cpk_ij = Cᵖ_ij K_ij                                          (for the direct term)
// One thread per (network, row). `c` may be overwritten by `cpk` (same buffer).
extern "C" __global__ void reg_comm_terms(float* cpk, const float* c, const float* m,
                                          const float* k, const float* gamma, float* ge,
                                          double* partial, int n, float power, int unit_power,
                                          int constant, long long total) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    long long p = i / n;
    int row = (int)(i % n);
    long long base = i * n;
    float g = gamma[p];
    double sum = 0.0;
    for (int j = 0; j < n; ++j) {
        long long e = base + j;
        float cij = c[e];
        float cp = row == j ? 0.0f : (unit_power ? cij : powf(fmaxf(cij, 0.0f), power));
        float kk = k ? k[row * n + j] : 1.0f;
        float mij = m[e];
        sum += (double)(mij * cp * kk);
        float gij;
        if (row == j || constant) {
            gij = 0.0f;
        } else if (unit_power) {
            gij = g * mij * kk;
        } else if (cij > 0.0f) {
            gij = g * mij * kk * power * cp / cij;
        } else {
            gij = 0.0f;
        }
        if (ge) ge[e] = gij;
        cpk[e] = cp * kk;
    }
    partial[i] = sum;
}

// Step 4, after G_A = L_exp(Aᵀ, G_E): dr_i = Σ_j G_A_ij M_ij r_j + Σ_k G_A_ki M_ki r_k.
// One thread per (network, unit); rows and columns read in order.
extern "C" __global__ void reg_comm_dr(const float* ga, const float* m, const float* r,
                                       float* dr, int n, long long total) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    long long p = i / n;
    int u = (int)(i % n);
    long long nn = (long long)n * n;
    const float* gap = ga + p * nn;
    const float* mp = m + p * nn;
    const float* rp = r + p * n;
    float row = 0.0f, col = 0.0f;
    for (int j = 0; j < n; ++j) {
        row += gap[(long long)u * n + j] * mp[(long long)u * n + j] * rp[j];
        col += gap[(long long)j * n + u] * mp[(long long)j * n + u] * rp[j];
    }
    dr[i] = row + col;
}

// Step 5: ∂P/∂M_ij = γ cpk_ij + G_A_ij r_i r_j − ½ r_i³ dr_i (the last two only when
// `ga` is not null), and grad_ij ± it by the sign of w_ij. One thread per element.
extern "C" __global__ void reg_comm_gradient(const float* w, float* grad, const float* cpk,
                                             const float* ga, const float* r, const float* dr,
                                             const float* gamma, int n, long long total) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    long long nn = (long long)n * n;
    long long p = i / nn, e = i % nn;
    int row = (int)(e / n), col = (int)(e % n);
    float dm = gamma[p] * cpk[i];
    if (ga) {
        float ri = r[p * n + row];
        float via_s = -0.5f * ri * ri * ri * dr[p * n + row];
        dm = dm + (ga[i] * ri * r[p * n + col] + via_s);
    }
    float x = w[i];
    if (x > 0.0f) grad[i] += dm;
    else if (x < 0.0f) grad[i] -= dm;
}
