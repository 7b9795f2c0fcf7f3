//! Plain scalar loops: the oracle of the tests. Never optimised.
//!
//! Accumulation order (sets the tolerances of the fast variants): every pre-activation is
//! `b[j] + Σ_k x[k]·W_in[k,j] + Σ_k h_prev[k]·W_rec[k,j]`, summed left to right with
//! separate multiply and add; every gradient element sums over time steps, then batch rows,
//! in increasing order.

use super::{RnnGrads, RnnShape, RnnWeights};
use crate::Real;

pub(super) fn forward<T: Real>(shape: RnnShape, w: RnnWeights<'_, T>, x: &[T], h: &mut [T]) {
    let RnnShape {
        steps,
        batch,
        n_in,
        n_hidden: n,
    } = shape;
    for t in 0..steps {
        for r in 0..batch {
            for j in 0..n {
                let mut a = w.b[j];
                for k in 0..n_in {
                    a += x[(t * batch + r) * n_in + k] * w.w_in[k * n + j];
                }
                if t > 0 {
                    for k in 0..n {
                        a += h[((t - 1) * batch + r) * n + k] * w.w_rec[k * n + j];
                    }
                }
                h[(t * batch + r) * n + j] = if a > T::ZERO { a } else { T::ZERO };
            }
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
) {
    let RnnShape {
        steps,
        batch,
        n_in,
        n_hidden: n,
    } = shape;
    // δ_t = (dh_t + δ_{t+1} W_recᵀ) ∘ [h_t > 0], from the last step back.
    for t in (0..steps).rev() {
        for r in 0..batch {
            for i in 0..n {
                let row = (t * batch + r) * n;
                let mut g = dh[row + i];
                if t + 1 < steps {
                    let next = ((t + 1) * batch + r) * n;
                    for j in 0..n {
                        g += dh[next + j] * w.w_rec[i * n + j];
                    }
                }
                dh[row + i] = if h[row + i] > T::ZERO { g } else { T::ZERO };
            }
        }
    }
    for k in 0..n {
        for j in 0..n {
            let mut s = T::ZERO;
            for t in 1..steps {
                for r in 0..batch {
                    s += h[((t - 1) * batch + r) * n + k] * dh[(t * batch + r) * n + j];
                }
            }
            grads.w_rec[k * n + j] = s;
        }
    }
    for k in 0..n_in {
        for j in 0..n {
            let mut s = T::ZERO;
            for t in 0..steps {
                for r in 0..batch {
                    s += x[(t * batch + r) * n_in + k] * dh[(t * batch + r) * n + j];
                }
            }
            grads.w_in[k * n + j] = s;
        }
    }
    for j in 0..n {
        let mut s = T::ZERO;
        for t in 0..steps {
            for r in 0..batch {
                s += dh[(t * batch + r) * n + j];
            }
        }
        grads.b[j] = s;
    }
}
