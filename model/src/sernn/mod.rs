//! The spatially embedded RNN (seRNN) of Achterberg et al. (2023), `spec/sernn.md`.
//!
//! One network: 8 inputs → 100 ReLU units → softmax over 4 classes read out at the last step,
//!
//! ```text
//! h_t = relu(x_t W_in + h_{t−1} W_rec + b),  h_{−1} = 0
//! p   = softmax(h_{T−1} W_out + b_out)
//! L   = mean_batch CE(p, label) + R(W_rec)
//! ```
//!
//! with one of four regularisers `R` on `W_rec` ([`RegulariserKind`]), trained by Adam (Keras
//! form) on the goal-choice task. Start at [`train`]; the pieces are
//! [`engine`] (where the training computations run: [`engine::SernnEngine`], one
//! implementation per backend), [`network`] (initialisers, readout, gradients), [`regulariser`] (penalties and their exact
//! gradients) and [`space`] (unit coordinates and the distance matrix).

pub mod activity;
pub mod engine;
pub mod network;
pub mod regulariser;
pub mod space;
mod train;

use serde::{Deserialize, Serialize};
use wiring_kernels::rnn::RnnVariant;
use wiring_tasks::goal_choice::GoalChoice;

pub use regulariser::{RegulariserKind, RegulariserSpec};
pub use space::Space;
pub use train::{train, train_population, Member};

use crate::ModelError;

/// The training recipe of one network. Defaults are the paper's (the authors' TensorFlow demo).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Recipe {
    /// Phase lengths of the goal-choice task.
    pub task: GoalChoice,
    /// Recurrent units (the grid of [`Space`] must have as many points).
    pub n_hidden: usize,
    /// Standard deviation of the Gaussian noise added to every input value at every step,
    /// in training only.
    pub input_noise_std: f64,
    /// Training trials (drawn uniformly with replacement from the 8 problems).
    pub n_train: usize,
    /// Validation trials (the accuracy reported per epoch).
    pub n_validation: usize,
    /// Held-out test trials (evaluated once, after the last epoch).
    pub n_test: usize,
    /// Control: shuffle the training labels so they carry no information.
    pub shuffle_labels: bool,
    /// Trials per batch; the training set is cut into `n_train / batch_size` batches in a fixed
    /// order (a last partial batch is used too, as Keras does).
    pub batch_size: usize,
    /// Passes over the training set.
    pub epochs: usize,
    /// Adam learning rate.
    pub learning_rate: f64,
    /// Adam β₁.
    pub beta1: f64,
    /// Adam β₂.
    pub beta2: f64,
    /// Adam ε (Keras form: added to √v after bias correction of the step size).
    pub epsilon: f64,
}

impl Default for Recipe {
    fn default() -> Self {
        Self {
            task: GoalChoice::default(),
            n_hidden: 100,
            input_noise_std: 0.05,
            n_train: 5120,
            n_validation: 2560,
            n_test: 2560,
            shuffle_labels: false,
            batch_size: 128,
            epochs: 10,
            learning_rate: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-7,
        }
    }
}

impl Recipe {
    /// Checks every field, naming the first impossible one.
    pub fn validate(&self) -> Result<(), ModelError> {
        let bad = |field, expected, got: String| {
            Err(ModelError::InvalidField {
                field,
                expected,
                got,
            })
        };
        if self.task.steps() == 0 {
            return bad("task", "at least one step in total", "0 steps".into());
        }
        if self.n_hidden == 0 {
            return bad("n_hidden", "a positive number of units", "0".into());
        }
        if !(self.input_noise_std >= 0.0 && self.input_noise_std.is_finite()) {
            return bad(
                "input_noise_std",
                "a finite number ≥ 0",
                self.input_noise_std.to_string(),
            );
        }
        if self.n_train == 0 {
            return bad("n_train", "a positive number of trials", "0".into());
        }
        if self.n_validation == 0 {
            return bad("n_validation", "a positive number of trials", "0".into());
        }
        if self.batch_size == 0 {
            return bad("batch_size", "a positive number of trials", "0".into());
        }
        if self.epochs == 0 {
            return bad("epochs", "a positive number of epochs", "0".into());
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return bad(
                "learning_rate",
                "a finite number > 0",
                self.learning_rate.to_string(),
            );
        }
        for (field, v) in [("beta1", self.beta1), ("beta2", self.beta2)] {
            if !(0.0..1.0).contains(&v) {
                return bad(field, "a number in [0, 1)", v.to_string());
            }
        }
        if !(self.epsilon > 0.0 && self.epsilon.is_finite()) {
            return bad("epsilon", "a finite number > 0", self.epsilon.to_string());
        }
        Ok(())
    }

    /// Batches per epoch (the last one may be partial).
    pub fn batches_per_epoch(&self) -> usize {
        self.n_train.div_ceil(self.batch_size)
    }
}

/// How a network is computed (not part of what is computed, except that kernel variants
/// round differently; a study pins its choice in its config).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TrainOptions {
    /// Which RNN kernel runs the recurrent layer.
    pub rnn: RnnVariant,
}

/// All weights of a network at one moment. Shapes (row-major): `w_in` n_in×n, `w_rec` n×n
/// (from row unit to column unit), `b` n, `w_out` n×4, `b_out` 4.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub w_in: Vec<f32>,
    pub w_rec: Vec<f32>,
    pub b: Vec<f32>,
    pub w_out: Vec<f32>,
    pub b_out: Vec<f32>,
}

/// Sparsity and wiring of `W_rec` at one snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct WiringStats {
    /// Weights with |w| > 0.
    pub nonzero: usize,
    /// Weights with |w| > 1e-7.
    pub above_1e_7: usize,
    /// Weights with |w| > 1e-3.
    pub above_1e_3: usize,
    /// Mean |W| over all n² entries.
    pub mean_abs: f64,
    /// Mean of |W| ∘ D over all n² entries (wiring cost per entry).
    pub mean_abs_distance: f64,
}

/// Losses and accuracies of one epoch. Epoch 0 is the untrained network (validation only).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochLog {
    pub epoch: usize,
    /// Mean over the epoch's batches of cross-entropy + penalty, as Keras reports `loss`.
    pub train_loss: Option<f64>,
    /// Mean over the epoch's batches of the cross-entropy alone.
    pub train_cross_entropy: Option<f64>,
    /// Fraction of training trials classified correctly during the epoch (running, as Keras).
    pub train_accuracy: Option<f64>,
    /// Validation cross-entropy + penalty at the end of the epoch, as Keras reports `val_loss`.
    pub val_loss: f64,
    /// Validation cross-entropy alone.
    pub val_cross_entropy: f64,
    /// Validation accuracy at the end of the epoch.
    pub val_accuracy: f64,
    /// Regulariser penalty R(W_rec) at the end of the epoch.
    pub penalty: f64,
}

/// Everything training one network produces.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainedNetwork {
    /// Weights before training and after every epoch (`epochs + 1` snapshots).
    pub snapshots: Vec<Snapshot>,
    /// Sparsity and wiring of W_rec at each snapshot.
    pub wiring: Vec<WiringStats>,
    /// Epoch 0 (untrained) through `epochs`.
    pub epochs: Vec<EpochLog>,
    /// Accuracy and cross-entropy on the held-out test set with the final weights
    /// (`None` when `n_test` is 0).
    pub test_accuracy: Option<f64>,
    pub test_cross_entropy: Option<f64>,
    /// Floating-point operations spent (RNN, readout and regulariser), for GFLOP/s reports.
    pub flops: u64,
}
