//! [`DeviceEngine`]: a population of seRNNs in lockstep on a [`Device`].
//!
//! Every array is network after network on the device: parameters, gradients and Adam moments
//! stay there for the whole training; each batch uploads the inputs and labels and downloads
//! one cross-entropy and one hit per trial (and the penalties' row sums). Per batch of `t`
//! trials, with `S = steps` and row-major matrices batched over networks (one strided-batched
//! GEMM each):
//!
//! ```text
//! H        = X W_in                              (S·t × 8 · 8 × n)
//! H_s     += H_{s−1} W_rec,  H_s = relu(H_s + b)  (s = 0 … S−1; kernel rnn_bias_relu)
//! Z        = H_{S−1} W_out;  CE, hits, dZ = (p − onehot)/t   (kernel softmax_cross_entropy)
//! ∂W_out   = H_{S−1}ᵀ dZ,  ∂b_out = Σ_rows dZ,  dH_{S−1} = dZ W_outᵀ
//! dA_s     = dH_s ∘ [H_s > 0];  dH_{s−1} = dA_s W_recᵀ      (s = S−1 … 0)
//! ∂W_rec   = H_{0…S−2}ᵀ dA_{1…S−1},  ∂W_in = Xᵀ dA,  ∂b = Σ_rows dA
//! ```
//!
//! then the regulariser (kernels of `kernels/cuda/regulariser.cu` around the batched
//! matmul-only matrix exponential, [`wiring_kernels::expm::cuda::TaylorBatch`]) and Adam on
//! every array. The CPU engine computes the same quantities; the two differ in the order of
//! the products' sums, in `expf`/`logf`, and in the matrix exponential (Taylor here, Padé
//! there) — rounding, not recipe.

use wiring_kernels::adam::{self, AdamParams};
use wiring_kernels::device::{gemm_row_major, sum_f64_partials, Buf, Device, RowMajor, View};
use wiring_kernels::expm::{cuda::TaylorBatch, taylor};
use wiring_kernels::lanes::{cuda::NoiseStreams, ziggurat_tables};
use wiring_kernels::penalty::cuda::{self as pen, CommOptions, Shape};
use wiring_kernels::rnn::cuda as rnn_cuda;
use wiring_kernels::KernelError;
use wiring_tasks::goal_choice::{GoalChoice, N_CLASSES, N_INPUTS, PROBLEMS};

use super::SernnEngine;
use crate::sernn::network::{BatchStats, Params};
use crate::sernn::{RegulariserKind, RegulariserSpec, Space};
use crate::ModelError;

/// The five parameter arrays' lengths per network: w_in, w_rec, b, w_out, b_out.
fn lens(n: usize) -> [usize; 5] {
    [N_INPUTS * n, n * n, n, n * N_CLASSES, N_CLASSES]
}

/// A population's regularisers on the device: one kind and options, one γ per network.
struct DeviceRegulariser {
    gammas: Vec<f64>,
    gamma: Buf<f32>,
    /// The powered distance matrix, for the kinds that use it.
    k: Option<Buf<f32>>,
    /// Per-row `double` sums (two `f32` slots each).
    partial: Buf<f32>,
    host_partial: Vec<f32>,
    comm: Option<Comm>,
    options: CommOptions,
    flops: Vec<u64>,
}

/// Scratch of the communicability kinds.
struct Comm {
    m: Buf<f32>,
    r: Buf<f32>,
    a: Buf<f32>,
    c: Buf<f32>,
    ge: Buf<f32>,
    ga: Buf<f32>,
    dr: Buf<f32>,
    taylor: TaylorBatch,
}

/// A population of networks trained in lockstep on a device (see the module docs).
pub struct DeviceEngine<D: Device> {
    dev: D,
    networks: usize,
    n: usize,
    steps: usize,
    batch: usize,
    params: [Buf<f32>; 5],
    grads: [Buf<f32>; 5],
    m: [Buf<f32>; 5],
    v: [Buf<f32>; 5],
    x: Buf<f32>,
    labels: Buf<i32>,
    h: Buf<f32>,
    dh: Buf<f32>,
    z: Buf<f32>,
    ce: Buf<f32>,
    correct: Buf<i32>,
    host_labels: Vec<i32>,
    host_ce: Vec<f32>,
    host_correct: Vec<i32>,
    /// Trials of the last forward pass (the backward pass uses its activations).
    last_trials: usize,
    reg: DeviceRegulariser,
    /// Training inputs made on the device ([`SernnEngine::set_training_inputs`]).
    inputs: Option<DeviceInputs>,
}

/// The task's input patterns, the batch's problems and the noise streams, on the device.
struct DeviceInputs {
    /// `8 problems × steps × 8`.
    patterns: Buf<f32>,
    problems: Buf<i32>,
    host_problems: Vec<i32>,
    noise: NoiseStreams,
}

fn kernel(e: KernelError) -> ModelError {
    ModelError::from(e)
}

impl<D: Device> DeviceEngine<D> {
    /// An engine on `dev` for one network per regulariser of `specs` (all of one kind and
    /// options; γ may differ), `n_hidden` units placed in `space`, trials of `steps` steps,
    /// `batch` at a time. Allocates everything now; parameters zero until
    /// [`SernnEngine::load`].
    pub fn new(
        mut dev: D,
        n_hidden: usize,
        steps: usize,
        batch: usize,
        specs: &[RegulariserSpec],
        space: &Space,
    ) -> Result<Self, ModelError> {
        let n = n_hidden;
        let p = specs.len();
        let first = *specs.first().ok_or(ModelError::InvalidField {
            field: "networks",
            expected: "at least one network",
            got: "none".into(),
        })?;
        for s in specs {
            s.validate()?;
            let same = s.kind == first.kind
                && s.distance_power == first.distance_power
                && s.communicability_power == first.communicability_power
                && s.constant_communicability == first.constant_communicability;
            if !same {
                return Err(ModelError::InvalidField {
                    field: "regulariser",
                    expected: "one kind and one set of options per device population",
                    got: format!("{:?} beside {:?}", s, first),
                });
            }
        }
        if space.len() != n {
            return Err(ModelError::InvalidField {
                field: "space",
                expected: "one point per recurrent unit",
                got: format!("{} points for n_hidden = {n}", space.len()),
            });
        }
        let mut alloc = |len: usize| dev.alloc::<f32>(len).map_err(kernel);
        let l = lens(n);
        let mut arrays = || -> Result<[Buf<f32>; 5], ModelError> {
            Ok([
                alloc(p * l[0])?,
                alloc(p * l[1])?,
                alloc(p * l[2])?,
                alloc(p * l[3])?,
                alloc(p * l[4])?,
            ])
        };
        let params = arrays()?;
        let grads = arrays()?;
        let m = arrays()?;
        let v = arrays()?;
        let per_h = steps * batch * n;
        let x = dev
            .alloc::<f32>(p * steps * batch * N_INPUTS)
            .map_err(kernel)?;
        let h = dev.alloc::<f32>(p * per_h).map_err(kernel)?;
        let dh = dev.alloc::<f32>(p * per_h).map_err(kernel)?;
        let z = dev.alloc::<f32>(p * batch * N_CLASSES).map_err(kernel)?;
        let ce = dev.alloc::<f32>(p * batch).map_err(kernel)?;
        let labels = dev.alloc::<i32>(p * batch).map_err(kernel)?;
        let correct = dev.alloc::<i32>(p * batch).map_err(kernel)?;
        let reg = Self::regulariser(&mut dev, first, specs, space, n)?;
        Ok(Self {
            dev,
            networks: p,
            n,
            steps,
            batch,
            params,
            grads,
            m,
            v,
            x,
            labels,
            h,
            dh,
            z,
            ce,
            correct,
            host_labels: vec![0; p * batch],
            host_ce: vec![0.0; p * batch],
            host_correct: vec![0; p * batch],
            last_trials: 0,
            reg,
            inputs: None,
        })
    }

    fn regulariser(
        dev: &mut D,
        first: RegulariserSpec,
        specs: &[RegulariserSpec],
        space: &Space,
        n: usize,
    ) -> Result<DeviceRegulariser, ModelError> {
        let p = specs.len();
        let gammas: Vec<f64> = specs.iter().map(|s| s.gamma).collect();
        let gamma32: Vec<f32> = gammas.iter().map(|&g| g as f32).collect();
        let gamma = dev.alloc::<f32>(p).map_err(kernel)?;
        dev.upload(&gamma32, gamma.all()).map_err(kernel)?;
        let uses_distance = matches!(first.kind, RegulariserKind::Spatial | RegulariserKind::Se);
        let k = if uses_distance {
            // As the CPU regulariser: D^power in f64, rounded once.
            let d: Vec<f32> = space
                .distance(1.0)
                .iter()
                .map(|&d| {
                    (if first.distance_power == 1.0 {
                        d
                    } else {
                        d.powf(first.distance_power)
                    }) as f32
                })
                .collect();
            let k = dev.alloc::<f32>(n * n).map_err(kernel)?;
            dev.upload(&d, k.all()).map_err(kernel)?;
            Some(k)
        } else {
            None
        };
        let comm = if matches!(
            first.kind,
            RegulariserKind::Communicability | RegulariserKind::Se
        ) {
            let mut mat = || dev.alloc::<f32>(p * n * n).map_err(kernel);
            let (m, a, c, ge, ga) = (mat()?, mat()?, mat()?, mat()?, mat()?);
            let r = dev.alloc::<f32>(p * n).map_err(kernel)?;
            let dr = dev.alloc::<f32>(p * n).map_err(kernel)?;
            let taylor = TaylorBatch::new(dev, n, p).map_err(kernel)?;
            Some(Comm {
                m,
                r,
                a,
                c,
                ge,
                ga,
                dr,
                taylor,
            })
        } else {
            None
        };
        Ok(DeviceRegulariser {
            gammas,
            gamma,
            k,
            partial: dev.alloc::<f32>(2 * p * n).map_err(kernel)?,
            host_partial: vec![0.0; 2 * p * n],
            comm,
            options: CommOptions {
                power: first.communicability_power as f32,
                constant: first.constant_communicability,
            },
            flops: vec![0; p],
        })
    }

    fn download_arrays(
        &mut self,
        bufs: [Buf<f32>; 5],
        out: &mut [Params<f32>],
    ) -> Result<(), ModelError> {
        let l = lens(self.n);
        for (i, prm) in out.iter_mut().enumerate().take(self.networks) {
            for (k, arr) in prm.arrays_mut().into_iter().enumerate() {
                let view = bufs[k].view(i * l[k], l[k]).map_err(kernel)?;
                self.dev.download(view, arr).map_err(kernel)?;
            }
        }
        Ok(())
    }

    /// Runs `f` as one named device phase. When tracing records TRACE events (`--trace`), the
    /// phase is timed with device events (which waits for it) and reported as a `device_ms`
    /// field inside its `device_phase` span; otherwise it is queued untimed.
    fn phase<R>(&mut self, phase: &'static str, f: impl FnOnce(&mut Self) -> R) -> R {
        if !tracing::enabled!(tracing::Level::TRACE) {
            return f(self);
        }
        let _span = tracing::trace_span!("device_phase", phase).entered();
        let mark = self.dev.phase_start();
        let r = f(self);
        if let Some(ms) = mark.and_then(|m| self.dev.phase_ms(m)) {
            tracing::trace!(phase, device_ms = ms, "device phase");
        }
        r
    }

    /// The device, e.g. for its memory use and phase timing.
    pub fn device(&mut self) -> &mut D {
        &mut self.dev
    }

    fn check(&self, x: &[f32], labels: &[u8], stats: &[BatchStats]) -> Result<usize, ModelError> {
        let p = self.networks;
        let t = labels.len() / p;
        let ok = labels.len() == p * t
            && t > 0
            && t <= self.batch
            && x.len() == p * self.steps * t * N_INPUTS
            && stats.len() == p;
        if ok {
            Ok(t)
        } else {
            Err(ModelError::InvalidField {
                field: "batch",
                expected: "one batch of equal size (at most the engine's) per network",
                got: format!(
                    "{} inputs, {} labels, {} stats for {p} networks",
                    x.len(),
                    labels.len(),
                    stats.len()
                ),
            })
        }
    }

    /// Row-major batch of the `rows × cols` block at `offset` of each network's `stride`.
    fn rm(buf: Buf<f32>, offset: usize, rows: usize, cols: usize, stride: usize) -> RowMajor {
        RowMajor::dense(buf, offset, rows, cols, stride)
    }

    fn tail(buf: Buf<f32>, offset: usize) -> Result<View<f32>, ModelError> {
        buf.view(offset, buf.len() - offset).map_err(kernel)
    }

    /// The forward pass of `t` trials per network, of the inputs `x` (uploaded) or, with
    /// `None`, of those already in the device's input buffer; leaves H and dZ (in `z`) on the
    /// device.
    fn run_forward(
        &mut self,
        x: Option<&[f32]>,
        labels: &[u8],
        t: usize,
        stats: &mut [BatchStats],
    ) -> Result<(), ModelError> {
        let (p, n, steps) = (self.networks, self.n, self.steps);
        let dev = &mut self.dev;
        if let Some(x) = x {
            dev.upload(x, self.x.view(0, x.len()).map_err(kernel)?)
                .map_err(kernel)?;
        }
        for (d, &l) in self.host_labels.iter_mut().zip(labels) {
            *d = i32::from(l);
        }
        dev.upload(
            &self.host_labels[..p * t],
            self.labels.view(0, p * t).map_err(kernel)?,
        )
        .map_err(kernel)?;
        let [w_in, w_rec, b, w_out, b_out] = self.params;
        let sh = steps * t * n; // per-network stride of H
        gemm_row_major(
            dev,
            1.0,
            Self::rm(self.x, 0, steps * t, N_INPUTS, steps * t * N_INPUTS),
            Self::rm(w_in, 0, N_INPUTS, n, N_INPUTS * n),
            0.0,
            Self::rm(self.h, 0, steps * t, n, sh),
            p,
        )
        .map_err(kernel)?;
        for s in 0..steps {
            if s > 0 {
                gemm_row_major(
                    dev,
                    1.0,
                    Self::rm(self.h, (s - 1) * t * n, t, n, sh),
                    Self::rm(w_rec, 0, n, n, n * n),
                    1.0,
                    Self::rm(self.h, s * t * n, t, n, sh),
                    p,
                )
                .map_err(kernel)?;
            }
            rnn_cuda::bias_relu(dev, Self::tail(self.h, s * t * n)?, b.all(), p, t, n, sh)
                .map_err(kernel)?;
        }
        let last = (steps - 1) * t * n;
        gemm_row_major(
            dev,
            1.0,
            Self::rm(self.h, last, t, n, sh),
            Self::rm(w_out, 0, n, N_CLASSES, n * N_CLASSES),
            0.0,
            Self::rm(self.z, 0, t, N_CLASSES, t * N_CLASSES),
            p,
        )
        .map_err(kernel)?;
        rnn_cuda::softmax_cross_entropy(
            dev,
            self.z.all(),
            b_out.all(),
            self.labels.all(),
            self.ce.all(),
            self.correct.all(),
            p,
            t,
            (1.0 / t as f64) as f32,
        )
        .map_err(kernel)?;
        dev.download(
            self.ce.view(0, p * t).map_err(kernel)?,
            &mut self.host_ce[..p * t],
        )
        .map_err(kernel)?;
        dev.download(
            self.correct.view(0, p * t).map_err(kernel)?,
            &mut self.host_correct[..p * t],
        )
        .map_err(kernel)?;
        for (i, s) in stats.iter_mut().enumerate() {
            let ce: f64 = self.host_ce[i * t..(i + 1) * t]
                .iter()
                .map(|&c| f64::from(c))
                .sum();
            let correct: i32 = self.host_correct[i * t..(i + 1) * t].iter().sum();
            *s = BatchStats {
                cross_entropy: ce / t as f64,
                correct: correct as usize,
                trials: t,
            };
        }
        self.last_trials = t;
        Ok(())
    }

    /// BPTT of the last forward pass into the gradient arrays.
    fn run_backward(&mut self) -> Result<(), ModelError> {
        let (p, n, steps, t) = (self.networks, self.n, self.steps, self.last_trials);
        let dev = &mut self.dev;
        let [_, w_rec, _, w_out, _] = self.params;
        let [g_in, g_rec, g_b, g_out, g_bout] = self.grads;
        let sh = steps * t * n;
        let last = (steps - 1) * t * n;
        let zt = Self::rm(self.z, 0, t, N_CLASSES, t * N_CLASSES);
        gemm_row_major(
            dev,
            1.0,
            Self::rm(self.h, last, t, n, sh).t(),
            zt,
            0.0,
            Self::rm(g_out, 0, n, N_CLASSES, n * N_CLASSES),
            p,
        )
        .map_err(kernel)?;
        rnn_cuda::column_sums(
            dev,
            g_bout.all(),
            self.z.all(),
            p,
            t,
            N_CLASSES,
            t * N_CLASSES,
            false,
        )
        .map_err(kernel)?;
        gemm_row_major(
            dev,
            1.0,
            zt,
            Self::rm(w_out, 0, n, N_CLASSES, n * N_CLASSES).t(),
            0.0,
            Self::rm(self.dh, last, t, n, sh),
            p,
        )
        .map_err(kernel)?;
        for s in (0..steps).rev() {
            rnn_cuda::relu_backward(
                dev,
                Self::tail(self.dh, s * t * n)?,
                Self::tail(self.h, s * t * n)?,
                p,
                t * n,
                sh,
            )
            .map_err(kernel)?;
            if s > 0 {
                gemm_row_major(
                    dev,
                    1.0,
                    Self::rm(self.dh, s * t * n, t, n, sh),
                    Self::rm(w_rec, 0, n, n, n * n).t(),
                    0.0,
                    Self::rm(self.dh, (s - 1) * t * n, t, n, sh),
                    p,
                )
                .map_err(kernel)?;
            }
        }
        if steps > 1 {
            gemm_row_major(
                dev,
                1.0,
                Self::rm(self.h, 0, (steps - 1) * t, n, sh).t(),
                Self::rm(self.dh, t * n, (steps - 1) * t, n, sh),
                0.0,
                Self::rm(g_rec, 0, n, n, n * n),
                p,
            )
            .map_err(kernel)?;
        } else {
            rnn_cuda::fill(dev, g_rec.all(), 0.0).map_err(kernel)?;
        }
        gemm_row_major(
            dev,
            1.0,
            Self::rm(self.x, 0, steps * t, N_INPUTS, steps * t * N_INPUTS).t(),
            Self::rm(self.dh, 0, steps * t, n, sh),
            0.0,
            Self::rm(g_in, 0, N_INPUTS, n, N_INPUTS * n),
            p,
        )
        .map_err(kernel)?;
        rnn_cuda::column_sums(dev, g_b.all(), self.dh.all(), p, steps * t, n, sh, false)
            .map_err(kernel)?;
        Ok(())
    }

    /// The penalties (and with `gradient`, their gradients added into ∂W_rec).
    fn run_regulariser(&mut self, gradient: bool, penalties: &mut [f64]) -> Result<(), ModelError> {
        let (p, n) = (self.networks, self.n);
        let shape = Shape { networks: p, n };
        let dev = &mut self.dev;
        let w = self.params[1].all();
        let grad = self.grads[1].all();
        let reg = &mut self.reg;
        let k = reg.k.map(|k| k.all());
        let nn = (n * n) as u64;
        match &mut reg.comm {
            None => {
                pen::l1_spatial(
                    dev,
                    shape,
                    w,
                    gradient.then_some(grad),
                    k,
                    reg.gamma.all(),
                    reg.partial.all(),
                )
                .map_err(kernel)?;
                reg.flops.fill(if gradient { 4 * nn } else { 2 * nn });
            }
            Some(c) => {
                pen::comm_strength(dev, shape, w, c.m.all(), c.r.all()).map_err(kernel)?;
                pen::comm_normalise(dev, shape, c.a.all(), c.m.all(), c.r.all()).map_err(kernel)?;
                c.taylor.expm(dev, c.a.all(), c.c.all()).map_err(kernel)?;
                let adjoint = gradient && !reg.options.constant;
                pen::comm_terms(
                    dev,
                    shape,
                    reg.options,
                    c.c.all(),
                    c.c.all(),
                    c.m.all(),
                    k,
                    reg.gamma.all(),
                    adjoint.then_some(c.ge.all()),
                    reg.partial.all(),
                )
                .map_err(kernel)?;
                if gradient {
                    let extra = if adjoint {
                        c.taylor
                            .adjoint_last(dev, c.ge.all(), c.ga.all())
                            .map_err(kernel)?;
                        pen::comm_dr(dev, shape, c.ga.all(), c.m.all(), c.r.all(), c.dr.all())
                            .map_err(kernel)?;
                        Some((c.ga.all(), c.r.all(), c.dr.all()))
                    } else {
                        None
                    };
                    pen::comm_gradient(dev, shape, w, grad, c.c.all(), extra, reg.gamma.all())
                        .map_err(kernel)?;
                }
                for (f, &s) in reg.flops.iter_mut().zip(c.taylor.squarings()) {
                    let s = s.max(0) as u32;
                    *f = taylor::flops(n, s)
                        + 10 * nn
                        + if adjoint {
                            taylor::adjoint_flops(n, s) + 10 * nn
                        } else {
                            0
                        }
                        + if gradient { 4 * nn } else { 2 * nn };
                }
            }
        }
        dev.download(reg.partial.all(), &mut reg.host_partial)
            .map_err(kernel)?;
        let sums = sum_f64_partials(&reg.host_partial, n);
        for ((out, s), g) in penalties.iter_mut().zip(sums).zip(&reg.gammas) {
            *out = g * s;
        }
        Ok(())
    }
}

impl<D: Device> SernnEngine for DeviceEngine<D> {
    fn networks(&self) -> usize {
        self.networks
    }

    fn batch(&self) -> usize {
        self.batch
    }

    fn load(&mut self, params: &[Params<f32>]) -> Result<(), ModelError> {
        let l = lens(self.n);
        for (i, prm) in params.iter().enumerate().take(self.networks) {
            for (k, arr) in prm.arrays().into_iter().enumerate() {
                let view = self.params[k].view(i * l[k], l[k]).map_err(kernel)?;
                self.dev.upload(arr, view).map_err(kernel)?;
            }
        }
        Ok(())
    }

    fn store(&mut self, params: &mut [Params<f32>]) -> Result<(), ModelError> {
        let bufs = self.params;
        self.download_arrays(bufs, params)
    }

    fn store_gradients(&mut self, grads: &mut [Params<f32>]) -> Result<(), ModelError> {
        let bufs = self.grads;
        self.download_arrays(bufs, grads)
    }

    fn forward(
        &mut self,
        x: &[f32],
        labels: &[u8],
        stats: &mut [BatchStats],
    ) -> Result<(), ModelError> {
        let t = self.check(x, labels, stats)?;
        self.phase("forward", |e| e.run_forward(Some(x), labels, t, stats))
    }

    fn task_gradient(
        &mut self,
        x: &[f32],
        labels: &[u8],
        stats: &mut [BatchStats],
    ) -> Result<(), ModelError> {
        let t = self.check(x, labels, stats)?;
        self.phase("forward", |e| e.run_forward(Some(x), labels, t, stats))?;
        self.phase("backward", |e| e.run_backward())
    }

    fn set_training_inputs(
        &mut self,
        task: GoalChoice,
        noise_seeds: &[u64],
        sigma: f64,
    ) -> Result<(), ModelError> {
        if noise_seeds.len() != self.networks || !(sigma >= 0.0 && sigma.is_finite()) {
            return Err(ModelError::InvalidField {
                field: "input_noise_std",
                expected: "a finite number ≥ 0 and one noise stream per network",
                got: format!("{sigma} with {} streams", noise_seeds.len()),
            });
        }
        let steps = self.steps;
        if task.steps() != steps {
            return Err(ModelError::InvalidField {
                field: "task",
                expected: "the engine's number of steps",
                got: task.steps().to_string(),
            });
        }
        let per = steps * N_INPUTS;
        let mut patterns = vec![0.0f32; PROBLEMS.len() * per];
        for (problem, chunk) in patterns.chunks_mut(per).enumerate() {
            task.fill_inputs(&[problem as u8], chunk);
        }
        let dev = &mut self.dev;
        let pat = dev.alloc::<f32>(patterns.len()).map_err(kernel)?;
        dev.upload(&patterns, pat.all()).map_err(kernel)?;
        let problems = dev
            .alloc::<i32>(self.networks * self.batch)
            .map_err(kernel)?;
        let noise = NoiseStreams::new(dev, noise_seeds, sigma as f32, &ziggurat_tables())
            .map_err(kernel)?;
        self.inputs = Some(DeviceInputs {
            patterns: pat,
            problems,
            host_problems: vec![0; self.networks * self.batch],
            noise,
        });
        Ok(())
    }

    fn train_batch(
        &mut self,
        problems: &[u8],
        labels: &[u8],
        stats: &mut [BatchStats],
    ) -> Result<(), ModelError> {
        let (p, steps) = (self.networks, self.steps);
        let t = problems.len() / p;
        let ok = problems.len() == p * t
            && labels.len() == p * t
            && (1..=self.batch).contains(&t)
            && stats.len() == p
            && problems.iter().all(|&q| usize::from(q) < PROBLEMS.len());
        if !ok {
            return Err(ModelError::InvalidField {
                field: "batch",
                expected:
                    "one batch of equal size (at most the engine's) of valid problems per network",
                got: format!(
                    "{} problems, {} labels for {p} networks",
                    problems.len(),
                    labels.len()
                ),
            });
        }
        let Some(inputs) = self.inputs.as_mut() else {
            return Err(ModelError::InvalidField {
                field: "training inputs",
                expected: "set_training_inputs before train_batch",
                got: "none".into(),
            });
        };
        let dev = &mut self.dev;
        let x = self.x;
        let result = (|| -> Result<(), KernelError> {
            for (d, &q) in inputs.host_problems.iter_mut().zip(problems) {
                *d = i32::from(q);
            }
            dev.upload(
                &inputs.host_problems[..p * t],
                inputs.problems.view(0, p * t)?,
            )?;
            inputs.noise.goal_inputs(
                dev,
                x.view(0, p * steps * t * N_INPUTS)?,
                inputs.patterns.all(),
                inputs.problems.view(0, p * t)?,
                steps,
                t,
            )
        })();
        result.map_err(kernel)?;
        self.phase("forward", |e| e.run_forward(None, labels, t, stats))?;
        self.phase("backward", |e| e.run_backward())
    }

    fn regulariser_gradient(&mut self, penalties: &mut [f64]) -> Result<(), ModelError> {
        self.phase("regulariser", |e| e.run_regulariser(true, penalties))
    }

    fn penalty(&mut self, penalties: &mut [f64]) -> Result<(), ModelError> {
        self.phase("penalty", |e| e.run_regulariser(false, penalties))
    }

    fn regulariser_flops(&self, flops: &mut [u64]) {
        flops.copy_from_slice(&self.reg.flops[..flops.len()]);
    }

    fn adam_step(&mut self, hp: &AdamParams, t: u64) -> Result<(), ModelError> {
        self.phase("adam", |e| {
            for k in 0..5 {
                adam::cuda::step(
                    &mut e.dev,
                    hp,
                    t,
                    e.params[k].all(),
                    e.grads[k].all(),
                    e.m[k].all(),
                    e.v[k].all(),
                )
                .map_err(kernel)?;
            }
            Ok(())
        })
    }
}
