//! Eight random streams in lockstep: the per-step draws of a population of networks (sensor
//! noise, output jitter, exploration), one lane per network, each lane the very stream its
//! network would use alone.
//!
//! [`Lanes8`] holds eight Xoshiro256++ generators as four state arrays of eight words
//! (structure of arrays), so one draw of every lane is a handful of vector instructions
//! instead of eight dependent scalar generators whose state round-trips through memory. Lane
//! `l` seeded with [`Lanes8::from_seeds`]`(seeds)` yields exactly the words of
//! `Xoshiro256PlusPlus::seed_from_u64(seeds[l])`; every drawing method takes a lane mask, and
//! a lane outside it does not advance. [`Lanes8::lane`] borrows one lane as an ordinary
//! [`RngCore`] for the rare draw that is not in lockstep (a random action, a maze),
//! so each lane sees one sequence of draws whatever the others do.
//!
//! The values drawn are those of the scalar calls they replace, bit for bit:
//! [`Lanes8::uniform_f32`] is `rng.random::<f32>()` (`(next_u32 >> 8)·2⁻²⁴`), and
//! [`sense_lanes`] draws its sensor noise as [`super::agent::sense`] does, with
//! [`super::normal::box_muller_x8`].

use rand::RngCore;
use wide::{f32x8, i32x8, u64x4, CmpGt, CmpLt};

use super::agent::N_SENSORS;
use super::normal::box_muller_x8;
use super::{Cell, Maze, MazeError};

/// Streams in a [`Lanes8`].
pub const LANES: usize = 8;

/// Which lanes draw: bit `l` set ⇔ lane `l` draws (and advances).
pub type LaneMask = u8;

/// Eight Xoshiro256++ streams in lockstep (see the module docs).
#[derive(Clone, Debug, PartialEq)]
pub struct Lanes8 {
    /// `s[h][j]` = word `j` of the states of lanes `4h..4h + 4`.
    s: [[u64x4; 4]; 2],
}

/// SplitMix64, as `rand_xoshiro` seeds a Xoshiro256++ from a `u64`.
fn splitmix64(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[inline(always)]
fn rotl(x: u64x4, k: u32) -> u64x4 {
    (x << k) | (x >> (64 - k))
}

/// All ones in the lanes of half `h` (lanes `4h..4h + 4`) that `mask` selects, else zero.
#[inline(always)]
fn half_mask(mask: LaneMask, h: usize) -> u64x4 {
    let bits = u64x4::new([1, 2, 4, 8]);
    (u64x4::splat(u64::from(mask >> (4 * h))) & bits).cmp_eq(bits)
}

impl Lanes8 {
    /// Lane `l` = `Xoshiro256PlusPlus::seed_from_u64(seeds[l])` (four SplitMix64 words; never
    /// all zero, as SplitMix64 is a bijection of distinct counters).
    pub fn from_seeds(seeds: [u64; LANES]) -> Self {
        let mut words = [[0u64; LANES]; 4];
        for (l, &seed) in seeds.iter().enumerate() {
            let mut x = seed;
            for word in &mut words {
                word[l] = splitmix64(&mut x);
            }
        }
        let half = |h: usize| {
            words.map(|w| u64x4::new([w[4 * h], w[4 * h + 1], w[4 * h + 2], w[4 * h + 3]]))
        };
        Self {
            s: [half(0), half(1)],
        }
    }

    /// One `u64` from every lane in `mask` (others: 0, not advanced), lanes `4h..4h + 4` in
    /// half `h`: Xoshiro256++'s `rotl(s0 + s3, 23) + s0`, then its state transition.
    #[inline(always)]
    pub fn next_bits(&mut self, mask: LaneMask) -> [u64x4; 2] {
        let [out] = self.next_bits_n::<1>(mask);
        out
    }

    /// `N` successive [`Self::next_bits`] (the same words and the same final state): every
    /// lane steps `N` times in registers and the lanes outside `mask` take back their state
    /// once at the end, instead of a blend per word and draw.
    #[inline(always)]
    pub fn next_bits_n<const N: usize>(&mut self, mask: LaneMask) -> [[u64x4; 2]; N] {
        let mut out = [[u64x4::ZERO; 2]; N];
        for (h, state) in self.s.iter_mut().enumerate() {
            let keep = half_mask(mask, h);
            let [mut s0, mut s1, mut s2, mut s3] = *state;
            for out in &mut out {
                out[h] = (rotl(s0 + s3, 23) + s0) & keep;
                let t = s1 << 17u32;
                s2 ^= s0;
                s3 ^= s1;
                s1 ^= s2;
                s0 ^= s3;
                s2 ^= t;
                s3 = rotl(s3, 45);
            }
            *state = [
                keep.blend(s0, state[0]),
                keep.blend(s1, state[1]),
                keep.blend(s2, state[2]),
                keep.blend(s3, state[3]),
            ];
        }
        out
    }

    /// [`Self::next_bits`] as an array, lane `l` at `l`.
    #[inline(always)]
    pub fn next_u64(&mut self, mask: LaneMask) -> [u64; LANES] {
        let [words] = self.next_u64_n::<1>(mask);
        words
    }

    /// `N` successive [`Self::next_u64`], drawn as [`Self::next_bits_n`].
    #[inline(always)]
    pub fn next_u64_n<const N: usize>(&mut self, mask: LaneMask) -> [[u64; LANES]; N] {
        let bits = self.next_bits_n::<N>(mask);
        let mut out = [[0u64; LANES]; N];
        for (out, [a, b]) in out.iter_mut().zip(bits) {
            let (a, b) = (a.to_array(), b.to_array());
            *out = [a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3]];
        }
        out
    }

    /// `rng.random::<f32>() · scale` from every lane in `mask` (others: 0): `U[0, 1)` as
    /// `(next_u32 >> 8)·2⁻²⁴`, `next_u32` being the high half of `next_u64`.
    #[inline(always)]
    pub fn uniform_f32(&mut self, mask: LaneMask, scale: f32) -> [f32; LANES] {
        let [u] = self.uniform_f32_n::<1>(mask, scale);
        u
    }

    /// `N` successive [`Self::uniform_f32`], drawn as [`Self::next_bits_n`].
    #[inline(always)]
    pub fn uniform_f32_n<const N: usize>(
        &mut self,
        mask: LaneMask,
        scale: f32,
    ) -> [[f32; LANES]; N] {
        let bits = self.next_bits_n::<N>(mask);
        let mut out = [[0.0f32; LANES]; N];
        // (Loops, not `array::map`: its closure went out of line.)
        for (out, [a, b]) in out.iter_mut().zip(bits) {
            // The top 24 bits of each word, narrowed to i32 lanes in registers (the low halves
            // of the shifted words), exact as i32 and then as f32.
            let halves: [i32; 2 * LANES] = bytemuck::cast([a >> 40u32, b >> 40u32]);
            let top = i32x8::new(core::array::from_fn(|l| halves[2 * l]));
            let unit = f32x8::from_i32x8(top) * f32x8::splat(1.0 / (1u32 << 24) as f32);
            *out = (unit * f32x8::splat(scale)).to_array();
        }
        out
    }

    /// Lane `l` as a scalar generator (its draws advance only that lane).
    ///
    /// # Panics
    /// If `l ≥ 8`.
    #[inline]
    pub fn lane(&mut self, l: usize) -> Lane<'_> {
        assert!(l < LANES, "Lanes8::lane: lane {l} of {LANES}");
        Lane {
            s: &mut self.s[l / 4],
            l: l % 4,
        }
    }
}

/// One lane of a [`Lanes8`], borrowed as a Xoshiro256++ generator.
pub struct Lane<'a> {
    s: &'a mut [u64x4; 4],
    l: usize,
}

impl Lane<'_> {
    /// `random_range(0..n)` for `1 ≤ n ≤ u32::MAX`, inline (the library's generic sampler
    /// was out of line): rand 0.9's `usize` range sampling, Canon's method on `u32` without
    /// the `unbiased` feature — one `u32` draw `x`, `(hi, lo) = x·n` as a 64-bit product; if
    /// `lo > 2³² − n`, a second draw `y` and `hi += carry(lo + ⌊y·n / 2³²⌋)`. The same draws
    /// and values (tested against the library).
    #[inline]
    pub fn below(&mut self, n: usize) -> usize {
        let range = n as u32;
        let wide = u64::from(self.next_u32()) * u64::from(range);
        let (mut hi, lo) = ((wide >> 32) as u32, wide as u32);
        if lo > range.wrapping_neg() {
            let new_hi = ((u64::from(self.next_u32()) * u64::from(range)) >> 32) as u32;
            hi += u32::from(lo.checked_add(new_hi).is_none());
        }
        hi as usize
    }
}

impl RngCore for Lane<'_> {
    #[inline]
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    #[inline]
    fn next_u64(&mut self) -> u64 {
        let l = self.l;
        let mut w = self.s.map(|w| w.to_array()[l]);
        let r = w[0].wrapping_add(w[3]).rotate_left(23).wrapping_add(w[0]);
        let t = w[1] << 17;
        w[2] ^= w[0];
        w[3] ^= w[1];
        w[1] ^= w[2];
        w[0] ^= w[3];
        w[2] ^= t;
        w[3] = w[3].rotate_left(45);
        for (s, v) in self.s.iter_mut().zip(w) {
            s.as_array_mut()[l] = v;
        }
        r
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        // As `rand_xoshiro` fills them (a short tail takes `next_u32`).
        rand::rand_core::impls::fill_bytes_via_next(self, dst);
    }
}

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
    use rand::{Rng, SeedableRng};
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
    fn every_lane_is_its_scalar_stream_under_any_mask() {
        let mut lanes = Lanes8::from_seeds(seeds());
        let mut reference = scalar();
        for k in 0..10_000 {
            let mask = mask_at(k);
            match k % 3 {
                0 => {
                    let got = lanes.next_u64(mask);
                    for (l, rng) in reference.iter_mut().enumerate() {
                        let want = if (mask >> l) & 1 == 1 {
                            rng.next_u64()
                        } else {
                            0
                        };
                        assert_eq!(got[l], want, "draw {k} lane {l}");
                    }
                }
                1 => {
                    let got = lanes.uniform_f32(mask, 0.001);
                    for (l, rng) in reference.iter_mut().enumerate() {
                        let want = if (mask >> l) & 1 == 1 {
                            rng.random::<f32>() * 0.001
                        } else {
                            0.0
                        };
                        assert_eq!(got[l].to_bits(), want.to_bits(), "draw {k} lane {l}");
                    }
                }
                _ if k % 50 == 5 => {
                    // Several draws at once: the single draws, in order.
                    let got = lanes.uniform_f32_n::<5>(mask, 0.001);
                    let words = lanes.next_u64_n::<4>(mask);
                    for (l, rng) in reference.iter_mut().enumerate() {
                        let on = (mask >> l) & 1 == 1;
                        for (j, u) in got.iter().enumerate() {
                            let want = if on { rng.random::<f32>() * 0.001 } else { 0.0 };
                            assert_eq!(u[l].to_bits(), want.to_bits(), "draw {k}.{j} lane {l}");
                        }
                        for (j, w) in words.iter().enumerate() {
                            let want = if on { rng.next_u64() } else { 0 };
                            assert_eq!(w[l], want, "draw {k}.{j} lane {l}");
                        }
                    }
                }
                _ if k % 50 == 2 => {
                    // Bytes, with a short tail, through the scalar view.
                    let l = k % LANES;
                    let (mut got, mut want) = ([0u8; 12], [0u8; 12]);
                    lanes.lane(l).fill_bytes(&mut got);
                    reference[l].fill_bytes(&mut want);
                    assert_eq!(got, want, "draw {k} lane {l}");
                }
                _ => {
                    // One lane alone, through the scalar view, with the library's own range
                    // sampling on top.
                    let l = k % LANES;
                    let n = [5, 2, 3, 7, 1 << 20, u32::MAX as usize][(k / 3) % 6];
                    let got = if (k / 18) % 2 == 0 {
                        lanes.lane(l).below(n)
                    } else {
                        lanes.lane(l).random_range(0..n)
                    };
                    assert_eq!(got, reference[l].random_range(0..n), "draw {k} lane {l}");
                }
            }
        }
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
