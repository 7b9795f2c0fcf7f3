//! The seRNN device engine end to end on the emulated device (`kernels/cuda/*.cu` through the
//! host shim, cuBLAS's GEMM semantics): the regularisers against the CPU's, one batch's
//! gradient against the CPU engine's, a whole small study against CPU training network by
//! network, and a network's independence from the population it trains in. On a GPU the same
//! comparisons run against cudarc (`gpu` tests in `tests/`, the prepared script).

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use wiring_kernels::device::{CudaDevice, Device, EmulatedDevice};
use wiring_model::rng::NetworkSeeds;
use wiring_model::sernn::engine::{CpuEngine, DeviceEngine, SernnEngine};
use wiring_model::sernn::network::{BatchStats, Params};
use wiring_model::sernn::regulariser::Regulariser;
use wiring_model::sernn::{
    self, train_population, Member, Recipe, RegulariserKind, RegulariserSpec, Space, TrainOptions,
    TrainedNetwork,
};
use wiring_tasks::goal_choice::N_INPUTS;

fn rel(x: &[f32], y: &[f32]) -> f64 {
    let num: f64 = x.iter().zip(y).map(|(a, b)| f64::from(a - b).powi(2)).sum();
    let den: f64 = y.iter().map(|b| f64::from(*b).powi(2)).sum();
    (num / den.max(1e-300)).sqrt()
}

fn spec(kind: RegulariserKind, gamma: f64, power: f64, constant: bool) -> RegulariserSpec {
    RegulariserSpec {
        kind,
        gamma,
        distance_power: 1.5,
        communicability_power: power,
        constant_communicability: constant,
    }
}

/// Sparse-ish recurrent weights of both signs, some rows empty (the regulariser's edge case).
fn weights(n: usize, r: &mut Xoshiro256PlusPlus) -> Vec<f32> {
    (0..n * n)
        .map(|k| {
            if k / n == 2 || r.random::<f64>() < 0.4 {
                0.0
            } else {
                r.random_range(-0.5f32..0.5)
            }
        })
        .collect()
}

#[test]
fn device_regularisers_equal_the_cpu_regularisers() {
    // L1 and spatial: the same f32 operations, sums in f64 in another order (rows first):
    // 1e-12. Communicability: Taylor on the device, Padé on the CPU, both ≈ u·‖e^A‖ from
    // exact, so C differs by a few 1e-7 and the gradient by its conditioning: 1e-5.
    let n = 27;
    let space = Space::grid([3, 3, 3]);
    let mut r = Xoshiro256PlusPlus::seed_from_u64(9);
    use RegulariserKind::*;
    for (kind, power, constant) in [
        (L1, 1.0, false),
        (Spatial, 1.0, false),
        (Communicability, 1.0, false),
        (Se, 1.0, false),
        (Se, 0.5, false),
        (Se, 1.0, true),
    ] {
        let specs: Vec<RegulariserSpec> = [0.01, 0.1, 0.3]
            .iter()
            .map(|&g| spec(kind, g, power, constant))
            .collect();
        let mut engine =
            DeviceEngine::new(EmulatedDevice::new(), n, 2, 4, &specs, &space).expect("engine");
        let params: Vec<Params<f32>> = specs
            .iter()
            .map(|_| {
                let mut p = Params::zeros(n);
                p.w_rec = weights(n, &mut r);
                p
            })
            .collect();
        engine.load(&params).expect("load");
        let mut penalties = vec![0.0; 3];
        engine.penalty(&mut penalties).expect("penalty");
        let tol = if matches!(kind, L1 | Spatial) {
            1e-12
        } else {
            1e-5
        };
        for (i, s) in specs.iter().enumerate() {
            let mut cpu = Regulariser::<f32>::new(*s, &space.distance(1.0), n).expect("cpu");
            let want = cpu.penalty(&params[i].w_rec).expect("cpu penalty");
            let err = (penalties[i] - want).abs() / want.abs().max(1e-300);
            println!(
                "{kind:?} p={power} constant={constant} γ={}: penalty {err:.1e}",
                s.gamma
            );
            assert!(
                err < tol,
                "{kind:?} network {i}: penalty {} vs {want}",
                penalties[i]
            );
        }
        // The gradient: with x = 0 and b = 0 every activation is 0, so the task gradient of
        // W_rec is exactly 0 and ∂W_rec is the regulariser's alone.
        let zeros_x = vec![0.0f32; 3 * 2 * N_INPUTS];
        let mut stats = vec![BatchStats::default(); 3];
        engine
            .task_gradient(&zeros_x, &[0, 0, 0], &mut stats)
            .expect("task");
        engine
            .regulariser_gradient(&mut penalties)
            .expect("gradient");
        let mut grads = vec![Params::zeros(n); 3];
        engine.store_gradients(&mut grads).expect("gradients");
        let tol = if matches!(kind, L1 | Spatial) {
            0.0
        } else {
            1e-5
        };
        for (i, s) in specs.iter().enumerate() {
            let mut cpu = Regulariser::<f32>::new(*s, &space.distance(1.0), n).expect("cpu");
            let mut want = vec![0.0f32; n * n];
            cpu.penalty_and_gradient(&params[i].w_rec, &mut want)
                .expect("cpu gradient");
            let err = rel(&grads[i].w_rec, &want);
            println!(
                "{kind:?} p={power} constant={constant} γ={}: gradient {err:.1e}",
                s.gamma
            );
            assert!(err <= tol, "{kind:?} network {i}: gradient error {err:e}");
        }
    }
}

fn small_recipe() -> Recipe {
    Recipe {
        n_hidden: 27,
        n_train: 1024,
        n_validation: 256,
        n_test: 256,
        batch_size: 64,
        epochs: 6,
        ..Recipe::default()
    }
}

fn seeds(network_id: u64) -> NetworkSeeds {
    NetworkSeeds {
        study_seed: 11,
        network_id,
    }
}

#[test]
fn one_batch_gradient_equals_the_cpu_engine() {
    // The same parameters and batch on both engines: the forward and BPTT differ only in the
    // products' summation order (~u per product, through ≤ 45 steps of a contracting ReLU
    // net): statistics to 1e-6, every gradient array to 1e-5 (relative Frobenius).
    let recipe = small_recipe();
    let n = recipe.n_hidden;
    let steps = recipe.task.steps();
    let space = Space::grid([3, 3, 3]);
    let specs = [RegulariserSpec::se(0.1), RegulariserSpec::se(0.2)];
    let mut r = Xoshiro256PlusPlus::seed_from_u64(4);
    let params: Vec<Params<f32>> = (0..2).map(|_| Params::init(n, &mut r)).collect();
    let trials = 64;
    let sets: Vec<_> = (0..2)
        .map(|_| recipe.task.sample(&mut r, trials, false))
        .collect();
    let mut x = vec![0.0f32; 2 * steps * trials * N_INPUTS];
    let mut labels = Vec::new();
    for (i, set) in sets.iter().enumerate() {
        let len = steps * trials * N_INPUTS;
        recipe
            .task
            .fill_inputs(&set.problems, &mut x[i * len..(i + 1) * len]);
        labels.extend_from_slice(&set.labels);
    }
    for v in &mut x {
        *v += r.random_range(-0.05f32..0.05);
    }
    let regs = specs
        .iter()
        .map(|s| Regulariser::new(*s, &space.distance(1.0), n).expect("reg"))
        .collect();
    let mut cpu = CpuEngine::new(TrainOptions::default().rnn, n, steps, trials, regs);
    let mut dev =
        DeviceEngine::new(EmulatedDevice::new(), n, steps, trials, &specs, &space).expect("dev");
    let mut stats = [
        vec![BatchStats::default(); 2],
        vec![BatchStats::default(); 2],
    ];
    let mut pens = [vec![0.0; 2], vec![0.0; 2]];
    let mut grads = [vec![Params::zeros(n); 2], vec![Params::zeros(n); 2]];
    for (k, engine) in [&mut cpu as &mut dyn SernnEngineDyn, &mut dev]
        .into_iter()
        .enumerate()
    {
        engine.run(
            &params,
            &x,
            &labels,
            &mut stats[k],
            &mut pens[k],
            &mut grads[k],
        );
    }
    for i in 0..2 {
        let (c, d) = (stats[0][i], stats[1][i]);
        println!(
            "network {i}: CE {} vs {}, correct {} vs {}",
            c.cross_entropy, d.cross_entropy, c.correct, d.correct
        );
        assert!((c.cross_entropy - d.cross_entropy).abs() < 1e-6 * c.cross_entropy);
        assert_eq!(c.correct, d.correct);
        assert!((pens[0][i] - pens[1][i]).abs() < 1e-5 * pens[0][i]);
        let names = ["w_in", "w_rec", "b", "w_out", "b_out"];
        for (name, (gc, gd)) in names
            .iter()
            .zip(grads[0][i].arrays().into_iter().zip(grads[1][i].arrays()))
        {
            let err = rel(gd, gc);
            println!("network {i} ∂{name}: {err:.1e}");
            assert!(err < 1e-5, "network {i} ∂{name}: {err:e}");
        }
    }
}

/// Both engines through the same calls, for the comparison above.
trait SernnEngineDyn {
    fn run(
        &mut self,
        params: &[Params<f32>],
        x: &[f32],
        labels: &[u8],
        stats: &mut [BatchStats],
        penalties: &mut [f64],
        grads: &mut [Params<f32>],
    );
}

impl<E: SernnEngine> SernnEngineDyn for E {
    fn run(
        &mut self,
        params: &[Params<f32>],
        x: &[f32],
        labels: &[u8],
        stats: &mut [BatchStats],
        penalties: &mut [f64],
        grads: &mut [Params<f32>],
    ) {
        self.load(params).expect("load");
        self.task_gradient(x, labels, stats).expect("task gradient");
        self.regulariser_gradient(penalties).expect("regulariser");
        self.store_gradients(grads).expect("gradients");
    }
}

fn train_on_device(members: &[Member]) -> Vec<TrainedNetwork> {
    train_on(EmulatedDevice::new(), members)
}

fn train_on<D: Device>(device: D, members: &[Member]) -> Vec<TrainedNetwork> {
    let recipe = small_recipe();
    let space = Space::grid([3, 3, 3]);
    let specs: Vec<RegulariserSpec> = members.iter().map(|m| m.regulariser).collect();
    let mut engine = DeviceEngine::new(
        device,
        recipe.n_hidden,
        recipe.task.steps(),
        recipe.batch_size,
        &specs,
        &space,
    )
    .expect("engine");
    train_population(&recipe, members, &space, &mut engine, &mut |_, _| {})
        .expect("population")
        .into_iter()
        .map(|r| r.expect("network trains"))
        .collect()
}

#[test]
fn a_small_study_on_the_emulated_device_matches_cpu_training() {
    small_study_matches_cpu_training(&|m| train_on_device(m), 1e-5);
}

#[test]
fn on_the_gpu_a_small_study_matches_cpu_training() {
    // The same study on GPU 0 (cuBLAS, NVRTC kernels): cuBLAS's summation order and the
    // device's expf/logf differ from the host by a few ulp per operation, so losses and
    // weights are held to 1e-4 (relative), accuracies and verdicts to equality.
    match CudaDevice::open(0).map(|dev| dev.info().name.clone()) {
        Err(e) => println!("skipped on the GPU: {e}"),
        Ok(name) => {
            println!("GPU: {name}");
            let on_gpu = |m: &[Member]| {
                train_on(CudaDevice::open(0).expect("the GPU opened a moment ago"), m)
            };
            small_study_matches_cpu_training(&on_gpu, 1e-4);
        }
    }
}

fn small_study_matches_cpu_training(device: &dyn Fn(&[Member]) -> Vec<TrainedNetwork>, tol: f64) {
    // Six epochs of 16 batches: the backends' rounding differences (~1e-7 per product) grow
    // through 96 Adam steps, fastest where Adam divides a near-zero m by a near-zero √v. We
    // compare what a study reads: every epoch's losses (1e-5 relative) and accuracies (equal),
    // the test accuracy (equal) and the final weights as a whole (1e-5 relative Frobenius; we
    // see ≤ 1e-7).
    let recipe = small_recipe();
    let space = Space::grid([3, 3, 3]);
    for kind in ["se", "l1"] {
        let members: Vec<Member> = [0.01, 0.05, 0.2]
            .iter()
            .enumerate()
            .map(|(i, &g)| Member {
                regulariser: if kind == "se" {
                    RegulariserSpec::se(g)
                } else {
                    RegulariserSpec::l1(g / 10.0)
                },
                seeds: seeds(i as u64),
            })
            .collect();
        let device = device(&members);
        for (m, d) in members.iter().zip(&device) {
            let cpu = sernn::train(
                &recipe,
                &m.regulariser,
                &space,
                m.seeds,
                &TrainOptions::default(),
                &mut |_| {},
            )
            .expect("cpu");
            for (ec, ed) in cpu.epochs.iter().zip(&d.epochs) {
                println!(
                    "{kind} γ={} epoch {}: val loss {:.6} vs {:.6}, val acc {:.4} vs {:.4}, penalty {:.6} vs {:.6}",
                    m.regulariser.gamma, ec.epoch, ec.val_loss, ed.val_loss, ec.val_accuracy, ed.val_accuracy, ec.penalty, ed.penalty
                );
                let close = |a: f64, b: f64| (a - b).abs() <= tol * a.abs().max(1e-3);
                assert!(
                    close(ec.val_loss, ed.val_loss),
                    "{kind} epoch {}: val loss",
                    ec.epoch
                );
                assert!(
                    close(ec.penalty, ed.penalty),
                    "{kind} epoch {}: penalty",
                    ec.epoch
                );
                if let (Some(a), Some(b)) = (ec.train_loss, ed.train_loss) {
                    assert!(close(a, b), "{kind} epoch {}: train loss", ec.epoch);
                }
                assert_eq!(
                    ec.val_accuracy, ed.val_accuracy,
                    "{kind} epoch {}",
                    ec.epoch
                );
            }
            assert_eq!(cpu.epochs.len(), d.epochs.len());
            assert_eq!(cpu.test_accuracy, d.test_accuracy, "{kind}: test accuracy");
            assert_eq!(cpu.flops > 0, d.flops > 0);
            let (wc, wd) = (
                &cpu.snapshots.last().expect("snapshot").w_rec,
                &d.snapshots.last().expect("snapshot").w_rec,
            );
            let err = rel(wd, wc);
            println!(
                "{kind} γ={}: final W_rec {err:.1e}, test acc {:?} vs {:?}",
                m.regulariser.gamma, cpu.test_accuracy, d.test_accuracy
            );
            assert!(
                err < 1e-5,
                "{kind} γ={}: final W_rec {err:e}",
                m.regulariser.gamma
            );
        }
    }
}

#[test]
fn a_network_on_the_device_does_not_depend_on_its_population() {
    // Network 1 trained with two others and alone: bit-identical (per-network squarings,
    // per-network GEMMs and kernels; nothing crosses networks).
    let members: Vec<Member> = [0.01, 0.3, 0.05]
        .iter()
        .enumerate()
        .map(|(i, &g)| Member {
            regulariser: RegulariserSpec::se(g),
            seeds: seeds(i as u64),
        })
        .collect();
    let together = train_on_device(&members);
    let alone = train_on_device(&members[1..2]);
    assert_eq!(together[1], alone[0]);
}
