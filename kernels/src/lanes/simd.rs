//! [`Lanes8`] and [`box_muller_x8`] in `wide`'s eight-lane vectors (see the family docs).

use rand::RngCore;
use wide::{f32x8, i32x8, u32x8, u64x4, CmpGt};

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

/// The state words of `Xoshiro256PlusPlus::seed_from_u64(seed)`: four SplitMix64 words.
pub fn xoshiro_state(seed: u64) -> [u64; 4] {
    let mut x = seed;
    [0; 4].map(|_| splitmix64(&mut x))
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

/// The sensor noise: a pair of `N(0, 1)` draws from each of eight `u64` words, by the
/// Box–Muller transform in `f32`, eight words at once (`wide::f32x8`):
///
/// ```text
/// u1 = (⌊w / 2⁴⁰⌋ + 1)·2⁻²⁴ ∈ (0, 1],   u2 = (⌊w / 2⁸⌋ mod 2²⁴)·2⁻²⁴ ∈ [0, 1)
/// r = √(−2 ln u1),   (z0, z1) = (r cos 2πu2, r sin 2πu2)
/// ```
///
/// Exact in distribution up to `f32` rounding and the 24-bit grid of `u1`, which caps `|z|`
/// at `√(48 ln 2)` ≈ 5.77 (a normal exceeds it with probability 8·10⁻⁹); `ln` and `sin_cos`
/// are `wide`'s (Cephes / Agner Fog's vector class library, a few ulp). The draw is branch-
/// free and every word is used once, so eight streams stay in lockstep (the ziggurat's
/// rejections would not). Each word's pair depends on that word alone, whatever the other
/// seven hold, so one stream drawing one pair at a time gets the same values.
#[inline(always)]
pub fn box_muller_x8(words: [u64; 8]) -> ([f32; 8], [f32; 8]) {
    // Shift in 64-bit lanes, then keep the low 32-bit half of each (in registers).
    let words: [u64x4; 2] = bytemuck::cast(words);
    let narrow = |w: [u64x4; 2]| {
        let halves: [i32; 16] = bytemuck::cast(w);
        i32x8::new(core::array::from_fn(|l| halves[2 * l]))
    };
    let hi = narrow(words.map(|w| w >> 40u32));
    let lo = narrow(words.map(|w| (w >> 8u32) & u64x4::splat(0xff_ffff)));
    let scale = f32x8::splat(1.0 / (1u32 << 24) as f32);
    let u1 = (f32x8::from_i32x8(hi) + f32x8::ONE) * scale;
    let u2 = f32x8::from_i32x8(lo) * scale;
    let r = (f32x8::splat(-2.0) * ln_unit(u1)).sqrt();
    let (sin, cos) = (u2 * f32x8::splat(core::f32::consts::TAU)).sin_cos();
    ((r * cos).to_array(), (r * sin).to_array())
}

/// `ln x` for normal, finite `x > 0` (here `u1 ∈ [2⁻²⁴, 1]`): `wide`'s `f32x8::ln` (the
/// Cephes `logf` polynomial by way of Agner Fog's vector class library: `x = 2^e·m`,
/// `m ∈ [√½, √2)`, `ln x = e·ln 2 + ln m` with `ln(1 + f)` a degree-8 polynomial in Estrin's
/// form) without its branch for zero, subnormal and non-finite inputs, which cannot occur
/// here. Branch-free, so the four pairs of one sensing call overlap in the core; it gives
/// `wide`'s values bit for bit (checked on training runs), and a test bounds its error
/// against `f64::ln`.
#[inline(always)]
pub fn ln_unit(x: f32x8) -> f32x8 {
    #[allow(clippy::excessive_precision)] // `wide`'s constants, verbatim
    const P: [f32; 9] = [
        3.333_333_1E-1,
        -2.499_999_4E-1,
        2.000_071_4E-1,
        -1.666_805_8E-1,
        1.424_932_3E-1,
        -1.242_014_1E-1,
        1.167_699_9E-1,
        -1.151_461_1E-1,
        7.037_683_6E-2,
    ];
    let c = P.map(f32x8::splat);
    let bits: u32x8 = bytemuck::cast(x);
    // Mantissa in [0.5, 1) and the exponent to go with it, as floats.
    let m: f32x8 = bytemuck::cast((bits & u32x8::splat(0x007F_FFFF)) | u32x8::splat(0x3F00_0000));
    let two23 = f32x8::splat(8_388_608.0);
    let e: f32x8 =
        bytemuck::cast::<u32x8, f32x8>((bits >> 23) | bytemuck::cast::<f32x8, u32x8>(two23))
            - (two23 + f32x8::splat(127.0));
    let big = m.cmp_gt(f32x8::splat(core::f32::consts::FRAC_1_SQRT_2));
    let m = big.blend(m, m + m);
    let e = big.blend(e + f32x8::ONE, e);
    let f = m - f32x8::ONE;
    let (f2, f4) = (f * f, f * f * (f * f));
    let f8 = f4 * f4;
    let poly = f4.mul_add(
        f2.mul_add(c[7].mul_add(f, c[6]), f.mul_add(c[5], c[4])),
        f8.mul_add(
            c[8],
            f2.mul_add(f.mul_add(c[3], c[2]), f.mul_add(c[1], c[0])),
        ),
    );
    let res = f2 * f * poly;
    let res = e.mul_add(f32x8::splat(-2.121_944_4E-4), res);
    let res = res + f2.mul_neg_add(f32x8::splat(0.5), f);
    e.mul_add(f32x8::splat(0.693_359_4), res)
}

#[cfg(test)]
mod tests {
    use super::*;
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

    /// The Box–Muller draws against the standard normal: moments, the mass within 1, 2 and
    /// 3 σ, a chi-square over the ten deciles, the extreme values, and the independence of
    /// the two members of a pair. 2²¹ draws; every bound is ≥ 4 standard errors, and a
    /// wrong scale (σ off by 1 %), a bias of 0.005 or correlated pairs fails it.
    #[test]
    fn box_muller_draws_are_standard_normal() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        let mut z = Vec::with_capacity(1 << 21);
        let mut both_above_one = 0usize;
        for _ in 0..(1 << 17) {
            let (a, b) = box_muller_x8(core::array::from_fn(|_| rng.next_u64()));
            for (&x, &y) in a.iter().zip(&b) {
                both_above_one += usize::from(x > 1.0 && y > 1.0);
                z.push(f64::from(x));
                z.push(f64::from(y));
            }
        }
        let n = z.len() as f64;
        let mean = z.iter().sum::<f64>() / n;
        let var = z.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        let kurt = z.iter().map(|v| (v - mean).powi(4)).sum::<f64>() / n / (var * var);
        assert!(mean.abs() < 4.0 / n.sqrt(), "mean {mean}");
        assert!((var - 1.0).abs() < 4.0 * (2.0 / n).sqrt(), "variance {var}");
        assert!(
            (kurt - 3.0).abs() < 4.0 * (24.0 / n).sqrt(),
            "kurtosis {kurt}"
        );
        for (k, p) in [
            (1.0, 0.682_689_492),
            (2.0, 0.954_499_736),
            (3.0, 0.997_300_204),
        ] {
            let within = z.iter().filter(|v| v.abs() < k).count() as f64 / n;
            let se = (p * (1.0 - p) / n).sqrt();
            assert!(
                (within - p).abs() < 5.0 * se,
                "P(|z| < {k}) = {within}, want {p}"
            );
        }
        // Deciles of N(0, 1): ten bins of probability 0.1 each.
        let q = [
            1.281_551_565_5,
            0.841_621_233_6,
            0.524_400_512_7,
            0.253_347_103_1,
        ];
        let edges = [-q[0], -q[1], -q[2], -q[3], 0.0, q[3], q[2], q[1], q[0]];
        let mut counts = [0f64; 10];
        for v in &z {
            counts[edges.iter().filter(|&&e| *v >= e).count()] += 1.0;
        }
        let expected = n / 10.0;
        let chi2: f64 = counts
            .iter()
            .map(|c| (c - expected).powi(2) / expected)
            .sum();
        assert!(
            chi2 < 27.88,
            "chi-square {chi2} over the deciles (9 dof, 0.1 % level)"
        );
        let max = z.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(max > 4.0 && max <= 5.78, "largest |z| {max}");
        // The two members of a pair are independent: P(x > 1, y > 1) = 0.158655².
        let p = 0.158_655_253_9f64.powi(2);
        let pairs = n / 2.0;
        let got = both_above_one as f64 / pairs;
        assert!(
            (got - p).abs() < 5.0 * (p * (1.0 - p) / pairs).sqrt(),
            "P(x > 1, y > 1) = {got}, want {p}"
        );
    }

    /// A word's pair does not depend on the other seven words.
    #[test]
    fn each_pair_depends_on_its_own_word_only() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(12);
        for _ in 0..10_000 {
            let words: [u64; 8] = core::array::from_fn(|_| rng.next_u64());
            let (a, b) = box_muller_x8(words);
            let j = (rng.next_u64() % 8) as usize;
            let alone = box_muller_x8(core::array::from_fn(|k| if k == 0 { words[j] } else { 0 }));
            assert_eq!(
                (a[j].to_bits(), b[j].to_bits()),
                (alone.0[0].to_bits(), alone.1[0].to_bits())
            );
        }
    }

    /// The branch-free `ln` against `f64::ln` on every `u1` of the 24-bit grid's coarse
    /// sample and its ends: within 2 ulp of the result, or 2·10⁻⁷ absolute near `ln 1 = 0`.
    #[test]
    fn ln_unit_is_accurate_on_the_grid() {
        let mut worst = 0.0f64;
        let points: Vec<u32> = (1..=(1u32 << 24))
            .step_by(97)
            .chain([1, 2, 3, (1 << 24) - 1, 1 << 24])
            .collect();
        for chunk in points.chunks(8) {
            let u: [f32; 8] =
                core::array::from_fn(|l| chunk[l % chunk.len()] as f32 / (1u32 << 24) as f32);
            let got = ln_unit(f32x8::new(u)).to_array();
            for (g, u) in got.iter().zip(u) {
                let want = f64::from(u).ln();
                let ulp = f64::from(f32::EPSILON) * want.abs();
                let err = (f64::from(*g) - want).abs();
                assert!(err <= (2.0 * ulp).max(2e-7), "ln {u}: {g} vs {want}");
                worst = worst.max(err / ulp.max(1e-30));
            }
        }
        assert!(worst > 0.0);
    }
}
