//! The study table `study.csv`: one row per finished network, read at the analysed epoch.

use super::config::Study;
use super::record::Record;

/// One network's row of `study.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub id: u64,
    pub set: String,
    /// Position of its γ in the set's sweep.
    pub index_in_set: usize,
    pub regulariser: String,
    pub gamma: f64,
    /// The epoch whose snapshot is analysed (`analysis.epoch`).
    pub analysed_epoch: usize,
    /// Validation accuracy, loss (cross-entropy + penalty) and cross-entropy at that epoch.
    pub val_accuracy: f64,
    pub val_loss: f64,
    pub val_cross_entropy: f64,
    /// Validation accuracy and loss after the last epoch.
    pub final_val_accuracy: f64,
    pub final_val_loss: f64,
    pub test_accuracy: Option<f64>,
    /// W_rec at the analysed epoch: weights with |w| > 0, > 1e-7, > 1e-3.
    pub nonzero: usize,
    pub above_1e_7: usize,
    pub above_1e_3: usize,
    /// `above_1e_3 / n²`.
    pub fraction_above_1e_3: f64,
    /// Mean |W| and mean |W| ∘ D over all n² entries.
    pub mean_abs_w: f64,
    pub mean_abs_w_distance: f64,
    /// `val_accuracy ≥ analysis.min_accuracy`.
    pub accurate: bool,
    pub train_seconds: f64,
}

/// Header of `study.csv`, in column order.
pub const COLUMNS: [&str; 20] = [
    "id",
    "set",
    "index_in_set",
    "regulariser",
    "gamma",
    "analysed_epoch",
    "val_accuracy",
    "val_loss",
    "val_cross_entropy",
    "final_val_accuracy",
    "final_val_loss",
    "test_accuracy",
    "nonzero",
    "above_1e_7",
    "above_1e_3",
    "fraction_above_1e_3",
    "mean_abs_w",
    "mean_abs_w_distance",
    "accurate",
    "train_seconds",
];

/// The row of `record`, or why it cannot be read at the analysed epoch.
pub fn row(study: &Study, record: &Record) -> Result<Row, String> {
    let epoch = study.config.analysis.epoch;
    let log = record
        .epochs
        .iter()
        .find(|e| e.epoch == epoch)
        .ok_or_else(|| format!("no log of epoch {epoch}"))?;
    let last = record.epochs.last().ok_or("no epoch logs")?;
    let wiring = record
        .wiring
        .get(epoch)
        .ok_or_else(|| format!("no wiring stats of snapshot {epoch}"))?;
    let n2 = (record.n_hidden * record.n_hidden).max(1) as f64;
    let row = Row {
        id: record.network_id,
        set: record.set.clone(),
        index_in_set: record.index_in_set,
        regulariser: record.regulariser.kind.name().into(),
        gamma: record.gamma,
        analysed_epoch: epoch,
        val_accuracy: log.val_accuracy,
        val_loss: log.val_loss,
        val_cross_entropy: log.val_cross_entropy,
        final_val_accuracy: last.val_accuracy,
        final_val_loss: last.val_loss,
        test_accuracy: record.test_accuracy,
        nonzero: wiring.nonzero,
        above_1e_7: wiring.above_1e_7,
        above_1e_3: wiring.above_1e_3,
        fraction_above_1e_3: wiring.above_1e_3 as f64 / n2,
        mean_abs_w: wiring.mean_abs,
        mean_abs_w_distance: wiring.mean_abs_distance,
        accurate: log.val_accuracy >= study.config.analysis.min_accuracy,
        train_seconds: record.timing.train_seconds,
    };
    Ok(row)
}

/// `study.csv` of `rows` (in the order given).
pub fn csv(rows: &[Row]) -> String {
    let mut out = COLUMNS.join(",");
    out.push('\n');
    let opt = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    for r in rows {
        let fields: [String; 20] = [
            r.id.to_string(),
            r.set.clone(),
            r.index_in_set.to_string(),
            r.regulariser.clone(),
            r.gamma.to_string(),
            r.analysed_epoch.to_string(),
            r.val_accuracy.to_string(),
            r.val_loss.to_string(),
            r.val_cross_entropy.to_string(),
            r.final_val_accuracy.to_string(),
            r.final_val_loss.to_string(),
            opt(r.test_accuracy),
            r.nonzero.to_string(),
            r.above_1e_7.to_string(),
            r.above_1e_3.to_string(),
            r.fraction_above_1e_3.to_string(),
            r.mean_abs_w.to_string(),
            r.mean_abs_w_distance.to_string(),
            r.accurate.to_string(),
            format!("{:.3}", r.train_seconds),
        ];
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}
