// The pRNN study's mazes on the device (spec prnn.md, "Mazes" and "The agent"): one thread
// makes, senses and moves in its own network's mazes, in its registers and local memory (no
// shared memory, no block synchronisation), drawing from its network's own Xoshiro256++
// stream (rng.cuh). Every maze is the CPU's `wiring_tasks::maze` maze bit for bit — the same
// draws in the same order, the same structure, cues, distances and fastest solution — and
// sensing is `wiring_tasks::maze::sense_lanes` for one lane; tasks/src/maze/cuda.rs wraps the
// check kernels of maze.cu and tasks/tests/maze_device.rs proves the equality.
//
// API (all __device__, one thread):
//   MazeCfg maze_cfg(ci, cf)              the config from 7 ints [kind (0 general, 1 track,
//                                         2 H), size, n_steps, gaps, n_channels,
//                                         last_cell_closed, relabel_distances] and 3 doubles
//                                         [maze_noise, cue_sparsity, wall_sparsity]
//   maze_plan(c, batch, rng, layouts)     MazeConfig::plan: the batch's layout codes
//   maze_build(c, layout, rng, m)         MazeConfig::build / build_into: the same draws, the
//                                         same maze
//   maze_skip(c, layout, rng, m)          MazeConfig::skip: build's draws only (m is scratch)
//   maze_source_next(c, batch, rng, next, plan_states, plan_layouts, m)
//                                         the training mazes of model/src/prnn/train/mazes.rs
//                                         (MazeSource::next_maze)
//   maze_step(m, &r, &c, action)          agent::step; actions 0..4 = L, R, U, D, stay
//   maze_progress(m, r, c)                Maze::progress, (dmax − d)/dmax in f32
//   maze_sense(m, r, c, σ, rng, x8)       agent::sense with both channels active, as training
//                                         senses (sense_lanes): [L0, L1, R0, R1, U0, U1, D0, D1]
//
// Layout codes (an int per maze; Layout on the CPU):
//   general: 0
//   track:   bit 0 = goal_right, bit 1 = leading_channel
//   H:       bits 0–1 = corner (0 (1,1), 1 (1,size−2), 2 (size−2,1), 3 (size−2,size−2)),
//            bit 2 = horizontal_channel (the vertical one is the other), bit 3 = rotated
//
// Limits: size ≤ MAZE_MAX_SIZE, exactly 2 cue channels (the 8-input agent's), a batch that
// the kind accepts (track even, H divisible by 4, ≥ 1); tasks/src/maze/cuda.rs checks them on
// the host, as any wrapper of a kernel that uses these functions must (here they are assumed).
// Grids are row-major with the maze's own size: cell (r, c) at r·size + c, cue channel k of it
// at cues[k][r·size + c], as the CPU's Maze.
//
// The relabel_distances quirk changes only the CPU's running time, never the map (on a grid it
// gives the breadth-first distances: tasks/src/maze/distance.rs), so one breadth-first search
// serves both settings. General mazes of size 9 take a fast path on the CPU (general9.rs) with
// the same draws and results as the general recipe ported here.
#ifndef WIRING_MAZE_CUH
#define WIRING_MAZE_CUH

#include "rng.cuh"

#define MAZE_MAX_SIZE 15
#define MAZE_MAX_CELLS (MAZE_MAX_SIZE * MAZE_MAX_SIZE)
#define MAZE_GENERAL 0
#define MAZE_TRACK 1
#define MAZE_H 2

// Making a maze is rare beside the steps of an episode and takes many registers: the plan,
// build and skip stay calls of their own (on the device), so that a kernel's hot loop keeps its
// registers. (Inlined into prnn.cu's training kernel they made it spill on every arch; called,
// ptxas reports no spills for it and none for them.)
#ifdef __CUDACC__
#define MAZE_NOINLINE __noinline__
#else
#define MAZE_NOINLINE
#endif

struct MazeCfg {
    int kind;  // MAZE_GENERAL, MAZE_TRACK, MAZE_H
    int size, n_steps, gaps, n_channels, last_cell_closed, relabel_distances;
    double maze_noise, cue_sparsity, wall_sparsity;
};

// One maze (the CPU's Maze, 2 channels). size² cells of each grid are used.
struct DMaze {
    unsigned char structure[MAZE_MAX_CELLS];  // 1 = path, 0 = wall
    float cues[2][MAZE_MAX_CELLS];
    unsigned d[MAZE_MAX_CELLS];  // distance to the goal; 0 on walls, the goal, unreachable cells
    unsigned dmax;
    int size;
    int start_r, start_c, goal_r, goal_c;
    int fastest;
    int layout;
};

__device__ MazeCfg maze_cfg(const int* ci, const double* cf) {
    MazeCfg c;
    c.kind = ci[0];
    c.size = ci[1];
    c.n_steps = ci[2];
    c.gaps = ci[3];
    c.n_channels = ci[4];
    c.last_cell_closed = ci[5];
    c.relabel_distances = ci[6];
    c.maze_noise = cf[0];
    c.cue_sparsity = cf[1];
    c.wall_sparsity = cf[2];
    return c;
}

// ---- The bit reservoir of general mazes (tasks/src/maze/bits.rs) ---------------------------

// Bits handed out lowest first from one u64 at a time; a request for more than are left drops
// them and draws a new word. Empty ({0, 0}) at the start of each maze.
struct MazeBits {
    u64 word;
    unsigned left;
};

// The next n ≤ 63 bits as a number in 0..2ⁿ.
__device__ unsigned maze_bits_take(MazeBits* b, unsigned n, Rng* rng) {
    if (b->left < n) {
        b->word = rng_next_u64(rng);
        b->left = 64;
    }
    const u64 v = b->word & ((1ull << n) - 1);
    b->word >>= n;
    b->left -= n;
    return (unsigned)v;
}

// Uniform in 0..n (n ≥ 1): ⌈log₂ n⌉ bits, drawn again while ≥ n (no bits for n = 1).
__device__ int maze_bits_below(MazeBits* b, int n, Rng* rng) {
    unsigned bits = 0;
    while ((1 << bits) < n) ++bits;
    for (;;) {
        const int v = (int)maze_bits_take(b, bits, rng);
        if (v < n) return v;
    }
}

// ---- Shared steps -----------------------------------------------------------------------

// linspace(0.1, 0.5, n)[k] as numpy (and tasks::maze::linspace): start + k·step, the last
// value exactly 0.5.
__device__ double maze_linspace(int k, int n) {
    if (n == 1) return 0.1;
    if (k == n - 1) return 0.5;
    const double step = (0.5 - 0.1) / (double)(n - 1);
    return 0.1 + (double)k * step;
}

// Entry k of concat(reverse(g), [0], g) for g of length len, g[i] = maze_linspace(first + i, n).
__device__ double maze_symmetric(int k, int len, int first, int n) {
    if (k < len) return maze_linspace(first + len - 1 - k, n);
    if (k == len) return 0.0;
    return maze_linspace(first + k - len - 1, n);
}

__device__ void maze_clear(DMaze* m, int size) {
    m->size = size;
    for (int i = 0; i < size * size; ++i) {
        m->structure[i] = 0;
        m->cues[0][i] = 0.0f;
        m->cues[1][i] = 0.0f;
        m->d[i] = 0;
    }
}

// The distance map by breadth-first search from the goal over path cells (every maze has a
// closed border, so the four neighbours of a path cell lie inside the grid), and dmax.
__device__ void maze_distances(DMaze* m) {
    const int size = m->size, cells = size * size;
    unsigned char seen[MAZE_MAX_CELLS];
    unsigned char queue[MAZE_MAX_CELLS];
    for (int i = 0; i < cells; ++i) {
        m->d[i] = 0;
        seen[i] = 0;
    }
    const int g = m->goal_r * size + m->goal_c;
    seen[g] = 1;
    queue[0] = (unsigned char)g;
    int head = 0, tail = 1;
    unsigned dmax = 0;
    while (head < tail) {
        const int x = queue[head++];
        const int ys[4] = {x - 1, x + 1, x - size, x + size};
        for (int k = 0; k < 4; ++k) {
            const int y = ys[k];
            if (m->structure[y] == 1 && !seen[y]) {
                seen[y] = 1;
                m->d[y] = m->d[x] + 1;
                dmax = m->d[y] > dmax ? m->d[y] : dmax;
                queue[tail++] = (unsigned char)y;
            }
        }
    }
    m->dmax = dmax;
}

// Adds σ·z (z ~ N(0, 1) in f64, rand_distr's ziggurat) to both cues of every path cell
// (row-major, channel inner), then clips every cue below at 0 and, with `clip_upper`, above
// at 1 (tasks general::add_noise; track mazes clip below only).
__device__ void maze_add_noise(DMaze* m, double sigma, bool clip_upper, Rng* rng) {
    const int cells = m->size * m->size;
    for (int i = 0; i < cells; ++i) {
        if (m->structure[i] == 1) {
            for (int ch = 0; ch < 2; ++ch) {
                const double z = rng_standard_normal(rng);
                m->cues[ch][i] = (float)((double)m->cues[ch][i] + sigma * z);
            }
        }
    }
    for (int ch = 0; ch < 2; ++ch) {
        for (int i = 0; i < cells; ++i) {
            float v = m->cues[ch][i];
            if (v < 0.0f) v = 0.0f;
            if (clip_upper && v > 1.0f) v = 1.0f;
            m->cues[ch][i] = v;
        }
    }
}

// maze_add_noise's draws only (the same normals, values dropped).
__device__ void maze_skip_noise(const DMaze* m, Rng* rng) {
    const int cells = m->size * m->size;
    for (int i = 0; i < cells; ++i) {
        if (m->structure[i] == 1) {
            rng_standard_normal(rng);
            rng_standard_normal(rng);
        }
    }
}

// ---- General mazes (tasks/src/maze/general.rs, steps 1–8 of its module docs) ---------------

// Step 1, Aldous–Broder over the k × k walk cells (1 + 2a, 1 + 2b), k = (size − 1)/2: start
// row and column index below(k) each, then per step 2-bit direction attempts (0 L, 1 R, 2 U,
// 3 D) taken three at a time (6 bits) and repeated while the move would leave the walk grid;
// an unvisited cell reached opens the wall between. With last_cell_closed the last cell the
// walk reaches stays closed.
__device__ void maze_walk(DMaze* m, int last_cell_closed, MazeBits* bits, Rng* rng) {
    const int size = m->size, k = (size - 1) / 2;
    int a = maze_bits_below(bits, k, rng);
    int b = maze_bits_below(bits, k, rng);
    int at = (1 + 2 * a) * size + 1 + 2 * b;
    int unvisited = k * k - 1;
    u64 group = 0;
    int group_left = 0;
    while (unvisited > 0) {
        m->structure[at] = 1;
        const unsigned allowed = (unsigned)(b > 0) | (unsigned)(b + 1 < k) << 1 |
                                 (unsigned)(a > 0) << 2 | (unsigned)(a + 1 < k) << 3;
        int dir;
        for (;;) {
            if (group_left == 0) {
                group = maze_bits_take(bits, 6, rng);
                group_left = 3;
            }
            dir = (int)(group & 3);
            group >>= 2;
            --group_left;
            if ((allowed >> dir) & 1) break;
        }
        const int da = dir == 2 ? -1 : (dir == 3 ? 1 : 0);
        const int db = dir == 0 ? -1 : (dir == 1 ? 1 : 0);
        const int wall = at + da * size + db;
        const int next = wall + da * size + db;
        if (m->structure[next] == 0) {
            m->structure[wall] = 1;
            --unvisited;
        }
        a += da;
        b += db;
        at = next;
    }
    if (!last_cell_closed) m->structure[at] = 1;
}

// Steps 1–3: the walk, wall sparsity (each interior wall cell, row-major, becomes path if
// random::<f64>() < p; no draws for p = 0), then start and goal among the open corners in
// the order (1,1), (1,size−2), (size−2,1), (size−2,size−2): i = below(n) is the start,
// below(n − 1) indexes the goal among the others (both from the walk's bit reservoir).
__device__ void maze_general_draw(const MazeCfg* c, Rng* rng, DMaze* m) {
    const int size = c->size;
    maze_clear(m, size);
    MazeBits bits = {0, 0};
    maze_walk(m, c->last_cell_closed, &bits, rng);
    if (c->wall_sparsity > 0.0) {
        for (int r = 1; r < size - 1; ++r) {
            for (int col = 1; col < size - 1; ++col) {
                const int i = r * size + col;
                if (m->structure[i] == 0 && rng_f64(rng) < c->wall_sparsity) m->structure[i] = 1;
            }
        }
    }
    const int cr[4] = {1, 1, size - 2, size - 2};
    const int cc[4] = {1, size - 2, 1, size - 2};
    int open[4];
    int n = 0;
    for (int k = 0; k < 4; ++k) {
        if (m->structure[cr[k] * size + cc[k]] == 1) open[n++] = k;
    }
    // Aldous–Broder leaves at most one cell closed, so n ≥ 3 for size ≥ 5; the guard only
    // keeps an impossible case from looping.
    if (n < 2) n = 2;
    const int i = maze_bits_below(&bits, n, rng);
    int j = maze_bits_below(&bits, n - 1, rng);
    if (j >= i) ++j;
    m->start_r = cr[open[i]];
    m->start_c = cc[open[i]];
    m->goal_r = cr[open[j]];
    m->goal_c = cc[open[j]];
}

// Steps 4–6: distances, the greedy walk's fastest solution (from the start, the neighbour
// L, R, U, D or staying with the largest (dmax − d)·structure, the first maximum winning,
// until the goal; fastest = cells on the walk − 2) and the noise-free cues
// (dmax − d)/dmax/2 in f32 on path cells, both channels.
__device__ void maze_general_fill(DMaze* m) {
    const int size = m->size, cells = size * size;
    maze_distances(m);
    const unsigned dmax = m->dmax;
    const int goal = m->goal_r * size + m->goal_c;
    int at = m->start_r * size + m->start_c;
    int visited = 1;
    while (at != goal && visited <= cells) {
        const int cand[5] = {at - 1, at + 1, at - size, at + size, at};
        int next = cand[0];
        unsigned best = m->structure[cand[0]] == 1 ? dmax - m->d[cand[0]] : 0;
        for (int k = 1; k < 5; ++k) {
            const unsigned v = m->structure[cand[k]] == 1 ? dmax - m->d[cand[k]] : 0;
            if (v > best) {
                best = v;
                next = cand[k];
            }
        }
        at = next;
        ++visited;
    }
    m->fastest = visited - 2;
    const float dmax_f = (float)dmax;
    for (int i = 0; i < cells; ++i) {
        const float value = (float)(int)(dmax - m->d[i]) / dmax_f / 2.0f;
        const float cue = m->structure[i] == 1 ? value : 0.0f;
        m->cues[0][i] = cue;
        m->cues[1][i] = cue;
    }
}

// Steps 7–8: maze noise (clipped to [0, 1]) and cue sparsity (each path cell, row-major, has
// both cues set to 0 if random::<f64>() < p); no draws where σ or p is 0.
__device__ void maze_general_finish(const MazeCfg* c, Rng* rng, DMaze* m) {
    if (c->maze_noise > 0.0) maze_add_noise(m, c->maze_noise, true, rng);
    if (c->cue_sparsity > 0.0) {
        const int cells = m->size * m->size;
        for (int i = 0; i < cells; ++i) {
            if (m->structure[i] == 1 && rng_f64(rng) < c->cue_sparsity) {
                m->cues[0][i] = 0.0f;
                m->cues[1][i] = 0.0f;
            }
        }
    }
}

// ---- Track mazes (tasks/src/maze/track.rs) ------------------------------------------------

// Row m = size/2, columns 1..size−2; start (m, m), goal (m, 1) or (m, size−2);
// g = linspace(0.1, 0.5, m − 1); the leading channel holds g toward the goal, the other the
// symmetric profile; then maze noise (clipped below at 0), then the gap cells' cues 0.
__device__ void maze_track_layout(const MazeCfg* c, int layout, DMaze* m) {
    const int size = c->size, mid = size / 2, n = mid - 1;
    const bool right = (layout & 1) != 0;
    const int leading = (layout >> 1) & 1;
    maze_clear(m, size);
    for (int col = 1; col <= size - 2; ++col) m->structure[mid * size + col] = 1;
    float* lead = m->cues[leading] + mid * size;
    float* other = m->cues[1 - leading] + mid * size;
    for (int k = 0; k < 2 * n + 1; ++k) other[1 + k] = (float)maze_symmetric(k, n, 0, n);
    for (int k = 0; k < n; ++k) {
        if (right) {
            lead[mid + 1 + k] = (float)maze_linspace(k, n);
        } else {
            lead[1 + k] = (float)maze_linspace(n - 1 - k, n);
        }
    }
    m->start_r = mid;
    m->start_c = mid;
    m->goal_r = mid;
    m->goal_c = right ? size - 2 : 1;
    m->layout = layout;
}

__device__ void maze_track_finish(const MazeCfg* c, DMaze* m) {
    const int size = m->size, mid = size / 2;
    const bool right = (m->layout & 1) != 0;
    for (int k = 1; k <= c->gaps; ++k) {
        const int col = right ? size - 2 - k : 1 + k;
        m->cues[0][mid * size + col] = 0.0f;
        m->cues[1][mid * size + col] = 0.0f;
    }
    maze_distances(m);
    m->fastest = (int)m->d[m->start_r * size + m->start_c] - 1;
}

// ---- H mazes (tasks/src/maze/h.rs) --------------------------------------------------------

// Swaps cell i of a grid with its image under the H rotation: the transpose
// (r, c) ↔ (c, r), or with `flip` the anti-transpose (r, c) ↔ (size−1−c, size−1−r); each is
// an involution, so swapping every pair once rotates in place.
__device__ int maze_rotated_index(int i, int size, bool flip) {
    const int r = i / size, c = i % size;
    return flip ? (size - 1 - c) * size + (size - 1 - r) : c * size + r;
}

__device__ void maze_h_build(const MazeCfg* c, int layout, DMaze* m) {
    const int size = c->size, mid = size / 2, last = size - 2;
    const int corner = layout & 3, h = (layout >> 2) & 1, v = 1 - h;
    const bool rotated = ((layout >> 3) & 1) != 0;
    maze_clear(m, size);
    for (int k = 1; k <= last; ++k) {
        m->structure[mid * size + k] = 1;
        m->structure[k * size + 1] = 1;
        m->structure[k * size + last] = 1;
    }
    // g = linspace(0.1, 0.5, size − 3): gh = g[0..half], gv = g[half..], half = m − 1.
    const int n = size - 3, half = n / 2;
    // Misleading cues: channel 1−h on the middle row, channel 1−v on both side columns.
    for (int k = 0; k < 2 * half + 1; ++k) {
        m->cues[1 - h][mid * size + 1 + k] = (float)maze_symmetric(k, half, 0, n);
    }
    for (int k = 0; k < 2 * half + 1; ++k) {
        const float x = (float)maze_symmetric(k, half, half, n);
        m->cues[1 - v][(1 + k) * size + 1] = x;
        m->cues[1 - v][(1 + k) * size + last] = x;
    }
    const int goal_r = corner < 2 ? 1 : last, goal_c = (corner & 1) ? last : 1;
    // Leading horizontal cue on the middle row.
    for (int k = 0; k < half; ++k) {
        if (goal_c == 1) {
            m->cues[h][mid * size + 1 + k] = (float)maze_linspace(half - 1 - k, n);
        } else {
            m->cues[h][mid * size + mid + 1 + k] = (float)maze_linspace(k, n);
        }
    }
    // Leading vertical cue: reverse(gv) on the upper half of one side column, gv on the lower
    // half of the other.
    const int other = goal_c == 1 ? last : 1;
    const int upper_col = goal_r == 1 ? goal_c : other;
    const int lower_col = goal_r == 1 ? other : goal_c;
    for (int k = 0; k < half; ++k) {
        m->cues[v][(1 + k) * size + upper_col] = (float)maze_linspace(half + half - 1 - k, n);
    }
    for (int k = 0; k < half; ++k) {
        m->cues[v][(mid + 1 + k) * size + lower_col] = (float)maze_linspace(half + k, n);
    }
    for (int k = 1; k <= c->gaps; ++k) {
        const int r = goal_r == 1 ? 1 + k : last - k;
        m->cues[0][r * size + goal_c] = 0.0f;
        m->cues[1][r * size + goal_c] = 0.0f;
    }
    if (rotated) {
        const bool flip = corner == 1 || corner == 2;
        for (int i = 0; i < size * size; ++i) {
            const int j = maze_rotated_index(i, size, flip);
            if (i < j) {
                const unsigned char s = m->structure[i];
                m->structure[i] = m->structure[j];
                m->structure[j] = s;
                for (int ch = 0; ch < 2; ++ch) {
                    const float x = m->cues[ch][i];
                    m->cues[ch][i] = m->cues[ch][j];
                    m->cues[ch][j] = x;
                }
            }
        }
    }
    m->start_r = mid;
    m->start_c = mid;
    m->goal_r = goal_r;
    m->goal_c = goal_c;
    m->layout = layout;
    maze_distances(m);
    m->fastest = (int)m->d[mid * size + mid] - 1;
}

// ---- Plans, builds and the training source ------------------------------------------------

// Fisher–Yates over the bits `mask` of layouts[0..n]: for i = n−1 … 1, swap those bits of
// entries i and random_range(0..=i) (the CPU's shuffle of the balanced choices).
__device__ void maze_shuffle_bits(int* layouts, int n, int mask, Rng* rng) {
    for (int i = n - 1; i >= 1; --i) {
        const int j = (int)rng_below(rng, (unsigned)(i + 1));
        const int a = layouts[i] & mask, b = layouts[j] & mask;
        layouts[i] = (layouts[i] & ~mask) | b;
        layouts[j] = (layouts[j] & ~mask) | a;
    }
}

// MazeConfig::plan: general — all 0, no draws; track — goal left for the first half, right
// for the second, leading channels [0; B/2] ++ [1; B/2] shuffled; H — corners in blocks of B/4,
// horizontal channels [0; B/2] ++ [1; B/2] shuffled, then rotation flags
// [false; B/2] ++ [true; B/2] shuffled.
__device__ MAZE_NOINLINE void maze_plan(const MazeCfg* c, int batch, Rng* rng, int* layouts) {
    const int half = batch / 2;
    if (c->kind == MAZE_TRACK) {
        for (int b = 0; b < batch; ++b) layouts[b] = (b >= half) << 1;
        maze_shuffle_bits(layouts, batch, 2, rng);
        for (int b = 0; b < batch; ++b) layouts[b] |= (b >= half);
    } else if (c->kind == MAZE_H) {
        for (int b = 0; b < batch; ++b) layouts[b] = (b >= half) << 2 | (b >= half) << 3;
        maze_shuffle_bits(layouts, batch, 4, rng);
        maze_shuffle_bits(layouts, batch, 8, rng);
        const int quarter = batch / 4;
        for (int b = 0; b < batch; ++b) layouts[b] |= b / quarter;
    } else {
        for (int b = 0; b < batch; ++b) layouts[b] = 0;
    }
}

// MazeConfig::build: the maze of `layout`, drawing from `rng` as the CPU does.
__device__ MAZE_NOINLINE void maze_build(const MazeCfg* c, int layout, Rng* rng, DMaze* m) {
    if (c->kind == MAZE_TRACK) {
        maze_track_layout(c, layout, m);
        if (c->maze_noise > 0.0) maze_add_noise(m, c->maze_noise, false, rng);
        maze_track_finish(c, m);
    } else if (c->kind == MAZE_H) {
        maze_h_build(c, layout, m);
    } else {
        maze_general_draw(c, rng, m);
        m->layout = 0;
        maze_general_fill(m);
        maze_general_finish(c, rng, m);
    }
}

// MazeConfig::skip: maze_build's draws without the rest (no distances, no fastest walk, no
// cues); `rng` ends where maze_build leaves it and `m` is scratch.
__device__ MAZE_NOINLINE void maze_skip(const MazeCfg* c, int layout, Rng* rng, DMaze* m) {
    if (c->kind == MAZE_TRACK) {
        if (c->maze_noise > 0.0) {
            maze_track_layout(c, layout, m);
            maze_skip_noise(m, rng);
        }
    } else if (c->kind == MAZE_GENERAL) {
        maze_general_draw(c, rng, m);
        if (c->maze_noise > 0.0) maze_skip_noise(m, rng);
        if (c->cue_sparsity > 0.0) {
            const int cells = m->size * m->size;
            for (int i = 0; i < cells; ++i) {
                if (m->structure[i] == 1) rng_f64(rng);
            }
        }
    }
}

// The next training maze into `m`, as MazeSource::next_maze: when the plan is used up
// (*next == batch; start with *next = batch), plan a batch, then per maze remember the stream
// state where its build begins (plan_states[4b..4b+4]) and skip its draws, then shuffle the
// plan (states and layouts together) by Fisher–Yates from the same stream; each call then
// builds the next planned maze from its remembered state. plan_states: 4·batch words,
// plan_layouts: batch ints, both kept by the caller between calls (global memory).
__device__ void maze_source_next(const MazeCfg* c, int batch, Rng* rng, int* next,
                                 u64* plan_states, int* plan_layouts, DMaze* m) {
    if (*next >= batch) {
        maze_plan(c, batch, rng, plan_layouts);
        for (int b = 0; b < batch; ++b) {
            rng_store(rng, plan_states + 4 * b);
            maze_skip(c, plan_layouts[b], rng, m);
        }
        for (int i = batch - 1; i >= 1; --i) {
            const int j = (int)rng_below(rng, (unsigned)(i + 1));
            const int l = plan_layouts[i];
            plan_layouts[i] = plan_layouts[j];
            plan_layouts[j] = l;
            for (int k = 0; k < 4; ++k) {
                const u64 w = plan_states[4 * i + k];
                plan_states[4 * i + k] = plan_states[4 * j + k];
                plan_states[4 * j + k] = w;
            }
        }
        *next = 0;
    }
    Rng at = rng_load(plan_states + 4 * *next);
    maze_build(c, plan_layouts[*next], &at, m);
    ++*next;
}

// ---- The agent (tasks/src/maze/agent.rs) ---------------------------------------------------

// agent::step: the neighbour in direction `action` (0 L, 1 R, 2 U, 3 D) if it lies inside the
// grid and is path, else the agent stays; any other action (4 = stay) stays.
__device__ void maze_step(const DMaze* m, int* r, int* c, int action) {
    const int dr = action == 2 ? -1 : (action == 3 ? 1 : 0);
    const int dc = action == 0 ? -1 : (action == 1 ? 1 : 0);
    const int nr = *r + dr, nc = *c + dc;
    if (nr >= 0 && nr < m->size && nc >= 0 && nc < m->size &&
        m->structure[nr * m->size + nc] == 1) {
        *r = nr;
        *c = nc;
    }
}

// Maze::progress: (dmax − d(r, c)) / dmax in f32.
__device__ float maze_progress(const DMaze* m, int r, int c) {
    return (float)(m->dmax - m->d[r * m->size + c]) / (float)m->dmax;
}

// agent::sense / sense_lanes for one lane, both channels active: x8 = [L0, L1, R0, R1, U0,
// U1, D0, D1], the cues of the four neighbours of the interior cell (r, c); with σ ≠ 0, sensor
// s adds σ·(z0, z1) of the Box–Muller pair of the stream's next word (four words, in sensor
// order), each sum rounded, then every input is clipped to [0, 1] (with σ = 0, no draws).
__device__ void maze_sense(const DMaze* m, int r, int c, float sigma, Rng* rng, float* x8) {
    const int size = m->size, centre = r * size + c;
    const int nb[4] = {centre - 1, centre + 1, centre - size, centre + size};
    for (int s = 0; s < 4; ++s) {
        x8[2 * s] = m->cues[0][nb[s]];
        x8[2 * s + 1] = m->cues[1][nb[s]];
    }
    if (sigma != 0.0f) {
        for (int s = 0; s < 4; ++s) {
            float z0, z1;
            rng_box_muller(rng_next_u64(rng), &z0, &z1);
            x8[2 * s] = x8[2 * s] + sigma * z0;
            x8[2 * s + 1] = x8[2 * s + 1] + sigma * z1;
        }
    }
    for (int k = 0; k < 8; ++k) {
        float v = x8[k];
        if (v < 0.0f) v = 0.0f;
        if (v > 1.0f) v = 1.0f;
        x8[k] = v;
    }
}

#endif  // WIRING_MAZE_CUH
