//! The 129 pRNN architectures (`spec/prnn.md`, "The pRNN"), and [`PrnnPlan`]: one network
//! to train, an architecture and the coordinates of its random streams.
//!
//! | index | hidden | flags `[ii, hh, oo, io, oi, hi, oh]` | name |
//! |---|---|---|---|
//! | 0 | 8 | `0000000` | `ff` |
//! | 1 | 34 | `0000000` | `ff34` (parameter-matched: 442 vs 441) |
//! | k = 2..=127 | 8 | 7-bit binary of k − 1, most significant bit first | the flag string |
//! | 128 | 8 | `1111111` | `full` |
//!
//! Parameter counts (present matrices only): `8h + 5h` for `W_ih`, `W_ho` plus
//! `[ii]·64 + [hh]·h² + [oo]·25 + [io]·40 + [oi]·40 + [hi]·8h + [oh]·5h`.

use core::fmt;
use core::str::FromStr;

use wiring_kernels::prnn::{Block, PrnnDims, PrnnMask};

use crate::rng::NetworkSeeds;

/// Number of architectures.
pub const N_ARCHITECTURES: usize = 129;

/// The seven switchable pathways, in the spec's flag order.
pub const PATHWAYS: [&str; 7] = ["ii", "hh", "oo", "io", "oi", "hi", "oh"];

/// Hidden units of every architecture but index 1.
pub const N_HIDDEN: usize = 8;

/// Hidden units of the parameter-matched feedforward network (index 1).
pub const N_HIDDEN_MATCHED: usize = 34;

/// Why a string or number is not an architecture.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArchitectureError {
    #[error("architecture index {index} is out of range, expected 0..=128")]
    IndexOutOfRange { index: usize },
    #[error("architecture flags `{input}` have {len} characters, expected 7 (one per pathway ii, hh, oo, io, oi, hi, oh)")]
    WrongLength { input: String, len: usize },
    #[error("architecture flags `{input}`: character {position} is `{found}`, expected 0 or 1")]
    BadChar {
        input: String,
        position: usize,
        found: char,
    },
}

/// One of the 129 architectures, identified by its index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Architecture {
    index: u8,
}

impl Architecture {
    /// Feedforward, 8 hidden units (index 0).
    pub const FEEDFORWARD: Architecture = Architecture { index: 0 };
    /// Feedforward, 34 hidden units, parameter-matched to the fully recurrent net (index 1).
    pub const FEEDFORWARD_MATCHED: Architecture = Architecture { index: 1 };
    /// All seven pathways (index 128).
    pub const FULL: Architecture = Architecture { index: 128 };

    /// Architecture `index` (0..=128).
    pub fn from_index(index: usize) -> Result<Self, ArchitectureError> {
        if index < N_ARCHITECTURES {
            Ok(Self { index: index as u8 })
        } else {
            Err(ArchitectureError::IndexOutOfRange { index })
        }
    }

    /// The 8-hidden-unit architecture with these flags `[ii, hh, oo, io, oi, hi, oh]`.
    /// All flags off gives index 0 (not the 34-unit index 1).
    pub fn from_flags(flags: [bool; 7]) -> Self {
        let bits = flags.iter().fold(0u8, |acc, &f| (acc << 1) | f as u8);
        Self {
            index: if bits == 0 { 0 } else { bits + 1 },
        }
    }

    /// From a 7-character flag string such as `"0101101"` (order `[ii, hh, oo, io, oi, hi,
    /// oh]`). `"0000000"` is index 0.
    pub fn from_flag_str(s: &str) -> Result<Self, ArchitectureError> {
        let len = s.chars().count();
        if len != 7 {
            return Err(ArchitectureError::WrongLength {
                input: s.to_string(),
                len,
            });
        }
        let mut flags = [false; 7];
        for (position, (flag, c)) in flags.iter_mut().zip(s.chars()).enumerate() {
            *flag = match c {
                '0' => false,
                '1' => true,
                found => {
                    return Err(ArchitectureError::BadChar {
                        input: s.to_string(),
                        position,
                        found,
                    })
                }
            };
        }
        Ok(Self::from_flags(flags))
    }

    /// Every architecture, by index.
    pub fn all() -> impl Iterator<Item = Architecture> {
        (0..N_ARCHITECTURES as u8).map(|index| Architecture { index })
    }

    pub fn index(self) -> usize {
        self.index as usize
    }

    /// Pathway flags `[ii, hh, oo, io, oi, hi, oh]`.
    pub fn flags(self) -> [bool; 7] {
        let bits = self.index.saturating_sub(1);
        core::array::from_fn(|p| (bits >> (6 - p)) & 1 == 1)
    }

    /// Does the architecture have pathway `p` (index into [`PATHWAYS`])?
    pub fn has_pathway(self, p: usize) -> bool {
        self.flags()[p]
    }

    /// Hidden units: 34 for index 1, else 8.
    pub fn n_hidden(self) -> usize {
        if self.index == 1 {
            N_HIDDEN_MATCHED
        } else {
            N_HIDDEN
        }
    }

    /// Layer sizes (8 inputs, [`Self::n_hidden`], 5 outputs).
    pub fn dims(self) -> PrnnDims {
        PrnnDims::study(self.n_hidden())
    }

    /// Which of the nine matrices exist.
    pub fn mask(self) -> PrnnMask {
        PrnnMask::from_flags(self.flags())
    }

    /// Is there any recurrent path (any flag but `io`)? Without one the output at `t`
    /// depends on `x_t` alone.
    pub fn is_recurrent(self) -> bool {
        let f = self.flags();
        f.iter()
            .enumerate()
            .any(|(p, &on)| on && PATHWAYS[p] != "io")
    }

    /// Trainable weights of the present matrices.
    pub fn param_count(self) -> usize {
        let (dims, mask) = (self.dims(), self.mask());
        Block::ALL
            .iter()
            .filter(|&&b| mask.has(b))
            .map(|&b| dims.block_len(b))
            .sum()
    }

    /// The 7-character flag string, e.g. `"0101101"`.
    pub fn flag_string(self) -> String {
        self.flags()
            .iter()
            .map(|&f| if f { '1' } else { '0' })
            .collect()
    }

    /// `"ff"` (0), `"ff34"` (1), `"full"` (128), else the flag string.
    pub fn name(self) -> String {
        match self.index {
            0 => "ff".into(),
            1 => "ff34".into(),
            128 => "full".into(),
            _ => self.flag_string(),
        }
    }
}

impl fmt::Display for Architecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// Parses a name (`ff`, `ff34`, `full`), an index (one to three decimal digits) or a
/// 7-character flag string. Anything else is read as a flag string, so its error says what
/// a flag string needs.
impl FromStr for Architecture {
    type Err = ArchitectureError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ff" => return Ok(Self::FEEDFORWARD),
            "ff34" => return Ok(Self::FEEDFORWARD_MATCHED),
            "full" => return Ok(Self::FULL),
            _ => {}
        }
        if (1..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
            let index: usize = s.parse().expect("1–3 ASCII digits");
            return Self::from_index(index);
        }
        Self::from_flag_str(s)
    }
}
/// One network to train: its architecture and the coordinates of its random streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrnnPlan {
    pub architecture: Architecture,
    pub seeds: NetworkSeeds,
}
