//! Functional measures on constructed activity, where the answer is known.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::*;

/// The task's eight problems as (goal, offered pair, answer) with answers left 0, up 1,
/// right 2, down 3 and pairs {up,left} 0, {right,down} 1, {left,down} 2, {up,right} 3,
/// {left,right} 4 (spec table).
const PROBLEMS: [(u8, u8, u8); 8] = [
    (1, 0, 1),
    (1, 1, 2),
    (3, 2, 3),
    (2, 1, 3),
    (2, 0, 0),
    (0, 3, 1),
    (3, 4, 2),
    (0, 4, 0),
];

/// A code of the goal whose mean is the same for every answer: EV(goal) = 1, EV(answer) ≈ 0.
const GOAL_XOR: [f32; 4] = [1.0, -1.0, -1.0, 1.0];
/// A code of the answer whose mean is the same for every goal: EV(answer) = 1, EV(goal) ≈ 0.
const ANSWER_CODE: [f32; 4] = [1.0, -1.0, 1.0, -1.0];

struct Trials {
    goal: Vec<u8>,
    offered: Vec<u8>,
    answer: Vec<u8>,
}

fn trials(n: usize, rng: &mut Xoshiro256PlusPlus) -> Trials {
    let mut t = Trials {
        goal: vec![],
        offered: vec![],
        answer: vec![],
    };
    for _ in 0..n {
        let (g, o, a) = PROBLEMS[rng.random_range(0..8)];
        t.goal.push(g);
        t.offered.push(o);
        t.answer.push(a);
    }
    t
}

/// Box–Muller standard normal (metrics has no rand_distr).
fn standard_normal(rng: &mut Xoshiro256PlusPlus) -> f32 {
    let (u1, u2): (f64, f64) = (1.0 - rng.random::<f64>(), rng.random());
    ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
}

/// Activity `trials × 50 × units` where unit `u` at every step of trial `t` is `f(u, t) + noise`.
fn activity(
    t: &Trials,
    units: usize,
    noise: &[f32],
    rng: &mut Xoshiro256PlusPlus,
    f: impl Fn(usize, usize) -> f32,
) -> Vec<f32> {
    let steps = 50;
    let mut a = vec![0.0; t.goal.len() * steps * units];
    for trial in 0..t.goal.len() {
        for s in 0..steps {
            for u in 0..units {
                let e = standard_normal(rng);
                a[(trial * steps + s) * units + u] = f(u, trial) + noise[u] * e;
            }
        }
    }
    a
}

fn line(n: usize) -> Vec<f64> {
    (0..n * n)
        .map(|ij| (ij / n).abs_diff(ij % n) as f64)
        .collect()
}

fn measure(t: &Trials, a: &[f32], units: usize, permutations: usize) -> FunctionalMeasures {
    let act = Activity {
        data: a,
        trials: t.goal.len(),
        steps: 50,
        units,
    };
    let labels = TrialLabels {
        goal: &t.goal,
        offered: &t.offered,
        answer: &t.answer,
    };
    let opts = FunctionalOptions {
        permutations,
        seed: 3,
        ..FunctionalOptions::default()
    };
    functional_measures(&act, &labels, &line(units), &opts).unwrap()
}

#[test]
fn default_windows_are_the_specs_one_based_steps() {
    let o = FunctionalOptions::default();
    assert_eq!((o.window_steps, o.choice_window, o.delay_window), (5, 8, 5));
    // Window 8 = 0-based steps 40..45 = 1-based 41–45; window 5 = 1-based 26–30.
    assert_eq!((o.choice_window * 5 + 1, o.choice_window * 5 + 5), (41, 45));
    assert_eq!((o.delay_window * 5 + 1, o.delay_window * 5 + 5), (26, 30));
    let tiny = FunctionalOptions::for_phases(4, 2, 4, 10, 0);
    assert_eq!((tiny.choice_window, tiny.delay_window), (1, 1));
}

#[test]
fn explained_variance_is_one_for_a_goal_copy_and_zero_for_noise() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let t = trials(640, &mut rng);
    // Unit 0 copies the goal, 1 is noise, 2 copies the answer, 3 is silent.
    let noise = [0.0, 1.0, 0.0, 0.0];
    let a = activity(&t, 4, &noise, &mut rng, |u, trial| match u {
        0 => f32::from(t.goal[trial]),
        2 => f32::from(t.answer[trial]),
        _ => 0.0,
    });
    let m = measure(&t, &a, 4, 10);
    assert_eq!(m.ev_goal.len(), 10);
    for w in 0..10 {
        assert!((m.ev_goal[w][0] - 1.0).abs() < 1e-12, "{}", m.ev_goal[w][0]);
        assert!((m.ev_answer[w][2] - 1.0).abs() < 1e-12);
        // Pure noise: η² of 640 trials in 4 groups has mean 3/639; 5 groups 4/639.
        for ev in [&m.ev_goal, &m.ev_offered, &m.ev_answer] {
            assert!(ev[w][1] < 0.03, "noise EV {}", ev[w][1]);
            assert_eq!(ev[w][3], 0.0);
        }
        // Goal and answer are related through the problems: neither EV is 0 for the other.
        assert!(m.ev_answer[w][0] > 0.05 && m.ev_answer[w][0] < 1.0);
    }
    let mean_abs = a.iter().map(|&x| f64::from(x)).sum::<f64>() / a.len() as f64;
    assert!((m.energy - mean_abs).abs() < 1e-12);
}

#[test]
fn mixed_selectivity_is_high_for_mixed_units_and_negative_for_pure_ones() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2);
    let t = trials(640, &mut rng);
    let units = 40;
    // Mixed: every unit codes goal and answer together, with its own noise level, so EV(goal)
    // and EV(answer) rise and fall together across units.
    let noise: Vec<f32> = (0..units).map(|u| 0.1 + 0.1 * u as f32).collect();
    let mixed = activity(&t, units, &noise, &mut rng, |_, trial| {
        GOAL_XOR[t.goal[trial] as usize] + ANSWER_CODE[t.answer[trial] as usize]
    });
    let m = measure(&t, &mixed, units, 10);
    assert!(m.mixed_selectivity_choice.unwrap() > 0.9, "{m:?}");
    assert!(m.mixed_selectivity_delay.unwrap() > 0.9);
    // Pure: half the units code only the goal, half only the answer.
    let pure = activity(&t, units, &noise, &mut rng, |u, trial| {
        if u % 2 == 0 {
            GOAL_XOR[t.goal[trial] as usize]
        } else {
            ANSWER_CODE[t.answer[trial] as usize]
        }
    });
    let p = measure(&t, &pure, units, 10);
    assert!(p.mixed_selectivity_choice.unwrap() < -0.5, "{p:?}");
    // No variance across units: undefined, not NaN.
    let flat = activity(&t, units, &vec![0.0; units], &mut rng, |_, _| 1.0);
    assert_eq!(measure(&t, &flat, units, 10).mixed_selectivity_choice, None);
}

#[test]
fn functional_clustering_finds_planted_goal_and_choice_regions() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(4);
    let t = trials(640, &mut rng);
    let units = 40;
    let noise: Vec<f32> = (0..units).map(|u| 0.2 + 0.05 * (u % 20) as f32).collect();
    let code = |goal_unit: bool, trial: usize| {
        if goal_unit {
            f32::from(t.goal[trial])
        } else {
            f32::from(t.offered[trial])
        }
    };
    // Goal units on the left half of a line, choice units on the right.
    let planted = activity(&t, units, &noise, &mut rng, |u, trial| {
        code(u < units / 2, trial)
    });
    let m = measure(&t, &planted, units, 1000);
    let c = &m.clustering;
    assert_eq!((c.goal_units, c.choice_units, c.window), (20, 20, 8));
    assert!(c.p_value.unwrap() < 0.01, "{c:?}");
    // Interleaved (goal, choice, goal, …): no spatial clustering.
    let interleaved = activity(&t, units, &noise, &mut rng, |u, trial| {
        code(u % 2 == 0, trial)
    });
    let c = measure(&t, &interleaved, units, 1000).clustering;
    assert_eq!((c.goal_units, c.choice_units), (20, 20));
    assert!(c.p_value.unwrap() > 0.2, "{c:?}");
}

#[test]
fn bad_inputs_are_refused() {
    let t = Trials {
        goal: vec![0, 1],
        offered: vec![0, 1],
        answer: vec![0, 1],
    };
    let labels = TrialLabels {
        goal: &t.goal,
        offered: &t.offered,
        answer: &t.answer,
    };
    let data = vec![0.0f32; 2 * 50 * 3];
    let act = Activity {
        data: &data,
        trials: 2,
        steps: 50,
        units: 3,
    };
    let opts = FunctionalOptions::default();
    assert!(functional_measures(&act, &labels, &line(3), &opts).is_ok());
    let short = Activity { units: 4, ..act };
    assert!(matches!(
        functional_measures(&short, &labels, &line(4), &opts),
        Err(MetricsError::LengthMismatch {
            what: "activity",
            ..
        })
    ));
    assert!(matches!(
        functional_measures(&act, &labels, &line(2), &opts),
        Err(MetricsError::NotSquare { .. })
    ));
    let mut nan = data.clone();
    nan[7] = f32::NAN;
    let nan_act = Activity { data: &nan, ..act };
    assert!(matches!(
        functional_measures(&nan_act, &labels, &line(3), &opts),
        Err(MetricsError::NonFinite { index: 7, .. })
    ));
    let late = FunctionalOptions {
        choice_window: 10,
        ..opts
    };
    assert!(matches!(
        functional_measures(&act, &labels, &line(3), &late),
        Err(MetricsError::OutOfRange {
            name: "choice_window",
            ..
        })
    ));
    let one_goal = TrialLabels {
        goal: &t.goal[..1],
        ..labels
    };
    assert!(functional_measures(&act, &one_goal, &line(3), &opts).is_err());
}
