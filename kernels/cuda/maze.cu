// Check kernels of the device mazes (maze.cuh) and their random streams (rng.cuh), one thread
// per stream: each runs the device functions the pRNN engine runs and writes what they made to
// flat buffers, so that tasks/tests/maze_device.rs can compare every field with the CPU's
// `wiring_tasks::maze` bit for bit (tasks/src/maze/cuda.rs is the wrapper).
//
// Buffers (p = stream, k = maze or draw of that stream, slot = p·count + k):
// - ci (7 ints), cf (3 doubles): the maze config of maze_cfg;
// - state: 4 u64 words per stream, read at the start and written back at the end, so the
//   caller sees where each stream ends;
// - maze slot s: structure[s·MAX + i] (int), cues[(2s + ch)·MAX + i], d[s·MAX + i] (int) for
//   cell i = r·size + c, MAX = MAZE_MAX_CELLS, and meta[8s ..] = size, dmax, start_r,
//   start_c, goal_r, goal_c, fastest, layout.
#include "maze.cuh"

#define MAZE_META 8

__device__ void maze_write(const DMaze* m, long long slot, int* structure, float* cues, int* d,
                           int* meta) {
    const int cells = m->size * m->size;
    for (int i = 0; i < cells; ++i) {
        structure[slot * MAZE_MAX_CELLS + i] = m->structure[i];
        cues[(2 * slot) * MAZE_MAX_CELLS + i] = m->cues[0][i];
        cues[(2 * slot + 1) * MAZE_MAX_CELLS + i] = m->cues[1][i];
        d[slot * MAZE_MAX_CELLS + i] = (int)m->d[i];
    }
    int* x = meta + MAZE_META * slot;
    x[0] = m->size;
    x[1] = (int)m->dmax;
    x[2] = m->start_r;
    x[3] = m->start_c;
    x[4] = m->goal_r;
    x[5] = m->goal_c;
    x[6] = m->fastest;
    x[7] = m->layout;
}

__device__ void maze_read(DMaze* m, long long slot, const int* structure, const float* cues,
                          const int* d, const int* meta) {
    const int* x = meta + MAZE_META * slot;
    m->size = x[0];
    m->dmax = (unsigned)x[1];
    m->start_r = x[2];
    m->start_c = x[3];
    m->goal_r = x[4];
    m->goal_c = x[5];
    m->fastest = x[6];
    m->layout = x[7];
    const int cells = m->size * m->size;
    for (int i = 0; i < cells; ++i) {
        m->structure[i] = (unsigned char)structure[slot * MAZE_MAX_CELLS + i];
        m->cues[0][i] = cues[(2 * slot) * MAZE_MAX_CELLS + i];
        m->cues[1][i] = cues[(2 * slot + 1) * MAZE_MAX_CELLS + i];
        m->d[i] = (unsigned)d[slot * MAZE_MAX_CELLS + i];
    }
}

// MazeConfig::generate(count, rng) per stream: the plan (layouts[p·count ..], scratch), then
// every maze built in plan order.
extern "C" __global__ void maze_generate(const int* ci, const double* cf, u64* state, int count,
                                         int* layouts, int* structure, float* cues, int* d,
                                         int* meta, long long streams) {
    long long p = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (p >= streams) return;
    const MazeCfg c = maze_cfg(ci, cf);
    Rng rng = rng_load(state + 4 * p);
    int* plan = layouts + p * count;
    maze_plan(&c, count, &rng, plan);
    DMaze m;
    for (int k = 0; k < count; ++k) {
        maze_build(&c, plan[k], &rng, &m);
        maze_write(&m, p * count + k, structure, cues, d, meta);
    }
    rng_store(&rng, state + 4 * p);
}

// `count` calls of maze_source_next per stream, continuing the source where the last launch
// left it: next[p] (batch = empty plan), plan_states[4·batch·p ..], plan_layouts[batch·p ..].
extern "C" __global__ void maze_source(const int* ci, const double* cf, u64* state, int batch,
                                       int count, int* next, u64* plan_states, int* plan_layouts,
                                       int* structure, float* cues, int* d, int* meta,
                                       long long streams) {
    long long p = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (p >= streams) return;
    const MazeCfg c = maze_cfg(ci, cf);
    Rng rng = rng_load(state + 4 * p);
    int at = next[p];
    DMaze m;
    for (int k = 0; k < count; ++k) {
        maze_source_next(&c, batch, &rng, &at, plan_states + 4 * batch * p,
                         plan_layouts + batch * p, &m);
        maze_write(&m, p * count + k, structure, cues, d, meta);
    }
    next[p] = at;
    rng_store(&rng, state + 4 * p);
}

// The agent in stream p's maze (slot p of the maze buffers): at each of its `count` positions
// pos[2(p·count + k) ..] = (r, c), the 8 sensed inputs with σ = sigma into x[8(p·count + k) ..],
// the progress there, and the cell each action 0..4 leads to, moves[10(p·count + k) + 2a ..].
extern "C" __global__ void maze_agent(const int* structure, const float* cues, const int* d,
                                      const int* meta, const int* pos, float sigma, u64* state,
                                      int count, float* x, float* progress, int* moves,
                                      long long streams) {
    long long p = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (p >= streams) return;
    DMaze m;
    maze_read(&m, p, structure, cues, d, meta);
    Rng rng = rng_load(state + 4 * p);
    for (int k = 0; k < count; ++k) {
        const long long q = p * count + k;
        const int r = pos[2 * q], c = pos[2 * q + 1];
        maze_sense(&m, r, c, sigma, &rng, x + 8 * q);
        progress[q] = maze_progress(&m, r, c);
        for (int a = 0; a < 5; ++a) {
            int nr = r, nc = c;
            maze_step(&m, &nr, &nc, a);
            moves[10 * q + 2 * a] = nr;
            moves[10 * q + 2 * a + 1] = nc;
        }
    }
    rng_store(&rng, state + 4 * p);
}

// rng.cuh's draws, `count` rounds per stream, each round in this order: rng_below(n[k]) →
// below[q], rng_f32 → f32s[q], rng_f64 → f64s[q], rng_standard_normal → normals[q], then the
// Box–Muller pair of the next word → pairs[2q], pairs[2q + 1] (q = p·count + k). Thread 0
// also writes the built-in ziggurat tables (257 + 257 doubles) to tables.
extern "C" __global__ void rng_draws(u64* state, const int* n, int count, int* below,
                                     float* f32s, double* f64s, double* normals, float* pairs,
                                     double* tables, long long streams) {
    long long p = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (p >= streams) return;
    if (p == 0) {
        for (int i = 0; i < 257; ++i) {
            tables[i] = RNG_ZIG_X[i];
            tables[257 + i] = RNG_ZIG_F[i];
        }
    }
    Rng rng = rng_load(state + 4 * p);
    for (int k = 0; k < count; ++k) {
        const long long q = p * count + k;
        below[q] = (int)rng_below(&rng, (unsigned)n[k]);
        f32s[q] = rng_f32(&rng);
        f64s[q] = rng_f64(&rng);
        normals[q] = rng_standard_normal(&rng);
        rng_box_muller(rng_next_u64(&rng), pairs + 2 * q, pairs + 2 * q + 1);
    }
    rng_store(&rng, state + 4 * p);
}
