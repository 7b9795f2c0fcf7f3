//! Rankings of every architecture against the fully recurrent one (spec "Study-level
//! analysis"): per measure, a two-sided Mann–Whitney U test (normal approximation, tie and
//! continuity corrections; NaNs dropped) of each architecture's networks against those of
//! architecture 128, itself included; Benjamini–Hochberg over all the p-values of the measure;
//! significant when the adjusted p is below [`ALPHA`]; better or worse by the medians (by the
//! mean ranks, `U` against `n₁n₂/2`, when the medians tie).

use wiring_metrics::stats::{adjust, compare, Direction};

use super::{group_values, Measure, MEASURES};
use crate::table::Row;

/// Significance level of rankings and pathway effects (adjusted p).
pub const ALPHA: f64 = 0.01;

/// The architecture every other one is ranked against: fully recurrent.
pub const REFERENCE: usize = 128;

/// Outcome of one comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Significantly higher than the reference (or than the pathway-less partner).
    Better,
    /// Significantly lower.
    Worse,
    /// Adjusted p ≥ [`ALPHA`] (or not testable).
    NotSignificant,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Better => "better",
            Verdict::Worse => "worse",
            Verdict::NotSignificant => "n.s.",
        }
    }
}

impl From<Direction> for Verdict {
    fn from(d: Direction) -> Self {
        match d {
            Direction::Higher => Verdict::Better,
            Direction::Lower => Verdict::Worse,
            Direction::NotSignificant => Verdict::NotSignificant,
        }
    }
}

/// One architecture against the reference on one measure.
#[derive(Clone, Debug, PartialEq)]
pub struct Ranking {
    pub measure: Measure,
    pub architecture: usize,
    pub name: String,
    /// Networks with a value (NaNs dropped).
    pub networks: usize,
    pub median: f64,
    pub reference_median: f64,
    /// Mann–Whitney `U₁` of this architecture's values (NaN when untestable).
    pub u: f64,
    pub p: f64,
    pub p_adjusted: f64,
    pub verdict: Verdict,
}

/// The rankings of every architecture in `rows` on every measure, by measure then index;
/// `None` when the reference architecture has no network.
pub fn rankings(rows: &[Row]) -> Option<Vec<Ranking>> {
    let groups = group_values(rows);
    let reference = groups.iter().find(|g| g.architecture == REFERENCE)?;
    let mut out = Vec::new();
    for measure in MEASURES {
        let ref_values = reference.values(measure);
        let tests: Vec<_> = groups
            .iter()
            .map(|g| compare(&g.values(measure), &ref_values))
            .collect();
        let adjusted = adjust(&tests.iter().map(|t| t.p).collect::<Vec<_>>());
        for ((g, t), p_adjusted) in groups.iter().zip(tests).zip(adjusted) {
            out.push(Ranking {
                measure,
                architecture: g.architecture,
                name: g.name.clone(),
                networks: t.n_x,
                median: t.median_x,
                reference_median: t.median_y,
                u: t.u,
                p: t.p,
                p_adjusted,
                verdict: t.direction(p_adjusted, ALPHA).into(),
            });
        }
    }
    Some(out)
}

/// How many architectures are significantly better and worse than the reference on `measure`.
pub fn counts(rankings: &[Ranking], measure: Measure) -> (usize, usize) {
    let of = |v| {
        rankings
            .iter()
            .filter(|r| r.measure == measure && r.verdict == v)
            .count()
    };
    (of(Verdict::Better), of(Verdict::Worse))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A row of architecture `a` with these measures (everything else zero or empty).
    pub(crate) fn row(a: usize, fitness: f64, learning_speed: f64, robustness: f64) -> Row {
        let arch = wiring_model::prnn::Architecture::from_index(a).unwrap();
        Row {
            id: 0,
            architecture: a,
            name: arch.name(),
            flags: arch.flag_string(),
            n_hidden: arch.n_hidden(),
            param_count: arch.param_count(),
            seed_index: 0,
            recurrent: arch.is_recurrent(),
            fitness,
            robustness,
            learning_speed,
            cue_sparsity_robustness: None,
            wall_sparsity_robustness: None,
            sensitivity: 1.0,
            coherence: 0.0,
            memory: 1.0,
            goal_rate: 0.0,
            final_curve: fitness,
            weight_norms: [0.0; 9],
            clipped_updates: 0,
            train_seconds: 0.0,
            evaluate_seconds: 0.0,
            curve: vec![],
            curve_episodes: vec![],
            fitness_by_noise: vec![],
        }
    }

    #[test]
    fn planted_differences_are_found_with_their_direction() {
        // 10 networks each: ff far below full on fitness, 2 above it on learning speed,
        // 3 the same as full on everything, 4 with a NaN fitness among slightly lower ones.
        let mut rows = Vec::new();
        for k in 0..10 {
            let e = k as f64 * 1e-3;
            rows.push(row(128, 0.9 + e, 50.0 + k as f64, 0.3 + e));
            rows.push(row(0, 0.5 + e, 50.0 + k as f64, 0.3 + e));
            rows.push(row(2, 0.9 + e, 80.0 + k as f64, 0.3 + e));
            rows.push(row(3, 0.9 + e, 50.0 + k as f64, 0.3 + e));
            rows.push(row(
                4,
                if k == 0 { f64::NAN } else { 0.9 + e - 0.0005 },
                50.0 + k as f64,
                0.3 + e,
            ));
        }
        let r = rankings(&rows).unwrap();
        assert_eq!(r.len(), 5 * 3);
        let get = |m: Measure, a: usize| {
            r.iter()
                .find(|x| x.measure == m && x.architecture == a)
                .unwrap()
        };
        assert_eq!(get(Measure::Fitness, 0).verdict, Verdict::Worse);
        assert!(get(Measure::Fitness, 0).p_adjusted < 1e-3);
        assert_eq!(get(Measure::Fitness, 2).verdict, Verdict::NotSignificant);
        assert_eq!(get(Measure::LearningSpeed, 2).verdict, Verdict::Better);
        assert_eq!(
            get(Measure::LearningSpeed, 0).verdict,
            Verdict::NotSignificant
        );
        for m in MEASURES {
            assert_eq!(get(m, 128).p, 1.0, "full against itself");
            assert_eq!(get(m, 3).p, 1.0, "identical samples");
            assert_eq!(get(m, 3).verdict, Verdict::NotSignificant);
        }
        assert_eq!(get(Measure::Fitness, 4).networks, 9, "NaN dropped");
        assert_eq!(counts(&r, Measure::Fitness), (0, 1));
        assert_eq!(counts(&r, Measure::LearningSpeed), (1, 0));
        // Without full there is nothing to rank against.
        rows.retain(|r| r.architecture != 128);
        assert!(rankings(&rows).is_none());
    }
}
