// The CUDA kernels of this folder compiled as host C++ (through shim.h) with one entry point,
// `wiring_host_launch`, that runs a kernel's 1-D grid as loops: every block, every thread, in
// order. kernels/src/device/emulated.rs calls it; build.rs compiles this file without
// floating-point contraction so that the explicit fmaf/__f*_rn of the kernels are the only
// fused or rounded-by-choice operations, as on the device.
#include <cstring>

#include "shim.h"

thread_local shim_dim3 threadIdx, blockIdx, blockDim, gridDim;

#include "adam.cu"
#include "expm.cu"
#include "maze.cu"
#include "noise.cu"
#include "prnn.cu"
#include "readout.cu"
#include "regulariser.cu"
#include "rnn.cu"

// One kernel argument as the Rust side packs it (kernels/src/device/emulated.rs `HostArg`).
struct HostArg {
    void* ptr;
    long long i;
    double f;
};

namespace {

template <class F>
void run_grid(unsigned grid, unsigned block, F&& body) {
    gridDim = {grid, 1, 1};
    blockDim = {block, 1, 1};
    for (unsigned b = 0; b < grid; ++b) {
        blockIdx = {b, 1, 1};
        for (unsigned t = 0; t < block; ++t) {
            threadIdx = {t, 0, 0};
            body();
        }
    }
}

}  // namespace

#define P(T, k) static_cast<T*>(a[k].ptr)
#define I(k) static_cast<int>(a[k].i)
#define L(k) a[k].i
#define F(k) static_cast<float>(a[k].f)
#define D(k) a[k].f
#define KERNEL(name, nargs, ...)                                   \
    if (std::strcmp(kernel, #name) == 0) {                         \
        if (count != nargs) return -2;                             \
        run_grid(grid, block, [&] { name(__VA_ARGS__); });         \
        return 0;                                                  \
    }

// Runs `kernel` over `grid` blocks of `block` threads with `count` arguments. Returns 0, or -1
// for an unknown kernel, -2 for a wrong argument count.
extern "C" int wiring_host_launch(const char* kernel, unsigned grid, unsigned block,
                                  const HostArg* a, unsigned count) {
    KERNEL(rnn_bias_relu, 6, P(float, 0), P(const float, 1), I(2), I(3), L(4), L(5))
    KERNEL(rnn_relu_backward, 5, P(float, 0), P(const float, 1), L(2), L(3), L(4))
    KERNEL(column_sums, 7, P(float, 0), P(const float, 1), I(2), I(3), L(4), I(5), L(6))
    KERNEL(fill_f32, 3, P(float, 0), F(1), L(2))
    KERNEL(softmax_cross_entropy, 8, P(float, 0), P(const float, 1), P(const int, 2),
           P(float, 3), P(int, 4), I(5), F(6), L(7))
    KERNEL(adam_keras, 9, P(float, 0), P(const float, 1), P(float, 2), P(float, 3), F(4), F(5),
           F(6), F(7), L(8))
    KERNEL(reg_l1_spatial, 7, P(const float, 0), P(float, 1), P(const float, 2),
           P(const float, 3), P(double, 4), I(5), L(6))
    KERNEL(reg_comm_strength, 5, P(const float, 0), P(float, 1), P(float, 2), I(3), L(4))
    KERNEL(reg_comm_normalise, 5, P(float, 0), P(const float, 1), P(const float, 2), I(3), L(4))
    KERNEL(reg_comm_terms, 12, P(float, 0), P(const float, 1), P(const float, 2),
           P(const float, 3), P(const float, 4), P(float, 5), P(double, 6), I(7), F(8), I(9),
           I(10), L(11))
    KERNEL(reg_comm_dr, 6, P(const float, 0), P(const float, 1), P(const float, 2),
           P(float, 3), I(4), L(5))
    KERNEL(reg_comm_gradient, 9, P(const float, 0), P(float, 1), P(const float, 2),
           P(const float, 3), P(const float, 4), P(const float, 5), P(const float, 6), I(7),
           L(8))
    KERNEL(expm_squarings, 5, P(const float, 0), P(int, 1), I(2), D(3), L(4))
    KERNEL(expm_scale, 5, P(float, 0), P(const float, 1), P(const int, 2), L(3), L(4))
    KERNEL(expm_combine, 10, P(float, 0), F(1), P(const float, 2), F(3), P(const float, 4),
           F(5), P(const float, 6), F(7), I(8), L(9))
    KERNEL(expm_accumulate, 8, P(float, 0), F(1), P(const float, 2), F(3), P(const float, 4),
           F(5), I(6), L(7))
    KERNEL(expm_select, 6, P(float, 0), P(const float, 1), P(const int, 2), I(3), L(4), L(5))
    KERNEL(goal_inputs, 11, P(float, 0), P(const float, 1), P(const int, 2), P(u64, 3),
           P(const double, 4), P(const double, 5), D(6), F(7), I(8), I(9), L(10))
    KERNEL(maze_generate, 10, P(const int, 0), P(const double, 1), P(u64, 2), I(3), P(int, 4),
           P(int, 5), P(float, 6), P(int, 7), P(int, 8), L(9))
    KERNEL(maze_source, 13, P(const int, 0), P(const double, 1), P(u64, 2), I(3), I(4),
           P(int, 5), P(u64, 6), P(int, 7), P(int, 8), P(float, 9), P(int, 10), P(int, 11),
           L(12))
    KERNEL(maze_agent, 12, P(const int, 0), P(const float, 1), P(const int, 2), P(const int, 3),
           P(const int, 4), F(5), P(u64, 6), I(7), P(float, 8), P(float, 9), P(int, 10), L(11))
    KERNEL(rng_draws, 10, P(u64, 0), P(const int, 1), I(2), P(int, 3), P(float, 4),
           P(double, 5), P(double, 6), P(float, 7), P(double, 8), L(9))
    KERNEL(prnn_train, 21, P(float, 0), P(float, 1), P(float, 2), P(float, 3), P(const int, 4),
           P(const int, 5), P(const double, 6), P(const int, 7), P(const double, 8), P(u64, 9),
           P(int, 10), P(u64, 11), P(int, 12), P(const float, 13), P(const float, 14),
           P(double, 15), P(u64, 16), P(int, 17), I(18), I(19), L(20))
    KERNEL(prnn_curve, 10, P(const float, 0), P(const int, 1), P(const int, 2),
           P(const double, 3), P(const int, 4), P(const double, 5), P(u64, 6), P(int, 7),
           P(double, 8), L(9))
    KERNEL(prnn_evaluate, 24, P(const float, 0), P(const int, 1), P(const int, 2),
           P(const double, 3), P(const int, 4), P(const double, 5), P(const double, 6),
           P(const u64, 7), P(const double, 8), I(9), I(10), D(11), I(12), P(int, 13),
           P(u64, 14), P(double, 15), P(int, 16), P(int, 17), P(float, 18), P(float, 19),
           P(int, 20), L(21), L(22), L(23))
    return -1;
}
