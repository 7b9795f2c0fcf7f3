//! The full recipe trains: both regularisers reach the paper's accuracy at moderate γ, strong γ
//! visibly sparsifies W_rec, and a network is a pure function of its seeds.

use wiring_model::rng::NetworkSeeds;
use wiring_model::sernn::{self, Recipe, RegulariserSpec, Space, TrainOptions, TrainedNetwork};

fn run(spec: RegulariserSpec, network_id: u64) -> TrainedNetwork {
    let seeds = NetworkSeeds {
        study_seed: 2023,
        network_id,
    };
    sernn::train(
        &Recipe::default(),
        &spec,
        &Space::default(),
        seeds,
        &TrainOptions::default(),
        &mut |_| {},
    )
    .expect("training succeeds")
}

#[test]
fn moderate_gamma_reaches_high_accuracy_and_strong_gamma_sparsifies() {
    let se_moderate = run(RegulariserSpec::se(MODERATE_SE), 1);
    let l1_moderate = run(RegulariserSpec::l1(MODERATE_L1), 2);
    for (name, net) in [("se", &se_moderate), ("l1", &l1_moderate)] {
        let last = net.epochs.last().unwrap();
        assert_eq!(net.epochs.len(), 11);
        assert_eq!(net.snapshots.len(), 11);
        assert!(
            last.val_accuracy >= 0.9,
            "{name}: validation accuracy {} < 0.9",
            last.val_accuracy
        );
        assert!(
            net.test_accuracy.unwrap() >= 0.9,
            "{name}: test accuracy {:?}",
            net.test_accuracy
        );
        // Untrained networks are at chance (4 classes).
        assert!(
            net.epochs[0].val_accuracy < 0.5,
            "{name}: untrained accuracy {}",
            net.epochs[0].val_accuracy
        );
    }
    let se_strong = run(RegulariserSpec::se(0.3), 3);
    let l1_strong = run(RegulariserSpec::l1(0.3), 4);
    for (name, strong, moderate) in [
        ("se", &se_strong, &se_moderate),
        ("l1", &l1_strong, &l1_moderate),
    ] {
        let (w0, w_end) = (strong.wiring[0], *strong.wiring.last().unwrap());
        assert!(
            w_end.mean_abs < 0.5 * w0.mean_abs,
            "{name}: mean |W| {} → {}",
            w0.mean_abs,
            w_end.mean_abs
        );
        assert!(
            w_end.above_1e_3 < moderate.wiring.last().unwrap().above_1e_3,
            "{name}: strong γ keeps {} weights > 1e-3, moderate γ {}",
            w_end.above_1e_3,
            moderate.wiring.last().unwrap().above_1e_3
        );
        // The penalty falls as W_rec is pruned.
        assert!(
            strong.epochs.last().unwrap().penalty < 0.5 * strong.epochs[0].penalty,
            "{name}"
        );
    }
}

const MODERATE_SE: f64 = 0.05;
const MODERATE_L1: f64 = 0.01;

#[test]
fn a_network_is_a_pure_function_of_its_seeds() {
    let recipe = Recipe {
        n_train: 256,
        n_validation: 128,
        n_test: 128,
        epochs: 2,
        ..Recipe::default()
    };
    let train = |id| {
        let seeds = NetworkSeeds {
            study_seed: 5,
            network_id: id,
        };
        sernn::train(
            &recipe,
            &RegulariserSpec::se(0.1),
            &Space::default(),
            seeds,
            &TrainOptions::default(),
            &mut |_| {},
        )
        .unwrap()
    };
    let a = train(7);
    let b = train(7);
    assert_eq!(a, b, "same seeds must give bit-identical networks");
    let c = train(8);
    assert_ne!(
        a.snapshots[0].w_rec, c.snapshots[0].w_rec,
        "another network id draws other weights"
    );
}

#[test]
fn bad_recipes_are_refused_with_the_field_named() {
    let seeds = NetworkSeeds {
        study_seed: 1,
        network_id: 0,
    };
    let cases = [
        (
            Recipe {
                batch_size: 0,
                ..Recipe::default()
            },
            "batch_size",
        ),
        (
            Recipe {
                epochs: 0,
                ..Recipe::default()
            },
            "epochs",
        ),
        (
            Recipe {
                input_noise_std: -1.0,
                ..Recipe::default()
            },
            "input_noise_std",
        ),
        (
            Recipe {
                n_hidden: 50,
                ..Recipe::default()
            },
            "space",
        ),
    ];
    for (recipe, field) in cases {
        let err = sernn::train(
            &recipe,
            &RegulariserSpec::se(0.1),
            &Space::default(),
            seeds,
            &TrainOptions::default(),
            &mut |_| {},
        )
        .unwrap_err();
        assert!(err.to_string().starts_with(field), "{field}: {err}");
    }
    let err = sernn::train(
        &Recipe::default(),
        &RegulariserSpec::se(-1.0),
        &Space::default(),
        seeds,
        &TrainOptions::default(),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(err.to_string().starts_with("gamma"), "{err}");
}

/// FNV-1a over the bits of every snapshot's weights and every epoch's logged numbers.
fn fingerprint(net: &TrainedNetwork) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    for s in &net.snapshots {
        for arr in [&s.w_in, &s.w_rec, &s.b, &s.w_out, &s.b_out] {
            for v in arr.iter() {
                eat(&v.to_bits().to_le_bytes());
            }
        }
    }
    for e in &net.epochs {
        for v in [
            e.val_loss,
            e.val_accuracy,
            e.penalty,
            e.train_loss.unwrap_or(0.0),
        ] {
            eat(&v.to_bits().to_le_bytes());
        }
    }
    h
}

#[test]
fn cpu_training_is_bit_identical_to_the_recorded_runs() {
    // The CPU path through the engine seam must not change a bit of what it computes: these
    // fingerprints are those of the code before training moved behind the population seam
    // (ef8fec8, this test run on a worktree of it), and the seam (4951979) reproduces them;
    // tests/tiny/sernn.toml also gave byte-identical weights.npz and records. A change of any kernel, of the order of any
    // operation, or of a random stream shows here. (Bit-identity holds for one build on one
    // target: x86-64-v3, as .cargo/config.toml pins.)
    let recipe = Recipe {
        n_hidden: 8,
        n_train: 256,
        n_validation: 64,
        n_test: 64,
        batch_size: 64,
        epochs: 2,
        ..Recipe::default()
    };
    let space = Space::grid([2, 2, 2]);
    for (spec, want) in [
        (RegulariserSpec::se(0.05), 0x9dc1_1177_d1b4_f9fc_u64),
        (RegulariserSpec::l1(0.01), 0xb429_e0ac_9967_1d38),
    ] {
        let net = sernn::train(
            &recipe,
            &spec,
            &space,
            NetworkSeeds {
                study_seed: 5,
                network_id: 3,
            },
            &TrainOptions::default(),
            &mut |_| {},
        )
        .expect("training");
        let got = fingerprint(&net);
        println!("{:?}: {got:#018x}", spec.kind);
        assert_eq!(
            got, want,
            "{:?}: the CPU path computes other numbers",
            spec.kind
        );
    }
}
