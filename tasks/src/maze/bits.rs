//! The bit reservoir the general mazes draw their choices from ([`RandomBits`]).

use rand::RngCore;

/// Random bits handed out from the least significant end of one `u64` word at a time: a
/// request for `n` bits when fewer than `n` are left first drops the rest and draws a new
/// word with `rng.next_u64()`. One general maze draws all its choices from one of these
/// (fresh, i.e. empty, at the start of the maze).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RandomBits {
    /// The unused bits, lowest first.
    pub(crate) word: u64,
    /// How many bits of `word` are unused (the rest of it is zero).
    pub(crate) left: u32,
}

impl RandomBits {
    /// An empty reservoir (its first request draws a word).
    pub(crate) const fn new() -> Self {
        Self { word: 0, left: 0 }
    }

    /// The next `n ≤ 63` bits as a number in `0..2ⁿ` (the lowest unused bit is its lowest).
    #[inline(always)]
    pub(crate) fn take<R: RngCore + ?Sized>(&mut self, n: u32, rng: &mut R) -> u64 {
        debug_assert!(n < 64);
        if self.left < n {
            self.word = rng.next_u64();
            self.left = 64;
        }
        let v = self.word & ((1u64 << n) - 1);
        self.word >>= n;
        self.left -= n;
        v
    }

    /// A uniform draw from `0..n` (`n ≥ 1`): `⌈log₂ n⌉` bits ([`take`](Self::take)), drawn
    /// again while the value is `≥ n` (none for `n = 1`).
    #[inline]
    pub(crate) fn below<R: RngCore + ?Sized>(&mut self, n: usize, rng: &mut R) -> usize {
        debug_assert!(n >= 1);
        let bits = usize::BITS - (n - 1).leading_zeros();
        loop {
            let v = self.take(bits, rng) as usize;
            if v < n {
                return v;
            }
        }
    }
}
