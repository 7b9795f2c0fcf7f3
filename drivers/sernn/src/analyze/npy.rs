//! `.npy` matrices a user brings, and `sernn metrics`: the structural measures of any square
//! connectivity matrix (a connectome, another model's weights), printed as JSON.
//!
//! Every refusal is one line naming the file and what was expected: a name not ending in
//! `.npy`, a file that is not NumPy's format, a dtype other than float32 / float64, a shape
//! that is not a square 2-D matrix (or `n × 3` coordinates), a NaN or infinite entry.

use std::path::Path;

use anyhow::{anyhow, bail, Context};
use npyz::{NpyFile, Order};
use wiring_metrics::{structural_measures, StructuralOptions};

/// A 2-D f64 array read from a `.npy` file, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f64>,
}

/// Reads a 2-D float32 or float64 `.npy` (C or Fortran order) as row-major f64, refusing
/// non-finite entries.
pub fn read_matrix(path: &Path) -> anyhow::Result<Matrix> {
    let shown = path.display();
    if path.extension().and_then(|e| e.to_str()) != Some("npy") {
        bail!("{shown}: expected a NumPy .npy file (name ending in .npy)");
    }
    let file = std::fs::File::open(path).with_context(|| format!("{shown}: cannot open"))?;
    let npy = NpyFile::new(std::io::BufReader::new(file))
        .map_err(|e| anyhow!("{shown}: not a valid .npy file: {e}"))?;
    let shape = npy.shape().to_vec();
    if shape.len() != 2 {
        bail!("{shown}: expected a 2-D matrix, got shape {shape:?}");
    }
    let (rows, cols) = (shape[0] as usize, shape[1] as usize);
    let order = npy.order();
    let dtype = npy.dtype().descr();
    let values: Vec<f64> = match npy.try_data::<f64>() {
        Ok(reader) => reader
            .collect::<Result<_, _>>()
            .map_err(|e| anyhow!("{shown}: cannot read the data: {e}"))?,
        Err(npy) => match npy.try_data::<f32>() {
            Ok(reader) => reader
                .map(|v| v.map(f64::from))
                .collect::<Result<_, _>>()
                .map_err(|e| anyhow!("{shown}: cannot read the data: {e}"))?,
            Err(_) => bail!("{shown}: expected float32 or float64 values, got dtype {dtype}"),
        },
    };
    if values.len() != rows * cols {
        bail!(
            "{shown}: holds {} values, shape {shape:?} needs {}",
            values.len(),
            rows * cols
        );
    }
    let data = match order {
        Order::C => values,
        Order::Fortran => (0..rows * cols)
            .map(|ij| values[(ij % cols) * rows + ij / cols])
            .collect(),
    };
    if let Some(k) = data.iter().position(|v| !v.is_finite()) {
        bail!(
            "{shown}: entry [{}, {}] is {}; expected finite numbers",
            k / cols.max(1),
            k % cols.max(1),
            data[k]
        );
    }
    Ok(Matrix { rows, cols, data })
}

/// Reads a square weight matrix.
pub fn read_weights(path: &Path) -> anyhow::Result<Matrix> {
    let m = read_matrix(path)?;
    if m.rows != m.cols || m.rows == 0 {
        bail!(
            "{}: expected a square n × n matrix with n ≥ 1, got shape [{}, {}]",
            path.display(),
            m.rows,
            m.cols
        );
    }
    Ok(m)
}

/// Reads `n × 3` unit coordinates and returns their `n × n` Euclidean distances.
pub fn read_distances(path: &Path, n: usize) -> anyhow::Result<Vec<f64>> {
    let m = read_matrix(path)?;
    if m.rows != n || m.cols != 3 {
        bail!(
            "{}: expected coordinates of shape [{n}, 3] (one x, y, z per unit of the weights), got [{}, {}]",
            path.display(),
            m.rows,
            m.cols
        );
    }
    let p = |i: usize| &m.data[i * 3..i * 3 + 3];
    Ok((0..n * n)
        .map(|ij| {
            let (a, b) = (p(ij / n), p(ij % n));
            a.iter()
                .zip(b)
                .map(|(x, y)| (x - y) * (x - y))
                .sum::<f64>()
                .sqrt()
        })
        .collect())
}

/// Options of `sernn metrics`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MetricsOptions {
    /// Fraction of the strongest off-diagonal |W| entries kept (0.1).
    pub threshold: f64,
    /// Random graphs for small-worldness (1000).
    pub nulls: usize,
    /// Seed of Louvain and the nulls.
    pub seed: u64,
}

impl Default for MetricsOptions {
    fn default() -> Self {
        Self {
            threshold: 0.1,
            nulls: 1000,
            seed: 0,
        }
    }
}

/// The `StructuralMeasures` JSON (pretty) of the matrix in `weights`, with distances from
/// `coords` when given (wiring cost, edge length and weight–distance correlation need them).
pub fn metrics_json(
    weights: &Path,
    coords: Option<&Path>,
    opts: &MetricsOptions,
) -> anyhow::Result<String> {
    if !(opts.threshold > 0.0 && opts.threshold <= 1.0) {
        bail!(
            "--threshold: expected a fraction in (0, 1], got {}",
            opts.threshold
        );
    }
    if opts.nulls == 0 {
        bail!("--nulls: expected at least 1 random graph, got 0");
    }
    let w = read_weights(weights)?;
    let distance = coords.map(|c| read_distances(c, w.rows)).transpose()?;
    let structural_opts = StructuralOptions {
        proportion: opts.threshold,
        null_draws: opts.nulls,
        seed: opts.seed,
        ..StructuralOptions::default()
    };
    let m = structural_measures(&w.data, w.rows, distance.as_deref(), &structural_opts)
        .map_err(|e| anyhow!("{}: {e}", weights.display()))?;
    // JSON has no NaN: undefined measures (e.g. σ of a graph without triangles) print as null.
    serde_json::to_string_pretty(&m).context("cannot encode the measures as JSON")
}
