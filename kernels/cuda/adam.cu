// Adam, Keras form, one thread per parameter, with the operations of kernels/src/adam in the
// same order and no contraction (explicitly rounded intrinsics), so that it equals the CPU's
// update bit for bit:
//   m ← m + (g − m)·(1 − β₁);  v ← v + (g² − v)·(1 − β₂);  p ← p − (m·α) / (√v + ε)
// with α = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ) computed on the host in double and rounded once.
extern "C" __global__ void adam_keras(float* p, const float* g, float* m, float* v,
                                      float one_minus_beta1, float one_minus_beta2,
                                      float step_size, float epsilon, long long total) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    float gi = g[i];
    float mi = __fadd_rn(m[i], __fmul_rn(__fsub_rn(gi, m[i]), one_minus_beta1));
    float vi = __fadd_rn(v[i], __fmul_rn(__fsub_rn(__fmul_rn(gi, gi), v[i]), one_minus_beta2));
    m[i] = mi;
    v[i] = vi;
    p[i] = __fsub_rn(p[i], __fdiv_rn(__fmul_rn(mi, step_size), __fadd_rn(__fsqrt_rn(vi), epsilon)));
}
