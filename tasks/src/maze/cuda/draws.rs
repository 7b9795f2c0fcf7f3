//! The device's random draws ([`rng_draws_on`]): `rng.cuh`'s ranges, uniforms, normals,
//! Box–Muller pairs and ziggurat tables, through the check kernel `rng_draws` of
//! `kernels/cuda/maze.cu`, to compare with `rand`'s.

use wiring_kernels::device::{slots_f64, Arg, Device, Launch, BLOCK};

use super::{
    alloc, download, kernel_int, slots_as_states, upload_states, DeviceMazeError, StreamState,
    MODULE,
};

/// The draws of [`rng_draws_on`] for one stream, in the order drawn (round `k` takes a range,
/// an `f32`, an `f64`, a normal, then one word for a Box–Muller pair).
#[derive(Clone, Debug, PartialEq)]
pub struct RngDraws {
    /// `random_range(0..n[k])` (`rng_below`).
    pub below: Vec<u32>,
    /// `random::<f32>()`.
    pub f32s: Vec<f32>,
    /// `random::<f64>()`.
    pub f64s: Vec<f64>,
    /// `sample::<f64, _>(StandardNormal)`.
    pub normals: Vec<f64>,
    /// The sensor noise's pair of the next word `w`: `box_muller_x8` of `w` in lane 0.
    pub pairs: Vec<(f32, f32)>,
}

/// `rng.cuh`'s draws on `dev` (kernel `rng_draws`), `n.len()` rounds from each stream, and the
/// device's built-in ziggurat tables `(x, f)` (257 values each).
///
/// # Errors
/// An `n` of 0 or too many rounds for a kernel int, or a device failure.
pub fn rng_draws_on<D: Device + ?Sized>(
    dev: &mut D,
    n: &[u32],
    states: &mut [StreamState],
) -> Result<(Vec<RngDraws>, [Vec<f64>; 2]), DeviceMazeError> {
    if n.contains(&0) {
        return Err(DeviceMazeError::Zero {
            what: "a range's length n",
        });
    }
    let streams = states.len();
    let count = n.len();
    let count_arg = kernel_int("rounds", count)?;
    // The bits of each u32 as the kernel's int (it reads them back as unsigned).
    let n_bits: Vec<i32> = n.iter().map(|&v| v as i32).collect();
    let d_n = dev.alloc::<i32>(count)?;
    dev.upload(&n_bits, d_n.all())?;
    let state = upload_states(dev, states)?;
    let below = alloc::<i32, D>(dev, "draws", &[streams, count])?;
    let f32s = alloc::<f32, D>(dev, "draws", &[streams, count])?;
    let f64s = alloc::<f32, D>(dev, "draws", &[streams, count, 2])?;
    let normals = alloc::<f32, D>(dev, "draws", &[streams, count, 2])?;
    let pairs = alloc::<f32, D>(dev, "draws", &[streams, count, 2])?;
    let tables = dev.alloc::<f32>(2 * 2 * 257)?;
    let args = [
        Arg::I32Ptr(state, 0),
        Arg::I32Ptr(d_n, 0),
        Arg::Int(count_arg),
        Arg::I32Ptr(below, 0),
        Arg::F32Ptr(f32s, 0),
        Arg::F64Ptr(f64s, 0),
        Arg::F64Ptr(normals, 0),
        Arg::F32Ptr(pairs, 0),
        Arg::F64Ptr(tables, 0),
        Arg::Long(streams as i64),
    ];
    dev.launch(&Launch {
        module: MODULE,
        kernel: "rng_draws",
        threads: streams,
        block: BLOCK,
        args: &args,
    })?;
    let below = download(dev, below)?;
    let f32s = download(dev, f32s)?;
    let f64s = slots_f64(&download(dev, f64s)?);
    let normals = slots_f64(&download(dev, normals)?);
    let pairs = download(dev, pairs)?;
    let tables = slots_f64(&download(dev, tables)?);
    states.copy_from_slice(&slots_as_states(&download(dev, state)?));
    let draws = (0..streams)
        .map(|p| {
            let r = p * count..(p + 1) * count;
            RngDraws {
                below: below[r.clone()].iter().map(|&v| v as u32).collect(),
                f32s: f32s[r.clone()].to_vec(),
                f64s: f64s[r.clone()].to_vec(),
                normals: normals[r.clone()].to_vec(),
                pairs: r.map(|q| (pairs[2 * q], pairs[2 * q + 1])).collect(),
            }
        })
        .collect();
    let (x, f) = tables.split_at(257);
    Ok((draws, [x.to_vec(), f.to_vec()]))
}
