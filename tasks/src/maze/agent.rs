//! The agent shared by all mazes: five actions, moves that stop at walls, and four sensors
//! reading the cue channels of the neighbouring cells (spec "The agent").
//!
//! Sensing, for sensor `s` ∈ (L, R, U, D) looking at neighbour `n_s` and channel `k`:
//!
//! ```text
//! x[s·C + k] = active[k] · clip(cue_k(n_s) + σ_s·z_{s,k}, 0, 1),   z ~ N(0, 1)
//! ```
//!
//! with `C` channels (2 for the study's 8-input vector `[L0, L1, R0, R1, U0, U1, D0, D1]`).
//! The `z` come in pairs, entries `2j` and `2j + 1` from one `u64` of the stream by the
//! Box–Muller transform ([`wiring_kernels::lanes::box_muller_x8`]), in output order, active or not,
//! so the stream advances by `2·C` words per call whatever the active channels; with
//! `σ_s = 0` nothing is drawn. Sensing allocates nothing.

use super::distance::NEIGHBOURS;
use super::{Cell, Maze, MazeError};
use rand::Rng;
use wiring_kernels::lanes::box_muller_x8;

/// Number of actions (L, R, U, D, stay).
pub const N_ACTIONS: usize = 5;
/// Number of sensors (L, R, U, D).
pub const N_SENSORS: usize = 4;

/// An action, with its index 0..5 in the network's output order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Action {
    Left = 0,
    Right = 1,
    Up = 2,
    Down = 3,
    Stay = 4,
}

impl Action {
    /// All actions in index order.
    pub const ALL: [Action; N_ACTIONS] = [
        Action::Left,
        Action::Right,
        Action::Up,
        Action::Down,
        Action::Stay,
    ];

    /// The action of index `i` (0..5), or `None`.
    #[inline]
    pub fn from_index(i: usize) -> Option<Action> {
        Self::ALL.get(i).copied()
    }

    /// The index of the action (0..5).
    #[inline]
    pub fn index(self) -> usize {
        self as usize
    }

    /// The move as `(drow, dcol)`: L = (0,−1), R = (0,1), U = (−1,0), D = (1,0), stay = (0,0).
    #[inline]
    pub fn offset(self) -> (isize, isize) {
        match self {
            Action::Stay => (0, 0),
            a => NEIGHBOURS[a as usize],
        }
    }
}

/// The cell reached from `pos` by `action`: the neighbour if it is path, else `pos` (a move
/// into a wall, or out of the grid, leaves the agent in place).
///
/// Branch-free: whether a random move hits a wall is unpredictable, and a mispredicted branch
/// per step was a tenth of the trainer's own time.
#[inline]
pub fn step(maze: &Maze, pos: Cell, action: Action) -> Cell {
    let (dr, dc) = action.offset();
    // Off the grid on either side ⇔ ≥ size after a wrapping add (usize::MAX for −1 at 0).
    let (r, c) = (pos.0.wrapping_add_signed(dr), pos.1.wrapping_add_signed(dc));
    let inside = (r < maze.size) & (c < maze.size);
    let at = if inside { r * maze.size + c } else { 0 };
    let open = inside & (maze.structure.get(at).copied() == Some(1));
    // `(r, c)` if open, else `pos`, by bit masks (a compiler may turn an `if` into a branch).
    let keep = usize::from(open).wrapping_neg();
    (pos.0 ^ ((r ^ pos.0) & keep), pos.1 ^ ((c ^ pos.1) & keep))
}

/// The study's 8-input sensing, `[L0, L1, R0, R1, U0, U1, D0, D1]` (see the module docs), for
/// a 2-channel maze.
///
/// # Errors
/// [`MazeError::SensorChannels`] if the maze does not have exactly 2 channels.
///
/// # Panics
/// If `pos` is on the border or outside the grid (the agent only stands on path cells, which
/// are interior).
#[inline]
pub fn sense<R: Rng + ?Sized>(
    maze: &Maze,
    pos: Cell,
    sigma_s: f32,
    active_channels: [bool; 2],
    rng: &mut R,
    out: &mut [f32; 8],
) -> Result<(), MazeError> {
    if maze.n_channels != 2 {
        return Err(MazeError::SensorChannels {
            n_channels: maze.n_channels,
        });
    }
    let n = maze.size;
    assert!(
        pos.0 >= 1 && pos.1 >= 1 && pos.0 + 1 < n && pos.1 + 1 < n,
        "sense: position {pos:?} is not an interior cell of a size-{n} maze"
    );
    let centre = pos.0 * n + pos.1;
    let neighbours = [centre - 1, centre + 1, centre - n, centre + n];
    let (ch0, ch1) = maze.cues.split_at(n * n);
    for (s, &i) in neighbours.iter().enumerate() {
        out[2 * s] = ch0[i];
        out[2 * s + 1] = ch1[i];
    }
    if sigma_s != 0.0 {
        let (z0, z1) = box_muller_x8(core::array::from_fn(|j| {
            if j < N_SENSORS {
                rng.next_u64()
            } else {
                0
            }
        }));
        for (j, pair) in out.chunks_exact_mut(2).enumerate() {
            pair[0] = (pair[0] + sigma_s * z0[j]).clamp(0.0, 1.0);
            pair[1] = (pair[1] + sigma_s * z1[j]).clamp(0.0, 1.0);
        }
    } else {
        for x in out.iter_mut() {
            *x = x.clamp(0.0, 1.0);
        }
    }
    for (k, &on) in active_channels.iter().enumerate() {
        if !on {
            for s in 0..N_SENSORS {
                out[2 * s + k] = 0.0;
            }
        }
    }
    Ok(())
}

/// Sensing for any number of channels `C = maze.n_channels`: `out` (length `4·C`) receives
/// `[L0..L(C−1), R0.., U0.., D0..]` (see the module docs); `active_channels` has length `C`.
///
/// # Errors
/// [`MazeError::SensorBuffer`] if `active_channels` or `out` has the wrong length.
///
/// # Panics
/// If `pos` is on the border or outside the grid.
pub fn sense_channels<R: Rng + ?Sized>(
    maze: &Maze,
    pos: Cell,
    sigma_s: f32,
    active_channels: &[bool],
    rng: &mut R,
    out: &mut [f32],
) -> Result<(), MazeError> {
    let c = maze.n_channels;
    if active_channels.len() != c {
        return Err(MazeError::SensorBuffer {
            what: "active_channels",
            expected: c,
            len: active_channels.len(),
        });
    }
    if out.len() != N_SENSORS * c {
        return Err(MazeError::SensorBuffer {
            what: "out",
            expected: N_SENSORS * c,
            len: out.len(),
        });
    }
    let n = maze.size;
    assert!(
        pos.0 >= 1 && pos.1 >= 1 && pos.0 + 1 < n && pos.1 + 1 < n,
        "sense_channels: position {pos:?} is not an interior cell of a size-{n} maze"
    );
    let centre = pos.0 * n + pos.1;
    let neighbours = [centre - 1, centre + 1, centre - n, centre + n];
    // Entry `e` (output order) takes element `e mod 2` of the pair of word `⌊e/2⌋`.
    let mut pairs = ([0.0f32; 8], [0.0f32; 8]);
    for (s, &i) in neighbours.iter().enumerate() {
        for (k, &on) in active_channels.iter().enumerate() {
            let e = s * c + k;
            let mut x = maze.cues[k * n * n + i];
            if sigma_s != 0.0 {
                if e % 16 == 0 {
                    let remaining = (N_SENSORS * c).div_ceil(2) - e / 2;
                    pairs = box_muller_x8(core::array::from_fn(|j| {
                        if j < remaining {
                            rng.next_u64()
                        } else {
                            0
                        }
                    }));
                }
                let z = if e % 2 == 0 { pairs.0 } else { pairs.1 }[(e % 16) / 2];
                x += sigma_s * z;
            }
            out[e] = if on { x.clamp(0.0, 1.0) } else { 0.0 };
        }
    }
    Ok(())
}
