//! The training inputs of a population on a [`Device`] (`kernels/cuda/noise.cu`): the task's
//! input patterns plus Gaussian noise from each network's own Xoshiro256++ stream, drawn as
//! `rand_distr::Normal<f32>` draws it on the CPU (its ziggurat, [`super::ziggurat_tables`]),
//! bit for bit — so the inputs never cross the bus and a network's noise is the same on every
//! backend. The streams' states live on the device and advance there.

use super::{xoshiro_state, ZigguratTables};
use crate::device::{
    check_extent, f64_slots, kernel_int, kernel_long, launch, slots_u64, u64_slots, Arg, Buf,
    Device, View,
};
use crate::KernelError;

/// A population's noise streams and the ziggurat tables, on a device.
pub struct NoiseStreams {
    networks: usize,
    /// Four state words per network, as `i32` pairs.
    state: Buf<i32>,
    /// `x` and `f` (257 `f64` each, two slots per value).
    zx: Buf<f32>,
    zf: Buf<f32>,
    r: f64,
    sigma: f32,
}

impl NoiseStreams {
    /// Streams `Xoshiro256PlusPlus::seed_from_u64(seeds[p])`, one per network, drawing
    /// `N(0, sigma²)` in `f32` (`sigma` = 0: no draws at all, as the CPU).
    pub fn new<D: Device + ?Sized>(
        dev: &mut D,
        seeds: &[u64],
        sigma: f32,
        tables: &ZigguratTables,
    ) -> Result<Self, KernelError> {
        let states: Vec<u64> = seeds.iter().flat_map(|&s| xoshiro_state(s)).collect();
        let state = dev.alloc::<i32>(2 * states.len())?;
        dev.upload(&u64_slots(&states), state.all())?;
        let (x, f) = (f64_slots(&tables.x), f64_slots(&tables.f));
        let zx = dev.alloc::<f32>(x.len())?;
        let zf = dev.alloc::<f32>(f.len())?;
        dev.upload(&x, zx.all())?;
        dev.upload(&f, zf.all())?;
        Ok(Self {
            networks: seeds.len(),
            state,
            zx,
            zf,
            r: tables.r,
            sigma,
        })
    }

    /// Each network's state words now (for tests: they must equal the CPU stream's after the
    /// same draws).
    pub fn states<D: Device + ?Sized>(&self, dev: &mut D) -> Result<Vec<u64>, KernelError> {
        let mut w = vec![0i32; self.state.len()];
        dev.download(self.state.all(), &mut w)?;
        Ok(slots_u64(&w))
    }

    /// `x` (`networks × steps × trials × 8`, time-major per network) = `patterns[problem]`
    /// (`8 problems × steps × 8`) of each trial (`problems`: `networks × trials`, each < 8)
    /// plus each network's next `steps · trials · 8` noise draws, in that order.
    pub fn goal_inputs<D: Device + ?Sized>(
        &mut self,
        dev: &mut D,
        x: View<f32>,
        patterns: View<f32>,
        problems: View<i32>,
        steps: usize,
        trials: usize,
    ) -> Result<(), KernelError> {
        const OP: &str = "lanes::cuda::goal_inputs";
        let p = self.networks;
        check_extent(OP, "x", x, p * steps * trials * 8)?;
        check_extent(OP, "patterns", patterns, 8 * steps * 8)?;
        check_extent(OP, "problems", problems, p * trials)?;
        let args = [
            x.into(),
            patterns.into(),
            problems.into(),
            Arg::I32Ptr(self.state, 0),
            Arg::F64Ptr(self.zx, 0),
            Arg::F64Ptr(self.zf, 0),
            Arg::Double(self.r),
            Arg::Float(self.sigma),
            kernel_int(OP, steps)?,
            kernel_int(OP, trials)?,
            kernel_long(p),
        ];
        launch(dev, "noise", "goal_inputs", p, &args)
    }
}
