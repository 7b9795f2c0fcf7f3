//! The population's BPTT over an episode: the adjoint recursion over every step, then each
//! weight gradient `Σ_t δ_t v_tᵀ` tile by tile with the tile in registers.

use wide::{f32x8, CmpGt};

use super::*;

/// Per block, `1.0` in the lanes whose network has it and `0.0` elsewhere.
fn block_multipliers(masks: &[PrnnMask; POPULATION_LANES]) -> [f32x8; N_BLOCKS] {
    core::array::from_fn(|b| f32x8::new(masks.map(|m| if m.present()[b] { 1.0 } else { 0.0 })))
}

/// Scratch of [`backward`] in lane rows: the carried adjoints and every step's local ones.
pub(in crate::prnn) fn backward_scratch_rows(d: PrnnDims, steps: usize) -> usize {
    (1 + steps) * d.state_len()
}

#[allow(clippy::too_many_arguments)] // the family's backward API plus the lane masks
pub(in crate::prnn) fn backward(
    d: PrnnDims,
    masks: &[PrnnMask; POPULATION_LANES],
    params: &[f32],
    steps: usize,
    initial: &[f32],
    records: &[f32],
    dout: &[f32],
    grads: &mut [f32],
    scratch: &mut [f32],
) {
    with_shape!(
        d,
        backward_shaped(
            masks,
            lanes(params),
            steps,
            lanes(initial),
            lanes(records),
            lanes(dout),
            lanes_mut(grads),
            lanes_mut(scratch),
        )
    )
}

#[allow(clippy::too_many_arguments)] // as `backward`
#[inline(always)]
fn backward_shaped<S: Shape>(
    d: S,
    masks: &[PrnnMask; POPULATION_LANES],
    params: &[Lanes],
    steps: usize,
    initial: &[Lanes],
    records: &[Lanes],
    dout: &[Lanes],
    grads: &mut [Lanes],
    scratch: &mut [Lanes],
) {
    let used = union(masks);
    let [w_ih, w_ho, w_ii, w_hh, w_oo, w_io, w_oi, w_hi, w_oh] = blocks(d, params, used);
    let (n_in, n_h, n_out) = (d.n_in(), d.n_h(), d.n_out());
    let (sl, rl) = (d.state_len(), d.record_len());
    let (carried, locals) = scratch.split_at_mut(sl);
    let locals = &mut locals[..steps * sl];
    carried.fill([0.0; POPULATION_LANES]);

    // 1. The adjoint recursion, t decreasing; step t's local adjoints [δ^i, δ^a, δ^z] are
    //    kept at locals[t].
    for t in (0..steps).rev() {
        let record = &records[t * rl..(t + 1) * rl];
        let g = &dout[t * n_out..(t + 1) * n_out];
        let (_, _, o) = split_state(record, d);
        let a = &record[sl..rl];
        let local = &mut locals[t * sl..(t + 1) * sl];

        // Local adjoints, as the reference's `local_adjoints`.
        {
            let (ci, ch, co) = split_state(carried, d);
            let (di, da, dz) = split_state_mut(local, d);
            // γ^o = g + c^o, δ^z = o ∘ (γ^o − ⟨o, γ^o⟩).
            let mut dot = ZERO;
            for (j, dzj) in dz.iter_mut().enumerate() {
                let gamma = ld(&g[j]) + ld(&co[j]);
                dot += ld(&o[j]) * gamma;
                *dzj = gamma.to_array();
            }
            for (dzj, oj) in dz.iter_mut().zip(o) {
                *dzj = (ld(oj) * (ld(dzj) - dot)).to_array();
            }
            // δ^a = (c^h + W_hoᵀ δ^z) ∘ [a > 0].
            cols_sum(
                n_h,
                |c| ld(&ch[c]),
                &[(w_ho, dz)],
                |c, acc| da[c] = ld(&a[c]).cmp_gt(ZERO).blend(acc, ZERO).to_array(),
            );
            // δ^i = c^i + W_ihᵀ δ^a + W_ioᵀ δ^z.
            let (da, dz): (&[Lanes], &[Lanes]) = (da, dz);
            cols_sum(
                n_in,
                |c| ld(&ci[c]),
                &[(w_ih, da), (w_io, dz)],
                |c, acc| di[c] = acc.to_array(),
            );
        }
        if t == 0 {
            break;
        }

        // Carry back, as the reference's `carry_back` (every block, absent ones add ±0).
        let (di, da, dz) = split_state(local, d);
        let (ci, ch, co) = split_state_mut(carried, d);
        cols_sum(
            n_in,
            |_| ZERO,
            &[(w_ii, di)],
            |c, acc| ci[c] = acc.to_array(),
        );
        cols_sum(
            n_h,
            |_| ZERO,
            &[(w_hi, di), (w_hh, da)],
            |c, acc| ch[c] = acc.to_array(),
        );
        cols_sum(
            n_out,
            |_| ZERO,
            &[(w_oi, di), (w_oh, da), (w_oo, dz)],
            |c, acc| co[c] = acc.to_array(),
        );
    }

    // 2. Gradients: ∂W[r, c] += (δ_t[r]·keep)·v_t[c] for t decreasing, as the reference's
    //    `outer_add` per step; a block some lanes lack only gets ±0 terms there (`keep` = 0),
    //    one no lane has none. `δ` and `v` are rows of `locals` and of the records (the
    //    previous state of step 0 is `initial`).
    if steps == 0 {
        return;
    }
    let terms = Terms {
        locals: &*locals,
        records: &records[..steps * rl],
        initial: &initial[..sl],
        sl,
        rl,
    };
    let keep = block_multipliers(masks);
    let off = d.offsets();
    let grads = &mut grads[..off[N_BLOCKS]];
    // Offsets of δ^i, δ^a, δ^z in a local row and of i, h, o in a state.
    let (at_i, at_h, at_o) = (0, n_in, n_in + n_h);
    for b in 0..N_BLOCKS {
        if !used[b] {
            continue;
        }
        // (δ offset, rows, v offset, cols, v from the previous state?)
        let (delta_at, rows, from_at, cols, from_prev) = match b {
            0 => (at_h, n_h, at_i, n_in, false),   // ih: δ^a i_tᵀ
            1 => (at_o, n_out, at_h, n_h, false),  // ho: δ^z h_tᵀ
            2 => (at_i, n_in, at_i, n_in, true),   // ii: δ^i i_{t−1}ᵀ
            3 => (at_h, n_h, at_h, n_h, true),     // hh: δ^a h_{t−1}ᵀ
            4 => (at_o, n_out, at_o, n_out, true), // oo: δ^z o_{t−1}ᵀ
            5 => (at_o, n_out, at_i, n_in, false), // io: δ^z i_tᵀ
            6 => (at_i, n_in, at_o, n_out, true),  // oi: δ^i o_{t−1}ᵀ
            7 => (at_i, n_in, at_h, n_h, true),    // hi: δ^i h_{t−1}ᵀ
            _ => (at_h, n_h, at_o, n_out, true),   // oh: δ^a o_{t−1}ᵀ
        };
        // Blocks every lane has need no multiplier (`δ·1 = δ`).
        let all = masks.iter().all(|m| m.present()[b]);
        let shape = Outer {
            rows,
            cols,
            delta_at,
            from_at,
            from_prev,
            keep: (!all).then_some(keep[b]),
        };
        outer_sum(&shape, &mut grads[off[b]..off[b + 1]], &terms);
    }
}

/// One block's gradient: `rows × cols`, `δ` at `delta_at` of a local-adjoint row, `v` at
/// `from_at` of the step's state or, `from_prev`, of the previous one; the lane multiplier
/// of a block some lanes lack.
struct Outer {
    rows: usize,
    cols: usize,
    delta_at: usize,
    from_at: usize,
    from_prev: bool,
    keep: Option<f32x8>,
}

/// The rows the gradient terms are formed from: every step's local adjoints (`sl` lane rows
/// each), the recorded steps (`rl` each) and the state before step 0.
struct Terms<'a> {
    locals: &'a [Lanes],
    records: &'a [Lanes],
    initial: &'a [Lanes],
    sl: usize,
    rl: usize,
}

/// Gradient tile: rows and columns kept in registers.
const TILE_R: usize = 4;
const TILE_C: usize = 2;

/// `g[r, c] += Σ_t (δ_t[r]·keep)·v_t[c]` over one block (one rounding per term, `t`
/// decreasing), tile by tile.
#[inline(always)]
fn outer_sum(o: &Outer, g: &mut [Lanes], terms: &Terms) {
    let mut r0 = 0;
    while r0 < o.rows {
        let nr = (o.rows - r0).min(TILE_R);
        let mut c0 = 0;
        while c0 < o.cols {
            let nc = (o.cols - c0).min(TILE_C);
            match (nr, nc, o.keep.is_some()) {
                (4, 2, false) => outer_tile::<4, 2, false>(o, g, r0, c0, terms),
                (4, 2, true) => outer_tile::<4, 2, true>(o, g, r0, c0, terms),
                (4, 1, false) => outer_tile::<4, 1, false>(o, g, r0, c0, terms),
                (4, 1, true) => outer_tile::<4, 1, true>(o, g, r0, c0, terms),
                // Edge tiles (the last row of a 5-row block) always multiply (`δ·1` is exact).
                (3, 2, _) => outer_tile::<3, 2, true>(o, g, r0, c0, terms),
                (3, 1, _) => outer_tile::<3, 1, true>(o, g, r0, c0, terms),
                (2, 2, _) => outer_tile::<2, 2, true>(o, g, r0, c0, terms),
                (2, 1, _) => outer_tile::<2, 1, true>(o, g, r0, c0, terms),
                (1, 2, _) => outer_tile::<1, 2, true>(o, g, r0, c0, terms),
                _ => outer_tile::<1, 1, true>(o, g, r0, c0, terms),
            }
            c0 += nc;
        }
        r0 += nr;
    }
}

/// One `R × C` tile of [`outer_sum`], the tile in registers. `KEEP`: multiply `δ` by the
/// lane multiplier (when `o.keep` is `None` the multiplier is taken as 1, exactly).
#[inline(always)]
fn outer_tile<const R: usize, const C: usize, const KEEP: bool>(
    o: &Outer,
    g: &mut [Lanes],
    r0: usize,
    c0: usize,
    terms: &Terms,
) {
    let cols = o.cols;
    let mut acc = [[ZERO; C]; R];
    for (r, row) in acc.iter_mut().enumerate() {
        for (c, a) in row.iter_mut().enumerate() {
            *a = ld(&g[(r0 + r) * cols + c0 + c]);
        }
    }
    let (d_at, f_at) = (o.delta_at + r0, o.from_at + c0);
    let keep = o.keep.unwrap_or(f32x8::ONE);
    // (δ_t, v_t) for t = steps − 1 down to 0; from the previous state, v_t is record t − 1
    // and, for t = 0, `initial`. Plain offsets: a reversed `chunks_exact` would divide by
    // the (run-time) row length per step.
    let Terms {
        locals,
        records,
        initial,
        sl,
        rl,
    } = *terms;
    let skip = usize::from(o.from_prev);
    for t in (0..records.len() / rl).rev() {
        // One call site: a second one for the `initial` term made LLVM spill the tile.
        let state = if t >= skip {
            &records[(t - skip) * rl..]
        } else {
            initial
        };
        let delta = &locals[t * sl + d_at..][..R];
        acc = outer_term::<R, C, KEEP>(acc, delta, &state[f_at..][..C], keep);
    }
    for (r, row) in acc.iter().enumerate() {
        for (c, a) in row.iter().enumerate() {
            g[(r0 + r) * cols + c0 + c] = a.to_array();
        }
    }
}

/// `acc[r][c] + (δ[r]·keep)·v[c]`, one rounding per term (the multiplier only with `KEEP`).
#[inline(always)]
fn outer_term<const R: usize, const C: usize, const KEEP: bool>(
    mut acc: [[f32x8; C]; R],
    delta: &[Lanes],
    from: &[Lanes],
    keep: f32x8,
) -> [[f32x8; C]; R] {
    let mut v = [ZERO; C];
    for (v, f) in v.iter_mut().zip(from) {
        *v = ld(f);
    }
    for (row, d) in acc.iter_mut().zip(delta) {
        let a = if KEEP { ld(d) * keep } else { ld(d) };
        for (acc, &v) in row.iter_mut().zip(&v) {
            *acc = fma(a, v, *acc);
        }
    }
    acc
}
