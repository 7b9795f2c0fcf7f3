//! The matmul-only matrix exponential and its adjoint on a [`Device`], batched over a
//! population of `n × n` matrices: the method of [`super::taylor`] (degree-8 Taylor in
//! Bader–Blanes–Casas form, scaling and squaring, reverse-mode adjoint), with every product a
//! strided-batched GEMM and the linear combinations kernels of `kernels/cuda/expm.cu`.
//!
//! Each network keeps its own number of squarings `s_p` (chosen from its own norm, as the CPU
//! variant does), so a network's result never depends on which others share the batch: all
//! matrices are squared `max_p s_p` times and a network whose `s_p` is reached keeps its
//! matrix (`expm_select`); the reverse sweep skips the same steps. The element order of every
//! combination is [`super::taylor`]'s, so the two differ only in the GEMMs' summation order.

use super::taylor::{COEFFS, THETA_F32};
use crate::device::{
    check_extent, gemm_row_major, kernel_int, kernel_long, launch, Arg, Buf, Device, RowMajor, View,
};
use crate::KernelError;

/// Device buffers for `networks` matrices of `n × n` and the state the last
/// [`TaylorBatch::expm`] leaves for [`TaylorBatch::adjoint_last`].
pub struct TaylorBatch {
    n: usize,
    networks: usize,
    x: Buf<f32>,
    x2: Buf<f32>,
    b: Buf<f32>,
    x4: Buf<f32>,
    l: Buf<f32>,
    r: Buf<f32>,
    /// `E₀ … E_{s_max}` (grown as needed).
    squares: Vec<Buf<f32>>,
    s: Buf<i32>,
    s_host: Vec<i32>,
    valid: bool,
    dx: Buf<f32>,
    dx2: Buf<f32>,
    dx4: Buf<f32>,
    dl: Buf<f32>,
    dr: Buf<f32>,
    de: Buf<f32>,
    de_next: Buf<f32>,
}

impl TaylorBatch {
    /// Allocates `15 · networks · n²` floats on `dev` (more as squarings need).
    pub fn new<D: Device + ?Sized>(
        dev: &mut D,
        n: usize,
        networks: usize,
    ) -> Result<Self, KernelError> {
        let len = networks * n * n;
        let mut z = || dev.alloc::<f32>(len);
        Ok(Self {
            n,
            networks,
            x: z()?,
            x2: z()?,
            b: z()?,
            x4: z()?,
            l: z()?,
            r: z()?,
            squares: vec![z()?, z()?],
            dx: z()?,
            dx2: z()?,
            dx4: z()?,
            dl: z()?,
            dr: z()?,
            de: z()?,
            de_next: z()?,
            s: dev.alloc::<i32>(networks)?,
            s_host: vec![0; networks],
            valid: false,
        })
    }

    /// Squarings of each network in the last [`TaylorBatch::expm`].
    pub fn squarings(&self) -> &[i32] {
        &self.s_host
    }

    fn len(&self) -> usize {
        self.networks * self.n * self.n
    }

    fn mat(&self, buf: Buf<f32>) -> RowMajor {
        let nn = self.n * self.n;
        RowMajor::dense(buf, 0, self.n, self.n, nn)
    }

    /// `dst (+)= op(lhs) · op(rhs)` for every network.
    #[allow(clippy::too_many_arguments)]
    fn mm<D: Device + ?Sized>(
        &self,
        dev: &mut D,
        dst: Buf<f32>,
        add: bool,
        lhs: Buf<f32>,
        lt: bool,
        rhs: Buf<f32>,
        rt: bool,
    ) -> Result<(), KernelError> {
        let t = |m: RowMajor, t: bool| if t { m.t() } else { m };
        gemm_row_major(
            dev,
            1.0,
            t(self.mat(lhs), lt),
            t(self.mat(rhs), rt),
            if add { 1.0 } else { 0.0 },
            self.mat(dst),
            self.networks,
        )
    }

    /// One of the linear-combination kernels over every matrix: `expm_combine` (`dst = diag·I +
    /// Σ c_k m_k`, up to three terms, zero-started fused multiply-adds) or `expm_accumulate`
    /// (`dst += Σ c_k m_k + diag·I`, up to two terms); absent terms are null pointers.
    fn lincomb<D: Device + ?Sized>(
        &self,
        dev: &mut D,
        accumulate: bool,
        dst: Arg,
        terms: &[(f64, Arg)],
        diag: f64,
    ) -> Result<(), KernelError> {
        const OP: &str = "expm::cuda::lincomb";
        let (kernel, slots) = if accumulate {
            ("expm_accumulate", 2)
        } else {
            ("expm_combine", 3)
        };
        let mut args = vec![dst];
        for k in 0..slots {
            match terms.get(k) {
                Some(&(c, m)) => args.extend([Arg::Float(c as f32), m]),
                None => args.extend([Arg::Float(0.0), Arg::Null]),
            }
        }
        args.extend([
            Arg::Float(diag as f32),
            kernel_int(OP, self.n)?,
            kernel_long(self.len()),
        ]);
        launch(dev, "expm", kernel, self.len(), &args)
    }

    /// `dst = diag·I + Σ c_k m_k` over the batch's own buffers.
    fn combine<D: Device + ?Sized>(
        &self,
        dev: &mut D,
        dst: Buf<f32>,
        terms: &[(f64, Buf<f32>)],
        diag: f64,
    ) -> Result<(), KernelError> {
        let terms: Vec<(f64, Arg)> = terms.iter().map(|&(c, m)| (c, Arg::F32Ptr(m, 0))).collect();
        self.lincomb(dev, false, Arg::F32Ptr(dst, 0), &terms, diag)
    }

    /// `dst += Σ c_k m_k + diag·I` over the batch's own buffers.
    fn accumulate<D: Device + ?Sized>(
        &self,
        dev: &mut D,
        dst: Buf<f32>,
        terms: &[(f64, Buf<f32>)],
        diag: f64,
    ) -> Result<(), KernelError> {
        let terms: Vec<(f64, Arg)> = terms.iter().map(|&(c, m)| (c, Arg::F32Ptr(m, 0))).collect();
        self.lincomb(dev, true, Arg::F32Ptr(dst, 0), &terms, diag)
    }

    /// Where network `p` has no squaring `k` (`k ≥ s_p`): `dst = keep`.
    fn select<D: Device + ?Sized>(
        &self,
        dev: &mut D,
        dst: Buf<f32>,
        keep: Buf<f32>,
        k: usize,
    ) -> Result<(), KernelError> {
        const OP: &str = "expm::cuda::select";
        let args = [
            Arg::F32Ptr(dst, 0),
            Arg::F32Ptr(keep, 0),
            Arg::I32Ptr(self.s, 0),
            kernel_int(OP, k)?,
            kernel_long(self.n * self.n),
            kernel_long(self.len()),
        ];
        launch(dev, "expm", "expm_select", self.len(), &args)
    }

    /// `dst = 2^{-s_p} src`.
    fn scale<D: Device + ?Sized>(
        &self,
        dev: &mut D,
        dst: Buf<f32>,
        src: Arg,
    ) -> Result<(), KernelError> {
        let args = [
            Arg::F32Ptr(dst, 0),
            src,
            Arg::I32Ptr(self.s, 0),
            kernel_long(self.n * self.n),
            kernel_long(self.len()),
        ];
        launch(dev, "expm", "expm_scale", self.len(), &args)
    }

    /// `e = expm(a)` for every network (`a`, `e`: `networks × n × n`, row-major). Reads the
    /// squarings back to the host (one small transfer) to know how many to queue.
    pub fn expm<D: Device + ?Sized>(
        &mut self,
        dev: &mut D,
        a: View<f32>,
        e: View<f32>,
    ) -> Result<(), KernelError> {
        const OP: &str = "expm::cuda::expm";
        self.valid = false;
        check_extent(OP, "a", a, self.len())?;
        check_extent(OP, "e", e, self.len())?;
        let args = [
            a.into(),
            Arg::I32Ptr(self.s, 0),
            kernel_int(OP, self.n)?,
            Arg::Double(THETA_F32),
            kernel_long(self.networks),
        ];
        launch(dev, "expm", "expm_squarings", self.networks, &args)?;
        dev.download(self.s.all(), &mut self.s_host)?;
        let s_max = self.s_host.iter().copied().max().unwrap_or(0).max(0) as usize;
        while self.squares.len() < s_max + 1 {
            let buf = dev.alloc::<f32>(self.len())?;
            self.squares.push(buf);
        }
        let [x1, x2, x3, x4, x5, x6, x7, y2] = COEFFS;
        self.scale(dev, self.x, a.into())?;
        self.mm(dev, self.x2, false, self.x, false, self.x, false)?;
        self.combine(dev, self.b, &[(x1, self.x), (x2, self.x2)], 0.0)?;
        self.mm(dev, self.x4, false, self.x2, false, self.b, false)?;
        self.combine(dev, self.l, &[(x3, self.x2), (1.0, self.x4)], 0.0)?;
        self.combine(
            dev,
            self.r,
            &[(x5, self.x), (x6, self.x2), (x7, self.x4)],
            x4,
        )?;
        let e0 = self.squares[0];
        self.mm(dev, e0, false, self.l, false, self.r, false)?;
        self.accumulate(dev, e0, &[(1.0, self.x), (y2, self.x2)], 1.0)?;
        for k in 0..s_max {
            let (cur, next) = (self.squares[k], self.squares[k + 1]);
            self.mm(dev, next, false, cur, false, cur, false)?;
            self.select(dev, next, cur, k)?;
        }
        // e = 1·E_{s_max}: an exact copy.
        let last = self.squares[s_max];
        self.lincomb(dev, false, e.into(), &[(1.0, Arg::F32Ptr(last, 0))], 0.0)?;
        self.valid = true;
        Ok(())
    }

    /// `out = ∂/∂A Σ g ∘ expm(A)` for every network, for the `A` of the last
    /// [`TaylorBatch::expm`] (the reverse sweep of [`super::taylor`]).
    pub fn adjoint_last<D: Device + ?Sized>(
        &mut self,
        dev: &mut D,
        g: View<f32>,
        out: View<f32>,
    ) -> Result<(), KernelError> {
        const OP: &str = "expm::cuda::adjoint_last";
        check_extent(OP, "g", g, self.len())?;
        check_extent(OP, "out", out, self.len())?;
        if !self.valid {
            return Err(KernelError::MissingState {
                op: OP,
                what: "no successful `expm` on this batch yet",
            });
        }
        let s_max = self.s_host.iter().copied().max().unwrap_or(0).max(0) as usize;
        let [x1, x2, x3, _x4, x5, x6, x7, y2] = COEFFS;
        // Ē = 1·G: an exact copy.
        self.lincomb(dev, false, Arg::F32Ptr(self.de, 0), &[(1.0, g.into())], 0.0)?;
        for k in (0..s_max).rev() {
            let ek = self.squares[k];
            self.mm(dev, self.de_next, false, self.de, false, ek, true)?;
            self.mm(dev, self.de_next, true, ek, true, self.de, false)?;
            self.select(dev, self.de_next, self.de, k)?;
            core::mem::swap(&mut self.de, &mut self.de_next);
        }
        let dt = self.de;
        self.mm(dev, self.dl, false, dt, false, self.r, true)?;
        self.mm(dev, self.dr, false, self.l, true, dt, false)?;
        self.combine(
            dev,
            self.dx2,
            &[(y2, dt), (x3, self.dl), (x6, self.dr)],
            0.0,
        )?;
        self.combine(dev, self.dx4, &[(1.0, self.dl), (x7, self.dr)], 0.0)?;
        self.combine(dev, self.dx, &[(1.0, dt), (x5, self.dr)], 0.0)?;
        self.mm(dev, self.dl, false, self.x2, true, self.dx4, false)?;
        self.mm(dev, self.dx2, true, self.dx4, false, self.b, true)?;
        self.accumulate(dev, self.dx, &[(x1, self.dl)], 0.0)?;
        self.accumulate(dev, self.dx2, &[(x2, self.dl)], 0.0)?;
        self.mm(dev, self.dx, true, self.dx2, false, self.x, true)?;
        self.mm(dev, self.dx, true, self.x, true, self.dx2, false)?;
        let dst = out;
        let args = [
            dst.into(),
            Arg::F32Ptr(self.dx, 0),
            Arg::I32Ptr(self.s, 0),
            kernel_long(self.n * self.n),
            kernel_long(self.len()),
        ];
        launch(dev, "expm", "expm_scale", self.len(), &args)
    }
}
