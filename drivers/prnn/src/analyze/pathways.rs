//! Pathway effects (spec "Study-level analysis"): for each of the seven pathways, every
//! architecture that lacks it is paired with the one that differs only by it — 64 flag sets
//! without the pathway, and the no-flag set counts twice (index 0, `ff`, and index 1, the
//! 34-unit `ff34`, both pair with the single-pathway architecture): 65 pairs. Per pair and
//! measure: effect = median(with) − median(without), a two-sided Mann–Whitney U test of with
//! against without, Benjamini–Hochberg over the pairs of the pathway (and measure) that are
//! present; significant below [`ALPHA`].

use wiring_metrics::stats::{adjust, compare};
use wiring_model::prnn::{Architecture, PATHWAYS};

use super::rankings::{Verdict, ALPHA};
use super::{group_values, Measure, MEASURES};
use crate::table::Row;

/// Pairs per pathway.
pub const PAIRS_PER_PATHWAY: usize = 65;

/// The `(without, with)` pairs of pathway `p` (index into [`PATHWAYS`]), by the index of
/// `without`: every architecture lacking `p`, and the architecture with the same flags plus `p`.
pub fn pairs(p: usize) -> Vec<(Architecture, Architecture)> {
    Architecture::all()
        .filter(|a| !a.has_pathway(p))
        .map(|without| {
            let mut flags = without.flags();
            flags[p] = true;
            (without, Architecture::from_flags(flags))
        })
        .collect()
}

/// One pair on one measure.
#[derive(Clone, Debug, PartialEq)]
pub struct PathwayEffect {
    /// Index into [`PATHWAYS`].
    pub pathway: usize,
    pub measure: Measure,
    pub without: usize,
    pub with: usize,
    pub without_name: String,
    pub with_name: String,
    /// Networks with a value (NaNs dropped).
    pub n_without: usize,
    pub n_with: usize,
    pub median_without: f64,
    pub median_with: f64,
    /// `median_with − median_without`.
    pub effect: f64,
    /// Mann–Whitney `U₁` of the `with` sample.
    pub u: f64,
    pub p: f64,
    pub p_adjusted: f64,
    /// Better: adding the pathway helps significantly; worse: it hurts.
    pub verdict: Verdict,
}

/// Every pathway effect whose two architectures both have networks in `rows`, by pathway,
/// measure and the `without` index.
pub fn pathway_effects(rows: &[Row]) -> Vec<PathwayEffect> {
    let groups = group_values(rows);
    let find = |a: Architecture| groups.iter().find(|g| g.architecture == a.index());
    let mut out = Vec::new();
    for p in 0..PATHWAYS.len() {
        let present: Vec<_> = pairs(p)
            .into_iter()
            .filter_map(|(w, x)| Some((find(w)?, find(x)?)))
            .collect();
        for measure in MEASURES {
            let tests: Vec<_> = present
                .iter()
                .map(|(without, with)| compare(&with.values(measure), &without.values(measure)))
                .collect();
            let adjusted = adjust(&tests.iter().map(|t| t.p).collect::<Vec<_>>());
            for (((without, with), t), p_adjusted) in present.iter().zip(tests).zip(adjusted) {
                out.push(PathwayEffect {
                    pathway: p,
                    measure,
                    without: without.architecture,
                    with: with.architecture,
                    without_name: without.name.clone(),
                    with_name: with.name.clone(),
                    n_without: t.n_y,
                    n_with: t.n_x,
                    median_without: t.median_y,
                    median_with: t.median_x,
                    effect: t.median_x - t.median_y,
                    u: t.u,
                    p: t.p,
                    p_adjusted,
                    verdict: t.direction(p_adjusted, ALPHA).into(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixty_five_pairs_differing_by_exactly_the_pathway() {
        for (p, name) in PATHWAYS.iter().enumerate() {
            let pairs = pairs(p);
            assert_eq!(pairs.len(), PAIRS_PER_PATHWAY, "{name}");
            for (without, with) in &pairs {
                assert!(!without.has_pathway(p) && with.has_pathway(p));
                let (a, b) = (without.flags(), with.flags());
                for q in 0..PATHWAYS.len() {
                    assert_eq!(a[q] != b[q], q == p, "{without} → {with}");
                }
                assert_eq!(with.n_hidden(), 8);
            }
            // ff and ff34 both pair with the single-pathway architecture.
            let single = Architecture::from_flags(core::array::from_fn(|q| q == p));
            assert_eq!(pairs[0], (Architecture::FEEDFORWARD, single));
            assert_eq!(pairs[1], (Architecture::FEEDFORWARD_MATCHED, single));
            // Every architecture with the pathway is a `with` exactly once (the single one twice).
            let mut withs: Vec<usize> = pairs.iter().map(|(_, w)| w.index()).collect();
            withs.sort_unstable();
            withs.dedup();
            assert_eq!(withs.len(), 64);
        }
        // 128 (full) is a `with` of every pathway; its partner lacks only that pathway.
        assert_eq!(
            pairs(1).last().map(|(w, x)| (w.name(), x.index())),
            Some(("1011111".to_string(), 128))
        );
    }
}
