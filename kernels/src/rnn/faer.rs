//! Every product through faer, dense: the input projection as one
//! `(steps·batch) × n_in · n_in × n_hidden` product, one `batch × n_hidden · n_hidden ×
//! n_hidden` product per step for the recurrence (forward and backward), and each weight
//! gradient as one product over all steps (`∂W_rec = H_prevᵀ Δ`, `∂W_in = Xᵀ Δ`).
//!
//! faer's `Par::Rayon` splits its products over output blocks, never over the reduction
//! dimension, so every output element is accumulated in the same order for any thread count
//! (checked by the `results_do_not_depend_on_par` test in `kernels/tests/rnn.rs`). The bias gradient is a sequential column sum.

use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef};

use super::{RnnGrads, RnnShape, RnnWeights};
use crate::{Par, Real};

pub(super) fn mat<T: Real>(s: &[T], rows: usize, cols: usize) -> MatRef<'_, T> {
    MatRef::from_row_major_slice(s, rows, cols)
}

pub(super) fn mat_mut<T: Real>(s: &mut [T], rows: usize, cols: usize) -> MatMut<'_, T> {
    MatMut::from_row_major_slice_mut(s, rows, cols)
}

/// `h ← X W_in + b` for all steps at once (pre-activations without the recurrent term).
pub(super) fn input_projection<T: Real>(
    shape: RnnShape,
    w: RnnWeights<'_, T>,
    x: &[T],
    h: &mut [T],
    par: Par,
) {
    let n = shape.n_hidden;
    let rows = shape.steps * shape.batch;
    for row in h.chunks_exact_mut(n) {
        row.copy_from_slice(w.b);
    }
    matmul(
        mat_mut(h, rows, n),
        Accum::Add,
        mat(x, rows, shape.n_in),
        mat(w.w_in, shape.n_in, n),
        T::ONE,
        par,
    );
}

pub(super) fn forward<T: Real>(
    shape: RnnShape,
    w: RnnWeights<'_, T>,
    x: &[T],
    h: &mut [T],
    par: Par,
) {
    let (batch, n) = (shape.batch, shape.n_hidden);
    let step_len = batch * n;
    input_projection(shape, w, x, h, par);
    for t in 0..shape.steps {
        let (done, rest) = h.split_at_mut(t * step_len);
        let cur = &mut rest[..step_len];
        if t > 0 {
            let prev = &done[(t - 1) * step_len..];
            matmul(
                mat_mut(cur, batch, n),
                Accum::Add,
                mat(prev, batch, n),
                mat(w.w_rec, n, n),
                T::ONE,
                par,
            );
        }
        for a in cur.iter_mut() {
            *a = if *a > T::ZERO { *a } else { T::ZERO };
        }
    }
}

pub(super) fn backward<T: Real>(
    shape: RnnShape,
    w: RnnWeights<'_, T>,
    x: &[T],
    h: &[T],
    dh: &mut [T],
    grads: RnnGrads<'_, T>,
    par: Par,
) {
    let (steps, batch, n) = (shape.steps, shape.batch, shape.n_hidden);
    let step_len = batch * n;
    for t in (0..steps).rev() {
        let (cur_all, next_all) = dh.split_at_mut((t + 1) * step_len);
        let cur = &mut cur_all[t * step_len..];
        if t + 1 < steps {
            matmul(
                mat_mut(cur, batch, n),
                Accum::Add,
                mat(&next_all[..step_len], batch, n),
                mat(w.w_rec, n, n).transpose(),
                T::ONE,
                par,
            );
        }
        mask_inactive(cur, &h[t * step_len..(t + 1) * step_len]);
    }
    weight_grads_dense(shape, x, h, dh, grads, par);
}

/// `δ ← δ ∘ [h > 0]`.
fn mask_inactive<T: Real>(delta: &mut [T], h: &[T]) {
    for (d, &hv) in delta.iter_mut().zip(h) {
        *d = if hv > T::ZERO { *d } else { T::ZERO };
    }
}

/// `∂W_rec = H_prevᵀ Δ`, `∂W_in = Xᵀ Δ`, `∂b = Σ_rows Δ`, from `δ` already in `dh`.
pub(super) fn weight_grads_dense<T: Real>(
    shape: RnnShape,
    x: &[T],
    h: &[T],
    delta: &[T],
    grads: RnnGrads<'_, T>,
    par: Par,
) {
    let n = shape.n_hidden;
    let step_len = shape.batch * n;
    let prev_rows = (shape.steps - 1) * shape.batch;
    matmul(
        mat_mut(grads.w_rec, n, n),
        Accum::Replace,
        mat(&h[..prev_rows * n], prev_rows, n).transpose(),
        mat(&delta[step_len..], prev_rows, n),
        T::ONE,
        par,
    );
    weight_grad_in(shape, x, delta, grads.w_in, par);
    bias_grad(delta, grads.b);
}

/// `∂W_in = Xᵀ Δ` as one product over all `steps·batch` rows.
pub(super) fn weight_grad_in<T: Real>(
    shape: RnnShape,
    x: &[T],
    delta: &[T],
    gw_in: &mut [T],
    par: Par,
) {
    let rows = shape.steps * shape.batch;
    matmul(
        mat_mut(gw_in, shape.n_in, shape.n_hidden),
        Accum::Replace,
        mat(x, rows, shape.n_in).transpose(),
        mat(delta, rows, shape.n_hidden),
        T::ONE,
        par,
    );
}

/// `∂b[j] = Σ_rows δ[row, j]`, rows in increasing order (sequential: deterministic).
pub(super) fn bias_grad<T: Real>(delta: &[T], gb: &mut [T]) {
    gb.fill(T::ZERO);
    for row in delta.chunks_exact(gb.len()) {
        for (g, &d) in gb.iter_mut().zip(row) {
            *g += d;
        }
    }
}
