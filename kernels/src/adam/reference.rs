//! Plain scalar loop, the oracle. Operation order exactly as in the module docs.

use super::{AdamForm, StepConsts};
use crate::Real;

/// One element of the update; also the tail of the `Simd` variant.
#[inline(always)]
pub(super) fn update<T: Real>(c: &StepConsts<T>, p: &mut T, g: T, m: &mut T, v: &mut T) {
    match c.form {
        AdamForm::Keras => {
            *m = *m + (g - *m) * c.one_minus_beta1;
            *v = *v + (g * g - *v) * c.one_minus_beta2;
            *p -= (*m * c.step_size) / (v.sqrt() + c.epsilon);
        }
        AdamForm::PyTorch => {
            *m = c.beta1 * *m + c.one_minus_beta1 * g;
            *v = c.beta2 * *v + c.one_minus_beta2 * g * g;
            *p -= c.step_size * (*m / (v.sqrt() / c.bias_correction2_sqrt + c.epsilon));
        }
    }
}

pub(super) fn step<T: Real>(
    c: &StepConsts<T>,
    params: &mut [T],
    grads: &[T],
    m: &mut [T],
    v: &mut [T],
) {
    for i in 0..params.len() {
        update(c, &mut params[i], grads[i], &mut m[i], &mut v[i]);
    }
}
