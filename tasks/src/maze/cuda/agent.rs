//! The agent on a device ([`agent_on`]): `maze.cuh`'s sensing, progress and moves at given
//! cells, through the check kernel `maze_agent` of `kernels/cuda/maze.cu`.

use wiring_kernels::device::{Arg, Buf, Device, Launch, BLOCK};

use super::{
    alloc, download, kernel_int, layout_code, slots_as_states, upload_states, DeviceMazeError,
    StreamState, MAX_CELLS, MAZE_MAX_SIZE, META, MODULE,
};
use crate::maze::{Cell, Maze};

/// What the agent met at each cell of [`agent_on`].
#[derive(Clone, Debug, PartialEq)]
pub struct AgentReadings {
    /// The 8 sensed inputs `[L0, L1, R0, R1, U0, U1, D0, D1]` at each cell.
    pub inputs: Vec<[f32; 8]>,
    /// [`Maze::progress`] at each cell.
    pub progress: Vec<f32>,
    /// The cell each action L, R, U, D, stay leads to ([`crate::maze::step`]).
    pub moves: Vec<[Cell; 5]>,
}

/// The agent in `mazes[p]`, stream `p`'s maze, at each cell of `cells[p]` in order (kernel
/// `maze_agent`): the sensed inputs with sensor noise `sigma` (from stream `p`, as
/// [`crate::maze::sense_lanes`] draws for one lane: both channels active), the progress, and the
/// cell each action leads to. `states[p]` ends where the device left stream `p`.
///
/// # Errors
/// Lengths that differ (`mazes`, `cells` and `states`: one per stream; every stream the same
/// number of cells), a maze the device cannot hold (size past [`MAZE_MAX_SIZE`], not 2
/// channels, grids of the wrong length), a cell that is not interior, or a device failure.
pub fn agent_on<D: Device + ?Sized>(
    dev: &mut D,
    mazes: &[Maze],
    cells: &[Vec<Cell>],
    sigma: f32,
    states: &mut [StreamState],
) -> Result<Vec<AgentReadings>, DeviceMazeError> {
    let streams = states.len();
    for (what, got) in [("mazes", mazes.len()), ("cells", cells.len())] {
        if got != streams {
            return Err(DeviceMazeError::Length {
                what,
                expected: streams,
                got,
            });
        }
    }
    let count = cells.first().map_or(0, Vec::len);
    let mut structure = vec![0i32; streams * MAX_CELLS];
    let mut cues = vec![0.0f32; streams * 2 * MAX_CELLS];
    let mut d = vec![0i32; streams * MAX_CELLS];
    let mut meta = vec![0i32; streams * META];
    let mut pos = Vec::with_capacity(2 * streams * count);
    for (p, (maze, at)) in mazes.iter().zip(cells).enumerate() {
        let size = maze.size;
        if size > MAZE_MAX_SIZE {
            return Err(DeviceMazeError::TooLarge {
                size,
                max: MAZE_MAX_SIZE,
            });
        }
        if maze.n_channels != 2 {
            return Err(DeviceMazeError::Channels {
                n_channels: maze.n_channels,
            });
        }
        let n = size * size;
        for (what, expected, got) in [
            ("maze.structure", n, maze.structure.len()),
            ("maze.cues", 2 * n, maze.cues.len()),
            ("maze.d", n, maze.d.len()),
            ("cells of a stream", count, at.len()),
        ] {
            if got != expected {
                return Err(DeviceMazeError::Length {
                    what,
                    expected,
                    got,
                });
            }
        }
        for &cell in at {
            let interior = (1..size.saturating_sub(1)).contains(&cell.0)
                && (1..size.saturating_sub(1)).contains(&cell.1);
            if !interior {
                return Err(DeviceMazeError::Position {
                    stream: p,
                    cell,
                    size,
                });
            }
            // Interior of a grid of side ≤ 15: both fit an i32.
            pos.extend([cell.0 as i32, cell.1 as i32]);
        }
        let slot = p * MAX_CELLS;
        for i in 0..n {
            structure[slot + i] = i32::from(maze.structure[i]);
            d[slot + i] = maze.d[i] as i32;
        }
        for ch in 0..2 {
            cues[2 * slot + ch * MAX_CELLS..][..n].copy_from_slice(&maze.cues[ch * n..][..n]);
        }
        // Only `size` indexes memory on the device; the rest is carried bit for bit (u32 and
        // usize values as i32 bits).
        meta[p * META..][..META].copy_from_slice(&[
            size as i32,
            maze.dmax as i32,
            maze.start.0 as i32,
            maze.start.1 as i32,
            maze.goal.0 as i32,
            maze.goal.1 as i32,
            maze.fastest as i32,
            layout_code(maze.layout),
        ]);
    }
    if streams == 0 || count == 0 {
        return Ok(vec![
            AgentReadings {
                inputs: Vec::new(),
                progress: Vec::new(),
                moves: Vec::new(),
            };
            streams
        ]);
    }
    let count_arg = kernel_int("cells per stream", count)?;
    let upload_i32 = |dev: &mut D, v: &[i32]| -> Result<Buf<i32>, DeviceMazeError> {
        let b = dev.alloc::<i32>(v.len())?;
        dev.upload(v, b.all())?;
        Ok(b)
    };
    let d_structure = upload_i32(dev, &structure)?;
    let d_d = upload_i32(dev, &d)?;
    let d_meta = upload_i32(dev, &meta)?;
    let d_pos = upload_i32(dev, &pos)?;
    let d_cues = dev.alloc::<f32>(cues.len())?;
    dev.upload(&cues, d_cues.all())?;
    let state = upload_states(dev, states)?;
    let x = alloc::<f32, D>(dev, "inputs", &[streams, count, 8])?;
    let progress = alloc::<f32, D>(dev, "progress", &[streams, count])?;
    let moves = alloc::<i32, D>(dev, "moves", &[streams, count, 10])?;
    let args = [
        Arg::I32Ptr(d_structure, 0),
        Arg::F32Ptr(d_cues, 0),
        Arg::I32Ptr(d_d, 0),
        Arg::I32Ptr(d_meta, 0),
        Arg::I32Ptr(d_pos, 0),
        Arg::Float(sigma),
        Arg::I32Ptr(state, 0),
        Arg::Int(count_arg),
        Arg::F32Ptr(x, 0),
        Arg::F32Ptr(progress, 0),
        Arg::I32Ptr(moves, 0),
        Arg::Long(streams as i64),
    ];
    dev.launch(&Launch {
        module: MODULE,
        kernel: "maze_agent",
        threads: streams,
        block: BLOCK,
        args: &args,
    })?;
    let (x, progress, moves) = (
        download(dev, x)?,
        download(dev, progress)?,
        download(dev, moves)?,
    );
    states.copy_from_slice(&slots_as_states(&download(dev, state)?));
    Ok((0..streams)
        .map(|p| {
            let range = p * count..(p + 1) * count;
            AgentReadings {
                inputs: range
                    .clone()
                    .map(|q| core::array::from_fn(|k| x[8 * q + k]))
                    .collect(),
                progress: progress[range.clone()].to_vec(),
                moves: range
                    .map(|q| {
                        core::array::from_fn(|a| {
                            let m = &moves[10 * q + 2 * a..];
                            (m[0] as usize, m[1] as usize)
                        })
                    })
                    .collect(),
            }
        })
        .collect())
}
