//! Eight random streams in lockstep, and the normal draws they feed: the per-step draws of a
//! population of networks (sensor noise, output jitter, exploration), one lane per network,
//! each lane the very stream its network would use alone.
//!
//! [`Lanes8`] holds eight Xoshiro256++ generators as four state arrays of eight words
//! (structure of arrays), so one draw of every lane is a handful of vector instructions
//! instead of eight dependent scalar generators whose state round-trips through memory. Lane
//! `l` seeded with [`Lanes8::from_seeds`]`(seeds)` yields exactly the words of
//! `Xoshiro256PlusPlus::seed_from_u64(seeds[l])`; every drawing method takes a lane mask, and
//! a lane outside it does not advance. [`Lanes8::lane`] borrows one lane as an ordinary
//! [`rand::RngCore`] for the rare draw that is not in lockstep (a random action, a maze),
//! so each lane sees one sequence of draws whatever the others do.
//!
//! The values drawn are those of the scalar calls they replace, bit for bit:
//! [`Lanes8::uniform_f32`] is `rng.random::<f32>()` (`(next_u32 >> 8)·2⁻²⁴`), and
//! [`box_muller_x8`] turns eight words into eight pairs of standard normal draws
//! (`wiring_tasks::maze::sense_lanes` draws its sensor noise with it).
//!
//! On a device, [`cuda`] draws a population's training-input noise from each network's own
//! stream (`kernels/cuda/noise.cu`): `rand_distr`'s standard normal (the ziggurat of
//! [`ziggurat_tables`]) reproduced bit for bit, so a network's noise is the same on every
//! backend.
//!
//! The oracle of this family is `rand_xoshiro`'s scalar `Xoshiro256PlusPlus` (the tests check
//! every lane against it under any mask) and, for [`box_muller_x8`], the normal distribution
//! itself (moments, σ-masses, deciles, independence of a pair); `simd.rs` is the one
//! implementation.

pub mod cuda;
mod normal;
mod simd;

pub use normal::{ziggurat_tables, ZigguratTables};
pub use simd::{box_muller_x8, ln_unit, xoshiro_state, Lane, LaneMask, Lanes8, LANES};
