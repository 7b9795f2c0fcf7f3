//! The per-step random streams of a population ([`StepStreams`]): sensor noise, output
//! jitter and exploration of every network drawn in lockstep, eight lanes at a time
//! ([`Lanes8`]), each lane exactly its network's own Xoshiro256++ stream.

use wiring_tasks::maze::{self, Cell, Lane, LaneMask, Lanes8, Maze, LANES};

use super::arch::PrnnPlan;
use super::engine::{LaneInputs, LaneJitter, N_OUT};
use crate::rng::stream_seed;
use crate::ModelError;

/// Per-step streams of one name for a population: lane `l` is lane `l % 8` of `chunks[l / 8]`
/// ([`Lanes8`]), the stream `name` of network `l` ([`crate::rng::stream`]).
pub struct StepStreams {
    chunks: Vec<Lanes8>,
}

impl StepStreams {
    /// The streams `name` of the networks of `plans`, in their order.
    pub fn new(plans: &[PrnnPlan], name: &str) -> Self {
        let chunks = plans
            .chunks(LANES)
            .map(|chunk| {
                Lanes8::from_seeds(core::array::from_fn(|l| {
                    chunk.get(l).map_or(0, |p| {
                        stream_seed(p.seeds.study_seed, p.seeds.network_id, name)
                    })
                }))
            })
            .collect();
        Self { chunks }
    }

    /// Lane `l`'s stream as a scalar generator (for draws that are not in lockstep, e.g.
    /// generating its mazes).
    pub fn lane(&mut self, l: usize) -> Lane<'_> {
        self.chunks[l / LANES].lane(l % LANES)
    }

    /// Each chunk with the mask of its lanes `l` with `on[l]`, and the offset of its lane 0.
    fn masked<'a>(
        &'a mut self,
        on: &'a [bool],
    ) -> impl Iterator<Item = (&'a mut Lanes8, LaneMask, usize)> + 'a {
        self.chunks
            .iter_mut()
            .zip(on.chunks(LANES))
            .enumerate()
            .map(|(c, (rng, on))| (rng, mask_of(on), c * LANES))
    }

    /// Lanes `l` with `on[l]` draw their jitter into `u[l / 8][j][l % 8]`: per output `j`,
    /// `rng.random::<f32>() · scale` on their own stream ([`Lanes8::uniform_f32`]); other
    /// lanes get zeros.
    pub fn jitter(&mut self, on: &[bool], scale: f32, u: &mut [LaneJitter]) {
        for ((rng, mask, _), u) in self.masked(on).zip(u) {
            *u = rng.uniform_f32_n::<N_OUT>(mask, scale);
        }
    }

    /// Lanes `l` with `on[l]` sense (noise σ) at `pos[l]` in `mazes[l]` into
    /// `x[l / 8][k][l % 8]` ([`maze::sense_lanes`], as [`maze::sense`] on their own stream);
    /// other lanes get zeros.
    pub fn sense(
        &mut self,
        mazes: &[&Maze],
        pos: &[Cell],
        sigma: f32,
        on: &[bool],
        x: &mut [LaneInputs],
    ) -> Result<(), ModelError> {
        for ((rng, mask, first), x) in self.masked(on).zip(x) {
            maze::sense_lanes(&mazes[first..], &pos[first..], sigma, mask, rng, x)?;
        }
        Ok(())
    }

    /// [`Self::sense`] twice where the lanes stand: lanes with `first[l]` into `x_first`,
    /// then those with `second[l]` into `x_second` — the same draws and values as the two
    /// calls, the cues gathered once ([`maze::sense_lanes_n`]).
    #[allow(clippy::too_many_arguments)]
    pub fn sense_twice(
        &mut self,
        mazes: &[&Maze],
        pos: &[Cell],
        sigma: f32,
        first: &[bool],
        x_first: &mut [LaneInputs],
        second: &[bool],
        x_second: &mut [LaneInputs],
    ) -> Result<(), ModelError> {
        let chunks = self.chunks.iter_mut().zip(x_first).zip(x_second);
        for (c, ((rng, x1), x2)) in chunks.enumerate() {
            let at = c * LANES;
            let masks = [first, second].map(|on| mask_of(&on[at..(at + LANES).min(on.len())]));
            maze::sense_lanes_n(&mazes[at..], &pos[at..], sigma, masks, rng, [x1, x2])?;
        }
        Ok(())
    }

    /// The ε-test of every lane `l` with `on[l]`: `greedy[l] = U(0, 1) ≥ ε`, else a uniform
    /// random action into `action[l]` (`random_range(0..5)` on the lane's stream).
    pub fn explore(
        &mut self,
        on: &[bool],
        epsilon: f32,
        greedy: &mut [bool],
        action: &mut [usize],
    ) {
        for (rng, mask, first) in self.masked(on) {
            let v = rng.uniform_f32(mask, 1.0);
            for l in 0..LANES {
                if (mask >> l) & 1 == 0 {
                    continue;
                }
                greedy[first + l] = v[l] >= epsilon;
                if v[l] < epsilon {
                    action[first + l] = rng.lane(l).below(N_OUT);
                }
            }
        }
    }
}

/// Bit `l` set ⇔ `on[l]` (at most eight lanes).
fn mask_of(on: &[bool]) -> LaneMask {
    let mut mask: LaneMask = 0;
    for (l, &b) in on.iter().enumerate() {
        mask |= LaneMask::from(b) << l;
    }
    mask
}
