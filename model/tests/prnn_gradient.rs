//! The pRNN: the architecture table, the spec's initialisation, and — for all 129
//! architectures, in f64 — the analytic BPTT gradient and the input / memory Jacobians
//! against central finite differences. Also clipping and Adam on the masked layout.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use wiring_kernels::adam::{self, AdamParams, AdamVariant};
use wiring_kernels::prnn::{
    self, backward_scratch, jacobian_scratch, memory_jacobians_len, Block, Layer, PrnnNet,
};
use wiring_model::prnn::{
    clip_grad_norm, fan_in, init_bound, Architecture, ArchitectureError, Prnn, PrnnAdam,
    N_ARCHITECTURES, PATHWAYS,
};

/// Central-difference step. Truncation `h²·f'''/6 ≈ 1e-11`, rounding `1e-16·L/h ≈ 1e-10`.
const H: f64 = 1e-5;
/// `|fd − analytic| ≤ ABS_TOL + REL_TOL·|analytic|`: 100× above the finite-difference error,
/// far below any missing BPTT term.
const ABS_TOL: f64 = 1e-8;
const REL_TOL: f64 = 1e-6;

fn close(fd: f64, analytic: f64) -> bool {
    (fd - analytic).abs() <= ABS_TOL + REL_TOL * analytic.abs()
}

// ---------------------------------------------------------------------------------------
// Architecture table
// ---------------------------------------------------------------------------------------

#[test]
fn architecture_table_counts_indices_and_names() {
    assert_eq!(Architecture::all().count(), N_ARCHITECTURES);
    assert_eq!(PATHWAYS, ["ii", "hh", "oo", "io", "oi", "hi", "oh"]);
    let ff = Architecture::from_index(0).unwrap();
    let ff34 = Architecture::from_index(1).unwrap();
    let full = Architecture::from_index(128).unwrap();
    assert_eq!(
        (ff.param_count(), ff.n_hidden(), ff.name()),
        (104, 8, "ff".into())
    );
    assert_eq!((ff34.param_count(), ff34.n_hidden()), (442, 34));
    assert_eq!(ff34.name(), "ff34");
    assert_eq!((full.param_count(), full.n_hidden()), (441, 8));
    assert_eq!(
        (full.name(), full.flag_string()),
        ("full".into(), "1111111".into())
    );
    assert_eq!(ff.flags(), [false; 7]);
    assert_eq!(ff34.flags(), [false; 7]);
    assert_eq!(full.flags(), [true; 7]);
    // Index 2 = binary 1 = only the last pathway (oh); index 65 = binary 64 = only ii.
    assert_eq!(
        Architecture::from_index(2).unwrap().flag_string(),
        "0000001"
    );
    assert_eq!(
        Architecture::from_index(65).unwrap().flag_string(),
        "1000000"
    );
    assert_eq!(
        Architecture::from_index(9).unwrap().flag_string(),
        "0001000"
    ); // io only

    let mut seen = std::collections::HashSet::new();
    for arch in Architecture::all() {
        let k = arch.index();
        let f = arch.flags();
        // Flags = 7-bit binary of k − 1, MSB first (index 0 like index 1: all off).
        let bits = k.saturating_sub(1);
        for (p, &on) in f.iter().enumerate() {
            assert_eq!(on, (bits >> (6 - p)) & 1 == 1, "index {k} pathway {p}");
            assert_eq!(arch.has_pathway(p), on);
        }
        assert_eq!(arch.n_hidden(), if k == 1 { 34 } else { 8 });
        // Parameter count by the formula.
        let h = arch.n_hidden();
        let w = [64, h * h, 25, 40, 40, 8 * h, 5 * h];
        let expect = 13 * h + (0..7).filter(|&p| f[p]).map(|p| w[p]).sum::<usize>();
        assert_eq!(arch.param_count(), expect, "index {k}");
        assert_eq!(arch.mask().flags(), f);
        assert_eq!(
            arch.is_recurrent(),
            f.iter().enumerate().any(|(p, &o)| o && p != 3)
        );
        // Every index but 1 round-trips through its flag string; names parse back.
        let back = Architecture::from_flag_str(&arch.flag_string()).unwrap();
        assert_eq!(back.index(), if k == 1 { 0 } else { k });
        assert_eq!(arch.name().parse::<Architecture>().unwrap(), arch);
        assert_eq!(k.to_string().parse::<Architecture>().unwrap(), arch);
        assert_eq!(arch.to_string(), arch.name());
        if k != 1 {
            assert!(seen.insert(f), "flags of index {k} repeat");
        }
    }
    assert_eq!(seen.len(), 128, "every flag combination exactly once");
}

#[test]
fn architecture_parsing_rejects_bad_input_with_one_line_errors() {
    assert_eq!(
        "0101101".parse::<Architecture>().unwrap().index(),
        0b0101101 + 1
    );
    assert_eq!("46".parse::<Architecture>().unwrap().index(), 46);
    assert_eq!("007".parse::<Architecture>().unwrap().index(), 7);
    assert_eq!("0000000".parse::<Architecture>().unwrap().index(), 0);
    let cases: [(&str, ArchitectureError); 7] = [
        ("129", ArchitectureError::IndexOutOfRange { index: 129 }),
        ("999", ArchitectureError::IndexOutOfRange { index: 999 }),
        (
            "010110",
            ArchitectureError::WrongLength {
                input: "010110".into(),
                len: 6,
            },
        ),
        (
            "01011011",
            ArchitectureError::WrongLength {
                input: "01011011".into(),
                len: 8,
            },
        ),
        (
            "",
            ArchitectureError::WrongLength {
                input: "".into(),
                len: 0,
            },
        ),
        (
            "01a1101",
            ArchitectureError::BadChar {
                input: "01a1101".into(),
                position: 2,
                found: 'a',
            },
        ),
        (
            "0101 01",
            ArchitectureError::BadChar {
                input: "0101 01".into(),
                position: 4,
                found: ' ',
            },
        ),
    ];
    for (input, expected) in cases {
        let err = input.parse::<Architecture>().unwrap_err();
        assert_eq!(err, expected, "input {input:?}");
        let msg = err.to_string();
        assert!(!msg.contains('\n') && !msg.is_empty(), "{msg}");
    }
    assert_eq!(
        Architecture::from_index(200).unwrap_err().to_string(),
        "architecture index 200 is out of range, expected 0..=128"
    );
    // Four digits are not an index: read as flags, wrong length.
    assert!(matches!(
        "1000".parse::<Architecture>(),
        Err(ArchitectureError::WrongLength { len: 4, .. })
    ));
}

// ---------------------------------------------------------------------------------------
// Initialisation
// ---------------------------------------------------------------------------------------

#[test]
fn init_fan_ins_bounds_and_draw_order() {
    let ff = Architecture::FEEDFORWARD;
    let ff34 = Architecture::FEEDFORWARD_MATCHED;
    let full = Architecture::FULL;
    let fans = |a| [Layer::Input, Layer::Hidden, Layer::Output].map(|l| fan_in(a, l));
    assert_eq!(fans(ff), [0, 8, 8]);
    assert_eq!(fans(ff34), [0, 8, 34]);
    assert_eq!(fans(full), [21, 21, 21]);
    assert_eq!(init_bound(ff, Layer::Input), None);
    // ii + hi: fan_in_i = 8 + 8; oh: fan_in_h = 8 + 5; io: fan_in_o = 8 + 8.
    let a = Architecture::from_flag_str("1001011").unwrap();
    assert_eq!(fans(a), [16, 13, 16]);

    for arch in Architecture::all() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(arch.index() as u64);
        let net = Prnn::<f64>::init(arch, &mut rng);
        assert_eq!(net.params().len(), arch.dims().param_len());
        // The documented draw order, replayed.
        let mut replay = Xoshiro256PlusPlus::seed_from_u64(arch.index() as u64);
        for block in Block::ALL {
            let w = net.block(block);
            if !arch.mask().has(block) {
                assert!(
                    w.iter().all(|&v| v == 0.0),
                    "{arch}: absent W_{}",
                    block.name()
                );
                continue;
            }
            let k = init_bound(arch, block.to_layer()).unwrap();
            for &v in w {
                assert!(
                    v.abs() <= k,
                    "{arch}: W_{} entry {v} outside ±{k}",
                    block.name()
                );
                assert_eq!(v, replay.random_range(-k..k));
            }
            assert!(w.iter().any(|&v| v != 0.0));
        }
        assert_eq!(Prnn::from_params(arch, net.params().to_vec()).unwrap(), net);
    }
}

#[test]
fn init_statistics_match_uniform() {
    // Every block of the fully recurrent net over 400 draws: w/k ~ U(−1, 1), so mean 0 (sd
    // 1/√3), mean square 1/3 (sd √(4/45)), extremes near ±1. Bounds at 5 standard errors.
    let arch = Architecture::FULL;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    let nets: Vec<Prnn<f64>> = (0..400).map(|_| Prnn::init(arch, &mut rng)).collect();
    for block in Block::ALL {
        let k = init_bound(arch, block.to_layer()).unwrap();
        let u: Vec<f64> = nets
            .iter()
            .flat_map(|n| n.block(block))
            .map(|&w| w / k)
            .collect();
        let n = u.len() as f64;
        let mean = u.iter().sum::<f64>() / n;
        let msq = u.iter().map(|v| v * v).sum::<f64>() / n;
        let max = u.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(
            mean.abs() < 5.0 * (1.0 / 3.0f64).sqrt() / n.sqrt(),
            "W_{} mean {mean}",
            block.name()
        );
        assert!(
            (msq - 1.0 / 3.0).abs() < 5.0 * (4.0 / 45.0f64).sqrt() / n.sqrt(),
            "W_{} msq {msq}",
            block.name()
        );
        assert!(max > 0.99 && max <= 1.0, "W_{} max {max}", block.name());
    }
}

// ---------------------------------------------------------------------------------------
// Episodes
// ---------------------------------------------------------------------------------------

/// A random Q-learning-like episode: sensor inputs in [0, 1], jitter U(0,1)/1000, random
/// actions and targets.
struct Episode {
    steps: usize,
    x: Vec<f64>,
    u: Vec<f64>,
    actions: Vec<usize>,
    targets: Vec<f64>,
}

impl Episode {
    fn random(rng: &mut Xoshiro256PlusPlus, steps: usize) -> Self {
        Self {
            steps,
            x: (0..steps * 8).map(|_| rng.random::<f64>()).collect(),
            u: (0..steps * 5)
                .map(|_| rng.random::<f64>() / 1000.0)
                .collect(),
            actions: (0..steps).map(|_| rng.random_range(0..5)).collect(),
            targets: (0..steps).map(|_| rng.random_range(-0.5..1.5)).collect(),
        }
    }
}

fn run(net: PrnnNet<'_, f64>, ep: &Episode, x: &[f64]) -> Vec<f64> {
    let d = net.dims;
    let mut records = vec![0.0; ep.steps * d.record_len()];
    let zero = vec![0.0; d.state_len()];
    prnn::forward(net, ep.steps, &zero, x, &ep.u, &mut records).unwrap();
    records
}

fn outputs<'r>(net: PrnnNet<'_, f64>, records: &'r [f64], t: usize) -> &'r [f64] {
    let d = net.dims;
    let at = t * d.record_len() + d.n_in + d.n_hidden;
    &records[at..at + d.n_out]
}

/// `L = Σ_t (o_t[a_t] − target_t)²`.
fn loss(net: PrnnNet<'_, f64>, ep: &Episode) -> f64 {
    let records = run(net, ep, &ep.x);
    (0..ep.steps)
        .map(|t| (outputs(net, &records, t)[ep.actions[t]] - ep.targets[t]).powi(2))
        .sum()
}

/// Smallest |a_t| over the episode: finite differences straddle a ReLU kink when it is
/// within a few `H` of zero.
fn min_abs_pre(net: PrnnNet<'_, f64>, records: &[f64], steps: usize) -> f64 {
    let d = net.dims;
    (0..steps)
        .flat_map(|t| {
            let r = &records[t * d.record_len()..(t + 1) * d.record_len()];
            r[d.state_len()..].iter().map(|a| a.abs())
        })
        .fold(f64::INFINITY, f64::min)
}

/// A network of `arch` whose absent blocks hold garbage (the kernels must ignore it), plus
/// a random episode of 6–20 steps kept away from ReLU kinks.
fn problem(arch: Architecture, seed: u64) -> (Prnn<f64>, Vec<f64>, Episode) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let net = Prnn::<f64>::init(arch, &mut rng);
    let dims = arch.dims();
    let mut garbage = net.params().to_vec();
    for block in Block::ALL {
        if !arch.mask().has(block) {
            for w in &mut garbage[dims.block_range(block)] {
                *w = rng.random_range(-3.0..3.0);
            }
        }
    }
    let steps = 6 + arch.index() % 15;
    loop {
        let ep = Episode::random(&mut rng, steps);
        let records = run(net.net(), &ep, &ep.x);
        if min_abs_pre(net.net(), &records, steps) > 1e-3 {
            return (net, garbage, ep);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Gradients
// ---------------------------------------------------------------------------------------

#[test]
fn bptt_gradient_matches_finite_differences_for_every_architecture() {
    let mut checked = 0usize;
    for arch in Architecture::all() {
        let (net, garbage, ep) = problem(arch, 1000 + arch.index() as u64);
        let (dims, mask) = (net.dims(), net.mask());
        let clean = net.net();
        let dirty = PrnnNet {
            params: &garbage,
            ..clean
        };
        // Absent blocks are never read.
        assert_eq!(
            loss(clean, &ep).to_bits(),
            loss(dirty, &ep).to_bits(),
            "{arch}"
        );

        let records = run(dirty, &ep, &ep.x);
        let mut dout = vec![0.0; ep.steps * 5];
        for t in 0..ep.steps {
            let o = outputs(dirty, &records, t);
            dout[t * 5 + ep.actions[t]] = 2.0 * (o[ep.actions[t]] - ep.targets[t]);
        }
        let mut grads = vec![0.0; dims.param_len()];
        let mut scratch = vec![0.0; backward_scratch(dims)];
        let zero = vec![0.0; dims.state_len()];
        prnn::backward(
            dirty,
            ep.steps,
            &zero,
            &records,
            &dout,
            &mut grads,
            &mut scratch,
        )
        .unwrap();

        for block in Block::ALL {
            let range = dims.block_range(block);
            if !mask.has(block) {
                assert!(
                    grads[range].iter().all(|&g| g == 0.0),
                    "{arch}: gradient written into absent W_{}",
                    block.name()
                );
                continue;
            }
            for k in range {
                let mut p = garbage.clone();
                let mut loss_at = |delta: f64| {
                    p[k] = garbage[k] + delta;
                    loss(
                        PrnnNet {
                            params: &p,
                            ..clean
                        },
                        &ep,
                    )
                };
                let fd = (loss_at(H) - loss_at(-H)) / (2.0 * H);
                assert!(
                    close(fd, grads[k]),
                    "{arch} (T = {}): W_{}[{}] analytic {} vs finite difference {fd}",
                    ep.steps,
                    block.name(),
                    k - dims.block_offset(block),
                    grads[k]
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 30_000, "{checked} parameters checked");
}

#[test]
fn backward_accumulates_and_matches_model_wrappers() {
    let (net, _, ep) = problem(Architecture::from_index(77).unwrap(), 7);
    let dims = net.dims();
    let mut records = vec![0.0; ep.steps * dims.record_len()];
    net.forward(ep.steps, &ep.x, &ep.u, &mut records).unwrap();
    let dout: Vec<f64> = (0..ep.steps * 5).map(|i| (i as f64 * 0.37).sin()).collect();
    let mut once = vec![0.0; dims.param_len()];
    let mut scratch = vec![0.0; backward_scratch(dims)];
    net.backward(ep.steps, &records, &dout, &mut once, &mut scratch)
        .unwrap();
    // Accumulates: a buffer holding 1 ends at 1 + ∂L/∂W (rounding of the additions only).
    let mut ones = vec![1.0; dims.param_len()];
    net.backward(ep.steps, &records, &dout, &mut ones, &mut scratch)
        .unwrap();
    for (a, b) in once.iter().zip(&ones) {
        assert!((1.0 + a - b).abs() <= 1e-12 * (1.0 + a.abs()), "{a} vs {b}");
    }
    // The model wrappers are the kernels from the zero state.
    let zero = vec![0.0; dims.state_len()];
    let mut direct = vec![0.0; ep.steps * dims.record_len()];
    prnn::forward(net.net(), ep.steps, &zero, &ep.x, &ep.u, &mut direct).unwrap();
    assert_eq!(direct, records);
}

// ---------------------------------------------------------------------------------------
// Jacobians
// ---------------------------------------------------------------------------------------

#[test]
fn input_jacobian_matches_finite_differences_for_every_architecture() {
    for arch in Architecture::all() {
        let (net, garbage, ep) = problem(arch, 2000 + arch.index() as u64);
        let dims = net.dims();
        let dirty = PrnnNet {
            params: &garbage,
            ..net.net()
        };
        let records = run(dirty, &ep, &ep.x);
        let (rl, sl) = (dims.record_len(), dims.state_len());
        let zero = vec![0.0; sl];
        let mut jac = vec![0.0; 40];
        let mut scratch = vec![0.0; jacobian_scratch(dims)];
        for t in 0..ep.steps {
            let record = &records[t * rl..(t + 1) * rl];
            prnn::input_jacobian(dirty, record, &mut jac, &mut scratch).unwrap();
            let prev = if t == 0 {
                &zero[..]
            } else {
                &records[(t - 1) * rl..(t - 1) * rl + sl]
            };
            let u = &ep.u[t * 5..(t + 1) * 5];
            for c in 0..8 {
                let o_at = |delta: f64| {
                    let mut x = ep.x[t * 8..(t + 1) * 8].to_vec();
                    x[c] += delta;
                    let mut next = vec![0.0; sl];
                    prnn::step(dirty, prev, &x, u, &mut next).unwrap();
                    next[sl - 5..].to_vec()
                };
                let (plus, minus) = (o_at(H), o_at(-H));
                for r in 0..5 {
                    let fd = (plus[r] - minus[r]) / (2.0 * H);
                    assert!(
                        close(fd, jac[r * 8 + c]),
                        "{arch} t {t}: ∂o[{r}]/∂x[{c}] analytic {} vs fd {fd}",
                        jac[r * 8 + c]
                    );
                }
            }
        }
    }
}

#[test]
fn memory_jacobians_match_finite_differences_for_every_architecture() {
    for arch in Architecture::all() {
        let (net, garbage, ep) = problem(arch, 3000 + arch.index() as u64);
        let dims = net.dims();
        let dirty = PrnnNet {
            params: &garbage,
            ..net.net()
        };
        let steps = ep.steps;
        let records = run(dirty, &ep, &ep.x);
        let mut jac = vec![f64::NAN; memory_jacobians_len(dims, steps)];
        let mut scratch = vec![0.0; jacobian_scratch(dims)];
        prnn::memory_jacobians(dirty, steps, &records, &mut jac, &mut scratch).unwrap();
        let block = |t: usize, k: usize| &jac[(t * steps + k) * 40..(t * steps + k + 1) * 40];

        // Lag 0 is the input Jacobian, bit for bit; lags beyond t are zero.
        let mut single = vec![0.0; 40];
        let rl = dims.record_len();
        for t in 0..steps {
            let record = &records[t * rl..(t + 1) * rl];
            prnn::input_jacobian(dirty, record, &mut single, &mut scratch).unwrap();
            assert_eq!(block(t, 0), &single[..], "{arch} t {t}");
            for k in t + 1..steps {
                assert!(block(t, k).iter().all(|&v| v == 0.0));
            }
        }

        // Every lag against a finite difference through the whole re-run.
        for s in 0..steps {
            for c in 0..8 {
                let run_at = |delta: f64| {
                    let mut x = ep.x.clone();
                    x[s * 8 + c] += delta;
                    run(dirty, &ep, &x)
                };
                let (plus, minus) = (run_at(H), run_at(-H));
                for t in 0..steps {
                    let (op, om) = (outputs(dirty, &plus, t), outputs(dirty, &minus, t));
                    for r in 0..5 {
                        let fd = (op[r] - om[r]) / (2.0 * H);
                        if t < s {
                            assert_eq!(fd, 0.0, "{arch}: o_{t} depends on future x_{s}");
                            continue;
                        }
                        let analytic = block(t, t - s)[r * 8 + c];
                        assert!(
                            close(fd, analytic),
                            "{arch}: ∂o_{t}[{r}]/∂x_{s}[{c}] analytic {analytic} vs fd {fd}"
                        );
                    }
                }
            }
        }

        // Without a recurrent pathway the output has no memory at all.
        if !arch.is_recurrent() {
            for t in 0..steps {
                for k in 1..steps {
                    assert!(block(t, k).iter().all(|&v| v == 0.0), "{arch}");
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Weight norms, clipping, Adam
// ---------------------------------------------------------------------------------------

#[test]
fn weight_norms_in_block_order_zero_when_absent() {
    let arch = Architecture::from_flag_str("0100100").unwrap(); // hh and oi
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    let net = Prnn::<f64>::init(arch, &mut rng);
    let norms = net.weight_norms();
    for (b, block) in Block::ALL.into_iter().enumerate() {
        let expect = net.block(block).iter().map(|w| w * w).sum::<f64>().sqrt();
        assert_eq!(norms[b], expect);
        let present = matches!(block, Block::Ih | Block::Ho | Block::Hh | Block::Oi);
        assert_eq!(norms[b] > 0.0, present, "W_{}", block.name());
    }
}

#[test]
fn clip_grad_norm_follows_pytorch_over_present_blocks() {
    let arch = Architecture::from_index(50).unwrap();
    let (dims, mask) = (arch.dims(), arch.mask());
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(4);
    let mut grads: Vec<f64> = (0..dims.param_len())
        .map(|_| rng.random_range(-3.0..3.0))
        .collect();
    let present_sq = |g: &[f64]| {
        Block::ALL
            .iter()
            .filter(|&&b| mask.has(b))
            .flat_map(|&b| g[dims.block_range(b)].iter())
            .map(|v| v * v)
            .sum::<f64>()
    };
    let before = grads.clone();
    let total = present_sq(&grads).sqrt();
    assert!(total > 10.0);
    // No clipping below the threshold: untouched, bit for bit.
    let mut same = grads.clone();
    assert_eq!(clip_grad_norm(dims, mask, &mut same, total + 1.0), total);
    assert_eq!(same, before);
    // Clipping to 10: every present gradient scaled by 10/(total + 1e-6); absent untouched.
    assert_eq!(clip_grad_norm(dims, mask, &mut grads, 10.0), total);
    let coef = 10.0 / (total + 1e-6);
    for block in Block::ALL {
        for i in dims.block_range(block) {
            let expect = if mask.has(block) {
                before[i] * coef
            } else {
                before[i]
            };
            assert_eq!(grads[i], expect);
        }
    }
    assert!((present_sq(&grads).sqrt() - 10.0).abs() < 1e-6);
}

#[test]
fn adam_moves_present_weights_only_and_matches_the_kernel() {
    for arch in [
        Architecture::FEEDFORWARD,
        Architecture::from_index(90).unwrap(),
        Architecture::FULL,
    ] {
        let (dims, mask) = (arch.dims(), arch.mask());
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(arch.index() as u64);
        let mut net = Prnn::<f32>::init(arch, &mut rng);
        let mut opt = PrnnAdam::<f32>::new(arch, AdamParams::PYTORCH);
        // Oracle: the kernel over the whole vector with absent gradients zeroed.
        let mut oracle = net.params().to_vec();
        let (mut m, mut v) = (vec![0.0f32; oracle.len()], vec![0.0f32; oracle.len()]);
        for t in 1..=5u64 {
            // Garbage in absent blocks must not move anything.
            let grads: Vec<f32> = (0..dims.param_len())
                .map(|_| rng.random_range(-1.0..1.0))
                .collect();
            opt.step(&mut net, &grads).unwrap();
            let mut masked = grads.clone();
            for block in Block::ALL {
                if !mask.has(block) {
                    masked[dims.block_range(block)].fill(0.0);
                }
            }
            adam::step(
                AdamVariant::Reference,
                &AdamParams::PYTORCH,
                t,
                &mut oracle,
                &masked,
                &mut m,
                &mut v,
            )
            .unwrap();
            assert_eq!(net.params(), &oracle[..], "{arch} step {t}");
        }
        for block in Block::ALL {
            let w = net.block(block);
            if mask.has(block) {
                assert!(w.iter().all(|&x| x != 0.0));
            } else {
                assert!(
                    w.iter().all(|&x| x.to_bits() == 0),
                    "{arch}: W_{} moved",
                    block.name()
                );
            }
        }
        assert_eq!(opt.t, 5);
        assert!(opt.step(&mut net, &[0.0; 3]).is_err());
    }
}
