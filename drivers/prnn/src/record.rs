//! One trained pRNN on disk: `networks/<id>/record.json` and `networks/<id>/arrays.npz`.
//!
//! `arrays.npz` (f32, C order; `np.load("arrays.npz")["w_hh"]`):
//!
//! | array | shape | holds |
//! |---|---|---|
//! | `initial_params`, `trained_params` | (P,) | all nine blocks in the kernels' masked layout `[ih, ho, ii, hh, oo, io, oi, hi, oh]`, each `to × from` row-major, absent blocks zero |
//! | `w_ih`, `w_ho`, `w_ii`, … `w_oh` | (to, from) | each trained matrix (zeros when absent); `w_ih[h, i]` is the weight from input unit `i` to hidden unit `h` |
//! | `initial_w_ih`, … | (to, from) | the same before training |
//! | `curve_episodes`, `curve`, `curve_loss` | (points,) | the training curve: episode before which each point was taken, test fitness at the training noise, mean episode loss after it |
//! | `noise_levels`, `fitness_by_noise` | (levels,) | the noise sweep |
//! | `memory_curve` | (n_steps,) | `M_k` |
//! | `step_trial`, `step_step`, `step_sensitivity`, `step_coherence` | (steps,) | every recorded step of the headline test trials: trial index, step index, `‖∂o_t/∂x_t‖_F`, input coherence |
//!
//! `record.json` is a [`Record`]. JSON has no NaN: a value that is not a number (a fitness
//! whose trials all had a zero denominator, a memory lag no trial reached) is `null`.
//! Everything in it but `timing` is a pure function of the study config and the build.

use serde::{Deserialize, Serialize};
use wiring_kernels::prnn::{Block, N_BLOCKS};
use wiring_model::prnn::{Prnn, PrnnEvaluation, StepMeasures, TrainedPrnn, PATHWAYS};
use wiring_model::rng::NetworkSeeds;

use super::config::{PlannedNetwork, Study};
use wiring_run::machine::Build;
use wiring_run::npz::{npz_bytes, NpzArray};
use wiring_run::run_dir::{ArraysFile, NetworkRecord, RecordIdentity};

/// The record format written by this build.
pub const RECORD_FORMAT: &str = "wiring.prnn.record/1";
/// File names inside `networks/<id>/`.
pub const RECORD_FILE: &str = "record.json";
pub const ARRAYS_FILE: &str = "arrays.npz";

/// Everything recorded about one trained pRNN.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// [`RECORD_FORMAT`].
    pub format: String,
    pub network_id: u64,
    pub architecture: ArchitectureInfo,
    /// Which of its architecture's seeds.
    pub seed_index: usize,
    /// The coordinates of the network's random streams.
    pub seeds: NetworkSeeds,
    /// Hash of the study config ([`Study::config_hash`]).
    pub config_hash: String,
    /// The pRNN kernel that computed the network.
    pub kernel: String,
    /// `general`, `track` or `h`.
    pub task: String,
    pub training: TrainingInfo,
    pub evaluation: EvaluationInfo,
    pub arrays: ArraysInfo,
    /// The build that trained the network.
    pub provenance: Build,
    /// When and how long; the only part that differs between identical runs.
    pub timing: Timing,
}

/// The network's architecture.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchitectureInfo {
    /// 0..=128.
    pub index: usize,
    /// `ff`, `ff34`, `full` or the flag string.
    pub name: String,
    /// Seven characters, pathways `[ii, hh, oo, io, oi, hi, oh]`.
    pub flags: String,
    /// The names of the present pathways.
    pub pathways: Vec<String>,
    /// Any recurrent pathway (any flag but `io`).
    pub recurrent: bool,
    pub n_hidden: usize,
    /// Trainable weights.
    pub param_count: usize,
}

/// What training produced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainingInfo {
    pub episodes: usize,
    /// Episode before which each training-curve point was evaluated.
    pub curve_episodes: Vec<usize>,
    /// Test fitness at the training sensor noise at each checkpoint.
    pub curve: Vec<Option<f64>>,
    /// Mean episode loss over the episodes after each checkpoint.
    pub curve_loss: Vec<Option<f64>>,
    /// Updates whose gradient norm exceeded the clip.
    pub clipped_updates: u64,
    /// Recorded training steps.
    pub train_steps: u64,
    /// Network forwards of every kind.
    pub forwards: u64,
}

/// What was measured after training.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvaluationInfo {
    pub noise_levels: Vec<f64>,
    pub fitness_by_noise: Vec<Option<f64>>,
    /// Headline fitness (at the headline noise).
    pub fitness: Option<f64>,
    /// Trapezoid area under fitness against noise.
    pub robustness: Option<f64>,
    /// Sparsity levels, fitness against cue / wall sparsity and areas (when measured).
    pub sparsity_levels: Option<Vec<f64>>,
    pub cue_sparsity_fitness: Option<Vec<Option<f64>>>,
    pub cue_sparsity_robustness: Option<f64>,
    pub wall_sparsity_fitness: Option<Vec<Option<f64>>>,
    pub wall_sparsity_robustness: Option<f64>,
    /// Mean `‖∂o_t/∂x_t‖_F` over every step of the headline test trials.
    pub sensitivity: Option<f64>,
    /// Mean input coherence over the same steps.
    pub coherence: Option<f64>,
    /// `M_k`, k = 0..n_steps, and its NaN-ignoring sum.
    pub memory_curve: Vec<Option<f64>>,
    pub memory: Option<f64>,
    /// Frobenius norms `[ih, ho, ii, hh, oo, io, oi, hi, oh]`, 0 when absent.
    pub weight_norms: [f64; N_BLOCKS],
    /// Fraction of headline test trials that reached the goal.
    pub goal_rate: Option<f64>,
    /// Steps recorded in `step_*` arrays.
    pub recorded_steps: usize,
}

/// What `arrays.npz` holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArraysInfo {
    pub file: String,
    /// Its size: a resumed run checks it.
    pub bytes: u64,
    /// Its SHA-256 (`sha256sum`'s hex): a resumed run checks it. Absent in records written
    /// before it was kept (read alike; checked by size alone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    pub arrays: Vec<String>,
}

/// Wall-clock facts. A network is trained and evaluated in a population of up to
/// `compute.population` networks; its seconds are the population's divided by its size.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    pub started: String,
    pub finished: String,
    /// Amortised seconds of training and of evaluation.
    pub train_seconds: f64,
    pub evaluate_seconds: f64,
    /// Networks in its population.
    pub population: usize,
    pub host: String,
}

/// `Some(v)` when `v` is a number, `None` (JSON `null`) for NaN and infinities.
pub fn num(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// [`num`] of each value.
pub fn nums(v: &[f64]) -> Vec<Option<f64>> {
    v.iter().map(|&x| num(x)).collect()
}

/// The value, NaN for `null`.
pub fn val(v: Option<f64>) -> f64 {
    v.unwrap_or(f64::NAN)
}

/// The files of a finished network, ready to commit.
pub struct NetworkFiles {
    pub record: Record,
    pub record_json: Vec<u8>,
    pub arrays_npz: Vec<u8>,
}

/// Builds the record and arrays of `network`.
pub fn network_files(
    study: &Study,
    network: &PlannedNetwork,
    trained: &TrainedPrnn,
    evaluation: &PrnnEvaluation,
    steps: &StepMeasures,
    timing: Timing,
) -> Result<NetworkFiles, String> {
    let arch = network.architecture;
    let (arrays_npz, names) =
        arrays_npz(trained, evaluation, steps).map_err(|e| format!("cannot encode arrays: {e}"))?;
    let sparse =
        evaluation.cue_sparsity_fitness.is_some() || evaluation.wall_sparsity_fitness.is_some();
    let record = Record {
        format: RECORD_FORMAT.into(),
        network_id: network.id,
        architecture: ArchitectureInfo {
            index: arch.index(),
            name: arch.name(),
            flags: arch.flag_string(),
            pathways: PATHWAYS
                .iter()
                .enumerate()
                .filter(|(p, _)| arch.has_pathway(*p))
                .map(|(_, n)| n.to_string())
                .collect(),
            recurrent: arch.is_recurrent(),
            n_hidden: arch.n_hidden(),
            param_count: arch.param_count(),
        },
        seed_index: network.seed_index,
        seeds: NetworkSeeds {
            study_seed: study.config.seed,
            network_id: network.id,
        },
        config_hash: study.config_hash(),
        kernel: study.config.compute.kernel.name().into(),
        task: study.config.task.kind.name().into(),
        training: TrainingInfo {
            episodes: study.config.training.episodes,
            curve_episodes: trained.curve_episodes.clone(),
            curve: nums(&trained.curve),
            curve_loss: nums(&trained.curve_loss),
            clipped_updates: trained.clipped_updates,
            train_steps: trained.train_steps,
            forwards: trained.forwards,
        },
        evaluation: EvaluationInfo {
            noise_levels: evaluation.noise_levels.clone(),
            fitness_by_noise: nums(&evaluation.fitness_by_noise),
            fitness: num(evaluation.fitness),
            robustness: num(evaluation.robustness),
            sparsity_levels: sparse.then(|| study.config.evaluation.sparsity_levels.clone()),
            cue_sparsity_fitness: evaluation.cue_sparsity_fitness.as_deref().map(nums),
            cue_sparsity_robustness: evaluation.cue_sparsity_robustness.and_then(num),
            wall_sparsity_fitness: evaluation.wall_sparsity_fitness.as_deref().map(nums),
            wall_sparsity_robustness: evaluation.wall_sparsity_robustness.and_then(num),
            sensitivity: num(evaluation.sensitivity),
            coherence: num(evaluation.coherence),
            memory_curve: nums(&evaluation.memory_curve),
            memory: num(evaluation.memory),
            weight_norms: evaluation.weight_norms,
            goal_rate: num(evaluation.goal_rate),
            recorded_steps: steps.sensitivity.len(),
        },
        arrays: ArraysInfo {
            file: ARRAYS_FILE.into(),
            bytes: arrays_npz.len() as u64,
            sha256: Some(wiring_run::run_dir::sha256_hex(&arrays_npz)),
            arrays: names,
        },
        provenance: Build::current(),
        timing,
    };
    if !record.evaluation.weight_norms.iter().all(|v| v.is_finite()) {
        return Err("non-finite weights after training".into());
    }
    let mut record_json =
        serde_json::to_vec_pretty(&record).map_err(|e| format!("cannot encode the record: {e}"))?;
    record_json.push(b'\n');
    Ok(NetworkFiles {
        record,
        record_json,
        arrays_npz,
    })
}

fn f32s(v: &[f64]) -> Vec<f32> {
    v.iter().map(|&x| x as f32).collect()
}

/// `arrays.npz` and the names of its arrays, in order.
fn arrays_npz(
    trained: &TrainedPrnn,
    evaluation: &PrnnEvaluation,
    steps: &StepMeasures,
) -> std::io::Result<(Vec<u8>, Vec<String>)> {
    let dims = trained.trained.dims();
    let blocks = |net: &Prnn<f32>, prefix: &str| -> Vec<(String, Vec<u64>, Vec<f32>)> {
        Block::ALL
            .iter()
            .map(|&b| {
                let (to, from) = dims.block_shape(b);
                (
                    format!("{prefix}w_{}", b.name()),
                    vec![to as u64, from as u64],
                    net.block(b).to_vec(),
                )
            })
            .collect()
    };
    let mut owned: Vec<(String, Vec<u64>, Vec<f32>)> = vec![
        (
            "initial_params".into(),
            vec![trained.initial.params().len() as u64],
            trained.initial.params().to_vec(),
        ),
        (
            "trained_params".into(),
            vec![trained.trained.params().len() as u64],
            trained.trained.params().to_vec(),
        ),
    ];
    owned.extend(blocks(&trained.trained, ""));
    owned.extend(blocks(&trained.initial, "initial_"));
    let vector = |name: &str, data: Vec<f32>| (name.to_string(), vec![data.len() as u64], data);
    let episodes: Vec<f64> = trained.curve_episodes.iter().map(|&e| e as f64).collect();
    owned.push(vector("curve_episodes", f32s(&episodes)));
    owned.push(vector("curve", f32s(&trained.curve)));
    owned.push(vector("curve_loss", f32s(&trained.curve_loss)));
    owned.push(vector("noise_levels", f32s(&evaluation.noise_levels)));
    owned.push(vector(
        "fitness_by_noise",
        f32s(&evaluation.fitness_by_noise),
    ));
    owned.push(vector("memory_curve", f32s(&evaluation.memory_curve)));
    owned.push(vector(
        "step_trial",
        steps.trial.iter().map(|&v| v as f32).collect(),
    ));
    owned.push(vector(
        "step_step",
        steps.step.iter().map(|&v| v as f32).collect(),
    ));
    owned.push(vector("step_sensitivity", steps.sensitivity.clone()));
    owned.push(vector("step_coherence", steps.coherence.clone()));
    let arrays: Vec<NpzArray<'_>> = owned
        .iter()
        .map(|(name, shape, data)| NpzArray {
            name,
            shape: shape.clone(),
            data,
        })
        .collect();
    let bytes = npz_bytes(&arrays)?;
    Ok((bytes, owned.into_iter().map(|(n, _, _)| n).collect()))
}

impl NetworkRecord for Record {
    const FILE: &'static str = RECORD_FILE;
    const FORMAT: &'static str = RECORD_FORMAT;
    fn identity(&self) -> RecordIdentity<'_> {
        RecordIdentity {
            format: &self.format,
            network_id: self.network_id,
            config_hash: &self.config_hash,
        }
    }
    fn arrays_file(&self) -> ArraysFile<'_> {
        ArraysFile {
            name: &self.arrays.file,
            bytes: self.arrays.bytes,
            sha256: self.arrays.sha256.as_deref(),
        }
    }
}
