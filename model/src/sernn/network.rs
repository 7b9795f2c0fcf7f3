//! The seRNN's parameters, Keras-equivalent initialisers, and one batch's loss and gradient.
//!
//! ```text
//! h_t  = relu(x_t W_in + h_{t−1} W_rec + b)      (wiring_kernels::rnn)
//! z    = h_{T−1} W_out + b_out,  p = softmax(z)
//! CE   = −(1/B) Σ_b log p_b[label_b]
//! ∂CE/∂z = (p − onehot(label)) / B
//! ```
//!
//! The cross-entropy is computed from the logits (log-sum-exp), which equals Keras'
//! `categorical_crossentropy` on the softmax output except that Keras clips probabilities to
//! `[1e-7, 1 − 1e-7]` — a difference only for a network already > 99.99999 % confident.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use wiring_kernels::rnn::{self, RnnGrads, RnnShape, RnnVariant, RnnWeights};
use wiring_kernels::{Par, Real};
use wiring_tasks::goal_choice::{N_CLASSES, N_INPUTS};

use super::Snapshot;
use crate::ModelError;

/// All trainable parameters, row-major: `w_in` n_in×n, `w_rec` n×n, `b` n, `w_out` n×4, `b_out` 4.
#[derive(Clone, Debug, PartialEq)]
pub struct Params<T> {
    pub n_hidden: usize,
    pub w_in: Vec<T>,
    pub w_rec: Vec<T>,
    pub b: Vec<T>,
    pub w_out: Vec<T>,
    pub b_out: Vec<T>,
}

impl<T: Real> Params<T> {
    /// All zeros (a gradient buffer).
    pub fn zeros(n_hidden: usize) -> Self {
        Self {
            n_hidden,
            w_in: vec![T::ZERO; N_INPUTS * n_hidden],
            w_rec: vec![T::ZERO; n_hidden * n_hidden],
            b: vec![T::ZERO; n_hidden],
            w_out: vec![T::ZERO; n_hidden * N_CLASSES],
            b_out: vec![T::ZERO; N_CLASSES],
        }
    }

    /// Keras initialisation: `W_in`, `W_out` Glorot-uniform (limit √(6/(fan_in+fan_out))),
    /// `W_rec` orthogonal with gain 1, biases 0. Draws `W_in`, then `W_rec`, then `W_out`.
    pub fn init<R: Rng + ?Sized>(n_hidden: usize, rng: &mut R) -> Self {
        let mut p = Self::zeros(n_hidden);
        glorot_uniform(rng, N_INPUTS, n_hidden, &mut p.w_in);
        orthogonal(rng, n_hidden, &mut p.w_rec);
        glorot_uniform(rng, n_hidden, N_CLASSES, &mut p.w_out);
        p
    }

    /// The parameter arrays in a fixed order: w_in, w_rec, b, w_out, b_out.
    pub fn arrays_mut(&mut self) -> [&mut Vec<T>; 5] {
        [
            &mut self.w_in,
            &mut self.w_rec,
            &mut self.b,
            &mut self.w_out,
            &mut self.b_out,
        ]
    }

    pub fn arrays(&self) -> [&Vec<T>; 5] {
        [&self.w_in, &self.w_rec, &self.b, &self.w_out, &self.b_out]
    }

    /// A copy of the weights in f32.
    pub fn snapshot(&self) -> Snapshot {
        let f = |v: &Vec<T>| v.iter().map(|x| x.to_f64() as f32).collect();
        Snapshot {
            w_in: f(&self.w_in),
            w_rec: f(&self.w_rec),
            b: f(&self.b),
            w_out: f(&self.w_out),
            b_out: f(&self.b_out),
        }
    }

    pub fn count(&self) -> usize {
        self.arrays().iter().map(|a| a.len()).sum()
    }
}

/// `U(−l, l)` with `l = √(6 / (fan_in + fan_out))`, row-major `fan_in × fan_out`.
fn glorot_uniform<T: Real, R: Rng + ?Sized>(
    rng: &mut R,
    fan_in: usize,
    fan_out: usize,
    out: &mut [T],
) {
    let limit = (6.0 / (fan_in + fan_out) as f64).sqrt();
    for w in out {
        *w = T::from_f64(rng.random_range(-limit..limit));
    }
}

/// Keras `Orthogonal(gain=1)` for a square matrix: `Q` of the QR decomposition of a standard
/// normal matrix, with column signs fixed so that `diag(R) > 0`. Gram–Schmidt (twice, in f64)
/// yields exactly that Q.
fn orthogonal<T: Real, R: Rng + ?Sized>(rng: &mut R, n: usize, out: &mut [T]) {
    let mut a: Vec<f64> = (0..n * n).map(|_| StandardNormal.sample(rng)).collect();
    // Columns j of `a` (row-major, a[i*n + j]) orthonormalised left to right.
    for j in 0..n {
        for _pass in 0..2 {
            for k in 0..j {
                let dot: f64 = (0..n).map(|i| a[i * n + k] * a[i * n + j]).sum();
                for i in 0..n {
                    a[i * n + j] -= dot * a[i * n + k];
                }
            }
        }
        let norm = (0..n)
            .map(|i| a[i * n + j] * a[i * n + j])
            .sum::<f64>()
            .sqrt();
        for i in 0..n {
            a[i * n + j] /= norm;
        }
    }
    for (o, x) in out.iter_mut().zip(a) {
        *o = T::from_f64(x);
    }
}

/// Buffers for one batch of at most `batch` trials of `steps` steps.
pub struct Workspace<T> {
    pub steps: usize,
    pub batch: usize,
    n_hidden: usize,
    pub h: Vec<T>,
    dh: Vec<T>,
    probs: Vec<T>,
}

impl<T: Real> Workspace<T> {
    pub fn new(steps: usize, batch: usize, n_hidden: usize) -> Self {
        Self {
            steps,
            batch,
            n_hidden,
            h: vec![T::ZERO; steps * batch * n_hidden],
            dh: vec![T::ZERO; steps * batch * n_hidden],
            probs: vec![T::ZERO; batch * N_CLASSES],
        }
    }
}

/// Cross-entropy and correct count of one batch.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BatchStats {
    /// Mean cross-entropy over the batch.
    pub cross_entropy: f64,
    /// Trials whose largest logit is the label (first maximum wins).
    pub correct: usize,
    pub trials: usize,
}

fn shape_of<T>(params: &Params<T>, ws: &Workspace<T>, labels: &[u8]) -> RnnShape {
    RnnShape {
        steps: ws.steps,
        batch: labels.len(),
        n_in: N_INPUTS,
        n_hidden: params.n_hidden,
    }
}

/// Forward pass and readout of a batch; leaves `p = softmax(z)` in the workspace.
///
/// `x` is time-major `steps × labels.len() × 8`; `labels.len()` must not exceed the workspace's batch.
pub fn forward<T: Real>(
    variant: RnnVariant,
    params: &Params<T>,
    x: &[T],
    labels: &[u8],
    ws: &mut Workspace<T>,
) -> Result<BatchStats, ModelError> {
    let batch = labels.len();
    if batch > ws.batch || ws.n_hidden != params.n_hidden {
        return Err(ModelError::InvalidField {
            field: "batch",
            expected: "at most the workspace's batch",
            got: batch.to_string(),
        });
    }
    let shape = shape_of(params, ws, labels);
    let n = params.n_hidden;
    let h = &mut ws.h[..ws.steps * batch * n];
    let weights = RnnWeights {
        w_in: &params.w_in,
        w_rec: &params.w_rec,
        b: &params.b,
    };
    rnn::forward(variant, shape, weights, x, h, Par::Seq)?;
    let last = &h[(ws.steps - 1) * batch * n..];
    let mut stats = BatchStats {
        trials: batch,
        ..Default::default()
    };
    let mut ce = 0.0f64;
    for (bi, &label) in labels.iter().enumerate() {
        let hb = &last[bi * n..(bi + 1) * n];
        let mut z = [T::ZERO; N_CLASSES];
        for (c, zc) in z.iter_mut().enumerate() {
            let mut acc = params.b_out[c];
            for (k, &hk) in hb.iter().enumerate() {
                acc = acc.mul_add(hk, params.w_out[k * N_CLASSES + c]);
            }
            *zc = acc;
        }
        let mut best = 0;
        for c in 1..N_CLASSES {
            if z[c] > z[best] {
                best = c;
            }
        }
        stats.correct += usize::from(best == label as usize);
        let zmax = z[best];
        // −log p_label = log Σ exp(z − zmax) − (z_label − zmax)
        let z_label = z[label as usize] - zmax;
        let mut sum = T::ZERO;
        for zc in &mut z {
            *zc = (*zc - zmax).exp();
            sum += *zc;
        }
        let p = &mut ws.probs[bi * N_CLASSES..(bi + 1) * N_CLASSES];
        for c in 0..N_CLASSES {
            p[c] = z[c] / sum;
        }
        ce += sum.to_f64().ln() - z_label.to_f64();
    }
    stats.cross_entropy = ce / batch as f64;
    Ok(stats)
}

/// Forward, readout and BPTT of a batch: `grads` is overwritten with `∂CE/∂θ` (mean over the
/// batch; the regulariser's gradient is added by the caller).
pub fn loss_and_gradient<T: Real>(
    variant: RnnVariant,
    params: &Params<T>,
    x: &[T],
    labels: &[u8],
    ws: &mut Workspace<T>,
    grads: &mut Params<T>,
) -> Result<BatchStats, ModelError> {
    let stats = forward(variant, params, x, labels, ws)?;
    let batch = labels.len();
    let n = params.n_hidden;
    let steps = ws.steps;
    let inv_b = T::from_f64(1.0 / batch as f64);
    // ∂CE/∂z = (p − onehot)/B, in place in probs.
    for (bi, &label) in labels.iter().enumerate() {
        let p = &mut ws.probs[bi * N_CLASSES..(bi + 1) * N_CLASSES];
        p[label as usize] -= T::ONE;
        for pc in p.iter_mut() {
            *pc *= inv_b;
        }
    }
    let shape = shape_of(params, ws, labels);
    let dz = &ws.probs[..batch * N_CLASSES];
    let last = &ws.h[(steps - 1) * batch * n..steps * batch * n];
    // ∂W_out = h_lastᵀ dz, ∂b_out = Σ_b dz, ∂h_last = dz W_outᵀ.
    grads.w_out.fill(T::ZERO);
    grads.b_out.fill(T::ZERO);
    let dh = &mut ws.dh[..steps * batch * n];
    dh[..(steps - 1) * batch * n].fill(T::ZERO);
    let dh_last = &mut dh[(steps - 1) * batch * n..];
    for bi in 0..batch {
        let dzb = &dz[bi * N_CLASSES..(bi + 1) * N_CLASSES];
        for (gb, &d) in grads.b_out.iter_mut().zip(dzb) {
            *gb += d;
        }
        let hb = &last[bi * n..(bi + 1) * n];
        let dhb = &mut dh_last[bi * n..(bi + 1) * n];
        for k in 0..n {
            let wk = &params.w_out[k * N_CLASSES..(k + 1) * N_CLASSES];
            let gk = &mut grads.w_out[k * N_CLASSES..(k + 1) * N_CLASSES];
            let mut acc = T::ZERO;
            for ((g, &d), &w) in gk.iter_mut().zip(dzb).zip(wk) {
                *g = g.mul_add(hb[k], d);
                acc = acc.mul_add(d, w);
            }
            dhb[k] = acc;
        }
    }
    let weights = RnnWeights {
        w_in: &params.w_in,
        w_rec: &params.w_rec,
        b: &params.b,
    };
    let rnn_grads = RnnGrads {
        w_in: &mut grads.w_in,
        w_rec: &mut grads.w_rec,
        b: &mut grads.b,
    };
    rnn::backward(
        variant,
        shape,
        weights,
        x,
        &ws.h[..steps * batch * n],
        dh,
        rnn_grads,
        Par::Seq,
    )?;
    Ok(stats)
}

/// Floating-point operations of the readout and its gradient for a batch (forward only when
/// `backward` is false).
pub fn readout_flops(batch: usize, n_hidden: usize, backward: bool) -> u64 {
    let f = 2 * (batch * n_hidden * N_CLASSES) as u64;
    if backward {
        3 * f
    } else {
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn orthogonal_init_is_orthogonal() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let p = Params::<f64>::init(100, &mut rng);
        let n = 100;
        for i in 0..n {
            for j in 0..n {
                let dot: f64 = (0..n)
                    .map(|k| p.w_rec[k * n + i] * p.w_rec[k * n + j])
                    .sum();
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((dot - want).abs() < 1e-12, "QᵀQ[{i},{j}] = {dot}");
            }
        }
        let limit = (6.0f64 / 108.0).sqrt();
        assert!(p.w_in.iter().all(|w| w.abs() < limit));
        // Glorot-uniform variance l²/3.
        let var = p.w_in.iter().map(|w| w * w).sum::<f64>() / p.w_in.len() as f64;
        assert!(
            (var - limit * limit / 3.0).abs() < 0.1 * limit * limit / 3.0,
            "{var}"
        );
        assert_eq!(p.count(), 8 * 100 + 100 * 100 + 100 + 100 * 4 + 4);
    }
}
