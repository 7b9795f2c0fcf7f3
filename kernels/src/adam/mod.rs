//! The Adam update (Kingma & Ba 2015) in the two forms the references use.
//!
//! With `g` the gradient, `t ≥ 1` the 1-based step number and the bias corrections
//! `β₁ᵗ`, `β₂ᵗ` computed in `f64` (then every per-step constant is rounded once to `T`):
//!
//! **Keras** (TF `ResourceApplyAdam`, Keras 3 `Adam.update_step`):
//! ```text
//! m ← m + (g − m)·(1 − β₁)
//! v ← v + (g² − v)·(1 − β₂)
//! α = lr · √(1 − β₂ᵗ) / (1 − β₁ᵗ)
//! p ← p − (m·α) / (√v + ε)
//! ```
//! Here `ε` is added to `√v` of the *uncorrected* `v` (the "ε-hat" of the paper's §2 note).
//!
//! **PyTorch** (`torch.optim.Adam`, single-tensor path):
//! ```text
//! m ← β₁·m + (1 − β₁)·g
//! v ← β₂·v + ((1 − β₂)·g)·g
//! p ← p − (lr / (1 − β₁ᵗ)) · (m / (√v / √(1 − β₂ᵗ) + ε))
//! ```
//! (PyTorch ≥ 1.13 computes `m` as `lerp(m, g, 1 − β₁)`, equal up to rounding.)
//!
//! Operations are evaluated left to right exactly as written, with separate multiplies and
//! adds (no FMA), in `T`. The `Simd` variant performs the same IEEE operations lane-wise
//! (`+ − × ÷ √` are correctly rounded in both), so it is bit-identical to `Reference`.

pub mod cuda;
mod reference;
mod simd;

use crate::{check_len, KernelError, Real};

/// Which published form of the update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdamForm {
    /// TF / Keras: bias corrections folded into the step size, `ε` on the uncorrected `√v`.
    Keras,
    /// PyTorch: `ε` added to the bias-corrected `√v̂`.
    PyTorch,
}

/// Hyper-parameters of one update.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamParams {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub epsilon: f64,
    pub form: AdamForm,
}

impl AdamParams {
    /// Keras defaults: `lr = 1e-3, β₁ = 0.9, β₂ = 0.999, ε = 1e-7`.
    pub const KERAS: AdamParams = AdamParams {
        lr: 1e-3,
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-7,
        form: AdamForm::Keras,
    };
    /// PyTorch defaults: `lr = 1e-3, β₁ = 0.9, β₂ = 0.999, ε = 1e-8`.
    pub const PYTORCH: AdamParams = AdamParams {
        lr: 1e-3,
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-8,
        form: AdamForm::PyTorch,
    };
}

/// Which implementation runs; both give bit-identical results.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AdamVariant {
    /// Plain scalar loop, the oracle.
    Reference,
    /// `wide` vectors, scalar tail.
    #[default]
    Simd,
}

impl AdamVariant {
    /// `"reference"` or `"simd"`.
    pub fn name(self) -> &'static str {
        match self {
            AdamVariant::Reference => "reference",
            AdamVariant::Simd => "simd",
        }
    }
}

impl core::fmt::Display for AdamVariant {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// The per-step constants, computed once in `f64` and rounded to `T`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StepConsts<T> {
    pub form: AdamForm,
    pub beta1: T,
    pub beta2: T,
    pub one_minus_beta1: T,
    pub one_minus_beta2: T,
    pub epsilon: T,
    /// Keras: `α = lr·√(1−β₂ᵗ)/(1−β₁ᵗ)`; PyTorch: `lr/(1−β₁ᵗ)`.
    pub step_size: T,
    /// PyTorch: `√(1−β₂ᵗ)`; unused by Keras.
    pub bias_correction2_sqrt: T,
}

impl<T: Real> StepConsts<T> {
    pub(crate) fn new(hp: &AdamParams, t: u64) -> Self {
        let bc1 = 1.0 - hp.beta1.powf(t as f64);
        let bc2 = 1.0 - hp.beta2.powf(t as f64);
        let step_size = match hp.form {
            AdamForm::Keras => hp.lr * bc2.sqrt() / bc1,
            AdamForm::PyTorch => hp.lr / bc1,
        };
        StepConsts {
            form: hp.form,
            beta1: T::from_f64(hp.beta1),
            beta2: T::from_f64(hp.beta2),
            one_minus_beta1: T::from_f64(1.0 - hp.beta1),
            one_minus_beta2: T::from_f64(1.0 - hp.beta2),
            epsilon: T::from_f64(hp.epsilon),
            step_size: T::from_f64(step_size),
            bias_correction2_sqrt: T::from_f64(bc2.sqrt()),
        }
    }
}

/// One Adam update of `params` in place, with moments `m`, `v` (same length, updated).
///
/// `t` is the 1-based step number. Fails on `t = 0`, on `β` outside `[0, 1)` and when a
/// buffer's length differs from `params.len()`.
pub fn step<T: Real>(
    variant: AdamVariant,
    hp: &AdamParams,
    t: u64,
    params: &mut [T],
    grads: &[T],
    m: &mut [T],
    v: &mut [T],
) -> Result<(), KernelError> {
    const OP: &str = "adam::step";
    let n = params.len();
    check_len(OP, "grads", grads, n)?;
    check_len(OP, "m", m, n)?;
    check_len(OP, "v", v, n)?;
    if t == 0 {
        return Err(KernelError::Dimension {
            op: OP,
            what: "step number t is 1-based, got t = 0".into(),
        });
    }
    for (name, beta) in [("beta1", hp.beta1), ("beta2", hp.beta2)] {
        if !(0.0..1.0).contains(&beta) {
            return Err(KernelError::Dimension {
                op: OP,
                what: format!("{name} must be in [0, 1), got {beta}"),
            });
        }
    }
    let c = StepConsts::<T>::new(hp, t);
    match variant {
        AdamVariant::Reference => reference::step(&c, params, grads, m, v),
        AdamVariant::Simd => simd::step(&c, params, grads, m, v),
    }
    Ok(())
}
