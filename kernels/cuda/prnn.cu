// The pRNN study on the device (spec prnn.md): one thread per network runs its whole deep
// Q-learning loop — its training mazes (maze.cuh, from its own "mazes" stream), sensing with
// noise, the ε-greedy choice, the recorded forward, the Q-target forward, BPTT of the episode,
// PyTorch's global-norm clip and Adam — and the greedy evaluations of its training curve.
// kernels/src/prnn/cuda.rs is the wrapper; model/src/prnn/device.rs the orchestration.
//
// Every operation is the CPU reference's (kernels/src/prnn/reference.rs, model/src/prnn/train)
// in the same order: each term of a matrix–vector or outer product one fmaf, every other
// operation unfused (NVRTC --fmad=false, host build -ffp-contract=off), the softmax's exp the
// reference's explicit Cephes polynomial, the sensor noise's ln/sin/cos explicit polynomials
// (rng.cuh), and each network's draws from its own streams in the CPU's order. A network's
// training is therefore the CPU's bit for bit, on the host emulation and, up to the ziggurat's
// f64 exp in the rare rejection branch of maze noise, on a GPU.
//
// Layouts (n = networks in the population, P = param_len):
// - params, grads, Adam m and v: interleaved, value k of network j at [k·n + j] (a warp's
//   threads read consecutive words);
// - cfg (ints): see PRNN_CFG_* below; the nine block offsets of the masked layout;
// - streams: 4 u64 words per stream, network-major: [j][PRNN_STREAMS][4];
// - per-network maze state: maze_next[j], plan_states[j][batch][4], plan_layouts[j][batch];
// - counters: [j][3] = clipped updates, recorded training steps, forwards (u64);
// - loss_sum[j] (double): Σ episode losses since the last checkpoint;
// - fail[j][2] = (first episode with a non-finite loss or gradient norm, 1 = loss, 2 = norm),
//   (−1, 0) while none; a failed network stops training.
#include "maze.cuh"

#define PRNN_IN 8
#define PRNN_OUT 5
#define PRNN_MAX_HIDDEN 34
#define PRNN_MAX_STATE (PRNN_IN + PRNN_MAX_HIDDEN + PRNN_OUT)
#define PRNN_MAX_RECORD (PRNN_MAX_STATE + PRNN_MAX_HIDDEN)
#define PRNN_MAX_STEPS 32

// Blocks of the masked layout, in parameter order [ih, ho, ii, hh, oo, io, oi, hi, oh].
#define B_IH 0
#define B_HO 1
#define B_II 2
#define B_HH 3
#define B_OO 4
#define B_IO 5
#define B_OI 6
#define B_HI 7
#define B_OH 8

// Streams of a network, in their slot order.
#define S_MAZES 0
#define S_EXPLORE 1
#define S_SENSE 2
#define S_JITTER 3
#define S_CURVE 4
#define S_TEST 5
#define PRNN_STREAMS 6

// cfg ints: hidden units, episode length, maze batch, test mazes, separate greedy forward,
// then the nine block offsets.
#define PRNN_CFG_HIDDEN 0
#define PRNN_CFG_STEPS 1
#define PRNN_CFG_BATCH 2
#define PRNN_CFG_TEST 3
#define PRNN_CFG_SEPARATE 4
#define PRNN_CFG_OFFSETS 5
#define PRNN_CFG_LEN 14

// cfg doubles (each an f32 value where the CPU computes in f32): γ, target offset, reward
// scale, sensor noise σ, jitter scale, clip norm (f64), Adam β1, β2, 1 − β1, 1 − β2, ε.
#define PRNN_F_GAMMA 0
#define PRNN_F_OFFSET 1
#define PRNN_F_REWARD 2
#define PRNN_F_SIGMA 3
#define PRNN_F_JITTER 4
#define PRNN_F_CLIP 5
#define PRNN_F_B1 6
#define PRNN_F_B2 7
#define PRNN_F_OMB1 8
#define PRNN_F_OMB2 9
#define PRNN_F_EPS 10
#define PRNN_F_LEN 11

// One network's parameters (or gradients): value k at p[k·stride]; its mask as bits by block.
struct PrnnNet {
    const float* p;
    long long stride;
    int hidden;
    int mask;
    int off[9];
};

__device__ bool prnn_has(const PrnnNet* net, int block) { return (net->mask >> block) & 1; }

__device__ float prnn_w(const PrnnNet* net, int block, int k) {
    return net->p[(long long)(net->off[block] + k) * net->stride];
}

// y[r] += Σ_c W[r, c] x[c] (block `rows × cols`), c increasing, one fmaf per term.
__device__ void prnn_matvec_add(const PrnnNet* net, int block, const float* x, int cols,
                                float* y, int rows) {
    for (int r = 0; r < rows; ++r) {
        float acc = y[r];
        for (int c = 0; c < cols; ++c) acc = fmaf(prnn_w(net, block, r * cols + c), x[c], acc);
        y[r] = acc;
    }
}

// y[c] += Σ_r W[r, c] v[r] (block `rows × cols`), r increasing, one fmaf per term.
__device__ void prnn_matvec_t_add(const PrnnNet* net, int block, const float* v, int rows,
                                  float* y, int cols) {
    for (int r = 0; r < rows; ++r) {
        float vr = v[r];
        for (int c = 0; c < cols; ++c) y[c] = fmaf(prnn_w(net, block, r * cols + c), vr, y[c]);
    }
}

// 2^k for an integral k in [−126, 127] from exponent bits; NaN gives k = 0 (Rust's `as i32`).
__device__ float prnn_pow2(float k) {
    int i = k != k ? 0 : (int)k;
    return __int_as_float((int)((unsigned)(i + 127) << 23));
}

// The reference's softmax exp (kernels/src/prnn/reference.rs `softmax_exp`, Cephes expf).
__device__ float prnn_exp(float x) {
    if (x < -104.0f) {
        x = -104.0f;
    } else if (x > 89.0f) {
        x = 89.0f;
    }
    float n = floorf(x * 1.44269504088896341f + 0.5f);
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float rr = r * r;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * rr + r + 1.0f;
    float half = floorf(n * 0.5f);
    return p * prnn_pow2(half) * prnn_pow2(n - half);
}

// One forward step from `prev` (a state [i, h, o]) into `next`; `pre` (if not null) gets a_t.
__device__ void prnn_step(const PrnnNet* net, const float* prev, const float* x, const float* u,
                          float* next, float* pre) {
    const int H = net->hidden;
    const float* pi = prev;
    const float* ph = prev + PRNN_IN;
    const float* po = prev + PRNN_IN + H;
    float* ni = next;
    float* nh = next + PRNN_IN;
    float* no = next + PRNN_IN + H;
    for (int r = 0; r < PRNN_IN; ++r) ni[r] = 0.0f;
    if (prnn_has(net, B_II)) prnn_matvec_add(net, B_II, pi, PRNN_IN, ni, PRNN_IN);
    if (prnn_has(net, B_OI)) prnn_matvec_add(net, B_OI, po, PRNN_OUT, ni, PRNN_IN);
    if (prnn_has(net, B_HI)) prnn_matvec_add(net, B_HI, ph, H, ni, PRNN_IN);
    for (int r = 0; r < PRNN_IN; ++r) ni[r] = ni[r] + x[r];

    for (int r = 0; r < H; ++r) nh[r] = 0.0f;
    if (prnn_has(net, B_HH)) prnn_matvec_add(net, B_HH, ph, H, nh, H);
    if (prnn_has(net, B_OH)) prnn_matvec_add(net, B_OH, po, PRNN_OUT, nh, H);
    prnn_matvec_add(net, B_IH, ni, PRNN_IN, nh, H);
    if (pre)
        for (int r = 0; r < H; ++r) pre[r] = nh[r];
    for (int r = 0; r < H; ++r)
        if (nh[r] < 0.0f) nh[r] = 0.0f;

    for (int r = 0; r < PRNN_OUT; ++r) no[r] = 0.0f;
    if (prnn_has(net, B_OO)) prnn_matvec_add(net, B_OO, po, PRNN_OUT, no, PRNN_OUT);
    if (prnn_has(net, B_IO)) prnn_matvec_add(net, B_IO, ni, PRNN_IN, no, PRNN_OUT);
    prnn_matvec_add(net, B_HO, nh, H, no, PRNN_OUT);
    for (int r = 0; r < PRNN_OUT; ++r) no[r] = no[r] + u[r];
    // softmax: exp(z − max z) / Σ, the maximum skipping NaN (Rust's f32::max).
    float m = no[0];
    for (int r = 0; r < PRNN_OUT; ++r) m = fmaxf(m, no[r]);
    float sum = 0.0f;
    for (int r = 0; r < PRNN_OUT; ++r) {
        no[r] = prnn_exp(no[r] - m);
        sum = sum + no[r];
    }
    for (int r = 0; r < PRNN_OUT; ++r) no[r] = no[r] / sum;
}

// The first largest output, NaN never winning (0 if all are NaN): torch.argmax.
__device__ int prnn_argmax(const float* q) {
    int best = 0;
    for (int a = 1; a < PRNN_OUT; ++a)
        if (q[a] > q[best] || (q[best] != q[best] && q[a] == q[a])) best = a;
    return best;
}

// The local adjoints [δi, δa, δz] of a recorded step from the carried [ci, ch, co] and the
// direct ∂L/∂o_t `g` (may be null).
__device__ void prnn_local_adjoints(const PrnnNet* net, const float* record, const float* g,
                                    const float* carried, float* local) {
    const int H = net->hidden;
    const float* ci = carried;
    const float* ch = carried + PRNN_IN;
    const float* co = carried + PRNN_IN + H;
    const float* o = record + PRNN_IN + H;
    const float* a = record + PRNN_IN + H + PRNN_OUT;
    float* di = local;
    float* da = local + PRNN_IN;
    float* dz = local + PRNN_IN + H;
    for (int j = 0; j < PRNN_OUT; ++j) dz[j] = co[j];
    if (g)
        for (int j = 0; j < PRNN_OUT; ++j) dz[j] = g[j] + dz[j];
    float dot = 0.0f;
    for (int j = 0; j < PRNN_OUT; ++j) dot = dot + o[j] * dz[j];
    for (int j = 0; j < PRNN_OUT; ++j) dz[j] = o[j] * (dz[j] - dot);

    for (int j = 0; j < H; ++j) da[j] = ch[j];
    prnn_matvec_t_add(net, B_HO, dz, PRNN_OUT, da, H);
    for (int j = 0; j < H; ++j)
        if (!(a[j] > 0.0f)) da[j] = 0.0f;

    for (int j = 0; j < PRNN_IN; ++j) di[j] = ci[j];
    prnn_matvec_t_add(net, B_IH, da, H, di, PRNN_IN);
    if (prnn_has(net, B_IO)) prnn_matvec_t_add(net, B_IO, dz, PRNN_OUT, di, PRNN_IN);
}

// carried ← ∂L/∂(i, h, o)_{t−1} through the step whose local adjoints are `local`.
__device__ void prnn_carry_back(const PrnnNet* net, const float* local, float* carried) {
    const int H = net->hidden;
    const float* di = local;
    const float* da = local + PRNN_IN;
    const float* dz = local + PRNN_IN + H;
    float* ci = carried;
    float* ch = carried + PRNN_IN;
    float* co = carried + PRNN_IN + H;
    for (int j = 0; j < PRNN_IN + H + PRNN_OUT; ++j) carried[j] = 0.0f;
    if (prnn_has(net, B_II)) prnn_matvec_t_add(net, B_II, di, PRNN_IN, ci, PRNN_IN);
    if (prnn_has(net, B_HI)) prnn_matvec_t_add(net, B_HI, di, PRNN_IN, ch, H);
    if (prnn_has(net, B_HH)) prnn_matvec_t_add(net, B_HH, da, H, ch, H);
    if (prnn_has(net, B_OI)) prnn_matvec_t_add(net, B_OI, di, PRNN_IN, co, PRNN_OUT);
    if (prnn_has(net, B_OH)) prnn_matvec_t_add(net, B_OH, da, H, co, PRNN_OUT);
    if (prnn_has(net, B_OO)) prnn_matvec_t_add(net, B_OO, dz, PRNN_OUT, co, PRNN_OUT);
}

// g[r, c] += a[r] b[c] into block `block` (rows × cols) of the gradients `g` (same layout as
// the parameters).
__device__ void prnn_outer_add(float* g, long long stride, int off, const float* a, int rows,
                               const float* b, int cols) {
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) {
            float* at = g + (long long)(off + r * cols + c) * stride;
            *at = fmaf(a[r], b[c], *at);
        }
}

// BPTT of `steps` recorded steps (records [steps][record], from the zero state) with
// ∂L/∂o_t in dout [steps][5], added onto the present blocks of `g` (zeroed by the caller).
__device__ void prnn_backward(const PrnnNet* net, int steps, const float* records,
                              const float* dout, float* g) {
    const int H = net->hidden;
    const int sl = PRNN_IN + H + PRNN_OUT;
    const int rl = sl + H;
    float zero[PRNN_MAX_STATE];
    float carried[PRNN_MAX_STATE];
    float local[PRNN_MAX_STATE];
    for (int j = 0; j < sl; ++j) zero[j] = carried[j] = 0.0f;
    for (int t = steps - 1; t >= 0; --t) {
        const float* record = records + t * rl;
        const float* prev = t == 0 ? zero : records + (t - 1) * rl;
        prnn_local_adjoints(net, record, dout + t * PRNN_OUT, carried, local);
        const float* di = local;
        const float* da = local + PRNN_IN;
        const float* dz = local + PRNN_IN + H;
        const float* it = record;
        const float* ht = record + PRNN_IN;
        const float* ip = prev;
        const float* hp = prev + PRNN_IN;
        const float* op = prev + PRNN_IN + H;
        const long long s = net->stride;
        const int* off = net->off;
        // Block order: ih, ho, ii, hh, oo, io, oi, hi, oh.
        prnn_outer_add(g, s, off[B_IH], da, H, it, PRNN_IN);
        prnn_outer_add(g, s, off[B_HO], dz, PRNN_OUT, ht, H);
        if (prnn_has(net, B_II)) prnn_outer_add(g, s, off[B_II], di, PRNN_IN, ip, PRNN_IN);
        if (prnn_has(net, B_HH)) prnn_outer_add(g, s, off[B_HH], da, H, hp, H);
        if (prnn_has(net, B_OO)) prnn_outer_add(g, s, off[B_OO], dz, PRNN_OUT, op, PRNN_OUT);
        if (prnn_has(net, B_IO)) prnn_outer_add(g, s, off[B_IO], dz, PRNN_OUT, it, PRNN_IN);
        if (prnn_has(net, B_OI)) prnn_outer_add(g, s, off[B_OI], di, PRNN_IN, op, PRNN_OUT);
        if (prnn_has(net, B_HI)) prnn_outer_add(g, s, off[B_HI], di, PRNN_IN, hp, H);
        if (prnn_has(net, B_OH)) prnn_outer_add(g, s, off[B_OH], da, H, op, PRNN_OUT);
        prnn_carry_back(net, local, carried);
    }
}

// Length of block b of a network with `hidden` units (to × from).
__device__ int prnn_block_len(int b, int hidden) {
    const int H = hidden;
    const int len[9] = {H * PRNN_IN,  PRNN_OUT * H, PRNN_IN * PRNN_IN, H * H,    PRNN_OUT * PRNN_OUT,
                        PRNN_OUT * PRNN_IN, PRNN_IN * PRNN_OUT, PRNN_IN * H, H * PRNN_OUT};
    return len[b];
}

// The network's parameters (or any interleaved vector of the population) as a PrnnNet.
__device__ PrnnNet prnn_net(const float* base, long long j, long long n, int hidden, int mask,
                            const int* cfg) {
    PrnnNet net;
    net.p = base + j;
    net.stride = n;
    net.hidden = hidden;
    net.mask = mask;
    for (int b = 0; b < 9; ++b) net.off[b] = cfg[PRNN_CFG_OFFSETS + b];
    return net;
}

__device__ Rng prnn_stream(const u64* streams, long long j, int which) {
    Rng r;
    for (int w = 0; w < 4; ++w) r.s[w] = streams[(j * PRNN_STREAMS + which) * 4 + w];
    return r;
}

__device__ void prnn_stream_store(u64* streams, long long j, int which, const Rng* r) {
    for (int w = 0; w < 4; ++w) streams[(j * PRNN_STREAMS + which) * 4 + w] = r->s[w];
}

// Five jitter uniforms: rng.random::<f32>() · scale each.
__device__ void prnn_jitter(Rng* rng, float scale, float* u) {
    for (int j = 0; j < PRNN_OUT; ++j) u[j] = rng_f32(rng) * scale;
}

// Episodes [first, first + count) of every network: one thread each (see the file header).
// eps[e − first]: the exploration ε of episode e; adam[2·(e − first) + {0, 1}]: PyTorch
// Adam's step size lr/(1 − β1ᵗ) and √(1 − β2ᵗ) of update t = e + 1, all f32 as on the CPU.
extern "C" __global__ void prnn_train(float* params, float* grads, float* adam_m, float* adam_v,
                                      const int* masks, const int* cfg, const double* fcfg,
                                      const int* maze_ci, const double* maze_cf, u64* streams,
                                      int* maze_next, u64* plan_states, int* plan_layouts,
                                      const float* eps, const float* adam, double* loss_sum,
                                      u64* counters, int* fail, int first, int count,
                                      long long n) {
    long long j = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= n) return;
    if (fail[2 * j] >= 0) return;
    const int H = cfg[PRNN_CFG_HIDDEN];
    const int n_steps = cfg[PRNN_CFG_STEPS];
    const int batch = cfg[PRNN_CFG_BATCH];
    const bool separate = cfg[PRNN_CFG_SEPARATE] != 0;
    const int sl = PRNN_IN + H + PRNN_OUT;
    const int rl = sl + H;
    const float gamma = (float)fcfg[PRNN_F_GAMMA];
    const float offset = (float)fcfg[PRNN_F_OFFSET];
    const float scale = (float)fcfg[PRNN_F_REWARD];
    const float sigma = (float)fcfg[PRNN_F_SIGMA];
    const float jitter = (float)fcfg[PRNN_F_JITTER];
    const double clip = fcfg[PRNN_F_CLIP];
    const float b1 = (float)fcfg[PRNN_F_B1], b2 = (float)fcfg[PRNN_F_B2];
    const float omb1 = (float)fcfg[PRNN_F_OMB1], omb2 = (float)fcfg[PRNN_F_OMB2];
    const float adam_eps = (float)fcfg[PRNN_F_EPS];
    const PrnnNet net = prnn_net(params, j, n, H, masks[j], cfg);
    const MazeCfg mc = maze_cfg(maze_ci, maze_cf);

    Rng rng_mazes = prnn_stream(streams, j, S_MAZES);
    Rng rng_explore = prnn_stream(streams, j, S_EXPLORE);
    Rng rng_sense = prnn_stream(streams, j, S_SENSE);
    Rng rng_jitter = prnn_stream(streams, j, S_JITTER);
    int next = maze_next[j];
    u64* my_states = plan_states + j * (long long)batch * 4;
    int* my_layouts = plan_layouts + j * (long long)batch;
    double losses = loss_sum[j];
    u64 clipped = counters[3 * j], train_steps = counters[3 * j + 1],
        forwards = counters[3 * j + 2];

    DMaze maze;
    float records[PRNN_MAX_STEPS * PRNN_MAX_RECORD];
    float dout[PRNN_MAX_STEPS * PRNN_OUT];
    float zero[PRNN_MAX_STATE];
    float x[PRNN_IN], u[PRNN_OUT], probe[PRNN_MAX_STATE], target[PRNN_MAX_STATE];
    for (int k = 0; k < sl; ++k) zero[k] = 0.0f;

    for (int e = 0; e < count; ++e) {
        const float epsilon = eps[e];
        maze_source_next(&mc, batch, &rng_mazes, &next, my_states, my_layouts, &maze);
        int r = maze.start_r, c = maze.start_c;
        const float r0 = maze_progress(&maze, r, c);
        for (int k = 0; k < n_steps * PRNN_OUT; ++k) dout[k] = 0.0f;
        float loss = 0.0f;
        int steps = 0;
        for (int t = 0; t < n_steps; ++t) {
            // 1–2: sense; ε-test (a uniform random action, else greedy).
            maze_sense(&maze, r, c, sigma, &rng_sense, x);
            const float v = rng_f32(&rng_explore) * 1.0f;
            const bool greedy = v >= epsilon;
            int action = 0;
            if (!greedy) action = (int)rng_below(&rng_explore, PRNN_OUT);
            const float* prev = t == 0 ? zero : records + (t - 1) * rl;
            float* rec = records + t * rl;
            // 3: the greedy probe (its own jitter, drawn first), then the recorded forward.
            if (separate && greedy) {
                prnn_jitter(&rng_jitter, jitter, u);
                prnn_step(&net, prev, x, u, probe, 0);
                action = prnn_argmax(probe + PRNN_IN + H);
                forwards += 1;
            }
            prnn_jitter(&rng_jitter, jitter, u);
            prnn_step(&net, prev, x, u, rec, rec + sl);
            const float* out = rec + PRNN_IN + H;
            if (!separate && greedy) action = prnn_argmax(out);
            train_steps += 1;
            forwards += 2;
            // 3–4: act, reward.
            maze_step(&maze, &r, &c, action);
            const float pred = out[action];
            const float reward = scale * (maze_progress(&maze, r, c) - r0);
            steps = t + 1;
            // 5–6: sense again, the Q-target from the new state, the loss.
            maze_sense(&maze, r, c, sigma, &rng_sense, x);
            prnn_jitter(&rng_jitter, jitter, u);
            prnn_step(&net, rec, x, u, target, 0);
            float q_max = __int_as_float((int)0xff800000u);  // −∞
            for (int a = 0; a < PRNN_OUT; ++a) q_max = fmaxf(q_max, target[PRNN_IN + H + a]);
            const float tgt = reward + gamma * q_max - offset;
            const float diff = pred - tgt;
            loss = loss + diff * diff;
            dout[t * PRNN_OUT + action] = 2.0f * diff;
            if (r == maze.goal_r && c == maze.goal_c) break;
        }
        if (!(loss - loss == 0.0f)) {  // not finite
            fail[2 * j] = first + e;
            fail[2 * j + 1] = 1;
            break;
        }
        // BPTT, the global-norm clip (f64 norm over the present blocks), Adam.
        for (int b = 0; b < 9; ++b) {
            if (!prnn_has(&net, b)) continue;
            const int len = prnn_block_len(b, H);
            for (int k = 0; k < len; ++k) grads[(long long)(net.off[b] + k) * n + j] = 0.0f;
        }
        prnn_backward(&net, steps, records, dout, grads + j);
        double total = 0.0;
        for (int b = 0; b < 9; ++b) {
            if (!prnn_has(&net, b)) continue;
            const int len = prnn_block_len(b, H);
            for (int k = 0; k < len; ++k) {
                const double gv = (double)grads[(long long)(net.off[b] + k) * n + j];
                total = total + gv * gv;
            }
        }
        total = sqrt(total);
        if (!(total - total == 0.0)) {
            fail[2 * j] = first + e;
            fail[2 * j + 1] = 2;
            break;
        }
        const double coef = clip / (total + 1e-6);
        const float cf = (float)coef;
        const float step_size = adam[2 * e], bc2 = adam[2 * e + 1];
        for (int b = 0; b < 9; ++b) {
            if (!prnn_has(&net, b)) continue;
            const int len = prnn_block_len(b, H);
            for (int k = 0; k < len; ++k) {
                const long long at = (long long)(net.off[b] + k) * n + j;
                float gv = grads[at];
                if (coef < 1.0) gv = gv * cf;
                float mv = b1 * adam_m[at] + omb1 * gv;
                float vv = b2 * adam_v[at] + omb2 * gv * gv;
                params[at] = params[at] - step_size * (mv / (sqrtf(vv) / bc2 + adam_eps));
                adam_m[at] = mv;
                adam_v[at] = vv;
            }
        }
        clipped += total > clip ? 1 : 0;
        losses = losses + (double)loss;
    }

    prnn_stream_store(streams, j, S_MAZES, &rng_mazes);
    prnn_stream_store(streams, j, S_EXPLORE, &rng_explore);
    prnn_stream_store(streams, j, S_SENSE, &rng_sense);
    prnn_stream_store(streams, j, S_JITTER, &rng_jitter);
    maze_next[j] = next;
    loss_sum[j] = losses;
    counters[3 * j] = clipped;
    counters[3 * j + 1] = train_steps;
    counters[3 * j + 2] = forwards;
}

// One greedy trial (no exploration, no gradient) of `net` on `maze`: per step, sense at noise
// σ and draw five jitter uniforms from `rng`, one forward (recorded into `records`,
// [n_steps][record]), the argmax action; it stops on the goal. `inputs` (if not null) gets the
// sensed vector of each step. Returns the trial's fitness (trial_fitness of
// model/src/prnn/trial.rs, NaN for a zero denominator); `*steps` = steps taken, `*reached` =
// whether it ended on the goal.
__device__ double prnn_greedy_trial(const PrnnNet* net, const DMaze* maze, int n_steps,
                                   float sigma, float jitter, Rng* rng, float* records,
                                   float* inputs, int* steps, int* reached) {
    const int H = net->hidden;
    const int sl = PRNN_IN + H + PRNN_OUT;
    const int rl = sl + H;
    float zero[PRNN_MAX_STATE];
    for (int k = 0; k < sl; ++k) zero[k] = 0.0f;
    float x[PRNN_IN], u[PRNN_OUT];
    int r = maze->start_r, c = maze->start_c;
    int time = n_steps - 1;
    *steps = n_steps;
    *reached = 0;
    for (int t = 0; t < n_steps; ++t) {
        maze_sense(maze, r, c, sigma, rng, x);
        if (inputs)
            for (int k = 0; k < PRNN_IN; ++k) inputs[t * PRNN_IN + k] = x[k];
        prnn_jitter(rng, jitter, u);
        float* rec = records + t * rl;
        prnn_step(net, t == 0 ? zero : records + (t - 1) * rl, x, u, rec, rec + sl);
        maze_step(maze, &r, &c, prnn_argmax(rec + PRNN_IN + H));
        if (r == maze->goal_r && c == maze->goal_c) {
            time = t;
            *steps = t + 1;
            *reached = 1;
            break;
        }
    }
    const double fastest = (double)maze->fastest;
    const double denominator = ((double)n_steps - 1.0) - fastest;
    const double speed = 1.0 - ((double)time - fastest) / denominator;
    const double progress =
        (double)(maze->dmax - maze->d[r * maze->size + c]) / (double)maze->dmax;
    return 0.5 * speed + 0.5 * progress;
}

// NaN as a double.
__device__ double prnn_nan() { return __longlong_as_double(0x7ff8000000000000ll); }

// The NaN-ignoring mean of what was summed (NaN when nothing was).
__device__ double prnn_mean(double sum, long long counted) {
    return counted == 0 ? prnn_nan() : sum / (double)counted;
}

// Mean fitness over the test set of `tests` mazes that `rng_test` generates (plan, then each
// maze in order; the stream is a copy, so every call sees the same set), greedy trials at σ
// with `rng` for noise and jitter. `layouts`: `tests` ints of scratch.
__device__ double prnn_test_fitness(const PrnnNet* net, const MazeCfg* mc, int tests,
                                    Rng rng_test, int* layouts, int n_steps, float sigma,
                                    float jitter, Rng* rng, DMaze* maze, float* records) {
    maze_plan(mc, tests, &rng_test, layouts);
    double sum = 0.0;
    long long counted = 0;
    for (int m = 0; m < tests; ++m) {
        maze_build(mc, layouts[m], &rng_test, maze);
        int steps, reached;
        const double f = prnn_greedy_trial(net, maze, n_steps, sigma, jitter, rng, records, 0,
                                           &steps, &reached);
        if (f == f) {
            sum = sum + f;
            counted += 1;
        }
    }
    return prnn_mean(sum, counted);
}

// A training-curve point: every network's NaN-ignoring mean fitness over its test set (the
// `"test"` stream's `generate(test_mazes)`) in greedy trials at sensor noise σ with its
// `"curve"` stream (per step: the sensor draws, then five jitter uniforms), into fitness[j].
// `layouts`: test_mazes ints of scratch per network.
extern "C" __global__ void prnn_curve(const float* params, const int* masks, const int* cfg,
                                      const double* fcfg, const int* maze_ci,
                                      const double* maze_cf, u64* streams, int* layouts,
                                      double* fitness, long long n) {
    long long j = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= n) return;
    const int tests = cfg[PRNN_CFG_TEST];
    const PrnnNet net = prnn_net(params, j, n, cfg[PRNN_CFG_HIDDEN], masks[j], cfg);
    const MazeCfg mc = maze_cfg(maze_ci, maze_cf);
    Rng rng_curve = prnn_stream(streams, j, S_CURVE);
    DMaze maze;
    float records[PRNN_MAX_STEPS * PRNN_MAX_RECORD];
    fitness[j] = prnn_test_fitness(&net, &mc, tests, prnn_stream(streams, j, S_TEST),
                                   layouts + j * (long long)tests, cfg[PRNN_CFG_STEPS],
                                   (float)fcfg[PRNN_F_SIGMA], (float)fcfg[PRNN_F_JITTER],
                                   &rng_curve, &maze, records);
    prnn_stream_store(streams, j, S_CURVE, &rng_curve);
}

// ‖block‖_F of `len` floats, accumulated in double in order (model's `frobenius`).
__device__ double prnn_frobenius(const float* v, int len) {
    double sum = 0.0;
    for (int k = 0; k < len; ++k) sum = sum + (double)v[k] * (double)v[k];
    return sqrt(sum);
}

// Input coherence of a sensed vector (model/src/prnn/evaluate.rs `input_coherence`).
__device__ double prnn_coherence(const float* x) {
    const double dx[4] = {-1.0, 1.0, 0.0, 0.0};
    const double dy[4] = {0.0, 0.0, 1.0, -1.0};
    double vx = 0.0, vy = 0.0, total = 0.0;
    for (int s = 0; s < 4; ++s) {
        const double m = (double)x[2 * s] + (double)x[2 * s + 1];
        vx = vx + m * dx[s];
        vy = vy + m * dy[s];
        total = total + m;
    }
    return total == 0.0 ? 0.0 : sqrt(vx * vx + vy * vy) / total;
}

// Evaluation streams of a network, in their slot order.
#define E_TEST 0
#define E_NOISE 1
#define E_CUE 2
#define E_WALL 3
#define PRNN_EVAL_STREAMS 4

// Per-network outputs of prnn_evaluate, doubles: [noise levels][2 = fitness, goal rate of
// the headline pass][n_steps memory sums][sparsity levels × 2].
// The measures of a trained population (model/src/prnn/evaluate.rs, step for step): networks
// first .. first + count, thread k on network first + k, outputs at k.
// - The noise sweep at each level of `noise` (L levels; the test set regenerated from the
//   "test" stream for each; noise and jitter from "eval/noise", level after level); the
//   level `headline` (−1: none, then an extra pass at `headline_noise` after the sweep)
//   records every step: per step its sensitivity ‖∂o_t/∂x_t‖_F and input coherence (step
//   arrays, `tests · n_steps` per network, `step_count[k]` used), and the memory Jacobians'
//   ratios summed per lag (`mem_count[k][lag]` finite ones).
// - With S > 0, the cue- then wall-sparsity sweeps at the headline noise: per level p a fresh
//   test set from "eval/cue_sparsity" (resp. wall) with the maze doubles `sparsity_cf[field][p]`,
//   then its trials from the same stream; `plan_states`: 4·tests u64 of scratch per thread.
// out (doubles per network): [L fitness][headline fitness, goal rate][n_steps memory sums]
// [S cue][S wall].
extern "C" __global__ void prnn_evaluate(
    const float* params, const int* masks, const int* cfg, const double* fcfg,
    const int* maze_ci, const double* maze_cf, const double* sparsity_cf, const u64* streams,
    const double* noise, int levels, int headline, double headline_noise, int sparsity_levels,
    int* layouts, u64* plan_states, double* out, int* mem_count, int* step_index,
    float* step_sensitivity, float* step_coherence, int* step_count, long long first,
    long long count, long long n) {
    long long k = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (k >= count) return;
    const long long j = first + k;
    const int H = cfg[PRNN_CFG_HIDDEN];
    const int n_steps = cfg[PRNN_CFG_STEPS];
    const int tests = cfg[PRNN_CFG_TEST];
    const int sl = PRNN_IN + H + PRNN_OUT;
    const int rl = sl + H;
    const float jitter = (float)fcfg[PRNN_F_JITTER];
    const PrnnNet net = prnn_net(params, j, n, H, masks[j], cfg);
    const MazeCfg mc = maze_cfg(maze_ci, maze_cf);
    const int out_len = levels + 2 + n_steps + 2 * sparsity_levels;
    double* o = out + k * out_len;
    int* my_layouts = layouts + k * (long long)tests;
    u64* my_states = plan_states + k * (long long)tests * 4;
    const long long step_base = k * (long long)tests * n_steps;
    Rng rng_test;
    for (int w = 0; w < 4; ++w) rng_test.s[w] = streams[(j * PRNN_EVAL_STREAMS + E_TEST) * 4 + w];
    Rng rng_noise;
    for (int w = 0; w < 4; ++w)
        rng_noise.s[w] = streams[(j * PRNN_EVAL_STREAMS + E_NOISE) * 4 + w];

    DMaze maze;
    float records[PRNN_MAX_STEPS * PRNN_MAX_RECORD];
    float inputs[PRNN_MAX_STEPS * PRNN_IN];
    float jac[PRNN_MAX_STEPS * PRNN_OUT * PRNN_IN];
    float carried[PRNN_MAX_STATE], local[PRNN_MAX_STATE];
    const int block = PRNN_OUT * PRNN_IN;

    for (int i = 0; i <= levels; ++i) {
        const bool extra = i == levels;
        if (extra && headline >= 0) break;
        const bool record = extra || i == headline;
        const float sigma = (float)(extra ? headline_noise : noise[i]);
        if (!record) {
            o[i] = prnn_test_fitness(&net, &mc, tests, rng_test, my_layouts, n_steps, sigma,
                                     jitter, &rng_noise, &maze, records);
            continue;
        }
        // The headline pass: fitness, goals, per-step sensitivity and coherence, memory.
        Rng rng_set = rng_test;
        maze_plan(&mc, tests, &rng_set, my_layouts);
        double sum = 0.0, mem_sum[PRNN_MAX_STEPS];
        long long counted = 0, goals = 0, used = 0;
        int mem_n[PRNN_MAX_STEPS];
        for (int lag = 0; lag < n_steps; ++lag) {
            mem_sum[lag] = 0.0;
            mem_n[lag] = 0;
        }
        for (int m = 0; m < tests; ++m) {
            maze_build(&mc, my_layouts[m], &rng_set, &maze);
            int steps, reached;
            const double f = prnn_greedy_trial(&net, &maze, n_steps, sigma, jitter, &rng_noise,
                                               records, inputs, &steps, &reached);
            if (f == f) {
                sum = sum + f;
                counted += 1;
            }
            goals += reached;
            for (int t = 0; t < steps; ++t) {
                // ∂o_t/∂x_{t−lag} for every lag ≤ t, output row by output row, one reverse
                // sweep each (kernels' memory_jacobians; lags it does not reach stay 0).
                for (int v = 0; v < (t + 1) * block; ++v) jac[v] = 0.0f;
                for (int r = 0; r < PRNN_OUT; ++r) {
                    for (int v = 0; v < sl; ++v) carried[v] = 0.0f;
                    carried[PRNN_IN + H + r] = 1.0f;
                    for (int s = t; s >= 0; --s) {
                        prnn_local_adjoints(&net, records + s * rl, 0, carried, local);
                        for (int c = 0; c < PRNN_IN; ++c)
                            jac[(t - s) * block + r * PRNN_IN + c] = local[c];
                        if (s == 0) break;
                        prnn_carry_back(&net, local, carried);
                        bool nothing = true;
                        for (int v = 0; v < sl; ++v) nothing = nothing && carried[v] == 0.0f;
                        if (nothing) break;
                    }
                }
                const double sens = prnn_frobenius(jac, block);
                step_index[step_base + used] = m * n_steps + t;
                step_sensitivity[step_base + used] = (float)sens;
                step_coherence[step_base + used] = (float)prnn_coherence(inputs + t * PRNN_IN);
                used += 1;
                for (int lag = 0; lag <= t; ++lag) {
                    const double ratio = prnn_frobenius(jac + lag * block, block) / sens;
                    if (ratio - ratio == 0.0) {
                        mem_sum[lag] = mem_sum[lag] + ratio;
                        mem_n[lag] += 1;
                    }
                }
            }
        }
        const double fitness = prnn_mean(sum, counted);
        if (!extra) o[i] = fitness;
        o[levels] = fitness;
        o[levels + 1] = (double)goals / (double)(tests > 0 ? tests : 1);
        for (int lag = 0; lag < n_steps; ++lag) {
            o[levels + 2 + lag] = mem_sum[lag];
            mem_count[k * n_steps + lag] = mem_n[lag];
        }
        step_count[k] = (int)used;
    }

    // The sparsity sweeps: fresh sets, drawn whole before their trials, from one stream.
    for (int field = 0; field < 2 && sparsity_levels > 0; ++field) {
        Rng rng;
        for (int w = 0; w < 4; ++w)
            rng.s[w] = streams[(j * PRNN_EVAL_STREAMS + E_CUE + field) * 4 + w];
        for (int p = 0; p < sparsity_levels; ++p) {
            const MazeCfg pc = maze_cfg(maze_ci, sparsity_cf + (field * sparsity_levels + p) * 3);
            maze_plan(&pc, tests, &rng, my_layouts);
            for (int m = 0; m < tests; ++m) {
                for (int w = 0; w < 4; ++w) my_states[4 * m + w] = rng.s[w];
                maze_skip(&pc, my_layouts[m], &rng, &maze);
            }
            double sum = 0.0;
            long long counted = 0;
            for (int m = 0; m < tests; ++m) {
                Rng at;
                for (int w = 0; w < 4; ++w) at.s[w] = my_states[4 * m + w];
                maze_build(&pc, my_layouts[m], &at, &maze);
                int steps, reached;
                const double f =
                    prnn_greedy_trial(&net, &maze, n_steps, (float)headline_noise, jitter, &rng,
                                      records, 0, &steps, &reached);
                if (f == f) {
                    sum = sum + f;
                    counted += 1;
                }
            }
            o[levels + 2 + n_steps + field * sparsity_levels + p] = prnn_mean(sum, counted);
        }
    }
}
