//! The pRNN population kernel: every lane bit-identical to the f32 reference run on its
//! network alone (records, steps, gradients; masks, sizes, episode lengths, early-ended
//! lanes, zero / `−0` / huge inputs, saturated softmax), the fused probe equal to the separate
//! steps, absent gradient slots left at `+0`, the lane helpers, and bad shapes. (The shared
//! softmax exponential: `prnn_softmax_exp.rs`.)

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use wiring_kernels::prnn::{
    self, backward_scratch, gather_lane, population_backward, population_backward_scratch,
    population_forward, population_step, population_step_record, population_step_record_probe,
    population_step_record_recurrent, population_step_sibling, scatter_lane, scatter_params, Block,
    PrnnDims, PrnnMask, PrnnNet, POPULATION_LANES as L,
};
use wiring_kernels::KernelError;

/// Eight masks, FEEDFORWARD and FULL among them, each pathway present in some lane.
fn lane_masks(shift: usize) -> [PrnnMask; L] {
    let bits = [
        0b0000000u8,
        0b1111111,
        0b1000000,
        0b0100000,
        0b0011000,
        0b0000111,
        0b1011010,
        0b0100101,
    ];
    core::array::from_fn(|l| {
        let b = bits[(l + shift) % L];
        PrnnMask::from_flags(core::array::from_fn(|p| (b >> (6 - p)) & 1 == 1))
    })
}

/// How a lane's sensed inputs are drawn.
#[derive(Clone, Copy, Debug)]
enum Inputs {
    /// `U(0, 1)`.
    Uniform,
    /// Half of the values exactly `+0` (clipped sensors), the rest `U(0, 1)`.
    Zeros,
    /// `U(0, 1) · 1e4`: logits far apart, a one-hot softmax with exact zeros.
    Huge,
    /// Every value `−0`.
    NegativeZero,
}

/// One lane's network and episode, in f32.
struct Lane {
    mask: PrnnMask,
    /// Absent blocks hold 1e30: the reference never reads them, `scatter_params` zeroes them.
    params: Vec<f32>,
    x: Vec<f32>,
    u: Vec<f32>,
    dout: Vec<f32>,
}

impl Lane {
    fn random(dims: PrnnDims, mask: PrnnMask, steps: usize, inputs: Inputs, seed: u64) -> Self {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut params = vec![1e30f32; dims.param_len()];
        for block in Block::ALL {
            if mask.has(block) {
                let k = 1.5 / (dims.layer_len(block.from_layer()) as f32).sqrt();
                for w in &mut params[dims.block_range(block)] {
                    *w = rng.random_range(-k..k);
                }
            }
        }
        let x = (0..steps * dims.n_in)
            .map(|_| match inputs {
                Inputs::Uniform => rng.random::<f32>(),
                Inputs::Zeros => {
                    if rng.random::<bool>() {
                        0.0
                    } else {
                        rng.random::<f32>()
                    }
                }
                Inputs::Huge => rng.random::<f32>() * 1e4,
                Inputs::NegativeZero => -0.0,
            })
            .collect();
        let u = (0..steps * dims.n_out)
            .map(|_| rng.random::<f32>() / 1000.0)
            .collect();
        let dout = (0..steps * dims.n_out)
            .map(|_| rng.random_range(-2.0f32..2.0))
            .collect();
        Self {
            mask,
            params,
            x,
            u,
            dout,
        }
    }

    fn net(&self, dims: PrnnDims) -> PrnnNet<'_, f32> {
        PrnnNet {
            dims,
            mask: self.mask,
            params: &self.params,
        }
    }
}

/// Eight lanes and their interleaved buffers.
struct Population {
    dims: PrnnDims,
    steps: usize,
    lanes: Vec<Lane>,
    params: Vec<f32>,
    x: Vec<f32>,
    u: Vec<f32>,
}

impl Population {
    fn new(
        dims: PrnnDims,
        steps: usize,
        masks: [PrnnMask; L],
        inputs: [Inputs; L],
        seed: u64,
    ) -> Self {
        let lanes: Vec<Lane> = (0..L)
            .map(|l| Lane::random(dims, masks[l], steps, inputs[l], seed * 100 + l as u64))
            .collect();
        let mut params = vec![f32::NAN; dims.param_len() * L];
        let mut x = vec![f32::NAN; steps * dims.n_in * L];
        let mut u = vec![f32::NAN; steps * dims.n_out * L];
        for (l, lane) in lanes.iter().enumerate() {
            scatter_params(lane.net(dims), l, &mut params).unwrap();
            scatter_lane(l, &lane.x, &mut x).unwrap();
            scatter_lane(l, &lane.u, &mut u).unwrap();
        }
        Self {
            dims,
            steps,
            lanes,
            params,
            x,
            u,
        }
    }

    fn masks(&self) -> [PrnnMask; L] {
        core::array::from_fn(|l| self.lanes[l].mask)
    }

    fn records(&self) -> Vec<f32> {
        let d = self.dims;
        let mut rec = vec![f32::NAN; self.steps * d.record_len() * L];
        let zero = vec![0.0; d.state_len() * L];
        population_forward(
            d,
            &self.masks(),
            &self.params,
            self.steps,
            &zero,
            &self.x,
            &self.u,
            &mut rec,
        )
        .unwrap();
        rec
    }

    /// `dout` with lane `l` zeroed from step `ends[l]` on.
    fn dout(&self, ends: [usize; L]) -> Vec<f32> {
        let n = self.dims.n_out;
        let mut dout = vec![f32::NAN; self.steps * n * L];
        for (l, lane) in self.lanes.iter().enumerate() {
            let mut g = lane.dout.clone();
            g[ends[l] * n..].fill(0.0);
            scatter_lane(l, &g, &mut dout).unwrap();
        }
        dout
    }
}

/// The reference's records of lane `l` over `steps` steps.
fn reference_records(p: &Population, l: usize, steps: usize) -> Vec<f32> {
    let d = p.dims;
    let lane = &p.lanes[l];
    let mut rec = vec![0.0; steps * d.record_len()];
    let zero = vec![0.0; d.state_len()];
    prnn::forward(
        lane.net(d),
        steps,
        &zero,
        &lane.x[..steps * d.n_in],
        &lane.u[..steps * d.n_out],
        &mut rec,
    )
    .unwrap();
    rec
}

/// A gradient buffer as a trainer leaves it: present slots hold earlier sums, absent +0.
fn initial_grads(d: PrnnDims, mask: PrnnMask, seed: u64) -> Vec<f32> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut g = vec![0.0f32; d.param_len()];
    for block in Block::ALL {
        if mask.has(block) {
            for v in &mut g[d.block_range(block)] {
                *v = rng.random_range(-0.1f32..0.1);
            }
        }
    }
    g
}

fn assert_bits(what: &str, pop: &[f32], reference: &[f32]) {
    assert_eq!(pop.len(), reference.len(), "{what}: lengths");
    for (k, (a, b)) in pop.iter().zip(reference).enumerate() {
        assert!(
            a.to_bits() == b.to_bits(),
            "{what}[{k}]: population {a:e} ({:#010x}) vs reference {b:e} ({:#010x})",
            a.to_bits(),
            b.to_bits()
        );
    }
}

/// Runs forward, step-by-step and backward for a population with lane `l` ending at
/// `ends[l]`, checking every lane bit for bit against the reference.
fn check_population(p: &Population, ends: [usize; L], label: &str) {
    let d = p.dims;
    let (sl, rl) = (d.state_len(), d.record_len());
    let rec = p.records();

    // Forward records, lane by lane (over the whole episode: idle lanes keep running).
    let mut one = vec![0.0f32; p.steps * rl];
    for l in 0..L {
        gather_lane(l, &rec, &mut one).unwrap();
        assert_bits(
            &format!("{label} lane {l} records"),
            &one,
            &reference_records(p, l, p.steps),
        );
    }

    // The step APIs chain to the same records.
    let masks = p.masks();
    let mut state = vec![0.0f32; sl * L];
    let mut next = vec![f32::NAN; sl * L];
    let mut record = vec![f32::NAN; rl * L];
    let (xl, ul) = (d.n_in * L, d.n_out * L);
    for t in 0..p.steps {
        let (x, u) = (&p.x[t * xl..(t + 1) * xl], &p.u[t * ul..(t + 1) * ul]);
        population_step(d, &masks, &p.params, &state, x, u, &mut next).unwrap();
        population_step_record(d, &masks, &p.params, &state, x, u, &mut record).unwrap();
        assert_bits(
            &format!("{label} t {t} step_record"),
            &record,
            &rec[t * rl * L..(t + 1) * rl * L],
        );
        assert_bits(&format!("{label} t {t} step"), &next, &record[..sl * L]);

        // The fused probe: another step's jitter as the probe's; the record and the probe's
        // output as the separate calls give them.
        let t2 = (t + 1) % p.steps;
        let u2 = &p.u[t2 * ul..(t2 + 1) * ul];
        let mut probe_out = vec![f32::NAN; ul];
        population_step_record_probe(
            d,
            &masks,
            &p.params,
            &state,
            x,
            u,
            u2,
            &mut record,
            &mut probe_out,
        )
        .unwrap();
        let mut probe_alone = vec![f32::NAN; sl * L];
        population_step(d, &masks, &p.params, &state, x, u2, &mut probe_alone).unwrap();
        assert_bits(
            &format!("{label} t {t} record_probe"),
            &record,
            &rec[t * rl * L..(t + 1) * rl * L],
        );
        let o = (d.n_in + d.n_hidden) * L;
        assert_bits(
            &format!("{label} t {t} probe"),
            &probe_out,
            &probe_alone[o..],
        );

        // The recurrent sums, with and without the probe: the same record and probe; a
        // sibling step from them (another step's input and jitter) as a step from `state`.
        let x2 = &p.x[t2 * xl..(t2 + 1) * xl];
        let mut sibling_alone = vec![f32::NAN; sl * L];
        population_step(d, &masks, &p.params, &state, x2, u2, &mut sibling_alone).unwrap();
        for with_probe in [false, true] {
            let mut recurrent = vec![f32::NAN; sl * L];
            let mut probe_out = vec![f32::NAN; ul];
            record.fill(f32::NAN);
            population_step_record_recurrent(
                d,
                &masks,
                &p.params,
                &state,
                x,
                u,
                with_probe.then_some((u2, &mut probe_out[..])),
                &mut record,
                &mut recurrent,
            )
            .unwrap();
            let what = format!("{label} t {t} recurrent (probe {with_probe})");
            assert_bits(&what, &record, &rec[t * rl * L..(t + 1) * rl * L]);
            if with_probe {
                assert_bits(&what, &probe_out, &probe_alone[o..]);
            }
            let mut sibling = vec![f32::NAN; sl * L];
            population_step_sibling(d, &masks, &p.params, &recurrent, x2, u2, &mut sibling)
                .unwrap();
            assert_bits(&format!("{what} sibling"), &sibling, &sibling_alone);
        }
        state.copy_from_slice(&next);
    }

    // Backward: each lane against the reference over its own (possibly shorter) episode,
    // accumulating onto non-zero gradients; absent slots stay +0.
    let dout = p.dout(ends);
    let mut grads = vec![f32::NAN; d.param_len() * L];
    let start: Vec<Vec<f32>> = (0..L)
        .map(|l| initial_grads(d, masks[l], 7 + l as u64))
        .collect();
    for (l, g) in start.iter().enumerate() {
        scatter_lane(l, g, &mut grads).unwrap();
    }
    let zero = vec![0.0f32; sl * L];
    let mut scratch = vec![f32::NAN; population_backward_scratch(d, p.steps)];
    population_backward(
        d,
        &masks,
        &p.params,
        p.steps,
        &zero,
        &rec,
        &dout,
        &mut grads,
        &mut scratch,
    )
    .unwrap();
    let mut pop_g = vec![0.0f32; d.param_len()];
    for l in 0..L {
        let lane = &p.lanes[l];
        let steps = ends[l];
        let mut ref_g = start[l].clone();
        let mut ref_scratch = vec![0.0f32; backward_scratch(d)];
        prnn::backward(
            lane.net(d),
            steps,
            &vec![0.0; sl],
            &reference_records(p, l, steps),
            &lane.dout[..steps * d.n_out],
            &mut ref_g,
            &mut ref_scratch,
        )
        .unwrap();
        gather_lane(l, &grads, &mut pop_g).unwrap();
        assert_bits(
            &format!("{label} lane {l} (ends {steps}) gradient"),
            &pop_g,
            &ref_g,
        );
        for block in Block::ALL {
            if !masks[l].has(block) {
                assert!(pop_g[d.block_range(block)].iter().all(|v| v.to_bits() == 0));
            }
        }
    }
}

fn dims_list() -> [PrnnDims; 5] {
    [
        PrnnDims::study(1),
        PrnnDims::study(8),
        PrnnDims::study(9),
        PrnnDims::study(34),
        PrnnDims {
            n_in: 3,
            n_hidden: 7,
            n_out: 2,
        },
    ]
}

#[test]
fn lanes_are_bit_identical_to_the_reference() {
    let inputs = [
        Inputs::Uniform,
        Inputs::Zeros,
        Inputs::Uniform,
        Inputs::Huge,
        Inputs::Zeros,
        Inputs::Uniform,
        Inputs::Uniform,
        Inputs::Zeros,
    ];
    let mut seed = 0;
    for dims in dims_list() {
        for steps in [1, 2, 7, 20] {
            // Eight different masks (two orders), and populations of one architecture
            // (feedforward; one with a few pathways), where absent blocks are skipped.
            let same = |bits: usize| [lane_masks(bits)[0]; L];
            for (k, masks) in [lane_masks(0), lane_masks(3), same(0), same(7)]
                .into_iter()
                .enumerate()
            {
                seed += 1;
                let p = Population::new(dims, steps, masks, inputs, seed);
                check_population(&p, [steps; L], &format!("{dims:?} T={steps} masks #{k}"));
            }
        }
    }
}

#[test]
fn lanes_that_ended_early_match_their_shorter_episode() {
    let inputs = [Inputs::Uniform; L];
    let mut seed = 1000;
    for dims in [PrnnDims::study(8), PrnnDims::study(34), PrnnDims::study(9)] {
        for steps in [2, 7, 20] {
            seed += 1;
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            let mut ends: [usize; L] = core::array::from_fn(|_| rng.random_range(1..=steps));
            ends[0] = 1;
            ends[1] = steps;
            let p = Population::new(dims, steps, lane_masks(seed as usize % L), inputs, seed);
            check_population(&p, ends, &format!("{dims:?} T={steps} ends {ends:?}"));
        }
    }
}

#[test]
fn saturated_softmax_zero_and_negative_zero_inputs_stay_bit_identical() {
    // Huge inputs in every lane: one-hot outputs with exact zeros (exp underflows to +0),
    // dead ReLUs; −0 inputs in feedforward lanes (i_t = (+0 + Σ) + x_t = +0 in both).
    let inputs = [
        Inputs::Huge,
        Inputs::NegativeZero,
        Inputs::Huge,
        Inputs::Zeros,
        Inputs::NegativeZero,
        Inputs::Huge,
        Inputs::NegativeZero,
        Inputs::Huge,
    ];
    for (k, dims) in dims_list().into_iter().enumerate() {
        let p = Population::new(dims, 20, lane_masks(k), inputs, 500 + k as u64);
        let rec = p.records();
        let (sl, rl, n) = (dims.state_len(), dims.record_len(), dims.n_out);
        // Lane 0 (huge inputs) is saturated somewhere: an output exactly 0.
        let mut one = vec![0.0f32; p.steps * rl];
        gather_lane(0, &rec, &mut one).unwrap();
        assert!(
            (0..p.steps).any(|t| one[t * rl + sl - n..t * rl + sl].contains(&0.0)),
            "{dims:?}: no saturated softmax"
        );
        assert!(one.iter().all(|v| v.is_finite()));
        // Lane 1 (−0 inputs): the input layer holds +0, never −0.
        gather_lane(1, &rec, &mut one).unwrap();
        for t in 0..p.steps {
            assert!(one[t * rl..t * rl + dims.n_in]
                .iter()
                .all(|v| v.to_bits() != (-0.0f32).to_bits()));
        }
        check_population(&p, [p.steps; L], &format!("{dims:?} saturated"));
    }
}

#[test]
fn lane_helpers_round_trip_and_zero_absent_blocks() {
    let d = PrnnDims::study(8);
    let masks = lane_masks(0);
    let lanes: Vec<Lane> = (0..L)
        .map(|l| Lane::random(d, masks[l], 1, Inputs::Uniform, l as u64))
        .collect();
    let mut pop = vec![f32::NAN; d.param_len() * L];
    for (l, lane) in lanes.iter().enumerate() {
        scatter_params(lane.net(d), l, &mut pop).unwrap();
    }
    let mut one = vec![0.0f32; d.param_len()];
    for (l, lane) in lanes.iter().enumerate() {
        gather_lane(l, &pop, &mut one).unwrap();
        for block in Block::ALL {
            let r = d.block_range(block);
            if masks[l].has(block) {
                assert_bits("present block", &one[r.clone()], &lane.params[r]);
            } else {
                assert!(
                    one[r].iter().all(|v| v.to_bits() == 0),
                    "absent block not +0"
                );
            }
        }
        // Layout: parameter p of lane l at p·L + l.
        assert_eq!(pop[5 * L + l].to_bits(), one[5].to_bits());
    }
    let state: Vec<f32> = (0..d.state_len()).map(|k| k as f32).collect();
    let mut pop_state = vec![0.0f32; d.state_len() * L];
    scatter_lane(3, &state, &mut pop_state).unwrap();
    let mut back = vec![0.0f32; d.state_len()];
    gather_lane(3, &pop_state, &mut back).unwrap();
    assert_eq!(back, state);
    assert_eq!(pop_state[4 * L + 3], 4.0);
    assert_eq!(pop_state[4 * L + 2], 0.0);
}

#[test]
fn bad_shapes_are_refused_with_the_buffer_named() {
    let d = PrnnDims::study(8);
    let masks = lane_masks(0);
    let (sl, rl, pl) = (d.state_len() * L, d.record_len() * L, d.param_len() * L);
    let steps = 3;
    let params = vec![0.0f32; pl];
    let state = vec![0.0f32; sl];
    let x = vec![0.0f32; steps * 8 * L];
    let u = vec![0.0f32; steps * 5 * L];
    let mut next = vec![0.0f32; sl];
    let mut rec = vec![0.0f32; steps * rl];
    let dout = vec![0.0f32; steps * 5 * L];
    let mut grads = vec![0.0f32; pl];
    let mut scratch = vec![0.0f32; population_backward_scratch(d, steps)];
    let (x1, u1) = (&x[..8 * L], &u[..5 * L]);

    let buffer = |r: Result<(), KernelError>| match r {
        Err(KernelError::BufferLength { buffer, .. }) => buffer,
        other => panic!("expected a buffer-length error, got {other:?}"),
    };
    let step = population_step;
    assert_eq!(
        buffer(step(d, &masks, &params[1..], &state, x1, u1, &mut next)),
        "params"
    );
    assert_eq!(
        buffer(step(d, &masks, &params, &state[1..], x1, u1, &mut next)),
        "prev"
    );
    assert_eq!(
        buffer(step(d, &masks, &params, &state, &x[..8], u1, &mut next)),
        "x"
    );
    assert_eq!(
        buffer(step(
            d,
            &masks,
            &params,
            &state,
            x1,
            &u[..5 * L + 1],
            &mut next
        )),
        "u"
    );
    assert_eq!(
        buffer(step(d, &masks, &params, &state, x1, u1, &mut rec[..rl])),
        "next"
    );
    assert_eq!(
        buffer(population_step_record(
            d, &masks, &params, &state, x1, u1, &mut next
        )),
        "record"
    );
    let mut recurrent = next.clone();
    let mut record = rec[..rl].to_vec();
    assert_eq!(
        buffer(population_step_record_recurrent(
            d,
            &masks,
            &params,
            &state,
            x1,
            u1,
            None,
            &mut record,
            &mut recurrent[1..]
        )),
        "recurrent"
    );
    assert_eq!(
        buffer(population_step_record_recurrent(
            d,
            &masks,
            &params,
            &state,
            x1,
            u1,
            Some((&u1[1..], &mut next[..5 * L])),
            &mut record,
            &mut recurrent
        )),
        "u_probe"
    );
    assert_eq!(
        buffer(population_step_sibling(
            d,
            &masks,
            &params,
            &recurrent[1..],
            x1,
            u1,
            &mut next
        )),
        "recurrent"
    );
    assert_eq!(
        buffer(population_step_sibling(
            d,
            &masks,
            &params,
            &recurrent,
            x1,
            u1,
            &mut next[1..]
        )),
        "next"
    );
    let fwd = population_forward;
    assert_eq!(
        buffer(fwd(
            d,
            &masks,
            &params,
            steps,
            &state[..8],
            &x,
            &u,
            &mut rec
        )),
        "initial"
    );
    assert_eq!(
        buffer(fwd(d, &masks, &params, steps, &state, x1, &u, &mut rec)),
        "x"
    );
    assert_eq!(
        buffer(fwd(d, &masks, &params, steps, &state, &x, &u, &mut next)),
        "records"
    );
    let bwd = |params: &[f32],
               initial: &[f32],
               records: &[f32],
               dout: &[f32],
               grads: &mut [f32],
               scratch: &mut [f32]| {
        population_backward(
            d, &masks, params, steps, initial, records, dout, grads, scratch,
        )
    };
    assert_eq!(
        buffer(bwd(
            &params[8..],
            &state,
            &rec,
            &dout,
            &mut grads,
            &mut scratch
        )),
        "params"
    );
    assert_eq!(
        buffer(bwd(
            &params,
            &next[1..],
            &rec,
            &dout,
            &mut grads,
            &mut scratch
        )),
        "initial"
    );
    assert_eq!(
        buffer(bwd(
            &params,
            &state,
            &rec[rl..],
            &dout,
            &mut grads,
            &mut scratch
        )),
        "records"
    );
    assert_eq!(
        buffer(bwd(
            &params,
            &state,
            &rec,
            &dout[..5],
            &mut grads,
            &mut scratch
        )),
        "dout"
    );
    assert_eq!(
        buffer(bwd(&params, &state, &rec, &dout, &mut next, &mut scratch)),
        "grads"
    );
    let mut short = vec![0.0f32; population_backward_scratch(d, steps) - 1];
    assert_eq!(
        buffer(bwd(&params, &state, &rec, &dout, &mut grads, &mut short)),
        "scratch"
    );
    assert_eq!(
        buffer(scatter_lane(0, &state[..sl / L], &mut next[..5])),
        "population"
    );
    assert_eq!(
        buffer(gather_lane(0, &next[..5], &mut next.clone()[..sl / L])),
        "population"
    );
    let net = PrnnNet {
        dims: d,
        mask: PrnnMask::FULL,
        params: &params[..d.param_len()],
    };
    assert_eq!(
        buffer(scatter_params(net, 1, &mut grads[1..])),
        "population"
    );
    let short_net = PrnnNet {
        params: &params[..5],
        ..net
    };
    assert_eq!(buffer(scatter_params(short_net, 1, &mut grads)), "params");
    // A lane out of range and an empty layer are dimension errors.
    let err = scatter_lane(L, &state[..sl / L], &mut next).unwrap_err();
    assert!(matches!(err, KernelError::Dimension { .. }) && err.to_string().contains("lane 8"));
    let empty = PrnnDims {
        n_in: 8,
        n_hidden: 0,
        n_out: 5,
    };
    let err = step(
        empty,
        &masks,
        &[],
        &state[..13 * L],
        x1,
        u1,
        &mut next[..13 * L],
    )
    .unwrap_err();
    assert!(matches!(err, KernelError::Dimension { .. }), "{err}");

    // Everything right: fine, including an empty episode.
    fwd(d, &masks, &params, steps, &state, &x, &u, &mut rec).unwrap();
    bwd(&params, &state, &rec, &dout, &mut grads, &mut scratch).unwrap();
    fwd(d, &masks, &params, 0, &state, &[], &[], &mut []).unwrap();
    population_backward(
        d,
        &masks,
        &params,
        0,
        &state,
        &[],
        &[],
        &mut grads,
        &mut scratch,
    )
    .unwrap();
}
