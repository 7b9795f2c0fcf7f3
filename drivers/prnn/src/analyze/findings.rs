//! The pRNN findings table: the CCN abstract's headline numbers (Ghosh & Goodman 2025; spec
//! "Study-level analysis") beside this run's, one [`Finding`] each.
//!
//! The abstract's numbers are of "a maze task which requires some memory". We take that to be
//! the **track** maze: its cues vanish on the gap cells next to the goal and its second
//! channel is symmetric about the start, so after the first move a network that keeps nothing
//! from earlier steps cannot tell which way the goal lies — a feedforward network ends about
//! halfway (the abstract's 0.48) while every recurrent one can learn it. On general mazes every
//! path cell's cue grows toward the goal, so a feedforward network climbs the gradient
//! without memory. On any other task the rows show our numbers and say "not testable".
//!
//! | claim | verdict rule |
//! |---|---|
//! | a landmark's median fitness (full, ff, ff + W_io, ff34) | the paper's median within our median ± 2 sd (the larger of ours and the paper's) |
//! | the other 125 architectures' medians, 0.91–0.93 | each end of our range within ± [`RANGE_TOLERANCE`] of the paper's |
//! | 0 better, 19 faster, 9 more robust than full | our count within ± max(1, ⌈20%⌉) of the paper's |
//!
//! Where a count differs, the reason gives what decides it: the architectures in the paper's
//! direction before correction, the smallest p the seed count allows, the learning-speed
//! threshold and how many networks never reach it, and the robustness ceiling.

use wiring_metrics::stats::{median, range, smallest_attainable_p, summary};
use wiring_report::{Finding, Verdict};
use wiring_tasks::maze::MazeKind;

use super::rankings::{Ranking, Verdict as Rank, ALPHA, REFERENCE};
use super::summary::{landmark, LANDMARKS};
use super::{group_values, Measure};
use crate::table::Row;

/// How far each end of the range of the other architectures' medians may lie from the paper's.
pub const RANGE_TOLERANCE: f64 = 0.02;

/// The abstract's landmark medians ± sd, in [`LANDMARKS`] order.
pub const PAPER_LANDMARKS: [(f64, f64); 4] =
    [(0.93, 0.01), (0.48, 0.02), (0.49, 0.03), (0.56, 0.01)];
/// The abstract's range of the other 125 architectures' median fitnesses.
pub const PAPER_OTHERS: (f64, f64) = (0.91, 0.93);
/// The abstract's counts of architectures significantly better than fully recurrent, per measure.
pub const PAPER_COUNTS: [(Measure, usize, &str); 3] = [
    (
        Measure::Fitness,
        0,
        "none performed significantly better than the fully connected network",
    ),
    (
        Measure::LearningSpeed,
        19,
        "19 architectures learned significantly faster",
    ),
    (
        Measure::Robustness,
        9,
        "9 were significantly more robust to noise",
    ),
];

/// What the findings need from the analysis.
pub struct FindingsInput<'a> {
    pub task: MazeKind,
    /// Every network's row, learning speed filled in.
    pub rows: &'a [Row],
    /// `None`: architecture 128 has no network.
    pub rankings: Option<&'a [Ranking]>,
    /// The learning-speed threshold of the task.
    pub threshold: f64,
}

/// The findings of a pRNN run.
pub fn findings(input: &FindingsInput) -> Vec<Finding> {
    let memory_task = matches!(input.task, MazeKind::Track { .. });
    let task_reason = (!memory_task).then(|| {
        format!(
            "the abstract's numbers are of the memory task (the track maze); this run is the {} maze",
            input.task.name()
        )
    });
    let mut out = Vec::new();
    let groups = group_values(input.rows);
    for (k, (arch, label)) in LANDMARKS.iter().enumerate() {
        let (paper_median, paper_sd) = PAPER_LANDMARKS[k];
        let s = groups
            .iter()
            .find(|g| g.architecture == *arch)
            .map(|g| summary(g.values(Measure::Fitness)));
        let (ours, verdict, reason) = match s {
            None => (
                "no network".to_string(),
                Verdict::NotTestable,
                format!("architecture {arch} is not in this run"),
            ),
            Some(s) => {
                let ours = format!(
                    "{:.3} ± {:.3} sd (IQR {:.3}–{:.3}, n = {})",
                    s.median, s.sd, s.q1, s.q3, s.n
                );
                let tolerance = 2.0
                    * if s.sd.is_nan() {
                        paper_sd
                    } else {
                        s.sd.max(paper_sd)
                    };
                let gap = s.median - paper_median;
                if let Some(why) = &task_reason {
                    (ours, Verdict::NotTestable, why.clone())
                } else if s.n < 2 {
                    (
                        ours,
                        Verdict::NotTestable,
                        "fewer than two networks: no spread to compare with".into(),
                    )
                } else if gap.abs() <= tolerance {
                    (
                        ours,
                        Verdict::Reproduced,
                        format!("ours {gap:+.3} from the paper's, within ± {tolerance:.3}"),
                    )
                } else {
                    (
                        ours,
                        Verdict::NotReproduced,
                        format!("ours {gap:+.3} from the paper's, beyond ± {tolerance:.3}"),
                    )
                }
            }
        };
        out.push(Finding {
            claim: format!("Median fitness of {label} (architecture {arch})"),
            paper: format!("{paper_median:.2} ± {paper_sd:.2} sd"),
            ours,
            test: "the paper's median within ours ± 2 sd (larger sd of the two)".into(),
            p: f64::NAN,
            verdict,
            reason,
        });
    }
    out.push(others(input, &task_reason));
    for (measure, paper, text) in PAPER_COUNTS {
        out.push(count_claim(input, measure, paper, text, &task_reason));
    }
    out
}

fn others(input: &FindingsInput, task_reason: &Option<String>) -> Finding {
    let medians: Vec<f64> = group_values(input.rows)
        .iter()
        .filter(|g| landmark(g.architecture).is_none())
        .map(|g| median(g.values(Measure::Fitness)))
        .filter(|m| !m.is_nan())
        .collect();
    let (ours, verdict, reason) = if let Some((lo, hi)) = range(medians.iter().copied()) {
        let below = medians
            .iter()
            .filter(|m| **m < PAPER_OTHERS.0 - RANGE_TOLERANCE)
            .count();
        let ours = format!("{lo:.3}–{hi:.3} over {} architectures", medians.len());
        let (a, b) = PAPER_OTHERS;
        if let Some(why) = task_reason {
            (ours, Verdict::NotTestable, why.clone())
        } else if (lo - a).abs() <= RANGE_TOLERANCE && (hi - b).abs() <= RANGE_TOLERANCE {
            (
                ours,
                Verdict::Reproduced,
                format!("both ends within ± {RANGE_TOLERANCE}"),
            )
        } else {
            (
                ours,
                Verdict::NotReproduced,
                format!(
                    "low end {:+.3}, high end {:+.3} from the paper's; {below} architectures below {:.2}",
                    lo - a,
                    hi - b,
                    a - RANGE_TOLERANCE
                ),
            )
        }
    } else {
        (
            "no architecture".to_string(),
            Verdict::NotTestable,
            "no non-landmark architecture in this run".to_string(),
        )
    };
    Finding {
        claim: "Median fitness of the other architectures".into(),
        paper: format!("between {:.2} and {:.2}", PAPER_OTHERS.0, PAPER_OTHERS.1),
        ours,
        test: format!("each end of our range within ± {RANGE_TOLERANCE} of the paper's"),
        p: f64::NAN,
        verdict,
        reason,
    }
}

fn count_claim(
    input: &FindingsInput,
    measure: Measure,
    paper: usize,
    text: &str,
    task_reason: &Option<String>,
) -> Finding {
    let margin = ((paper as f64 * 0.2).ceil() as usize).max(1);
    let claim = format!(
        "Architectures with significantly higher {} than fully recurrent",
        measure.label()
    );
    let test = format!(
        "Mann–Whitney against architecture {REFERENCE}, BH over all, adjusted p < {ALPHA}; agree within ± {margin}"
    );
    let Some(rankings) = input.rankings else {
        return Finding {
            claim,
            paper: text.into(),
            ours: "no ranking".into(),
            test,
            p: f64::NAN,
            verdict: Verdict::NotTestable,
            reason: format!(
                "architecture {REFERENCE} (fully recurrent) has no network in this run"
            ),
        };
    };
    let mine: Vec<&Ranking> = rankings
        .iter()
        .filter(|r| r.measure == measure && r.architecture != REFERENCE)
        .collect();
    let better = mine.iter().filter(|r| r.verdict == Rank::Better).count();
    let worse = mine.iter().filter(|r| r.verdict == Rank::Worse).count();
    let raw = mine
        .iter()
        .filter(|r| r.p < ALPHA && r.median > r.reference_median)
        .count();
    let higher_median = mine
        .iter()
        .filter(|r| r.median > r.reference_median)
        .count();
    let smallest_p = mine
        .iter()
        .filter(|r| r.p.is_finite())
        .map(|r| r.p)
        .fold(f64::NAN, f64::min);
    let power = mine
        .iter()
        .map(|r| r.networks)
        .min()
        .zip(
            rankings
                .iter()
                .find(|r| r.architecture == REFERENCE && r.measure == measure),
        )
        .map(|(n, reference)| {
            (
                n,
                reference.networks,
                smallest_attainable_p(n, reference.networks),
            )
        });
    let ours = format!(
        "{better} higher, {worse} lower of {} architectures; {raw} higher at unadjusted p < {ALPHA}; {higher_median} with a higher median",
        mine.len()
    );
    let mut why = vec![];
    let mut powerless = false;
    if let Some((n, m, p)) = power {
        powerless = p >= ALPHA;
        why.push(if powerless {
            format!("{n} against {m} networks cannot give p below {p:.1e}, above the level {ALPHA} even before correction: too few seeds")
        } else if p >= ALPHA / mine.len().max(1) as f64 {
            format!("{n} against {m} networks allow p down to {p:.1e}: one discovery alone would need {:.1e} after BH over {}, so only many at once can pass", ALPHA / mine.len().max(1) as f64, mine.len())
        } else {
            format!("{n} against {m} networks allow p down to {p:.1e}: the seed count does not limit large effects")
        });
    }
    let reference_rows: Vec<&Row> = input
        .rows
        .iter()
        .filter(|r| r.architecture == REFERENCE)
        .collect();
    match measure {
        Measure::LearningSpeed => {
            let zero = input
                .rows
                .iter()
                .filter(|r| r.learning_speed == 0.0)
                .count();
            let full = summary(reference_rows.iter().map(|r| r.learning_speed));
            why.push(format!(
                "threshold {:.3} (0.9 × the task's median fitness); {zero} of {} networks never reach it twice (speed 0); full's median speed {:.0} (IQR {:.0}–{:.0}), so faster means reaching the threshold within its first {:.0} checkpoints",
                input.threshold,
                input.rows.len(),
                full.median,
                full.q1,
                full.q3,
                100.0 - full.median
            ));
        }
        Measure::Robustness => {
            let full = summary(reference_rows.iter().map(|r| r.robustness));
            why.push(format!(
                "robustness is the area under fitness over sensor noise 0–0.5 (ceiling 0.5); full's median {:.4} (IQR {:.4}–{:.4})",
                full.median, full.q1, full.q3
            ));
        }
        Measure::Fitness => {
            let full = summary(reference_rows.iter().map(|r| r.fitness));
            why.push(format!(
                "full's median fitness {:.3} (IQR {:.3}–{:.3})",
                full.median, full.q1, full.q3
            ));
        }
    }
    let diff = better.abs_diff(paper);
    let (verdict, reason) = if let Some(w) = task_reason {
        (Verdict::NotTestable, w.clone())
    } else if powerless {
        (Verdict::NotTestable, why.join("; "))
    } else if diff <= margin {
        (
            Verdict::Reproduced,
            format!("{better} against the paper's {paper}; {}", why.join("; ")),
        )
    } else {
        (
            Verdict::NotReproduced,
            format!(
                "{better} against the paper's {paper} ({}); {}",
                if better < paper { "fewer" } else { "more" },
                why.join("; ")
            ),
        )
    };
    Finding {
        claim,
        paper: text.into(),
        ours,
        test,
        p: smallest_p,
        verdict,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::super::rankings::rankings;
    use super::super::rankings::tests::row;
    use super::*;

    const TRACK: MazeKind = MazeKind::Track {
        size: 11,
        n_steps: 6,
        gaps: 1,
    };

    /// 50 networks each of the landmarks at the paper's medians and of architectures 2..=20;
    /// `faster` of those learn faster than full, by a wide margin.
    fn study(faster: usize, full_fitness: f64) -> Vec<Row> {
        let mut rows = Vec::new();
        for a in [128, 0, 9, 1].into_iter().chain(2..=20) {
            for s in 0..50 {
                let jitter = (s % 10) as f64 * 0.002 - 0.009;
                let fitness = match a {
                    128 => full_fitness,
                    0 => 0.48,
                    9 => 0.49,
                    1 => 0.56,
                    _ => 0.92,
                } + jitter;
                let speed = if (2..2 + faster).contains(&a) {
                    90.0
                } else {
                    60.0
                } + (s % 5) as f64;
                let mut r = row(a, fitness, speed, 0.4 + jitter);
                r.seed_index = s;
                rows.push(r);
            }
        }
        rows
    }

    fn run(rows: &[Row], task: MazeKind) -> Vec<Finding> {
        let ranked = rankings(rows);
        findings(&FindingsInput {
            task,
            rows,
            rankings: ranked.as_deref(),
            threshold: 0.8,
        })
    }

    fn verdict(f: &[Finding], claim: &str) -> Verdict {
        f.iter()
            .find(|x| x.claim.starts_with(claim))
            .unwrap_or_else(|| panic!("no claim {claim}"))
            .verdict
    }

    #[test]
    fn the_paper_numbers_planted_are_reproduced() {
        let f = run(&study(19, 0.93), TRACK);
        for claim in [
            "Median fitness of full",
            "Median fitness of ff (",
            "Median fitness of ff + W_io",
            "Median fitness of ff34",
            "Median fitness of the other",
            "Architectures with significantly higher fitness",
            "Architectures with significantly higher learning speed",
        ] {
            assert_eq!(verdict(&f, claim), Verdict::Reproduced, "{claim}: {f:#?}");
        }
        // No architecture is planted more robust: 0 against the paper's 9.
        let r = f.iter().find(|x| x.claim.contains("robustness")).unwrap();
        assert_eq!(r.verdict, Verdict::NotReproduced);
        assert!(
            r.reason.contains("0 against the paper's 9 (fewer)"),
            "{}",
            r.reason
        );
    }

    #[test]
    fn numbers_far_from_the_paper_are_not_reproduced() {
        let f = run(&study(3, 0.80), TRACK);
        assert_eq!(
            verdict(&f, "Median fitness of full"),
            Verdict::NotReproduced
        );
        // With full at 0.80 every other architecture is better on fitness.
        assert_eq!(
            verdict(&f, "Architectures with significantly higher fitness"),
            Verdict::NotReproduced
        );
        assert_eq!(
            verdict(&f, "Architectures with significantly higher learning speed"),
            Verdict::NotReproduced
        );
    }

    #[test]
    fn missing_architectures_seeds_or_the_wrong_task_are_not_testable() {
        // Four networks per architecture: p ≥ 0.03 > 0.01 whatever the data; 0 against 0
        // better on fitness is then no evidence either.
        let few: Vec<Row> = study(19, 0.93)
            .into_iter()
            .filter(|r| r.seed_index < 4)
            .collect();
        let f = run(&few, TRACK);
        for claim in ["fitness", "learning speed", "robustness"] {
            let c = f
                .iter()
                .find(|x| x.claim.starts_with("Architectures") && x.claim.contains(claim))
                .unwrap();
            assert_eq!(c.verdict, Verdict::NotTestable, "{claim}");
            assert!(c.reason.contains("too few seeds"), "{}", c.reason);
        }
        let no_full: Vec<Row> = study(19, 0.93)
            .into_iter()
            .filter(|r| r.architecture != 128)
            .collect();
        let f = run(&no_full, TRACK);
        assert_eq!(verdict(&f, "Median fitness of full"), Verdict::NotTestable);
        assert_eq!(
            verdict(&f, "Architectures with significantly higher robustness"),
            Verdict::NotTestable
        );
        let general = run(
            &study(19, 0.93),
            MazeKind::General {
                size: 9,
                n_steps: 20,
            },
        );
        assert!(
            general.iter().all(|x| x.verdict == Verdict::NotTestable),
            "{general:#?}"
        );
    }
}
