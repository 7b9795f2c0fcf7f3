//! A population of pRNNs trained on a [`Device`] (`kernels/cuda/prnn.cu`): one device thread
//! per network runs its whole deep Q-learning loop — its training mazes, built on the device
//! from its own stream (`kernels/cuda/maze.cuh`), sensing, the ε-greedy choice, the recorded
//! and Q-target forwards, BPTT, PyTorch's global-norm clip and Adam — and the greedy trials of
//! its training curve. Parameters, Adam moments, streams and maze plans stay on the device;
//! only the schedule (ε and Adam's bias corrections per episode), the curve and the counters
//! cross the bus.
//!
//! The kernels do the CPU's operations in the CPU's order (the reference of this family, the
//! model's training loop), so a network's training on the emulated device is the CPU's bit
//! for bit (`model/tests/prnn_device.rs`). This wrapper knows numbers only: which recipe,
//! maze and streams they come from is the model's business (`wiring_model::prnn::device`).

use super::{Block, PrnnDims, PrnnMask};
use crate::adam::{AdamForm, AdamParams, StepConsts};
use crate::device::{
    f64_slots, kernel_int, kernel_long, launch_blocks, slots_f64, slots_u64, u64_slots, Arg, Buf,
    Device,
};
use crate::KernelError;

/// The streams of a network, in the kernels' slot order: training mazes, ε-tests and random
/// actions, sensor noise, output jitter, the training curve's noise and jitter, the test set.
pub const STREAM_SLOTS: [&str; 6] = ["mazes", "explore", "sense", "jitter", "curve", "test"];

/// The largest hidden layer, episode length and maze side the kernels hold in their
/// per-thread arrays (`PRNN_MAX_HIDDEN`, `PRNN_MAX_STEPS`, `MAZE_MAX_SIZE`).
pub const MAX_HIDDEN: usize = 34;
pub const MAX_STEPS: usize = 32;
pub const MAX_MAZE_SIZE: usize = 15;

/// Threads per block of the pRNN kernels. Each thread is one network and holds 255
/// registers (ptxas, `.ci/cuda-ptx.py`), so a multiprocessor runs at most 256 of them at once;
/// blocks of one warp spread a population of a few thousand networks over every
/// multiprocessor, where blocks of 256 would fill a fifth of an H100's.
const THREADS_PER_BLOCK: u32 = 32;

/// Episodes per kernel launch at most (the schedule buffers' length).
const CHUNK: usize = 1000;

/// The evaluation streams of a network, in the kernels' slot order: the test set, the noise
/// sweep's noise and jitter, the cue- and wall-sparsity sweeps' sets, noise and jitter.
pub const EVAL_STREAM_SLOTS: [&str; 4] = [
    "test",
    "eval/noise",
    "eval/cue_sparsity",
    "eval/wall_sparsity",
];

/// Networks evaluated per launch at most: their per-step outputs (sensitivity and coherence
/// of every step of every headline trial, 12 bytes each) stay under about 250 MB.
const EVAL_CHUNK: usize = 1024;

/// What the measures of a population are taken with (see `prnn_evaluate` in
/// `kernels/cuda/prnn.cu`).
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceEvaluationPlan {
    /// Sensor noise levels of the sweep.
    pub noise_levels: Vec<f64>,
    /// The level of the sweep that is the headline pass, if any (else an extra pass at
    /// `headline_noise` after the sweep).
    pub headline: Option<usize>,
    pub headline_noise: f64,
    /// The maze doubles (noise, cue and wall sparsity) of each level of the cue-sparsity
    /// sweep, then of the wall-sparsity sweep, as many each; empty: no sparsity sweeps.
    pub sparsity_mazes: Vec<[f64; 3]>,
}

/// What the device measured on one network.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DeviceEvaluation {
    /// Mean test fitness at each noise level.
    pub fitness_by_noise: Vec<f64>,
    /// The headline pass's mean fitness and fraction of trials that reached the goal.
    pub headline_fitness: f64,
    pub goal_rate: f64,
    /// Per lag, the sum and number of the finite ratios `‖∂o_t/∂x_{t−k}‖_F / ‖∂o_t/∂x_t‖_F`.
    pub memory_sums: Vec<f64>,
    pub memory_counts: Vec<u32>,
    /// Every recorded step of the headline pass, in order: (trial, step, sensitivity,
    /// coherence).
    pub steps: Vec<(u32, u32, f32, f32)>,
    /// Mean fitness at each sparsity level (empty without the sweeps).
    pub cue_sparsity: Vec<f64>,
    pub wall_sparsity: Vec<f64>,
}

/// What a population trains with beside its networks, as plain numbers (f32 where the CPU
/// computes in f32).
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceRecipe {
    pub n_hidden: usize,
    /// Steps of an episode (and of a greedy trial).
    pub n_steps: usize,
    /// Training mazes per batch (each batch visited in a shuffled order).
    pub maze_batch: usize,
    /// Mazes of each network's test set.
    pub test_mazes: usize,
    pub separate_greedy_forward: bool,
    pub discount: f32,
    pub target_offset: f32,
    pub reward_scale: f32,
    pub sensor_noise: f32,
    pub jitter: f32,
    pub clip_norm: f64,
    /// PyTorch's form only.
    pub adam: AdamParams,
    /// The maze config as `maze.cuh`'s `maze_cfg` reads it: kind (0 general, 1 track, 2 H),
    /// size, steps, gaps, channels, last-cell-closed, relabel-distances; maze noise, cue and
    /// wall sparsity.
    pub maze_ints: [i32; 7],
    pub maze_doubles: [f64; 3],
}

/// Why a network stopped training: the first episode whose loss or gradient norm was not
/// finite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    Loss { episode: usize },
    GradientNorm { episode: usize },
}

impl Failure {
    pub fn episode(self) -> usize {
        match self {
            Failure::Loss { episode } | Failure::GradientNorm { episode } => episode,
        }
    }
}

/// Per network, what training counted: updates whose gradient norm exceeded the clip,
/// recorded training steps, forwards (probes, recorded steps and Q-targets; the curve's
/// are the caller's to add).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub clipped_updates: u64,
    pub train_steps: u64,
    pub forwards: u64,
}

/// A population of networks of one hidden size on a device (see the module docs).
pub struct DevicePopulation {
    networks: usize,
    dims: PrnnDims,
    adam: AdamParams,
    params: Buf<f32>,
    grads: Buf<f32>,
    m: Buf<f32>,
    v: Buf<f32>,
    masks: Buf<i32>,
    cfg: Buf<i32>,
    fcfg: Buf<f32>,
    maze_ints: Buf<i32>,
    maze_doubles: Buf<f32>,
    streams: Buf<i32>,
    maze_next: Buf<i32>,
    plan_states: Buf<i32>,
    plan_layouts: Buf<i32>,
    test_layouts: Buf<i32>,
    schedule_eps: Buf<f32>,
    schedule_adam: Buf<f32>,
    loss_sum: Buf<f32>,
    counters: Buf<i32>,
    fail: Buf<i32>,
    fitness: Buf<f32>,
    test_mazes: usize,
    n_steps: usize,
}

const OP: &str = "prnn::cuda::DevicePopulation";

fn refuse(what: String) -> KernelError {
    KernelError::Dimension { op: OP, what }
}

impl DevicePopulation {
    /// Uploads a population: each network's parameters (masked layout of `dims`) and mask,
    /// and its streams' states in [`STREAM_SLOTS`] order (Xoshiro256++ words, where the
    /// streams stand now).
    ///
    /// # Errors
    /// Sizes beyond the kernels' arrays ([`MAX_HIDDEN`], [`MAX_STEPS`], [`MAX_MAZE_SIZE`]),
    /// mazes of other than 2 channels, Adam of another form, parameter vectors of the wrong
    /// length, or the device's.
    pub fn new<D: Device + ?Sized>(
        dev: &mut D,
        recipe: &DeviceRecipe,
        nets: &[(&[f32], PrnnMask)],
        streams: &[[[u64; 4]; 6]],
    ) -> Result<Self, KernelError> {
        let dims = PrnnDims::study(recipe.n_hidden);
        let n = nets.len();
        if recipe.n_hidden == 0 || recipe.n_hidden > MAX_HIDDEN {
            return Err(refuse(format!(
                "{} hidden units; the device kernels hold 1 to {MAX_HIDDEN}",
                recipe.n_hidden
            )));
        }
        if recipe.n_steps == 0 || recipe.n_steps > MAX_STEPS {
            return Err(refuse(format!(
                "episodes of {} steps; the device kernels hold 1 to {MAX_STEPS}",
                recipe.n_steps
            )));
        }
        let size = recipe.maze_ints[1];
        if size < 0 || size as usize > MAX_MAZE_SIZE {
            return Err(refuse(format!(
                "mazes of size {size}; the device kernels hold sizes up to {MAX_MAZE_SIZE}"
            )));
        }
        if recipe.maze_ints[4] != 2 {
            return Err(refuse(format!(
                "mazes of {} cue channels; the agent senses 2",
                recipe.maze_ints[4]
            )));
        }
        if recipe.adam.form != AdamForm::PyTorch {
            return Err(refuse(
                "Adam in Keras' form; the pRNN kernels do PyTorch's".into(),
            ));
        }
        if streams.len() != n {
            return Err(KernelError::BufferLength {
                op: OP,
                buffer: "streams",
                expected: n,
                actual: streams.len(),
            });
        }
        let p = dims.param_len();
        let mut params = vec![0.0f32; p * n];
        let mut masks = vec![0i32; n];
        for (j, (net, mask)) in nets.iter().enumerate() {
            if net.len() != p {
                return Err(KernelError::BufferLength {
                    op: OP,
                    buffer: "params",
                    expected: p,
                    actual: net.len(),
                });
            }
            for (k, &w) in net.iter().enumerate() {
                params[k * n + j] = w;
            }
            masks[j] = mask
                .present()
                .iter()
                .enumerate()
                .map(|(b, &on)| i32::from(on) << b)
                .sum();
        }
        let mut cfg = vec![
            recipe.n_hidden as i32,
            recipe.n_steps as i32,
            kernel_count(recipe.maze_batch, "maze batch")?,
            kernel_count(recipe.test_mazes, "test mazes")?,
            i32::from(recipe.separate_greedy_forward),
        ];
        cfg.extend(Block::ALL.map(|b| dims.block_range(b).start as i32));
        let fcfg = f64_slots(&[
            f64::from(recipe.discount),
            f64::from(recipe.target_offset),
            f64::from(recipe.reward_scale),
            f64::from(recipe.sensor_noise),
            f64::from(recipe.jitter),
            recipe.clip_norm,
            f64::from(recipe.adam.beta1 as f32),
            f64::from(recipe.adam.beta2 as f32),
            f64::from((1.0 - recipe.adam.beta1) as f32),
            f64::from((1.0 - recipe.adam.beta2) as f32),
            f64::from(recipe.adam.epsilon as f32),
        ]);
        let state_words: Vec<u64> = streams.iter().flatten().flatten().copied().collect();

        let up_i32 = |dev: &mut D, v: &[i32]| -> Result<Buf<i32>, KernelError> {
            let b = dev.alloc::<i32>(v.len().max(1))?;
            if !v.is_empty() {
                dev.upload(v, b.view(0, v.len())?)?;
            }
            Ok(b)
        };
        let up_f32 = |dev: &mut D, v: &[f32]| -> Result<Buf<f32>, KernelError> {
            let b = dev.alloc::<f32>(v.len().max(1))?;
            if !v.is_empty() {
                dev.upload(v, b.view(0, v.len())?)?;
            }
            Ok(b)
        };
        let batch = recipe.maze_batch;
        Ok(Self {
            networks: n,
            dims,
            adam: recipe.adam,
            params: up_f32(dev, &params)?,
            grads: dev.alloc::<f32>((p * n).max(1))?,
            m: dev.alloc::<f32>((p * n).max(1))?,
            v: dev.alloc::<f32>((p * n).max(1))?,
            masks: up_i32(dev, &masks)?,
            cfg: up_i32(dev, &cfg)?,
            fcfg: up_f32(dev, &fcfg)?,
            maze_ints: up_i32(dev, &recipe.maze_ints)?,
            maze_doubles: up_f32(dev, &f64_slots(&recipe.maze_doubles))?,
            streams: up_i32(dev, &u64_slots(&state_words))?,
            // An empty plan: the first episode plans a batch.
            maze_next: up_i32(dev, &vec![kernel_count(batch, "maze batch")?; n])?,
            plan_states: dev.alloc::<i32>((n * batch * 8).max(1))?,
            plan_layouts: dev.alloc::<i32>((n * batch).max(1))?,
            test_layouts: dev.alloc::<i32>((n * recipe.test_mazes).max(1))?,
            schedule_eps: dev.alloc::<f32>(CHUNK)?,
            schedule_adam: dev.alloc::<f32>(2 * CHUNK)?,
            loss_sum: dev.alloc::<f32>((2 * n).max(1))?,
            counters: dev.alloc::<i32>((6 * n).max(1))?,
            fail: up_i32(dev, &[-1, 0].repeat(n))?,
            fitness: dev.alloc::<f32>((2 * n).max(1))?,
            test_mazes: recipe.test_mazes,
            n_steps: recipe.n_steps,
        })
    }

    /// Networks in the population.
    pub fn networks(&self) -> usize {
        self.networks
    }

    /// Episodes `first .. first + epsilons.len()` of every network that has not failed,
    /// episode `e` exploring with `epsilons[e − first]` and its update being Adam's step
    /// `e + 1`.
    pub fn train<D: Device + ?Sized>(
        &mut self,
        dev: &mut D,
        first: usize,
        epsilons: &[f32],
    ) -> Result<(), KernelError> {
        for (c, eps) in epsilons.chunks(CHUNK).enumerate() {
            let start = first + c * CHUNK;
            let adam: Vec<f32> = (0..eps.len())
                .flat_map(|e| {
                    let k = StepConsts::<f32>::new(&self.adam, (start + e + 1) as u64);
                    [k.step_size, k.bias_correction2_sqrt]
                })
                .collect();
            dev.upload(eps, self.schedule_eps.view(0, eps.len())?)?;
            dev.upload(&adam, self.schedule_adam.view(0, adam.len())?)?;
            let args = [
                Arg::F32Ptr(self.params, 0),
                Arg::F32Ptr(self.grads, 0),
                Arg::F32Ptr(self.m, 0),
                Arg::F32Ptr(self.v, 0),
                Arg::I32Ptr(self.masks, 0),
                Arg::I32Ptr(self.cfg, 0),
                Arg::F64Ptr(self.fcfg, 0),
                Arg::I32Ptr(self.maze_ints, 0),
                Arg::F64Ptr(self.maze_doubles, 0),
                Arg::I32Ptr(self.streams, 0),
                Arg::I32Ptr(self.maze_next, 0),
                Arg::I32Ptr(self.plan_states, 0),
                Arg::I32Ptr(self.plan_layouts, 0),
                Arg::F32Ptr(self.schedule_eps, 0),
                Arg::F32Ptr(self.schedule_adam, 0),
                Arg::F64Ptr(self.loss_sum, 0),
                Arg::I32Ptr(self.counters, 0),
                Arg::I32Ptr(self.fail, 0),
                kernel_int("prnn_train", start)?,
                kernel_int("prnn_train", eps.len())?,
                kernel_long(self.networks),
            ];
            launch_blocks(
                dev,
                "prnn",
                "prnn_train",
                self.networks,
                THREADS_PER_BLOCK,
                &args,
            )?;
        }
        Ok(())
    }

    /// One training-curve point: every network's mean fitness over its test set in greedy
    /// trials at the training sensor noise, from its curve stream (which advances).
    pub fn curve<D: Device + ?Sized>(&mut self, dev: &mut D) -> Result<Vec<f64>, KernelError> {
        let args = [
            Arg::F32Ptr(self.params, 0),
            Arg::I32Ptr(self.masks, 0),
            Arg::I32Ptr(self.cfg, 0),
            Arg::F64Ptr(self.fcfg, 0),
            Arg::I32Ptr(self.maze_ints, 0),
            Arg::F64Ptr(self.maze_doubles, 0),
            Arg::I32Ptr(self.streams, 0),
            Arg::I32Ptr(self.test_layouts, 0),
            Arg::F64Ptr(self.fitness, 0),
            kernel_long(self.networks),
        ];
        launch_blocks(
            dev,
            "prnn",
            "prnn_curve",
            self.networks,
            THREADS_PER_BLOCK,
            &args,
        )?;
        let mut raw = vec![0.0f32; 2 * self.networks];
        dev.download(self.fitness.view(0, raw.len())?, &mut raw)?;
        Ok(slots_f64(&raw))
    }

    /// Each network's summed episode losses since the last call (or the start), then zero.
    pub fn take_loss_sums<D: Device + ?Sized>(
        &mut self,
        dev: &mut D,
    ) -> Result<Vec<f64>, KernelError> {
        let view = self.loss_sum.view(0, 2 * self.networks)?;
        let mut raw = vec![0.0f32; 2 * self.networks];
        dev.download(view, &mut raw)?;
        dev.upload(&vec![0.0f32; raw.len()], view)?;
        Ok(slots_f64(&raw))
    }

    /// Each network's counters so far.
    pub fn counters<D: Device + ?Sized>(&self, dev: &mut D) -> Result<Vec<Counters>, KernelError> {
        let mut raw = vec![0i32; 6 * self.networks];
        dev.download(self.counters.view(0, raw.len())?, &mut raw)?;
        Ok(slots_u64(&raw)
            .chunks_exact(3)
            .map(|c| Counters {
                clipped_updates: c[0],
                train_steps: c[1],
                forwards: c[2],
            })
            .collect())
    }

    /// Each network's failure, if training stopped it.
    pub fn failures<D: Device + ?Sized>(
        &self,
        dev: &mut D,
    ) -> Result<Vec<Option<Failure>>, KernelError> {
        let mut raw = vec![0i32; 2 * self.networks];
        dev.download(self.fail.view(0, raw.len())?, &mut raw)?;
        Ok(raw
            .chunks_exact(2)
            .map(|f| match (usize::try_from(f[0]), f[1]) {
                (Ok(episode), 1) => Some(Failure::Loss { episode }),
                (Ok(episode), _) => Some(Failure::GradientNorm { episode }),
                (Err(_), _) => None,
            })
            .collect())
    }

    /// Each network's parameters now (masked layout).
    pub fn params<D: Device + ?Sized>(&self, dev: &mut D) -> Result<Vec<Vec<f32>>, KernelError> {
        let (n, p) = (self.networks, self.dims.param_len());
        let mut raw = vec![0.0f32; n * p];
        if !raw.is_empty() {
            dev.download(self.params.view(0, raw.len())?, &mut raw)?;
        }
        Ok((0..n)
            .map(|j| (0..p).map(|k| raw[k * n + j]).collect())
            .collect())
    }
}

/// Everything of a population that its training changes, as host words (`f32` buffers by
/// their bits): a checkpoint. [`DevicePopulation::restore`] puts it back, and training then
/// goes on exactly as it would have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PopulationState {
    /// `(buffer, words)`, in [`DevicePopulation::STATE_BUFFERS`] order.
    pub buffers: Vec<(&'static str, Vec<u32>)>,
}

/// One of a population's state buffers, by its element type.
#[derive(Clone, Copy)]
enum StateBuf {
    F32(Buf<f32>),
    I32(Buf<i32>),
}

impl StateBuf {
    fn len(self) -> usize {
        match self {
            Self::F32(b) => b.len(),
            Self::I32(b) => b.len(),
        }
    }
}

impl DevicePopulation {
    /// The buffers training changes (the rest is the recipe and the networks' masks, which
    /// the population is built from, and the per-launch schedules).
    pub const STATE_BUFFERS: [&'static str; 13] = [
        "params",
        "grads",
        "m",
        "v",
        "streams",
        "maze_next",
        "plan_states",
        "plan_layouts",
        "test_layouts",
        "loss_sum",
        "counters",
        "fail",
        "fitness",
    ];

    /// The buffer named `name` of [`Self::STATE_BUFFERS`].
    fn state_buffer(&self, name: &str) -> StateBuf {
        use StateBuf::{F32, I32};
        match name {
            "params" => F32(self.params),
            "grads" => F32(self.grads),
            "m" => F32(self.m),
            "v" => F32(self.v),
            "streams" => I32(self.streams),
            "maze_next" => I32(self.maze_next),
            "plan_states" => I32(self.plan_states),
            "plan_layouts" => I32(self.plan_layouts),
            "test_layouts" => I32(self.test_layouts),
            "loss_sum" => F32(self.loss_sum),
            "counters" => I32(self.counters),
            "fail" => I32(self.fail),
            _ => F32(self.fitness),
        }
    }

    /// The population's training state now ([`PopulationState`]).
    ///
    /// # Errors
    /// The device's.
    pub fn state<D: Device + ?Sized>(&self, dev: &mut D) -> Result<PopulationState, KernelError> {
        let mut buffers = Vec::with_capacity(Self::STATE_BUFFERS.len());
        for name in Self::STATE_BUFFERS {
            let words = match self.state_buffer(name) {
                StateBuf::I32(b) => {
                    let mut raw = vec![0i32; b.len()];
                    dev.download(b.view(0, raw.len())?, &mut raw)?;
                    raw.into_iter().map(|w| w as u32).collect()
                }
                StateBuf::F32(b) => {
                    let mut raw = vec![0.0f32; b.len()];
                    dev.download(b.view(0, raw.len())?, &mut raw)?;
                    raw.into_iter().map(f32::to_bits).collect()
                }
            };
            buffers.push((name, words));
        }
        Ok(PopulationState { buffers })
    }

    /// Puts `state` (of a population of the same recipe and networks) back, so that training
    /// resumes where it was taken. Checks every buffer's name and length before it changes
    /// anything.
    ///
    /// # Errors
    /// [`KernelError::BufferLength`] when `state` is not of this population's shape; the
    /// device's.
    pub fn restore<D: Device + ?Sized>(
        &mut self,
        dev: &mut D,
        state: &PopulationState,
    ) -> Result<(), KernelError> {
        let shape_of = |name| self.state_buffer(name).len();
        let names: Vec<&str> = state.buffers.iter().map(|(n, _)| *n).collect();
        if names != Self::STATE_BUFFERS {
            return Err(refuse(format!(
                "a population state of buffers {names:?}, expected {:?}",
                Self::STATE_BUFFERS
            )));
        }
        for (name, words) in &state.buffers {
            if words.len() != shape_of(name) {
                return Err(KernelError::BufferLength {
                    op: OP,
                    buffer: name,
                    expected: shape_of(name),
                    actual: words.len(),
                });
            }
        }
        for (name, words) in &state.buffers {
            match self.state_buffer(name) {
                StateBuf::I32(b) => {
                    let raw: Vec<i32> = words.iter().map(|&w| w as i32).collect();
                    dev.upload(&raw, b.view(0, raw.len())?)?;
                }
                StateBuf::F32(b) => {
                    let raw: Vec<f32> = words.iter().map(|&w| f32::from_bits(w)).collect();
                    dev.upload(&raw, b.view(0, raw.len())?)?;
                }
            }
        }
        Ok(())
    }
}

impl DevicePopulation {
    /// The measures of every network as it stands (`kernels/cuda/prnn.cu`, `prnn_evaluate`):
    /// the noise sweep with its recorded headline pass (sensitivity, coherence, memory
    /// Jacobians), and the sparsity sweeps when `plan` has them. `streams`: each network's
    /// evaluation streams in [`EVAL_STREAM_SLOTS`] order, where they start.
    pub fn evaluate<D: Device + ?Sized>(
        &mut self,
        dev: &mut D,
        plan: &DeviceEvaluationPlan,
        streams: &[[[u64; 4]; 4]],
    ) -> Result<Vec<DeviceEvaluation>, KernelError> {
        const OP: &str = "prnn::cuda::DevicePopulation::evaluate";
        let n = self.networks;
        if streams.len() != n {
            return Err(KernelError::BufferLength {
                op: OP,
                buffer: "streams",
                expected: n,
                actual: streams.len(),
            });
        }
        if !plan.sparsity_mazes.len().is_multiple_of(2) {
            return Err(refuse(
                "the sparsity sweeps need as many cue as wall levels".into(),
            ));
        }
        if plan.headline.is_some_and(|h| h >= plan.noise_levels.len()) {
            return Err(refuse(
                "the headline level is not a level of the sweep".into(),
            ));
        }
        let (levels, sparsity) = (plan.noise_levels.len(), plan.sparsity_mazes.len() / 2);
        let (tests, steps) = (self.test_mazes, self.n_steps);
        let out_len = levels + 2 + steps + 2 * sparsity;
        let chunk = n.clamp(1, EVAL_CHUNK);
        let words_of: Vec<u64> = streams.iter().flatten().flatten().copied().collect();
        let stream_buf = dev.alloc::<i32>((2 * words_of.len()).max(1))?;
        if n > 0 {
            dev.upload(
                &u64_slots(&words_of),
                stream_buf.view(0, 2 * words_of.len())?,
            )?;
        }
        let noise = dev.alloc::<f32>((2 * levels).max(1))?;
        if levels > 0 {
            dev.upload(&f64_slots(&plan.noise_levels), noise.view(0, 2 * levels)?)?;
        }
        let flat: Vec<f64> = plan.sparsity_mazes.iter().flatten().copied().collect();
        let sparsity_cf = dev.alloc::<f32>((2 * flat.len()).max(1))?;
        if !flat.is_empty() {
            dev.upload(&f64_slots(&flat), sparsity_cf.view(0, 2 * flat.len())?)?;
        }
        let layouts = dev.alloc::<i32>((chunk * tests).max(1))?;
        let plan_states = dev.alloc::<i32>((chunk * tests * 8).max(1))?;
        let out = dev.alloc::<f32>(2 * chunk * out_len)?;
        let mem_count = dev.alloc::<i32>((chunk * steps).max(1))?;
        let per_steps = (chunk * tests * steps).max(1);
        let step_index = dev.alloc::<i32>(per_steps)?;
        let step_sens = dev.alloc::<f32>(per_steps)?;
        let step_coh = dev.alloc::<f32>(per_steps)?;
        let step_count = dev.alloc::<i32>(chunk)?;
        let headline = match plan.headline {
            Some(h) => kernel_int(OP, h)?,
            None => Arg::Int(-1),
        };
        let mut results = Vec::with_capacity(n);
        for first in (0..n).step_by(chunk) {
            let count = chunk.min(n - first);
            let args = [
                Arg::F32Ptr(self.params, 0),
                Arg::I32Ptr(self.masks, 0),
                Arg::I32Ptr(self.cfg, 0),
                Arg::F64Ptr(self.fcfg, 0),
                Arg::I32Ptr(self.maze_ints, 0),
                Arg::F64Ptr(self.maze_doubles, 0),
                Arg::F64Ptr(sparsity_cf, 0),
                Arg::I32Ptr(stream_buf, 0),
                Arg::F64Ptr(noise, 0),
                kernel_int(OP, levels)?,
                headline,
                Arg::Double(plan.headline_noise),
                kernel_int(OP, sparsity)?,
                Arg::I32Ptr(layouts, 0),
                Arg::I32Ptr(plan_states, 0),
                Arg::F64Ptr(out, 0),
                Arg::I32Ptr(mem_count, 0),
                Arg::I32Ptr(step_index, 0),
                Arg::F32Ptr(step_sens, 0),
                Arg::F32Ptr(step_coh, 0),
                Arg::I32Ptr(step_count, 0),
                kernel_long(first),
                kernel_long(count),
                kernel_long(n),
            ];
            launch_blocks(
                dev,
                "prnn",
                "prnn_evaluate",
                count,
                THREADS_PER_BLOCK,
                &args,
            )?;
            let mut raw = vec![0.0f32; 2 * count * out_len];
            dev.download(out.view(0, raw.len())?, &mut raw)?;
            let values = slots_f64(&raw);
            let mut counts = vec![0i32; count * steps];
            if !counts.is_empty() {
                dev.download(mem_count.view(0, counts.len())?, &mut counts)?;
            }
            let mut used = vec![0i32; count];
            dev.download(step_count.view(0, count)?, &mut used)?;
            let total = count * tests * steps;
            let (mut index, mut sens, mut coh) =
                (vec![0i32; total], vec![0.0f32; total], vec![0.0f32; total]);
            if total > 0 {
                dev.download(step_index.view(0, total)?, &mut index)?;
                dev.download(step_sens.view(0, total)?, &mut sens)?;
                dev.download(step_coh.view(0, total)?, &mut coh)?;
            }
            for k in 0..count {
                let o = &values[k * out_len..(k + 1) * out_len];
                let base = k * tests * steps;
                let rows = base..base + used[k].max(0) as usize;
                results.push(DeviceEvaluation {
                    fitness_by_noise: o[..levels].to_vec(),
                    headline_fitness: o[levels],
                    goal_rate: o[levels + 1],
                    memory_sums: o[levels + 2..levels + 2 + steps].to_vec(),
                    memory_counts: counts[k * steps..(k + 1) * steps]
                        .iter()
                        .map(|&c| c as u32)
                        .collect(),
                    steps: rows
                        .map(|i| {
                            let at = index[i] as u32;
                            let s = steps as u32;
                            (at / s, at % s, sens[i], coh[i])
                        })
                        .collect(),
                    cue_sparsity: o[levels + 2 + steps..levels + 2 + steps + sparsity].to_vec(),
                    wall_sparsity: o[levels + 2 + steps + sparsity..].to_vec(),
                });
            }
        }
        Ok(results)
    }
}

fn kernel_count(x: usize, what: &str) -> Result<i32, KernelError> {
    i32::try_from(x).map_err(|_| refuse(format!("{x} {what} exceed a kernel int")))
}
