//! The pRNN study config (TOML, `version = 1`) and its resolution into a list of networks.
//!
//! ```toml
//! version = 1
//! name = "general"              # study name
//! seed = 1                      # study seed
//! architectures = "all"         # or a list: indices 0..=128, names ff / ff34 / full, flag strings "0101101"
//! seeds_per_architecture = 50   # networks per architecture
//! [task]                        # wiring_tasks::maze::MazeConfig; kind = { type = "general" | "track" | "h", size, n_steps, gaps }
//! [training]                    # wiring_model::prnn::QRecipe (episodes, Adam, ε schedule, test_mazes, …)
//! [evaluation]                  # wiring_model::prnn::EvaluationRecipe (noise levels, headline noise, sparsity sweeps)
//! [compute]
//! kernel = "population"         # the pRNN kernel (wiring_kernels::prnn::PrnnVariant names)
//! population = 8                # networks of one hidden size trained in lockstep per work unit
//!                               # (at most 8 with the population kernel: one per SIMD lane;
//!                               # CPU only: on a GPU all networks of one hidden size)
//! backend = "cpu"               # cpu | cuda (a GPU: build with --features cuda)
//! ```
//!
//! Every field but `version` is optional; the defaults are the paper's general-maze study.
//!
//! **Network ids** are architecture-major: the network of the architecture at position `a` of
//! the `architectures` list (`"all"` = indices 0..=128 in order) and seed index `s` has
//! `id = a · seeds_per_architecture + s`. The id is the network's random-stream coordinate
//! (with the study seed), so a network's result depends on nothing else — not on the threads,
//! the shard, the population it was trained in, or a resumption.

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use wiring_kernels::prnn::{PrnnVariant, POPULATION_LANES};
use wiring_model::prnn::{Architecture, EvaluationRecipe, QRecipe};
use wiring_model::ModelError;
use wiring_tasks::maze::{MazeConfig, MazeKind};

use wiring_kernels::Backend;
use wiring_run::compute;
use wiring_run::config_file::{self, ConfigError};

/// The config format version this build reads.
pub const CONFIG_VERSION: u32 = 1;

/// The embedded quick study.
pub const QUICK_TOML: &str = include_str!("../../../configs/prnn-quick.toml");

/// Where the quick study's text comes from, for error messages.
pub const QUICK_SOURCE: &str = "<built-in quick study configs/prnn-quick.toml>";

/// A pRNN study, as written in its TOML file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyConfig {
    /// Config format version: must be 1.
    pub version: u32,
    /// Study name, shown in the report.
    #[serde(default = "default_name")]
    pub name: String,
    /// Study seed: with a network's id, the only source of that network's random numbers.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// The architectures trained: `"all"` (indices 0..=128) or a list of indices, names
    /// (`ff`, `ff34`, `full`) and 7-character flag strings (`[ii, hh, oo, io, oi, hi, oh]`).
    #[serde(default)]
    pub architectures: ArchitectureList,
    /// Networks (seeds) per architecture. Paper: 50.
    #[serde(default = "default_seeds")]
    pub seeds_per_architecture: usize,
    /// The mazes (default: general 9 × 9 mazes, 20 steps).
    #[serde(default)]
    pub task: MazeConfig,
    /// The deep Q-learning recipe (default: the paper's, 400 000 episodes).
    #[serde(default)]
    pub training: QRecipe,
    /// What is measured after training (default: the paper's noise sweep, no sparsity sweeps).
    #[serde(default)]
    pub evaluation: EvaluationRecipe,
    /// How the networks are computed.
    #[serde(default)]
    pub compute: ComputeConfig,
}

fn default_name() -> String {
    "prnn".into()
}
fn default_seed() -> u64 {
    1
}
fn default_seeds() -> usize {
    50
}

/// `"all"` or an explicit list.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum ArchitectureList {
    /// Indices 0..=128 in order.
    #[default]
    All,
    /// As written (checked when the study is resolved).
    List(Vec<ArchitectureEntry>),
}

/// One entry of an architecture list, as written.
#[derive(Clone, Debug, PartialEq)]
pub enum ArchitectureEntry {
    Index(i64),
    Text(String),
}

impl fmt::Display for ArchitectureEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArchitectureEntry::Index(i) => write!(f, "{i}"),
            ArchitectureEntry::Text(s) => write!(f, "{s:?}"),
        }
    }
}

impl ArchitectureEntry {
    /// The architecture this entry names.
    pub fn resolve(&self) -> Result<Architecture, String> {
        match self {
            ArchitectureEntry::Index(i) => usize::try_from(*i)
                .map_err(|_| format!("architecture index {i} is out of range, expected 0..=128"))
                .and_then(|i| Architecture::from_index(i).map_err(|e| e.to_string())),
            ArchitectureEntry::Text(s) => s.parse::<Architecture>().map_err(|e| e.to_string()),
        }
    }
}

impl Serialize for ArchitectureList {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ArchitectureList::All => s.serialize_str("all"),
            ArchitectureList::List(entries) => {
                use serde::ser::SerializeSeq;
                let mut seq = s.serialize_seq(Some(entries.len()))?;
                for e in entries {
                    match e {
                        ArchitectureEntry::Index(i) => seq.serialize_element(i)?,
                        ArchitectureEntry::Text(t) => seq.serialize_element(t)?,
                    }
                }
                seq.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for ArchitectureList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = ArchitectureList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("\"all\" or a list of architecture indices, names and flag strings")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ArchitectureList, E> {
                if v == "all" {
                    Ok(ArchitectureList::All)
                } else {
                    Err(E::custom(format!(
                        "expected \"all\" or a list such as [\"ff\", \"ff34\", 5, \"0101101\", \"full\"], got {v:?}"
                    )))
                }
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<ArchitectureList, A::Error> {
                let mut entries = Vec::new();
                while let Some(e) = seq.next_element::<EntryDe>()? {
                    entries.push(e.0);
                }
                Ok(ArchitectureList::List(entries))
            }
        }
        d.deserialize_any(V)
    }
}

struct EntryDe(ArchitectureEntry);

impl<'de> Deserialize<'de> for EntryDe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = EntryDe;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an architecture index (0..=128), name (ff, ff34, full) or 7-character flag string")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<EntryDe, E> {
                Ok(EntryDe(ArchitectureEntry::Index(v)))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<EntryDe, E> {
                Ok(EntryDe(ArchitectureEntry::Index(
                    i64::try_from(v).unwrap_or(i64::MAX),
                )))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<EntryDe, E> {
                Ok(EntryDe(ArchitectureEntry::Text(v.into())))
            }
        }
        d.deserialize_any(V)
    }
}

/// How networks are computed. The kernel is part of the study's identity (variants may round
/// differently); the population size is not (a network's result never depends on it).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComputeConfig {
    /// The pRNN kernel: one of `wiring_kernels::prnn::PrnnVariant::ALL` by name (`population`,
    /// the SIMD lockstep kernel, or `reference`, the scalar oracle); default: the kernels'
    /// default variant.
    #[serde(default, with = "kernel_name")]
    pub kernel: PrnnVariant,
    /// Pending networks of one hidden size trained together in lockstep as one work unit
    /// (≥ 1; default 8). Work units run in parallel over the threads. On the CPU only: with
    /// `backend = "cuda"` a work unit is every pending network of one hidden size.
    #[serde(default = "default_population")]
    pub population: usize,
    /// Where the networks are computed: `"cpu"` (default) or `"cuda"` (GPU 0; refused with one
    /// line by a build without the `cuda` feature or on a machine without a GPU). Part of the
    /// study's identity when not `"cpu"`.
    #[serde(
        default,
        skip_serializing_if = "compute::is_cpu",
        with = "compute::backend_name"
    )]
    pub backend: Backend,
}

fn default_population() -> usize {
    8
}

impl Default for ComputeConfig {
    fn default() -> Self {
        Self {
            kernel: PrnnVariant::default(),
            population: default_population(),
            backend: Backend::Cpu,
        }
    }
}

mod kernel_name {
    use super::*;

    pub fn serialize<S: Serializer>(v: &PrnnVariant, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PrnnVariant, D::Error> {
        let name = String::deserialize(d)?;
        let names: Vec<&'static str> = PrnnVariant::ALL.iter().map(|v| v.name()).collect();
        PrnnVariant::ALL
            .iter()
            .copied()
            .find(|v| v.name() == name)
            .ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "unknown kernel `{name}`, expected one of {}",
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
    }
}

/// One network of the study.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlannedNetwork {
    /// `position · seeds_per_architecture + seed_index`; the network's random-stream coordinate.
    pub id: u64,
    pub architecture: Architecture,
    /// Position of its architecture in the study's list.
    pub position: usize,
    /// Which of the architecture's seeds (0..seeds_per_architecture).
    pub seed_index: usize,
}

/// A checked study: the config with defaults filled in and every network.
#[derive(Clone, Debug)]
pub struct Study {
    /// Where the config came from (file path or built-in name), for messages.
    pub source: String,
    pub config: StudyConfig,
    /// The architectures, in list order.
    pub architectures: Vec<Architecture>,
    pub networks: Vec<PlannedNetwork>,
}

impl Study {
    /// Reads and checks the study config at `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let source = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::new(&source, "", format!("cannot read the config: {e}")))?;
        Self::from_toml(&text, &source)
    }

    /// The built-in quick study.
    pub fn quick() -> Result<Self, ConfigError> {
        Self::from_toml(QUICK_TOML, QUICK_SOURCE)
    }

    /// Parses and checks a study config.
    pub fn from_toml(text: &str, source: &str) -> Result<Self, ConfigError> {
        let config: StudyConfig = config_file::parse(text, source, CONFIG_VERSION)?;
        let bad = |field: &str, message: String| ConfigError::new(source, field, message);
        let model_err = |section: &str, e: ModelError| match e {
            ModelError::InvalidField {
                field,
                expected,
                got,
            } => bad(
                &format!("{section}.{field}"),
                format!("expected {expected}, got {got}"),
            ),
            other => bad(section, other.to_string()),
        };
        if config.seed > i64::MAX as u64 {
            return Err(bad(
                "seed",
                format!("expected an integer below 2^63, got {}", config.seed),
            ));
        }
        // Maze errors read `field: message`; prefix the section.
        if let Err(e) = config.task.validate() {
            let text = e.to_string();
            let (field, message) = text.split_once(": ").unwrap_or(("", &text));
            let field = if field.is_empty() {
                "task".to_string()
            } else {
                format!("task.{field}")
            };
            return Err(bad(&field, message.to_string()));
        }
        config
            .training
            .validate()
            .map_err(|e| model_err("training", e))?;
        config
            .evaluation
            .validate()
            .map_err(|e| model_err("evaluation", e))?;
        let t = &config.training;
        let kind = config.task.kind;
        let divisor = match kind {
            MazeKind::General { .. } => None,
            MazeKind::Track { .. } => {
                Some((2, "an even number (track mazes balance the goal side)"))
            }
            MazeKind::H { .. } => {
                Some((4, "a multiple of 4 (H mazes balance the four goal corners)"))
            }
        };
        if let Some((d, why)) = divisor {
            for (field, v) in [("maze_batch", t.maze_batch), ("test_mazes", t.test_mazes)] {
                if v % d != 0 {
                    return Err(bad(
                        &format!("training.{field}"),
                        format!("expected {why}, got {v}"),
                    ));
                }
            }
        }
        if config.evaluation.sparsity_robustness && !matches!(kind, MazeKind::General { .. }) {
            return Err(bad(
                "evaluation.sparsity_robustness",
                format!(
                    "expected false: cue and wall sparsity apply to general mazes only, the task is {} mazes",
                    kind.name()
                ),
            ));
        }
        if config.seeds_per_architecture == 0 {
            return Err(bad(
                "seeds_per_architecture",
                "expected at least 1 network per architecture, got 0".into(),
            ));
        }
        if config.compute.population == 0 {
            return Err(bad(
                "compute.population",
                "expected at least 1 network per work unit, got 0".into(),
            ));
        }
        if config.compute.kernel == PrnnVariant::Population
            && config.compute.population > POPULATION_LANES
        {
            return Err(bad(
                "compute.population",
                format!(
                    "expected at most {POPULATION_LANES} networks per work unit with the \
                     population kernel (one per SIMD lane), got {}",
                    config.compute.population
                ),
            ));
        }
        let architectures: Vec<Architecture> = match &config.architectures {
            ArchitectureList::All => Architecture::all().collect(),
            ArchitectureList::List(entries) => {
                if entries.is_empty() {
                    return Err(bad(
                        "architectures",
                        "expected \"all\" or at least one architecture, got an empty list".into(),
                    ));
                }
                let mut archs: Vec<Architecture> = Vec::with_capacity(entries.len());
                for (k, entry) in entries.iter().enumerate() {
                    let field = format!("architectures[{k}]");
                    let arch = entry.resolve().map_err(|e| bad(&field, e))?;
                    if let Some(first) = archs.iter().position(|a| *a == arch) {
                        return Err(bad(
                            &field,
                            format!(
                                "expected each architecture once, got {entry} = {} (index {}) again (also architectures[{first}])",
                                arch.name(),
                                arch.index()
                            ),
                        ));
                    }
                    archs.push(arch);
                }
                archs
            }
        };
        let seeds = config.seeds_per_architecture;
        let networks = architectures
            .iter()
            .enumerate()
            .flat_map(|(position, &architecture)| {
                (0..seeds).map(move |seed_index| PlannedNetwork {
                    id: (position * seeds + seed_index) as u64,
                    architecture,
                    position,
                    seed_index,
                })
            })
            .collect();
        Ok(Self {
            source: source.into(),
            config,
            architectures,
            networks,
        })
    }

    /// The resolved config as TOML (what a run directory stores as `config.toml`).
    pub fn resolved_toml(&self) -> String {
        let body = toml::to_string(&self.config)
            .unwrap_or_else(|e| format!("# cannot serialise the config: {e}\n"));
        format!(
            "# The resolved study config (every default filled in), written by prnn {} from {}.\n\
             # A run directory keeps the config it was started with; resuming needs the same study.\n\n{body}",
            env!("CARGO_PKG_VERSION"),
            self.source
        )
    }

    /// Canonical JSON of what the networks are (everything but the name and the population
    /// size): two configs that train the same networks give the same string.
    pub fn identity(&self) -> String {
        let c = &self.config;
        let archs: Vec<usize> = self.architectures.iter().map(|a| a.index()).collect();
        let id = serde_json::json!({
            "seed": c.seed, "task": c.task, "training": c.training, "evaluation": c.evaluation,
            "kernel": c.compute.kernel.name(), "architectures": archs,
            "seeds_per_architecture": c.seeds_per_architecture,
        });
        compute::identity_text(id, c.compute.backend)
    }

    /// 64-bit FNV-1a of [`Study::identity`], as 16 hex digits: stored in every record.
    pub fn config_hash(&self) -> String {
        config_file::config_hash(&self.identity())
    }

    /// Which parts of two studies differ (`[]` when they are the same study; the population
    /// size may differ).
    pub fn differences(&self, other: &Study) -> Vec<&'static str> {
        let (a, b) = (&self.config, &other.config);
        let mut d = Vec::new();
        if a.name != b.name {
            d.push("name");
        }
        if a.seed != b.seed {
            d.push("seed");
        }
        if json(&a.task) != json(&b.task) {
            d.push("task");
        }
        if json(&a.training) != json(&b.training) {
            d.push("training");
        }
        if json(&a.evaluation) != json(&b.evaluation) {
            d.push("evaluation");
        }
        if a.compute.kernel != b.compute.kernel {
            d.push("compute.kernel");
        }
        if a.compute.backend != b.compute.backend {
            d.push("compute.backend");
        }
        if self.architectures != other.architectures {
            d.push("architectures");
        }
        if a.seeds_per_architecture != b.seeds_per_architecture {
            d.push("seeds_per_architecture");
        }
        d
    }
}

/// Canonical JSON of a value, for comparison.
fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_architecture_major_and_lists_resolve() {
        let s = Study::from_toml(
            "version = 1\narchitectures = [\"ff\", 1, \"0100000\", \"full\"]\nseeds_per_architecture = 3\n",
            "t.toml",
        )
        .unwrap();
        assert_eq!(s.networks.len(), 12);
        let n = s.networks[7];
        assert_eq!((n.id, n.position, n.seed_index), (7, 2, 1));
        assert_eq!(n.architecture.flag_string(), "0100000");
        assert_eq!(s.networks[11].architecture, Architecture::FULL);
        let all = Study::from_toml("version = 1\n", "d.toml").unwrap();
        assert_eq!(all.networks.len(), 129 * 50);
        let again = Study::from_toml(&s.resolved_toml(), "config.toml").unwrap();
        assert!(again.differences(&s).is_empty());
        assert_eq!(again.config_hash(), s.config_hash());
    }
}
