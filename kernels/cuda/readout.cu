// The readout's softmax cross-entropy, one thread per (network, trial). Logits `z` (row-major
// `batch × 4` per network, without the bias) come from a strided-batched GEMM.
//
// For each trial: z_c += b_out[c]; the first maximum is the prediction; the cross-entropy
// −log p_label = log Σ_c exp(z_c − z_max) − (z_label − z_max); and the logits' gradient
// dz_c = (p_c − [c = label]) · inv_batch, written over z.
#define CLASSES 4

extern "C" __global__ void softmax_cross_entropy(float* z, const float* b_out, const int* labels,
                                                 float* ce, int* correct, int batch,
                                                 float inv_batch, long long total) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    long long p = i / batch;
    float* zi = z + i * CLASSES;
    float v[CLASSES];
    int best = 0;
    for (int c = 0; c < CLASSES; ++c) {
        v[c] = zi[c] + b_out[p * CLASSES + c];
        if (c > 0 && v[c] > v[best]) best = c;
    }
    int label = labels[i];
    float zmax = v[best];
    float z_label = v[label] - zmax;
    float sum = 0.0f;
    for (int c = 0; c < CLASSES; ++c) {
        v[c] = expf(v[c] - zmax);
        sum += v[c];
    }
    ce[i] = logf(sum) - z_label;
    correct[i] = best == label ? 1 : 0;
    for (int c = 0; c < CLASSES; ++c) {
        float pc = v[c] / sum;
        if (c == label) pc -= 1.0f;
        zi[c] = pc * inv_batch;
    }
}
