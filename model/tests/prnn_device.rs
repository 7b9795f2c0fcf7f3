//! The pRNN study's device path against the CPU: a population trained by
//! `train_population_on` (every network's whole Q-learning loop in one device thread) is the
//! CPU's `train_population` — parameters, curves, losses and counters — bit for bit on the
//! emulated device (the same kernel sources compiled for the host), for every architecture
//! class and maze kind. On a GPU (when one opens) the same populations must match within
//! rounding: the kernels use no library function whose device version rounds differently,
//! so they are expected to be equal there too; the test prints how far apart they are.

use wiring_kernels::device::{CudaDevice, Device, EmulatedDevice};
use wiring_kernels::prnn::PrnnVariant;
use wiring_model::prnn::{
    evaluate_population, evaluate_population_on, train_population, train_population_on,
    train_population_resumable_on, Architecture, EvaluationRecipe, Prnn, PrnnPlan, QRecipe,
    TrainedPrnn, TrainingCheckpoint, TrainingCheckpoints,
};
use wiring_model::rng::NetworkSeeds;
use wiring_model::ModelError;
use wiring_tasks::maze::{MazeConfig, MazeKind};

fn plans(indices: &[usize]) -> Vec<PrnnPlan> {
    indices
        .iter()
        .enumerate()
        .map(|(k, &i)| PrnnPlan {
            architecture: Architecture::from_index(i).unwrap(),
            seeds: NetworkSeeds {
                study_seed: 11,
                network_id: 1000 + k as u64,
            },
        })
        .collect()
}

fn recipe(episodes: usize) -> QRecipe {
    QRecipe {
        curve_points: 7,
        test_mazes: 24,
        maze_batch: 16,
        ..QRecipe::with_episodes(episodes)
    }
}

/// Every field equal, floats by their bits (so NaN loss intervals compare).
fn assert_same(cpu: &[TrainedPrnn], dev: &[TrainedPrnn], what: &str) {
    assert_eq!(cpu.len(), dev.len());
    for (c, d) in cpu.iter().zip(dev) {
        let name = format!("{what}: {}", c.plan.architecture.name());
        assert_eq!(c.plan, d.plan, "{name}");
        assert_eq!(c.initial, d.initial, "{name}: initial parameters");
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(
            bits(c.trained.params()),
            bits(d.trained.params()),
            "{name}: trained parameters"
        );
        let bits64 = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(c.curve_episodes, d.curve_episodes, "{name}");
        assert_eq!(bits64(&c.curve), bits64(&d.curve), "{name}: curve");
        assert_eq!(bits64(&c.curve_loss), bits64(&d.curve_loss), "{name}: loss");
        assert_eq!(c.clipped_updates, d.clipped_updates, "{name}: clipped");
        assert_eq!(c.train_steps, d.train_steps, "{name}: steps");
        assert_eq!(c.forwards, d.forwards, "{name}: forwards");
    }
}

/// The CPU's training, eight networks (one SIMD population) at a time: a network's result
/// does not depend on its population.
fn cpu(recipe: &QRecipe, task: &MazeConfig, plans: &[PrnnPlan]) -> Vec<TrainedPrnn> {
    plans
        .chunks(8)
        .flat_map(|p| {
            train_population(recipe, task, PrnnVariant::Population, p, &mut |_| {}).unwrap()
        })
        .collect()
}

fn emulated(recipe: &QRecipe, task: &MazeConfig, plans: &[PrnnPlan]) -> Vec<TrainedPrnn> {
    let mut dev = EmulatedDevice::new();
    train_population_on(&mut dev, recipe, task, plans, &mut |_| {}).unwrap()
}

/// Eight-unit architectures of every class: feedforward, each pathway alone, pairs, the
/// fully recurrent net.
const EIGHT_UNIT: [usize; 11] = [0, 2, 3, 5, 9, 17, 33, 65, 100, 127, 128];

#[test]
fn general_mazes_train_bit_identically_to_the_cpu() {
    let (recipe, task) = (recipe(150), MazeConfig::default());
    let p = plans(&EIGHT_UNIT);
    assert_same(
        &cpu(&recipe, &task, &p),
        &emulated(&recipe, &task, &p),
        "general",
    );
}

#[test]
fn the_34_unit_feedforward_net_trains_bit_identically() {
    let (recipe, task) = (recipe(120), MazeConfig::default());
    let p = plans(&[1, 1]);
    assert_same(
        &cpu(&recipe, &task, &p),
        &emulated(&recipe, &task, &p),
        "ff34",
    );
}

#[test]
fn track_and_h_mazes_and_the_knobs_train_bit_identically() {
    let p = plans(&[0, 40, 128]);
    let tasks = [
        ("track", MazeConfig::of_kind(MazeKind::TRACK)),
        ("h", MazeConfig::of_kind(MazeKind::H)),
        (
            "general, sparse and noisy",
            MazeConfig {
                wall_sparsity: 0.2,
                cue_sparsity: 0.1,
                maze_noise: 0.05,
                ..MazeConfig::default()
            },
        ),
    ];
    for (name, task) in tasks {
        let recipe = recipe(100);
        assert_same(
            &cpu(&recipe, &task, &p),
            &emulated(&recipe, &task, &p),
            name,
        );
    }
    // The reference's one forward for both the greedy choice and the record.
    let recipe = QRecipe {
        separate_greedy_forward: false,
        ..recipe(100)
    };
    let task = MazeConfig::default();
    assert_same(
        &cpu(&recipe, &task, &p),
        &emulated(&recipe, &task, &p),
        "one forward",
    );
}

/// Keeps every checkpoint handed to it; resumes from `resume_from`.
struct Kept {
    saved: Vec<TrainingCheckpoint>,
    resume_from: Option<TrainingCheckpoint>,
}

impl TrainingCheckpoints for Kept {
    fn load(&mut self) -> Option<TrainingCheckpoint> {
        self.resume_from.take()
    }
    fn save(&mut self, checkpoint: &TrainingCheckpoint) {
        self.saved.push(checkpoint.clone());
    }
}

#[test]
fn a_training_resumed_from_any_checkpoint_ends_as_the_uninterrupted_one() {
    // Episodes that do not fall on the curve points, a loss interval with no episodes.
    let recipe = QRecipe {
        curve_points: 5,
        ..recipe(130)
    };
    let (task, p) = (MazeConfig::default(), plans(&[0, 40, 100, 128]));
    let whole = emulated(&recipe, &task, &p);
    let mut kept = Kept {
        saved: Vec::new(),
        resume_from: None,
    };
    let mut dev = EmulatedDevice::new();
    let with_saves =
        train_population_resumable_on(&mut dev, &recipe, &task, &p, &mut |_| {}, &mut kept)
            .unwrap();
    assert_same(&whole, &with_saves, "keeping checkpoints");
    // One after each curve point but the last.
    assert_eq!(
        kept.saved
            .iter()
            .map(|c| c.curve_points)
            .collect::<Vec<_>>(),
        vec![1, 2, 3, 4]
    );
    for checkpoint in &kept.saved {
        let mut from = Kept {
            saved: Vec::new(),
            resume_from: Some(checkpoint.clone()),
        };
        let mut dev = EmulatedDevice::new();
        let resumed =
            train_population_resumable_on(&mut dev, &recipe, &task, &p, &mut |_| {}, &mut from)
                .unwrap();
        let what = format!("resumed after curve point {}", checkpoint.curve_points);
        assert_same(&whole, &resumed, &what);
        // It keeps the later checkpoints, the same as the first training kept.
        assert_eq!(from.saved, kept.saved[checkpoint.curve_points..], "{what}");
    }
    // A checkpoint of another population (fewer networks) is not used: a fresh start.
    let mut other = Kept {
        saved: Vec::new(),
        resume_from: Some(kept.saved[1].clone()),
    };
    let mut dev = EmulatedDevice::new();
    let fresh =
        train_population_resumable_on(&mut dev, &recipe, &task, &p[..3], &mut |_| {}, &mut other)
            .unwrap();
    assert_same(
        &whole[..3],
        &fresh,
        "another population's checkpoint ignored",
    );
}

#[test]
fn a_diverging_population_fails_as_on_the_cpu() {
    let recipe = QRecipe {
        learning_rate: 1e30,
        ..recipe(60)
    };
    let (task, p) = (MazeConfig::default(), plans(&[0, 128]));
    let on_cpu = train_population(&recipe, &task, PrnnVariant::Population, &p, &mut |_| {});
    let mut dev = EmulatedDevice::new();
    let on_device = train_population_on(&mut dev, &recipe, &task, &p, &mut |_| {});
    match (on_cpu, on_device) {
        (Err(ModelError::NonFinite { .. }), Err(e @ ModelError::NonFinite { .. })) => {
            let cpu_err =
                train_population(&recipe, &task, PrnnVariant::Population, &p, &mut |_| {})
                    .unwrap_err();
            assert_eq!(cpu_err.to_string(), e.to_string());
        }
        (c, d) => panic!(
            "expected the same non-finite failure, got {:?} on the CPU and {:?} on the device",
            c.map(|_| ()),
            d.map(|_| ())
        ),
    }
}

#[test]
fn what_the_kernels_cannot_hold_is_refused_in_one_line() {
    let mut dev = EmulatedDevice::new();
    let task = MazeConfig::of_kind(MazeKind::General {
        size: 17,
        n_steps: 20,
    });
    let err = train_population_on(&mut dev, &recipe(10), &task, &plans(&[0]), &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(err.contains("got 17") && !err.contains('\n'), "{err}");
    let task = MazeConfig::of_kind(MazeKind::General {
        size: 9,
        n_steps: 40,
    });
    let err = train_population_on(&mut dev, &recipe(10), &task, &plans(&[0]), &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(err.contains("40 steps"), "{err}");
}

/// Measures of trained networks on some device, as their debug text.
type Measures<'a> = dyn FnMut(&[PrnnPlan], &[&Prnn<f32>]) -> String + 'a;

/// The measures of trained networks on the CPU (eight at a time) and on `dev`, as their
/// debug text (every float printed exactly; NaN lags of the memory curve compare).
fn evaluations(
    dev: &mut Measures<'_>,
    recipe: &QRecipe,
    eval: &EvaluationRecipe,
    task: &MazeConfig,
    plans: &[PrnnPlan],
) -> (String, String) {
    let trained = cpu(recipe, task, plans);
    let nets: Vec<_> = trained.iter().map(|t| &t.trained).collect();
    let on_cpu: Vec<_> = plans
        .chunks(8)
        .zip(nets.chunks(8))
        .flat_map(|(p, n)| {
            evaluate_population(recipe, eval, task, PrnnVariant::Population, p, n).unwrap()
        })
        .collect();
    (format!("{on_cpu:?}"), dev(plans, &nets))
}

/// The measures on the emulated device, as their debug text.
fn on_emulated(
    recipe: &QRecipe,
    eval: &EvaluationRecipe,
    task: &MazeConfig,
) -> impl FnMut(&[PrnnPlan], &[&Prnn<f32>]) -> String {
    let (recipe, eval, task) = (recipe.clone(), eval.clone(), *task);
    move |p, n| {
        let mut dev = EmulatedDevice::new();
        format!(
            "{:?}",
            evaluate_population_on(&mut dev, &recipe, &eval, &task, p, n).unwrap()
        )
    }
}

#[test]
fn the_measures_equal_the_cpus_bit_for_bit() {
    let recipe = recipe(150);
    let task = MazeConfig::default();
    let eval = EvaluationRecipe {
        noise_levels: vec![0.0, 0.05, 0.3, 0.5],
        sparsity_robustness: true,
        sparsity_levels: vec![0.0, 0.4, 1.0],
        ..EvaluationRecipe::default()
    };
    let p = plans(&EIGHT_UNIT);
    let mut dev = on_emulated(&recipe, &eval, &task);
    let (a, b) = evaluations(&mut dev, &recipe, &eval, &task, &p);
    assert!(
        a.contains("memory_curve") && a.len() > 10_000,
        "{}",
        &a[..200]
    );
    assert_eq!(a, b);
    // A headline noise that is no level of the sweep: an extra recorded pass after it; and
    // the 34-unit net on H mazes.
    let task = MazeConfig::of_kind(MazeKind::H);
    let eval = EvaluationRecipe {
        noise_levels: vec![0.0, 0.5],
        headline_noise: 0.1,
        ..EvaluationRecipe::default()
    };
    let mut dev = on_emulated(&recipe, &eval, &task);
    let (a, b) = evaluations(&mut dev, &recipe, &eval, &task, &plans(&[1, 1]));
    assert_eq!(a, b);
}

#[test]
fn on_the_gpu_a_population_matches_the_cpu() {
    let Ok(mut dev) = CudaDevice::open(0) else {
        println!(
            "skipped on the GPU: {}",
            CudaDevice::open(0)
                .err()
                .map_or(String::new(), |e| e.to_string())
        );
        return;
    };
    println!("GPU: {}", dev.info().name);
    let (recipe, task) = (recipe(150), MazeConfig::default());
    let p = plans(&EIGHT_UNIT);
    let on_gpu = train_population_on(&mut dev, &recipe, &task, &p, &mut |_| {}).unwrap();
    assert_same(&cpu(&recipe, &task, &p), &on_gpu, "general on the GPU");
    let eval = EvaluationRecipe {
        sparsity_robustness: true,
        sparsity_levels: vec![0.0, 0.5, 1.0],
        ..EvaluationRecipe::default()
    };
    let mut gpu = |p: &[PrnnPlan], n: &[&Prnn<f32>]| {
        format!(
            "{:?}",
            evaluate_population_on(&mut dev, &recipe, &eval, &task, p, n).unwrap()
        )
    };
    let (a, b) = evaluations(&mut gpu, &recipe, &eval, &task, &p);
    assert_eq!(a, b, "the measures on the GPU");
}
