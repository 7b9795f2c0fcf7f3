//! Mazes on a device: the host side of `kernels/cuda/maze.cuh`, the device functions with
//! which one GPU thread makes, senses and moves in its own network's mazes (the pRNN CUDA
//! engine's), and typed wrappers of the check kernels of `kernels/cuda/maze.cu` that run
//! those functions and bring back real [`Maze`] values — which `tasks/tests/maze_device.rs`
//! compares with this crate's CPU mazes bit for bit, on the emulated device (the same `.cu`
//! sources as host C++) and on a GPU where one opens.
//!
//! - [`DeviceMazeConfig`]: a [`MazeConfig`] checked for the device (size ≤
//!   [`MAZE_MAX_SIZE`], exactly 2 cue channels) and packed as `maze_cfg`'s 7 ints and 3
//!   doubles, for any kernel that makes mazes;
//! - [`layout_code`] / [`layout_of_code`]: a [`Layout`] as the device's `int` (general 0;
//!   track: bit 0 goal right, bit 1 leading channel; H: bits 0–1 corner, bit 2 horizontal
//!   channel, bit 3 rotated);
//! - [`generate_on`]: [`MazeConfig::generate`] of each stream, on the device;
//! - [`DeviceMazeSource`]: the training mazes of `model`'s `MazeSource` (plan a batch, skip
//!   its draws, shuffle, rebuild each in turn), kept on the device between calls;
//! - [`agent_on`]: sensing ([`super::sense_lanes`] for one lane), progress and moves at given
//!   cells;
//! - [`rng_draws_on`]: the device's draws of `kernels/cuda/rng.cuh` (ranges, uniforms,
//!   normals and the ziggurat tables), to compare with `rand`'s.
//!
//! A stream is given as its four Xoshiro256++ state words ([`StreamState`]; [`stream`] is the
//! CPU generator with that state) and comes back advanced as the device advanced it. Every
//! wrapper checks its inputs and sizes its buffers itself before it launches, because the
//! kernels index by what they are given; [`Device::launch`] is a safe call in this codebase
//! (the device checks argument counts; the extents are the wrapper's to get right).

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use wiring_kernels::device::{f64_slots, slots_u64, u64_slots, Arg, Buf, Device, Launch, BLOCK};
use wiring_kernels::KernelError;

use super::config::{MazeConfig, MazeKind};
use super::{Cell, Layout, Maze, MazeError};

mod agent;
mod draws;

pub use agent::{agent_on, AgentReadings};
pub use draws::{rng_draws_on, RngDraws};

/// The largest maze side the device functions hold (`MAZE_MAX_SIZE` of `maze.cuh`).
pub const MAZE_MAX_SIZE: usize = 15;
/// Cells of a maze slot in the kernels' buffers (`MAZE_MAX_CELLS`).
const MAX_CELLS: usize = MAZE_MAX_SIZE * MAZE_MAX_SIZE;
/// Ints of a maze's metadata in the kernels' buffers (`MAZE_META` of `maze.cu`): size, dmax,
/// start row and column, goal row and column, fastest, layout code.
const META: usize = 8;
/// The kernels' source module.
const MODULE: &str = "maze";

/// A Xoshiro256++ stream's four state words (`s[0]` first).
pub type StreamState = [u64; 4];

/// The CPU generator with state `state` (`Xoshiro256PlusPlus::from_seed` of its words,
/// little-endian): it draws what the device draws from that state. (The all-zero state, which
/// no seeded stream reaches, is the exception: `from_seed` replaces it.)
pub fn stream(state: StreamState) -> Xoshiro256PlusPlus {
    let mut seed = [0u8; 32];
    for (chunk, w) in seed.chunks_exact_mut(8).zip(state) {
        chunk.copy_from_slice(&w.to_le_bytes());
    }
    Xoshiro256PlusPlus::from_seed(seed)
}

/// The state of `Xoshiro256PlusPlus::seed_from_u64(seed)`.
pub fn stream_state(seed: u64) -> StreamState {
    wiring_kernels::lanes::xoshiro_state(seed)
}

/// What the device mazes refuse; one line naming the quantity and what was expected.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum DeviceMazeError {
    #[error(transparent)]
    Maze(#[from] MazeError),
    #[error(transparent)]
    Kernel(#[from] KernelError),
    #[error("maze on a device: kind.size must be at most MAZE_MAX_SIZE = {max}, got {size}")]
    TooLarge { size: usize, max: usize },
    #[error("maze on a device: n_channels must be 2 (the 8-input agent), got {n_channels}")]
    Channels { n_channels: usize },
    #[error("maze on a device: {what} must be at least 1, got 0")]
    Zero { what: &'static str },
    #[error("maze on a device: {what} = {value} exceeds a kernel int")]
    TooMany { what: &'static str, value: usize },
    #[error("maze on a device: {what} has length {got}, expected {expected}")]
    Length {
        what: &'static str,
        expected: usize,
        got: usize,
    },
    #[error("maze on a device: position {cell:?} of stream {stream} is not an interior cell of its size-{size} maze")]
    Position {
        stream: usize,
        cell: Cell,
        size: usize,
    },
}

/// A [`MazeConfig`] checked for the device and packed as `maze_cfg(ci, cf)` reads it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DeviceMazeConfig {
    /// The config it packs.
    pub config: MazeConfig,
    /// `[kind (0 general, 1 track, 2 H), size, n_steps, gaps, n_channels, last_cell_closed,
    /// relabel_distances]`.
    pub ints: [i32; 7],
    /// `[maze_noise, cue_sparsity, wall_sparsity]`.
    pub doubles: [f64; 3],
}

impl DeviceMazeConfig {
    /// Checks `config` ([`MazeConfig::validate`], size ≤ [`MAZE_MAX_SIZE`], 2 channels) and
    /// packs it.
    ///
    /// # Errors
    /// The first field the device cannot take.
    pub fn new(config: &MazeConfig) -> Result<Self, DeviceMazeError> {
        config.validate()?;
        let size = config.kind.size();
        if size > MAZE_MAX_SIZE {
            return Err(DeviceMazeError::TooLarge {
                size,
                max: MAZE_MAX_SIZE,
            });
        }
        if config.n_channels != 2 {
            return Err(DeviceMazeError::Channels {
                n_channels: config.n_channels,
            });
        }
        let kind = match config.kind {
            MazeKind::General { .. } => 0,
            MazeKind::Track { .. } => 1,
            MazeKind::H { .. } => 2,
        };
        // Every count below is at most MAZE_MAX_SIZE, but n_steps is the user's.
        let int = |what, v: usize| {
            i32::try_from(v).map_err(|_| DeviceMazeError::TooMany { what, value: v })
        };
        Ok(Self {
            config: *config,
            ints: [
                kind,
                int("kind.size", size)?,
                int("kind.n_steps", config.kind.n_steps())?,
                int("kind.gaps", config.kind.gaps())?,
                2,
                i32::from(config.quirks.last_cell_closed),
                i32::from(config.quirks.relabel_distances),
            ],
            doubles: [config.maze_noise, config.cue_sparsity, config.wall_sparsity],
        })
    }

    /// Checks that the kind can plan a batch of `batch` (track: even; H: divisible by 4), as
    /// [`MazeConfig::plan`] does.
    ///
    /// # Errors
    /// [`MazeError::TrackBatchOdd`] or [`MazeError::HBatchNotQuarters`].
    pub fn check_batch(&self, batch: usize) -> Result<(), DeviceMazeError> {
        match self.config.kind {
            MazeKind::Track { .. } if batch % 2 != 0 => {
                Err(MazeError::TrackBatchOdd { batch }.into())
            }
            MazeKind::H { .. } if batch % 4 != 0 => {
                Err(MazeError::HBatchNotQuarters { batch }.into())
            }
            _ => Ok(()),
        }
    }

    /// The config on `dev`: `ci` (7 ints) and `cf` (3 doubles, two `f32` slots each), for
    /// kernel arguments `Arg::I32Ptr(ci, 0)` and `Arg::F64Ptr(cf, 0)`.
    ///
    /// # Errors
    /// A device allocation or upload that fails.
    pub fn upload<D: Device + ?Sized>(
        &self,
        dev: &mut D,
    ) -> Result<(Buf<i32>, Buf<f32>), DeviceMazeError> {
        let ci = dev.alloc::<i32>(self.ints.len())?;
        dev.upload(&self.ints, ci.all())?;
        let cf = dev.alloc::<f32>(2 * self.doubles.len())?;
        dev.upload(&f64_slots(&self.doubles), cf.all())?;
        Ok((ci, cf))
    }

    fn size(&self) -> usize {
        self.config.kind.size()
    }
}

/// `layout` as the device's code (see the module docs).
pub fn layout_code(layout: Layout) -> i32 {
    match layout {
        Layout::General => 0,
        Layout::Track {
            goal_right,
            leading_channel,
        } => i32::from(goal_right) | i32::from(leading_channel == 1) << 1,
        Layout::H {
            corner,
            horizontal_channel,
            rotated,
            ..
        } => {
            (corner & 3) as i32 | i32::from(horizontal_channel == 1) << 2 | i32::from(rotated) << 3
        }
    }
}

/// The [`Layout`] of device code `code` for a maze of `kind`.
pub fn layout_of_code(kind: &MazeKind, code: i32) -> Layout {
    match kind {
        MazeKind::General { .. } => Layout::General,
        MazeKind::Track { .. } => Layout::Track {
            goal_right: code & 1 == 1,
            leading_channel: (code >> 1 & 1) as usize,
        },
        MazeKind::H { .. } => {
            let h = (code >> 2 & 1) as usize;
            Layout::H {
                corner: (code & 3) as usize,
                horizontal_channel: h,
                vertical_channel: 1 - h,
                rotated: code >> 3 & 1 == 1,
            }
        }
    }
}

/// Stream states as the `i32` pairs of a device buffer.
fn words_as_slots(states: &[StreamState]) -> Vec<i32> {
    u64_slots(&states.iter().flatten().copied().collect::<Vec<_>>())
}

fn slots_as_states(v: &[i32]) -> Vec<StreamState> {
    slots_u64(v)
        .chunks_exact(4)
        .map(|c| [c[0], c[1], c[2], c[3]])
        .collect()
}

fn kernel_int(what: &'static str, v: usize) -> Result<i32, DeviceMazeError> {
    i32::try_from(v).map_err(|_| DeviceMazeError::TooMany { what, value: v })
}

/// A zero-filled device buffer of `count` elements, its size computed without overflow.
fn alloc<T: wiring_kernels::device::Element, D: Device + ?Sized>(
    dev: &mut D,
    what: &'static str,
    factors: &[usize],
) -> Result<Buf<T>, DeviceMazeError> {
    let len = factors
        .iter()
        .try_fold(1usize, |a, &b| a.checked_mul(b))
        .ok_or(DeviceMazeError::TooMany {
            what,
            value: usize::MAX,
        })?;
    Ok(dev.alloc::<T>(len)?)
}

fn download<T: wiring_kernels::device::Element, D: Device + ?Sized>(
    dev: &mut D,
    buf: Buf<T>,
) -> Result<Vec<T>, DeviceMazeError> {
    let mut out = vec![T::default(); buf.len()];
    dev.download(buf.all(), &mut out)?;
    Ok(out)
}

/// The streams' states on `dev` (two `i32` slots per word).
fn upload_states<D: Device + ?Sized>(
    dev: &mut D,
    states: &[StreamState],
) -> Result<Buf<i32>, DeviceMazeError> {
    let slots = words_as_slots(states);
    let buf = dev.alloc::<i32>(slots.len())?;
    dev.upload(&slots, buf.all())?;
    Ok(buf)
}

/// Maze slots as the check kernels write them (`maze.cu`'s header), on the device.
struct MazeSlots {
    structure: Buf<i32>,
    cues: Buf<f32>,
    d: Buf<i32>,
    meta: Buf<i32>,
}

impl MazeSlots {
    fn alloc<D: Device + ?Sized>(dev: &mut D, slots: usize) -> Result<Self, DeviceMazeError> {
        Ok(Self {
            structure: alloc(dev, "maze slots", &[slots, MAX_CELLS])?,
            cues: alloc(dev, "maze slots", &[slots, 2, MAX_CELLS])?,
            d: alloc(dev, "maze slots", &[slots, MAX_CELLS])?,
            meta: alloc(dev, "maze slots", &[slots, META])?,
        })
    }

    fn args(&self) -> [Arg; 4] {
        [
            Arg::I32Ptr(self.structure, 0),
            Arg::F32Ptr(self.cues, 0),
            Arg::I32Ptr(self.d, 0),
            Arg::I32Ptr(self.meta, 0),
        ]
    }

    /// The mazes of every slot, `per` per stream, as [`Maze`] values of `config`'s kind.
    fn download<D: Device + ?Sized>(
        &self,
        dev: &mut D,
        config: &DeviceMazeConfig,
        per: usize,
    ) -> Result<Vec<Vec<Maze>>, DeviceMazeError> {
        let structure = download(dev, self.structure)?;
        let cues = download(dev, self.cues)?;
        let d = download(dev, self.d)?;
        let meta = download(dev, self.meta)?;
        let size = config.size();
        let cells = size * size;
        let mazes: Vec<Maze> = meta
            .chunks_exact(META)
            .enumerate()
            .map(|(slot, m)| {
                let at = |k: usize| slot * MAX_CELLS * k;
                let cue = |ch: usize| {
                    let from = at(2) + ch * MAX_CELLS;
                    cues[from..from + cells].iter().copied()
                };
                Maze {
                    size,
                    n_channels: 2,
                    structure: structure[at(1)..at(1) + cells]
                        .iter()
                        .map(|&s| s as u8)
                        .collect(),
                    cues: cue(0).chain(cue(1)).collect(),
                    start: (m[2] as usize, m[3] as usize),
                    goal: (m[4] as usize, m[5] as usize),
                    d: d[at(1)..at(1) + cells].iter().map(|&v| v as u32).collect(),
                    dmax: m[1] as u32,
                    fastest: m[6] as usize,
                    layout: layout_of_code(&config.config.kind, m[7]),
                }
            })
            .collect();
        Ok(mazes.chunks(per.max(1)).map(<[Maze]>::to_vec).collect())
    }
}

/// [`MazeConfig::generate`]`(count, rng)` for each stream, on `dev` (kernel `maze_generate`):
/// `result[p]` is stream `p`'s batch, and `states[p]` ends where the device left that stream.
///
/// # Errors
/// A config the device cannot take ([`DeviceMazeConfig::new`]), a batch the kind cannot plan,
/// a size past a kernel int, or a device failure.
pub fn generate_on<D: Device + ?Sized>(
    dev: &mut D,
    config: &MazeConfig,
    count: usize,
    states: &mut [StreamState],
) -> Result<Vec<Vec<Maze>>, DeviceMazeError> {
    let cfg = DeviceMazeConfig::new(config)?;
    cfg.check_batch(count)?;
    let streams = states.len();
    if count == 0 || streams == 0 {
        return Ok(vec![Vec::new(); streams]);
    }
    let count_arg = kernel_int("count", count)?;
    let (ci, cf) = cfg.upload(dev)?;
    let state = upload_states(dev, states)?;
    let layouts = alloc::<i32, D>(dev, "layouts", &[streams, count])?;
    let slots = MazeSlots::alloc(dev, streams * count)?;
    let [structure, cues, d, meta] = slots.args();
    let args = [
        Arg::I32Ptr(ci, 0),
        Arg::F64Ptr(cf, 0),
        Arg::I32Ptr(state, 0),
        Arg::Int(count_arg),
        Arg::I32Ptr(layouts, 0),
        structure,
        cues,
        d,
        meta,
        Arg::Long(streams as i64),
    ];
    dev.launch(&Launch {
        module: MODULE,
        kernel: "maze_generate",
        threads: streams,
        block: BLOCK,
        args: &args,
    })?;
    let mazes = slots.download(dev, &cfg, count)?;
    states.copy_from_slice(&slots_as_states(&download(dev, state)?));
    Ok(mazes)
}

/// The training mazes of a population on a device, one source per stream, as the CPU's
/// `MazeSource` (model `prnn::train::mazes`) makes them: when a stream's plan is used up,
/// [`MazeConfig::plan`] a batch, remember where each maze's draws begin while skipping them
/// ([`MazeConfig::skip`]), shuffle the plan (Fisher–Yates, `random_range(0..=i)`) from the
/// same stream; then each maze is rebuilt in turn from its remembered state. The streams, the
/// plans and their positions stay on the device between calls (kernel `maze_source`).
pub struct DeviceMazeSource {
    cfg: DeviceMazeConfig,
    batch: usize,
    streams: usize,
    ci: Buf<i32>,
    cf: Buf<f32>,
    state: Buf<i32>,
    next: Buf<i32>,
    plan_states: Buf<i32>,
    plan_layouts: Buf<i32>,
}

impl DeviceMazeSource {
    /// Sources of batches of `batch` mazes of `config`, from the streams `states`, with empty
    /// plans (the first call plans a batch).
    ///
    /// # Errors
    /// A config the device cannot take, a batch that is 0 or that the kind cannot plan, sizes
    /// past a kernel int, or a device failure.
    pub fn new<D: Device + ?Sized>(
        dev: &mut D,
        config: &MazeConfig,
        batch: usize,
        states: &[StreamState],
    ) -> Result<Self, DeviceMazeError> {
        let cfg = DeviceMazeConfig::new(config)?;
        if batch == 0 {
            return Err(DeviceMazeError::Zero { what: "batch" });
        }
        cfg.check_batch(batch)?;
        let streams = states.len();
        let batch_arg = kernel_int("batch", batch)?;
        let (ci, cf) = cfg.upload(dev)?;
        let state = upload_states(dev, states)?;
        let next = dev.alloc::<i32>(streams)?;
        dev.upload(&vec![batch_arg; streams], next.all())?;
        let plan_states = alloc(dev, "plan_states", &[streams, batch, 8])?;
        let plan_layouts = alloc(dev, "plan_layouts", &[streams, batch])?;
        Ok(Self {
            cfg,
            batch,
            streams,
            ci,
            cf,
            state,
            next,
            plan_states,
            plan_layouts,
        })
    }

    /// The next `count` mazes of every stream: `result[p][k]`.
    ///
    /// # Errors
    /// A `count` past a kernel int, or a device failure.
    pub fn next_mazes<D: Device + ?Sized>(
        &mut self,
        dev: &mut D,
        count: usize,
    ) -> Result<Vec<Vec<Maze>>, DeviceMazeError> {
        if count == 0 || self.streams == 0 {
            return Ok(vec![Vec::new(); self.streams]);
        }
        let count_arg = kernel_int("count", count)?;
        let slots = MazeSlots::alloc(dev, self.streams * count)?;
        let [structure, cues, d, meta] = slots.args();
        let args = [
            Arg::I32Ptr(self.ci, 0),
            Arg::F64Ptr(self.cf, 0),
            Arg::I32Ptr(self.state, 0),
            Arg::Int(kernel_int("batch", self.batch)?),
            Arg::Int(count_arg),
            Arg::I32Ptr(self.next, 0),
            Arg::I32Ptr(self.plan_states, 0),
            Arg::I32Ptr(self.plan_layouts, 0),
            structure,
            cues,
            d,
            meta,
            Arg::Long(self.streams as i64),
        ];
        dev.launch(&Launch {
            module: MODULE,
            kernel: "maze_source",
            threads: self.streams,
            block: BLOCK,
            args: &args,
        })?;
        slots.download(dev, &self.cfg, count)
    }

    /// Where each stream is now.
    ///
    /// # Errors
    /// A device failure.
    pub fn states<D: Device + ?Sized>(
        &self,
        dev: &mut D,
    ) -> Result<Vec<StreamState>, DeviceMazeError> {
        Ok(slots_as_states(&download(dev, self.state)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_size_limit_is_the_headers() {
        let header = wiring_kernels::device::HEADERS
            .iter()
            .find(|(name, _)| *name == "maze.cuh")
            .map(|(_, text)| *text)
            .expect("maze.cuh in device::HEADERS");
        assert!(
            header.contains(&format!("#define MAZE_MAX_SIZE {MAZE_MAX_SIZE}\n")),
            "MAZE_MAX_SIZE differs between maze.cuh and tasks::maze::cuda"
        );
        let source = wiring_kernels::device::SOURCES
            .iter()
            .find(|(name, _)| *name == "maze")
            .map(|(_, text)| *text)
            .expect("maze.cu in device::SOURCES");
        assert!(source.contains(&format!("#define MAZE_META {META}\n")));
    }

    #[test]
    fn layout_codes_round_trip() {
        let general = MazeKind::GENERAL;
        assert_eq!(layout_code(Layout::General), 0);
        assert_eq!(layout_of_code(&general, 0), Layout::General);
        for goal_right in [false, true] {
            for leading_channel in [0, 1] {
                let l = Layout::Track {
                    goal_right,
                    leading_channel,
                };
                assert_eq!(layout_of_code(&MazeKind::TRACK, layout_code(l)), l);
            }
        }
        for corner in 0..4 {
            for (h, v) in [(0, 1), (1, 0)] {
                for rotated in [false, true] {
                    let l = Layout::H {
                        corner,
                        horizontal_channel: h,
                        vertical_channel: v,
                        rotated,
                    };
                    assert_eq!(layout_of_code(&MazeKind::H, layout_code(l)), l);
                }
            }
        }
    }

    #[test]
    fn states_round_trip_through_slots_and_streams() {
        use rand::RngCore;
        let states = [stream_state(3), stream_state(u64::MAX)];
        assert_eq!(slots_as_states(&words_as_slots(&states)), states);
        let mut a = stream(stream_state(17));
        let mut b = Xoshiro256PlusPlus::seed_from_u64(17);
        assert_eq!(a.next_u64(), b.next_u64());
        let d = [0.1, -3.5, f64::MIN_POSITIVE];
        assert_eq!(wiring_kernels::device::slots_f64(&f64_slots(&d)), d);
    }

    #[test]
    fn configs_the_device_cannot_take_are_refused() {
        let big = MazeConfig::of_kind(MazeKind::General {
            size: 17,
            n_steps: 20,
        });
        assert_eq!(
            DeviceMazeConfig::new(&big),
            Err(DeviceMazeError::TooLarge { size: 17, max: 15 })
        );
        let three = MazeConfig {
            n_channels: 3,
            ..MazeConfig::default()
        };
        assert_eq!(
            DeviceMazeConfig::new(&three),
            Err(DeviceMazeError::Channels { n_channels: 3 })
        );
        let bad = MazeConfig {
            maze_noise: -1.0,
            ..MazeConfig::default()
        };
        assert!(matches!(
            DeviceMazeConfig::new(&bad),
            Err(DeviceMazeError::Maze(MazeError::BadNoise { .. }))
        ));
        let h = DeviceMazeConfig::new(&MazeConfig::of_kind(MazeKind::H)).expect("H");
        assert_eq!(
            h.check_batch(6),
            Err(DeviceMazeError::Maze(MazeError::HBatchNotQuarters {
                batch: 6
            }))
        );
        assert_eq!(h.ints, [2, 11, 14, 1, 2, 1, 1]);
    }
}
