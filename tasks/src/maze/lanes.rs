//! Sensing for eight networks at once: [`sense_lanes`] is [`super::agent::sense`] for every lane
//! of a lockstep population, its noise drawn from the lanes' own streams
//! ([`wiring_kernels::lanes::Lanes8`], [`box_muller_x8`]), into the population kernel's
//! lane-interleaved layout — the same draws and values as sensing lane by lane.

use wide::{f32x8, i32x8, CmpGt, CmpLt};
use wiring_kernels::lanes::{box_muller_x8, LaneMask, Lanes8, LANES};

use super::agent::N_SENSORS;
use super::{Cell, Maze, MazeError};

/// [`super::agent::sense`] for every lane in `mask` at once, into the lane-interleaved
/// layout of the population kernel: lane `l` senses `mazes[l]` at `pos[l]` into `out[k][l]`
/// (input `k`), its noise from lane `l` of `rng` — the same draws and values as
/// `sense(mazes[l], pos[l], sigma_s, [true, true], &mut rng_l, &mut x)` with lane `l`'s
/// stream as `rng_l`. Lanes outside `mask` get zeros and draw nothing (their `mazes` and
/// `pos` entries are not read).
///
/// # Errors
/// [`MazeError::SensorChannels`] if a sensing lane's maze does not have 2 channels.
///
/// # Panics
/// If a sensing lane's `pos` is not an interior cell of its maze.
pub fn sense_lanes(
    mazes: &[&Maze],
    pos: &[Cell],
    sigma_s: f32,
    mask: LaneMask,
    rng: &mut Lanes8,
    out: &mut [[f32; LANES]; 2 * N_SENSORS],
) -> Result<(), MazeError> {
    sense_lanes_n(mazes, pos, sigma_s, [mask], rng, [out])
}

/// [`sense_lanes`] `N` times at the same positions, `masks[j]` into `outs[j]` in order (the
/// same draws and values): the cues are gathered once, and the noise of all `N` is drawn
/// first and transformed together. Training senses twice where it stands — for the Q-target
/// of the step it just took and for its next step.
///
/// # Errors
/// As [`sense_lanes`].
///
/// # Panics
/// As [`sense_lanes`].
pub fn sense_lanes_n<const N: usize>(
    mazes: &[&Maze],
    pos: &[Cell],
    sigma_s: f32,
    masks: [LaneMask; N],
    rng: &mut Lanes8,
    outs: [&mut [[f32; LANES]; 2 * N_SENSORS]; N],
) -> Result<(), MazeError> {
    // The cues of every sensing lane, entry-major (`cue[k][l]`), so that the noise and the
    // clipping are one vector operation per entry.
    let mut cue = [[0.0f32; LANES]; 2 * N_SENSORS];
    let mut m = masks.iter().fold(0, |a, &b| a | b);
    while m != 0 {
        let l = m.trailing_zeros() as usize;
        m &= m - 1;
        let (maze, p) = (mazes[l], pos[l]);
        if maze.n_channels != 2 {
            return Err(MazeError::SensorChannels {
                n_channels: maze.n_channels,
            });
        }
        let n = maze.size;
        assert!(
            p.0 >= 1 && p.1 >= 1 && p.0 + 1 < n && p.1 + 1 < n,
            "sense_lanes: position {p:?} is not an interior cell of a size-{n} maze"
        );
        let centre = p.0 * n + p.1;
        let (ch0, ch1) = maze.cues.split_at(n * n);
        for (s, i) in [centre - 1, centre + 1, centre - n, centre + n]
            .into_iter()
            .enumerate()
        {
            cue[2 * s][l] = ch0[i];
            cue[2 * s + 1][l] = ch1[i];
        }
    }
    let mut noisy = [cue; N];
    if sigma_s != 0.0 {
        // Sensor `j` of every lane takes one word of its lane's stream: the Box–Muller pair
        // of its two channels. All words first, then independent, branch-free transforms
        // that the core overlaps.
        let sigma = f32x8::splat(sigma_s);
        let mut words = [[[0u64; LANES]; N_SENSORS]; N];
        for (words, &mask) in words.iter_mut().zip(&masks) {
            *words = rng.next_u64_n::<N_SENSORS>(mask);
        }
        for (noisy, words) in noisy.iter_mut().zip(words) {
            for (pair, w) in noisy.chunks_exact_mut(2).zip(words) {
                let (z0, z1) = box_muller_x8(w);
                for (c, z) in pair.iter_mut().zip([z0, z1]) {
                    // `x + σ·z` as two roundings, as the scalar code.
                    *c = (f32x8::new(*c) + sigma * f32x8::new(z)).to_array();
                }
            }
        }
    }
    // `f32::clamp(0, 1)` exactly (NaN and −0 kept), by compare and blend; zero outside the
    // mask.
    let (lo, hi) = (f32x8::ZERO, f32x8::ONE);
    for ((noisy, out), mask) in noisy.iter().zip(outs).zip(masks) {
        let on: f32x8 = bytemuck::cast(i32x8::new(core::array::from_fn(|l| {
            -i32::from((mask >> l) & 1)
        })));
        for (c, o) in noisy.iter().zip(out.iter_mut()) {
            let x = f32x8::new(*c);
            let x = x.cmp_lt(lo).blend(lo, x);
            let x = x.cmp_gt(hi).blend(hi, x);
            *o = (x & on).to_array();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maze::{agent::sense, MazeConfig};
    use rand::{Rng, RngCore, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn seeds() -> [u64; LANES] {
        core::array::from_fn(|l| 0x5EED_0000 + 7919 * l as u64)
    }

    fn scalar() -> Vec<Xoshiro256PlusPlus> {
        seeds()
            .iter()
            .map(|&s| Xoshiro256PlusPlus::seed_from_u64(s))
            .collect()
    }

    /// A mask sequence that switches lanes on and off irregularly.
    fn mask_at(k: usize) -> LaneMask {
        (((k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as u8) | 1
    }

    #[test]
    fn sensing_twice_is_two_sensings() {
        let mazes = MazeConfig::default()
            .generate(16, &mut Xoshiro256PlusPlus::seed_from_u64(5))
            .unwrap();
        let (mut once, mut twice) = (Lanes8::from_seeds(seeds()), Lanes8::from_seeds(seeds()));
        for k in 0..2_000 {
            let chosen: Vec<&Maze> = (0..LANES).map(|l| &mazes[(k + 3 * l) % 16]).collect();
            let pos: Vec<Cell> = chosen.iter().map(|m| m.start).collect();
            // The second mask within the first (training's case) or not.
            let (a, b) = (
                mask_at(k),
                mask_at(k + 1) & if k % 2 == 0 { mask_at(k) } else { 0xff },
            );
            let sigma = [0.05, 0.0][k % 7 / 6];
            let mut want = [[[f32::NAN; LANES]; 8]; 2];
            for (mask, out) in [a, b].into_iter().zip(&mut want) {
                sense_lanes(&chosen, &pos, sigma, mask, &mut once, out).unwrap();
            }
            let (mut got0, mut got1) = ([[f32::NAN; LANES]; 8], [[f32::NAN; LANES]; 8]);
            sense_lanes_n(
                &chosen,
                &pos,
                sigma,
                [a, b],
                &mut twice,
                [&mut got0, &mut got1],
            )
            .unwrap();
            let bits = |x: [[f32; LANES]; 8]| x.map(|r| r.map(f32::to_bits));
            assert_eq!(bits(got0), bits(want[0]), "step {k}, first");
            assert_eq!(bits(got1), bits(want[1]), "step {k}, second");
        }
        assert_eq!(once, twice, "the streams end in the same state");
    }

    #[test]
    fn sensing_in_lanes_is_sensing_lane_by_lane() {
        let cfg = MazeConfig {
            maze_noise: 0.1,
            ..MazeConfig::default()
        };
        let mazes = cfg
            .generate(64, &mut Xoshiro256PlusPlus::seed_from_u64(3))
            .unwrap();
        let mut lanes = Lanes8::from_seeds(seeds());
        let mut reference = scalar();
        let mut walk = Xoshiro256PlusPlus::seed_from_u64(4);
        for k in 0..20_000 {
            let mask = mask_at(k);
            let sigma = [0.05, 0.0, 3.0][k % 3];
            let chosen: Vec<&Maze> = (0..LANES).map(|l| &mazes[(k + 9 * l) % 64]).collect();
            let pos: Vec<Cell> = chosen
                .iter()
                .map(|m| {
                    let open: Vec<Cell> = (0..m.size * m.size)
                        .filter(|&i| m.structure[i] == 1)
                        .map(|i| (i / m.size, i % m.size))
                        .collect();
                    open[walk.random_range(0..open.len())]
                })
                .collect();
            let mut got = [[f32::NAN; LANES]; 8];
            sense_lanes(&chosen, &pos, sigma, mask, &mut lanes, &mut got).unwrap();
            for (l, rng) in reference.iter_mut().enumerate() {
                let got_l: [f32; 8] = core::array::from_fn(|k| got[k][l]);
                if (mask >> l) & 1 == 0 {
                    assert!(
                        got_l.iter().all(|&x| x.to_bits() == 0),
                        "lane {l}: {got_l:?}"
                    );
                    continue;
                }
                let mut want = [0.0f32; 8];
                sense(chosen[l], pos[l], sigma, [true, true], rng, &mut want).unwrap();
                let (g, w) = (got_l.map(f32::to_bits), want.map(f32::to_bits));
                assert_eq!(g, w, "step {k} lane {l}");
            }
        }
        // Still in step after all that.
        let last = lanes.next_u64(0xff);
        for (l, rng) in reference.iter_mut().enumerate() {
            assert_eq!(last[l], rng.next_u64(), "lane {l}");
        }
    }
}
