//! Adam on a [`Device`] (`kernels/cuda/adam.cu`): the Keras form, with the per-step constants
//! of [`super::step`] computed on the host in `f64` and the update in the same operation
//! order without contraction, so it equals [`super::step`] bit for bit.

use super::{AdamForm, AdamParams, StepConsts};
use crate::device::{check_extent, kernel_long, launch, Arg, Device, View};
use crate::KernelError;

/// One Adam step `t ≥ 1` of `params` (all networks' arrays of one kind, or all of them, as one
/// flat range) with gradient `grads` and moments `m`, `v` (same length).
pub fn step<D: Device + ?Sized>(
    dev: &mut D,
    hp: &AdamParams,
    t: u64,
    params: View<f32>,
    grads: View<f32>,
    m: View<f32>,
    v: View<f32>,
) -> Result<(), KernelError> {
    const OP: &str = "adam::cuda::step";
    let n = params.len;
    for (name, x) in [("grads", grads), ("m", m), ("v", v)] {
        check_extent(OP, name, x, n)?;
    }
    if t == 0 || hp.form != AdamForm::Keras {
        return Err(KernelError::Dimension {
            op: OP,
            what: format!(
                "the device runs the Keras form from t = 1 (got {:?}, t = {t})",
                hp.form
            ),
        });
    }
    let c = StepConsts::<f32>::new(hp, t);
    let args = [
        params.into(),
        grads.into(),
        m.into(),
        v.into(),
        Arg::Float(c.one_minus_beta1),
        Arg::Float(c.one_minus_beta2),
        Arg::Float(c.step_size),
        Arg::Float(c.epsilon),
        kernel_long(n),
    ];
    launch(dev, "adam", "adam_keras", n, &args)
}
