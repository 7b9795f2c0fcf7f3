//! The RNN's and readout's custom kernels on a [`Device`] (`kernels/cuda/rnn.cu`,
//! `kernels/cuda/readout.cu`), batched over a population of networks whose matrices lie one
//! after another with a per-network stride. Each wrapper checks every extent before the launch.
//! The products around them are [`crate::device::gemm_row_major`] calls (the seRNN CUDA
//! engine in `wiring-model` strings them together).

use crate::device::{
    check_extent, kernel_int as int, kernel_long as long, launch, strided, Arg, Device, View,
};
use crate::KernelError;

/// `h[p][r][j] = max(h[p][r][j] + b[p][j], 0)` for the `rows × n` block at the start of each
/// network's `stride_h` elements of `h`; `b` holds `networks × n`.
pub fn bias_relu<D: Device + ?Sized>(
    dev: &mut D,
    h: View<f32>,
    b: View<f32>,
    networks: usize,
    rows: usize,
    n: usize,
    stride_h: usize,
) -> Result<(), KernelError> {
    const OP: &str = "rnn::cuda::bias_relu";
    check_extent(OP, "h", h, strided(networks, rows * n, stride_h))?;
    check_extent(OP, "b", b, networks * n)?;
    let total = networks * rows * n;
    let args = [
        h.into(),
        b.into(),
        int(OP, rows)?,
        int(OP, n)?,
        long(stride_h),
        long(total),
    ];
    launch(dev, "rnn", "rnn_bias_relu", total, &args)
}

/// `dh = 0` where `h ≤ 0` (the ReLU's derivative from its output), for `per` elements at the
/// start of each network's `stride` elements.
pub fn relu_backward<D: Device + ?Sized>(
    dev: &mut D,
    dh: View<f32>,
    h: View<f32>,
    networks: usize,
    per: usize,
    stride: usize,
) -> Result<(), KernelError> {
    const OP: &str = "rnn::cuda::relu_backward";
    let need = strided(networks, per, stride);
    check_extent(OP, "dh", dh, need)?;
    check_extent(OP, "h", h, need)?;
    let total = networks * per;
    let args = [dh.into(), h.into(), long(per), long(stride), long(total)];
    launch(dev, "rnn", "rnn_relu_backward", total, &args)
}

/// `out[p][j] (+)= Σ_r m[p][r][j]` over the `rows × cols` block at the start of each
/// network's `stride_m` elements (rows added in order); `out` holds `networks × cols`.
#[allow(clippy::too_many_arguments)]
pub fn column_sums<D: Device + ?Sized>(
    dev: &mut D,
    out: View<f32>,
    m: View<f32>,
    networks: usize,
    rows: usize,
    cols: usize,
    stride_m: usize,
    accumulate: bool,
) -> Result<(), KernelError> {
    const OP: &str = "rnn::cuda::column_sums";
    check_extent(OP, "out", out, networks * cols)?;
    check_extent(OP, "m", m, strided(networks, rows * cols, stride_m))?;
    let total = networks * cols;
    let args = [
        out.into(),
        m.into(),
        int(OP, rows)?,
        int(OP, cols)?,
        long(stride_m),
        Arg::Int(i32::from(accumulate)),
        long(total),
    ];
    launch(dev, "rnn", "column_sums", total, &args)
}

/// `x[..] = value`.
pub fn fill<D: Device + ?Sized>(dev: &mut D, x: View<f32>, value: f32) -> Result<(), KernelError> {
    let args = [x.into(), Arg::Float(value), long(x.len)];
    launch(dev, "rnn", "fill_f32", x.len, &args)
}

/// The readout's softmax cross-entropy for `networks × batch` trials: `z` holds each trial's 4
/// logits without the bias (`networks × batch × 4`), `b_out` `networks × 4`, `labels`
/// `networks × batch` (each < 4). Writes each trial's cross-entropy into `ce` and whether its
/// first maximum is the label into `correct`, and overwrites `z` with `∂CE/∂z · inv_batch`
/// (`(p − onehot)·inv_batch`).
#[allow(clippy::too_many_arguments)]
pub fn softmax_cross_entropy<D: Device + ?Sized>(
    dev: &mut D,
    z: View<f32>,
    b_out: View<f32>,
    labels: View<i32>,
    ce: View<f32>,
    correct: View<i32>,
    networks: usize,
    batch: usize,
    inv_batch: f32,
) -> Result<(), KernelError> {
    const OP: &str = "rnn::cuda::softmax_cross_entropy";
    let trials = networks * batch;
    check_extent(OP, "z", z, trials * 4)?;
    check_extent(OP, "b_out", b_out, networks * 4)?;
    check_extent(OP, "labels", labels, trials)?;
    check_extent(OP, "ce", ce, trials)?;
    check_extent(OP, "correct", correct, trials)?;
    let args = [
        z.into(),
        b_out.into(),
        labels.into(),
        ce.into(),
        correct.into(),
        int(OP, batch)?,
        Arg::Float(inv_batch),
        long(trials),
    ];
    launch(dev, "readout", "softmax_cross_entropy", trials, &args)
}
