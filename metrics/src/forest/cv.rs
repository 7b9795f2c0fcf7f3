//! k-fold cross-validated RMSE of a [`RandomForest`] (scikit-learn's
//! `cross_val_score(RandomForestRegressor(...), X, y, cv=KFold(k, shuffle=True),
//! scoring="neg_root_mean_squared_error")`, sign flipped).

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{derive_seed, Features, ForestOptions, Parallelism, RandomForest};
use crate::error::{check_finite, MetricsError};

/// The test rows of each of `k` folds of `n` rows: the rows `0..n` shuffled (Fisher–Yates
/// with Xoshiro256++ seeded `seed`) and cut in order into `k` folds, the first `n mod k` of
/// them one row larger (scikit-learn's `KFold(k, shuffle=True)` sizes). Each fold's rows are
/// sorted. Needs `2 ≤ k ≤ n`.
pub fn kfold(n: usize, k: usize, seed: u64) -> Result<Vec<Vec<usize>>, MetricsError> {
    const OP: &str = "kfold";
    if k < 2 {
        return Err(MetricsError::OutOfRange {
            op: OP,
            name: "k",
            value: k as f64,
            expected: "≥ 2 folds",
        });
    }
    if n < k {
        return Err(MetricsError::Empty {
            op: OP,
            what: "rows",
            len: n,
            min: k,
        });
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut Xoshiro256PlusPlus::seed_from_u64(seed));
    let mut folds = Vec::with_capacity(k);
    let mut start = 0;
    for f in 0..k {
        let size = n / k + usize::from(f < n % k);
        let mut fold = order[start..start + size].to_vec();
        fold.sort_unstable();
        folds.push(fold);
        start += size;
    }
    Ok(folds)
}

/// How to cross-validate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CvOptions {
    /// Folds `k` (spec: 10).
    pub folds: usize,
    /// Seed of the fold assignment ([`kfold`]). Keep it fixed across feature subsets so
    /// that their RMSEs compare on the same folds.
    pub shuffle_seed: u64,
    /// The forest of every fold; fold `f` grows it with seed
    /// `derive(forest.seed, f)`, so each fold's forest is its own pure function.
    pub forest: ForestOptions,
}

impl Default for CvOptions {
    fn default() -> Self {
        Self {
            folds: 10,
            shuffle_seed: 0,
            forest: ForestOptions::default(),
        }
    }
}

/// Result of [`cross_validated_rmse`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CvRmse {
    /// RMSE on each fold's test rows, `sqrt(mean_{i ∈ fold} (ŷ_i − y_i)²)`.
    pub fold_rmse: Vec<f64>,
    /// Mean of `fold_rmse` (the headline: scikit-learn's `cross_val_score` mean).
    pub mean: f64,
    /// Standard deviation of `fold_rmse` (population, `ddof = 0` as NumPy's `std`).
    pub sd: f64,
    /// RMSE of all out-of-fold predictions pooled.
    pub pooled: f64,
    /// Each row's out-of-fold prediction, in input order.
    pub predictions: Vec<f64>,
}

/// k-fold cross-validated RMSE of a random forest predicting `y` from `x`: for each fold of
/// [`kfold`]`(n, opts.folds, opts.shuffle_seed)`, fit on the other rows, predict the fold.
/// With zero feature columns the prediction is the training folds' mean (the baseline).
/// Folds run in parallel with [`Parallelism::Rayon`]; the result is the same bits.
pub fn cross_validated_rmse(
    x: Features<'_>,
    y: &[f64],
    opts: &CvOptions,
    par: Parallelism,
) -> Result<CvRmse, MetricsError> {
    const OP: &str = "cross_validated_rmse";
    if y.len() != x.rows {
        return Err(MetricsError::LengthMismatch {
            op: OP,
            what: "y",
            len: y.len(),
            expected: x.rows,
        });
    }
    check_finite(OP, "x", x.data)?;
    check_finite(OP, "y", y)?;
    let folds = kfold(x.rows, opts.folds, opts.shuffle_seed)?;
    let one_fold = |(f, test): (usize, &Vec<usize>)| -> Result<Vec<f64>, MetricsError> {
        let mut in_test = vec![false; x.rows];
        for &r in test {
            in_test[r] = true;
        }
        let train: Vec<usize> = (0..x.rows).filter(|&r| !in_test[r]).collect();
        let train_x = x.select_rows(&train);
        let train_y: Vec<f64> = train.iter().map(|&r| y[r]).collect();
        let forest_opts = ForestOptions {
            seed: derive_seed(opts.forest.seed, f as u64),
            ..opts.forest
        };
        let forest = RandomForest::fit(
            Features::new(&train_x, train.len(), x.cols)?,
            &train_y,
            &forest_opts,
        )?;
        let test_x = x.select_rows(test);
        forest.predict(Features::new(&test_x, test.len(), x.cols)?)
    };
    let per_fold: Vec<Vec<f64>> = match par {
        Parallelism::Sequential => folds
            .iter()
            .enumerate()
            .map(one_fold)
            .collect::<Result<_, _>>()?,
        Parallelism::Rayon => folds
            .par_iter()
            .enumerate()
            .map(one_fold)
            .collect::<Result<_, _>>()?,
    };
    let mut predictions = vec![f64::NAN; x.rows];
    let mut fold_rmse = Vec::with_capacity(folds.len());
    let mut pooled_sq = 0.0;
    for (test, predicted) in folds.iter().zip(&per_fold) {
        let mut sq = 0.0;
        for (&r, &p) in test.iter().zip(predicted) {
            predictions[r] = p;
            sq += (p - y[r]) * (p - y[r]);
        }
        pooled_sq += sq;
        fold_rmse.push((sq / test.len() as f64).sqrt());
    }
    let k = fold_rmse.len() as f64;
    let mean = fold_rmse.iter().sum::<f64>() / k;
    let sd = (fold_rmse
        .iter()
        .map(|v| (v - mean) * (v - mean))
        .sum::<f64>()
        / k)
        .sqrt();
    Ok(CvRmse {
        fold_rmse,
        mean,
        sd,
        pooled: (pooled_sq / x.rows as f64).sqrt(),
        predictions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_partition_the_rows_with_sklearn_sizes() {
        let folds = kfold(23, 10, 5).unwrap();
        let sizes: Vec<usize> = folds.iter().map(Vec::len).collect();
        assert_eq!(sizes, [3, 3, 3, 2, 2, 2, 2, 2, 2, 2]);
        let mut all: Vec<usize> = folds.concat();
        all.sort_unstable();
        assert_eq!(all, (0..23).collect::<Vec<_>>());
        assert_eq!(folds, kfold(23, 10, 5).unwrap());
        assert_ne!(folds, kfold(23, 10, 6).unwrap(), "the seed shuffles");
        assert!(kfold(9, 10, 0).is_err());
        assert!(kfold(9, 1, 0).is_err());
    }
}
