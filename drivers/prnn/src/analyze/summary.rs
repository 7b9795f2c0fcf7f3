//! The numbers `analysis.html` shows beside the three tables, computed here so that the
//! report only presents: median curves per architecture, the landmark architectures'
//! summaries, what the seed count allows (the smallest attainable p), and each pathway's
//! median effect.

use wiring_metrics::stats::{median, median_at_each, quantile, range, smallest_attainable_p};
use wiring_model::prnn::PATHWAYS;

use super::pathways::PathwayEffect;
use super::rankings::{Ranking, Verdict, REFERENCE};
use super::{group_values, Measure, Network, MEASURES};
use crate::table::Row;

/// The four landmark architectures of the paper's abstract, highlighted in every figure:
/// (index, label).
pub const LANDMARKS: [(usize, &str); 4] = [
    (128, "full (fully recurrent)"),
    (0, "ff (feedforward)"),
    (9, "ff + W_io"),
    (1, "ff34 (parameter-matched)"),
];

/// The position of `arch` in [`LANDMARKS`], if it is one.
pub fn landmark(arch: usize) -> Option<usize> {
    LANDMARKS.iter().position(|(a, _)| *a == arch)
}

/// One architecture's median curve: index, name, `(x, median y)` points.
pub struct MedianCurve {
    pub architecture: usize,
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// Per architecture present, the median over its networks of `values(network)[i]` at each
/// `x_i` (over the networks whose series reach `i`).
pub fn median_curves(
    networks: &[Network],
    xs: &[f64],
    values: fn(&Network) -> &[f64],
) -> Vec<MedianCurve> {
    let rows: Vec<Row> = networks.iter().map(|n| n.row.clone()).collect();
    group_values(&rows)
        .into_iter()
        .map(|g| {
            let mine = networks
                .iter()
                .filter(|n| n.row.architecture == g.architecture)
                .map(values);
            MedianCurve {
                architecture: g.architecture,
                name: g.name,
                points: xs
                    .iter()
                    .copied()
                    .zip(median_at_each(mine, xs.len()))
                    .collect(),
            }
        })
        .collect()
}

/// Medians (and the fitness IQR) of a group of networks.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupSummary {
    pub networks: usize,
    pub fitness: f64,
    pub fitness_q25: f64,
    pub fitness_q75: f64,
    pub learning_speed: f64,
    pub robustness: f64,
    pub memory: f64,
}

impl GroupSummary {
    fn of(rows: &[&Row]) -> Self {
        let f = |m: fn(&Row) -> f64| rows.iter().map(move |r| m(r));
        Self {
            networks: rows.len(),
            fitness: median(f(|r| r.fitness)),
            fitness_q25: quantile(f(|r| r.fitness), 0.25),
            fitness_q75: quantile(f(|r| r.fitness), 0.75),
            learning_speed: median(f(|r| r.learning_speed)),
            robustness: median(f(|r| r.robustness)),
            memory: median(f(|r| r.memory)),
        }
    }
}

/// The non-landmark architectures pooled, and the range of their median fitnesses.
#[derive(Clone, Debug, PartialEq)]
pub struct Others {
    pub pooled: GroupSummary,
    /// Architectures with a median fitness.
    pub architectures: usize,
    pub fitness_medians: (f64, f64),
}

/// Each landmark's summary (`None`: not in the run), in [`LANDMARKS`] order, and the other
/// architectures pooled (`None`: none in the run).
pub fn landmarks(rows: &[Row]) -> (Vec<Option<GroupSummary>>, Option<Others>) {
    let groups = group_values(rows);
    let landmarks = LANDMARKS
        .iter()
        .map(|(a, _)| {
            groups
                .iter()
                .find(|g| g.architecture == *a)
                .map(|g| GroupSummary::of(&g.rows))
        })
        .collect();
    let others: Vec<&Row> = rows
        .iter()
        .filter(|r| landmark(r.architecture).is_none())
        .collect();
    let others = (!others.is_empty()).then(|| {
        let medians: Vec<f64> = groups
            .iter()
            .filter(|g| landmark(g.architecture).is_none())
            .map(|g| median(g.values(Measure::Fitness)))
            .filter(|v| !v.is_nan())
            .collect();
        Others {
            pooled: GroupSummary::of(&others),
            architectures: medians.len(),
            fitness_medians: range(medians).unwrap_or((f64::INFINITY, f64::NEG_INFINITY)),
        }
    });
    (landmarks, others)
}

/// What the run's seed count allows: the smallest group size `n` among the fitness
/// rankings, the reference's `m`, and the smallest attainable two-sided p of `n` against `m`
/// networks before correction ([`smallest_attainable_p`]).
pub fn power(ranked: &[Ranking]) -> Option<(usize, usize, f64)> {
    let reference = ranked
        .iter()
        .find(|r| r.architecture == REFERENCE && r.measure == Measure::Fitness)?;
    let smallest = ranked
        .iter()
        .filter(|r| r.measure == Measure::Fitness)
        .map(|r| r.networks)
        .min()?;
    let (n, m) = (smallest.max(1), reference.networks.max(1));
    Some((n, m, smallest_attainable_p(n, m)))
}

/// One pathway's effects on one measure, over its pairs present in the run.
#[derive(Clone, Debug, PartialEq)]
pub struct PathwaySummary {
    pub pathway: usize,
    pub measure: Measure,
    pub pairs: usize,
    /// Median of the pairs' effects (NaN: none).
    pub median_effect: f64,
    /// Pairs where adding the pathway significantly raises / lowers the measure.
    pub up: usize,
    pub down: usize,
}

/// Per pathway (in [`PATHWAYS`] order) and measure, the summary of its `effects`.
pub fn pathway_summaries(effects: &[PathwayEffect]) -> Vec<PathwaySummary> {
    let mut out = Vec::new();
    for p in 0..PATHWAYS.len() {
        for measure in MEASURES {
            let mine: Vec<&PathwayEffect> = effects
                .iter()
                .filter(|e| e.pathway == p && e.measure == measure)
                .collect();
            let count = |v: Verdict| mine.iter().filter(|e| e.verdict == v).count();
            out.push(PathwaySummary {
                pathway: p,
                measure,
                pairs: mine.len(),
                median_effect: median(mine.iter().map(|e| e.effect)),
                up: count(Verdict::Better),
                down: count(Verdict::Worse),
            });
        }
    }
    out
}
