//! The seRNN study config (TOML, `version = 1`) and its resolution into a list of networks.
//!
//! ```toml
//! version = 1
//! name = "paper"            # study name
//! seed = 1                  # study seed
//! [recipe]                  # wiring_model::sernn::Recipe; every field optional, defaults = paper
//! [space]                   # grid = [5, 5, 4] (default) or coordinates = "units.csv" / [[x, y, z], …]
//! [compute]
//! rnn_kernel = "simd"       # reference | faer | simd
//! backend = "cpu"           # cpu | cuda (a GPU: build with --features cuda)
//! [analysis]
//! epoch = 9                 # the snapshot analysed
//! min_accuracy = 0.9        # networks below this validation accuracy are "inaccurate"
//! threshold = 0.1           # sernn analyze: strongest fraction of |W| kept when binarising
//! null_draws = 1000         # sernn analyze: random graphs for small-worldness
//! functional_trials = 640   # sernn analyze: validation trials of recorded activity
//! permutations = 1000       # sernn analyze: functional-clustering null
//! [[sets]]                  # a set of networks, one per γ
//! name = "se"
//! regulariser = "se"        # l1 | spatial | communicability | se
//! gamma = { start = 0.001, stop = 0.3, count = 1001 }   # or a list
//! ```
//!
//! Network ids are assigned in order over the sets (set 0's networks first, in γ order); the id
//! is the network's random-stream coordinate, so appending a set never changes earlier networks.

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use wiring_kernels::rnn::RnnVariant;
use wiring_model::sernn::{Recipe, RegulariserKind, RegulariserSpec, Space};
use wiring_model::ModelError;

use wiring_kernels::Backend;
use wiring_run::compute;
use wiring_run::config_file::{self, ConfigError};
use wiring_run::sweep::Sweep;

/// The config format version this build reads.
pub const CONFIG_VERSION: u32 = 1;

/// The embedded quick study: 20 seRNNs and 20 L1 networks, full recipe.
pub const QUICK_TOML: &str = include_str!("../../../configs/sernn-quick.toml");

/// Where the quick study's text comes from, for error messages.
pub const QUICK_SOURCE: &str = "<built-in quick study configs/sernn-quick.toml>";

/// A seRNN study, as written in its TOML file.
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
    /// Training recipe of every network (defaults: the paper's).
    #[serde(default)]
    pub recipe: Recipe,
    /// Where the recurrent units sit (default: the 5×5×4 grid).
    #[serde(default)]
    pub space: SpaceConfig,
    /// How the networks are computed.
    #[serde(default)]
    pub compute: ComputeConfig,
    /// How the study table and report read the records.
    #[serde(default)]
    pub analysis: AnalysisConfig,
    /// The sets of networks (default: the paper's 1 001 seRNNs and 1 001 L1 networks).
    #[serde(default = "paper_sets")]
    pub sets: Vec<SetConfig>,
}

fn default_name() -> String {
    "sernn".into()
}
fn default_seed() -> u64 {
    1
}
fn one() -> f64 {
    1.0
}

/// The paper's two sets: γ = linspace(0.001, 0.3, 1001) for seRNN and for L1.
pub fn paper_sets() -> Vec<SetConfig> {
    let gamma = Sweep::Linspace {
        start: 0.001,
        stop: 0.3,
        count: 1001,
    };
    vec![
        SetConfig::new("se", RegulariserKind::Se, gamma.clone()),
        SetConfig::new("l1", RegulariserKind::L1, gamma),
    ]
}

/// Unit positions: an even grid, or given coordinates (not both).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpaceConfig {
    /// Even `a × b × c` grid: unit k at `(k / (b c), (k / c) mod b, k mod c)`. Default `[5, 5, 4]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid: Option<[usize; 3]>,
    /// One `[x, y, z]` per unit, inline, or the path of a CSV file (`x,y,z` per line, `#`
    /// comments and a header line allowed; relative to the config file). The resolved config
    /// stored in a run directory always holds them inline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coordinates: Option<Coordinates>,
}

/// Coordinates inline or in a CSV file.
#[derive(Clone, Debug, PartialEq)]
pub enum Coordinates {
    File(String),
    Points(Vec<[f64; 3]>),
}

impl Serialize for Coordinates {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Coordinates::File(f) => f.serialize(s),
            Coordinates::Points(p) => p.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Coordinates {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Coordinates;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a CSV file name or a list of [x, y, z] points")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Coordinates, E> {
                Ok(Coordinates::File(v.into()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Coordinates, A::Error> {
                let mut points = Vec::new();
                while let Some(p) = seq.next_element::<[f64; 3]>()? {
                    points.push(p);
                }
                Ok(Coordinates::Points(points))
            }
        }
        d.deserialize_any(V)
    }
}

/// How networks are computed. The kernel is part of the study's identity: the variants round
/// differently, so a study pins one.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComputeConfig {
    /// RNN kernel: `reference` (scalar oracle), `faer` or `simd` (default).
    #[serde(default = "default_kernel", with = "kernel_name")]
    pub rnn_kernel: RnnVariant,
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

fn default_kernel() -> RnnVariant {
    RnnVariant::Simd
}

impl Default for ComputeConfig {
    fn default() -> Self {
        Self {
            rnn_kernel: default_kernel(),
            backend: Backend::Cpu,
        }
    }
}

mod kernel_name {
    use super::*;

    pub fn serialize<S: Serializer>(v: &RnnVariant, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<RnnVariant, D::Error> {
        let name = String::deserialize(d)?;
        name.parse()
            .map_err(|_| serde::de::Error::unknown_variant(&name, &["reference", "faer", "simd"]))
    }
}

/// How the records are analysed (the study table and the report).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisConfig {
    /// The snapshot analysed: weights after this epoch (0 = untrained). Paper: 9.
    #[serde(default = "default_epoch")]
    pub epoch: usize,
    /// Networks with validation accuracy at that epoch below this are "inaccurate". Paper: 0.9.
    #[serde(default = "default_min_accuracy")]
    pub min_accuracy: f64,
    /// `sernn analyze`: fraction of the strongest off-diagonal |W| entries kept when
    /// binarising (0.1).
    #[serde(default = "default_threshold")]
    pub threshold: f64,
    /// `sernn analyze`: random graphs per network for small-worldness (1000).
    #[serde(default = "default_thousand")]
    pub null_draws: usize,
    /// `sernn analyze`: validation trials whose hidden activity is recorded (640; at most
    /// `recipe.n_validation` are used).
    #[serde(default = "default_functional_trials")]
    pub functional_trials: usize,
    /// `sernn analyze`: permutations of the functional-clustering null (1000).
    #[serde(default = "default_thousand")]
    pub permutations: usize,
}

fn default_epoch() -> usize {
    9
}
fn default_min_accuracy() -> f64 {
    0.9
}
fn default_threshold() -> f64 {
    0.1
}
fn default_thousand() -> usize {
    1000
}
fn default_functional_trials() -> usize {
    640
}

impl Default for AnalysisConfig {
    fn default() -> Self {
        Self {
            epoch: default_epoch(),
            min_accuracy: default_min_accuracy(),
            threshold: default_threshold(),
            null_draws: default_thousand(),
            functional_trials: default_functional_trials(),
            permutations: default_thousand(),
        }
    }
}

/// One set of networks: one regulariser, one network per γ.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetConfig {
    /// Set name, unique in the study (letters, digits, `-`, `_`), e.g. `se`.
    pub name: String,
    /// `l1`, `spatial` (|W|∘D), `communicability` (|W|∘C) or `se` (|W|∘C∘D).
    pub regulariser: RegulariserKind,
    /// Regularisation strengths, one network each: a list, or `{ start, stop, count }`.
    pub gamma: Sweep,
    /// D is raised element-wise to this power (> 0). Default 1.
    #[serde(default = "one")]
    pub distance_power: f64,
    /// C is raised element-wise to this power (> 0). Default 1.
    #[serde(default = "one")]
    pub communicability_power: f64,
    /// Treat C as a constant at each step (no gradient through the matrix exponential).
    #[serde(default)]
    pub constant_communicability: bool,
}

impl SetConfig {
    /// A set with the paper's regulariser options.
    pub fn new(name: &str, regulariser: RegulariserKind, gamma: Sweep) -> Self {
        Self {
            name: name.into(),
            regulariser,
            gamma,
            distance_power: 1.0,
            communicability_power: 1.0,
            constant_communicability: false,
        }
    }

    /// The regulariser of this set at strength `gamma`.
    pub fn spec(&self, gamma: f64) -> RegulariserSpec {
        RegulariserSpec {
            kind: self.regulariser,
            gamma,
            distance_power: self.distance_power,
            communicability_power: self.communicability_power,
            constant_communicability: self.constant_communicability,
        }
    }
}

/// One network of the study.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedNetwork {
    /// Position in the study, and the network's random-stream coordinate.
    pub id: u64,
    /// Index of its set in `sets`.
    pub set: usize,
    /// Index of its γ in the set's sweep.
    pub index_in_set: usize,
    pub regulariser: RegulariserSpec,
}

/// A checked study: the resolved config (coordinates inline), the space and every network.
#[derive(Clone, Debug)]
pub struct Study {
    /// Where the config came from (file path or built-in name), for messages.
    pub source: String,
    /// The config with every default filled in and coordinates inline.
    pub config: StudyConfig,
    pub space: Space,
    pub networks: Vec<PlannedNetwork>,
}

impl Study {
    /// Reads and checks the study config at `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let source = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::new(&source, "", format!("cannot read the config: {e}")))?;
        Self::from_toml(&text, &source, path.parent().unwrap_or(Path::new(".")))
    }

    /// The built-in quick study.
    pub fn quick() -> Result<Self, ConfigError> {
        Self::from_toml(QUICK_TOML, QUICK_SOURCE, Path::new("."))
    }

    /// Parses and checks a study config; `base_dir` resolves a relative coordinates file.
    pub fn from_toml(text: &str, source: &str, base_dir: &Path) -> Result<Self, ConfigError> {
        let mut config: StudyConfig = config_file::parse(text, source, CONFIG_VERSION)?;
        let bad = |field: &str, message: String| ConfigError::new(source, field, message);
        if let Err(ModelError::InvalidField {
            field,
            expected,
            got,
        }) = config.recipe.validate()
        {
            return Err(bad(
                &format!("recipe.{field}"),
                format!("expected {expected}, got {got}"),
            ));
        }
        if config.seed > i64::MAX as u64 {
            return Err(bad(
                "seed",
                format!("expected an integer below 2^63, got {}", config.seed),
            ));
        }
        let space = resolve_space(&mut config.space, source, base_dir)?;
        if space.len() != config.recipe.n_hidden {
            return Err(bad(
                "space",
                format!(
                    "expected {} points (recipe.n_hidden), got {}",
                    config.recipe.n_hidden,
                    space.len()
                ),
            ));
        }
        let epochs = config.recipe.epochs;
        if config.analysis.epoch > epochs {
            return Err(bad(
                "analysis.epoch",
                format!(
                    "expected an epoch in 0..={epochs} (recipe.epochs), got {}",
                    config.analysis.epoch
                ),
            ));
        }
        let min_acc = config.analysis.min_accuracy;
        if !(0.0..=1.0).contains(&min_acc) {
            return Err(bad(
                "analysis.min_accuracy",
                format!("expected a number in [0, 1], got {min_acc}"),
            ));
        }
        let threshold = config.analysis.threshold;
        if !(threshold > 0.0 && threshold <= 1.0) {
            return Err(bad(
                "analysis.threshold",
                format!("expected a fraction in (0, 1], got {threshold}"),
            ));
        }
        if config.analysis.null_draws == 0 {
            return Err(bad(
                "analysis.null_draws",
                "expected at least 1 random graph, got 0".into(),
            ));
        }
        if config.analysis.functional_trials < 2 {
            return Err(bad(
                "analysis.functional_trials",
                format!(
                    "expected at least 2 trials, got {}",
                    config.analysis.functional_trials
                ),
            ));
        }
        if config.sets.is_empty() {
            return Err(bad(
                "sets",
                "expected at least one [[sets]] table, got none".into(),
            ));
        }
        let mut networks = Vec::new();
        for (s, set) in config.sets.iter().enumerate() {
            let field = |name: &str| format!("sets[{s}].{name}");
            let name_ok = !set.name.is_empty()
                && set
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !name_ok {
                return Err(bad(
                    &field("name"),
                    format!("expected letters, digits, `-` or `_`, got {:?}", set.name),
                ));
            }
            if let Some(first) = config.sets[..s].iter().position(|o| o.name == set.name) {
                return Err(bad(
                    &field("name"),
                    format!(
                        "expected a unique name, got {:?} (also sets[{first}])",
                        set.name
                    ),
                ));
            }
            let gammas = set.gamma.values();
            if gammas.is_empty() {
                return Err(bad(
                    &field("gamma"),
                    "expected at least one value, got none".into(),
                ));
            }
            if let Some(g) = gammas.iter().find(|g| !(**g >= 0.0 && g.is_finite())) {
                return Err(bad(
                    &field("gamma"),
                    format!("expected finite values ≥ 0, got {g}"),
                ));
            }
            for (k, gamma) in gammas.into_iter().enumerate() {
                let regulariser = set.spec(gamma);
                if let Err(ModelError::InvalidField {
                    field: f,
                    expected,
                    got,
                }) = regulariser.validate()
                {
                    return Err(bad(&field(f), format!("expected {expected}, got {got}")));
                }
                networks.push(PlannedNetwork {
                    id: networks.len() as u64,
                    set: s,
                    index_in_set: k,
                    regulariser,
                });
            }
        }
        Ok(Self {
            source: source.into(),
            config,
            space,
            networks,
        })
    }

    /// The resolved config as TOML (what a run directory stores as `config.toml`).
    pub fn resolved_toml(&self) -> String {
        let body = toml::to_string(&self.config)
            .unwrap_or_else(|e| format!("# cannot serialise the config: {e}\n"));
        format!(
            "# The resolved study config (every default filled in), written by sernn {} from {}.\n\
             # A run directory keeps the config it was started with; resuming needs the same study.\n\n{body}",
            env!("CARGO_PKG_VERSION"),
            self.source
        )
    }

    /// Canonical JSON of what the networks are (everything but the name and the analysis):
    /// two configs that train the same networks give the same string.
    pub fn identity(&self) -> String {
        let c = &self.config;
        let sets: Vec<_> = c
            .sets
            .iter()
            .map(|s| {
                serde_json::json!({
                    "name": s.name, "regulariser": s.regulariser, "gamma": s.gamma.values(),
                    "distance_power": s.distance_power, "communicability_power": s.communicability_power,
                    "constant_communicability": s.constant_communicability,
                })
            })
            .collect();
        let id = serde_json::json!({
            "seed": c.seed, "recipe": c.recipe, "coordinates": self.space.coordinates(),
            "rnn_kernel": c.compute.rnn_kernel.to_string(), "sets": sets,
        });
        compute::identity_text(id, c.compute.backend)
    }

    /// 64-bit FNV-1a of [`Study::identity`], as 16 hex digits: stored in every record.
    pub fn config_hash(&self) -> String {
        config_file::config_hash(&self.identity())
    }

    /// Which parts of two studies differ (`[]` when they are the same study).
    pub fn differences(&self, other: &Study) -> Vec<&'static str> {
        let (a, b) = (&self.config, &other.config);
        let mut d = Vec::new();
        if a.name != b.name {
            d.push("name");
        }
        if a.seed != b.seed {
            d.push("seed");
        }
        if json(&a.recipe) != json(&b.recipe) {
            d.push("recipe");
        }
        if self.space.coordinates() != other.space.coordinates() {
            d.push("space");
        }
        if a.compute != b.compute {
            d.push("compute");
        }
        if a.analysis != b.analysis {
            d.push("analysis");
        }
        let sets = |s: &Study| {
            s.config
                .sets
                .iter()
                .map(|x| (x.name.clone(), json(&x.spec(0.0)), x.gamma.values()))
                .collect::<Vec<_>>()
        };
        if sets(self) != sets(other) {
            d.push("sets");
        }
        d
    }

    /// Name of the set `network` belongs to.
    pub fn set_name(&self, network: &PlannedNetwork) -> &str {
        &self.config.sets[network.set].name
    }
}

/// Canonical JSON of a value, for comparison.
fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

fn resolve_space(
    space: &mut SpaceConfig,
    source: &str,
    base_dir: &Path,
) -> Result<Space, ConfigError> {
    let model_err = |field: &str, e: ModelError| ConfigError::new(source, field, e.to_string());
    match (space.grid, space.coordinates.take()) {
        (Some(_), Some(_)) => Err(ConfigError::new(
            source,
            "space",
            "expected either grid or coordinates, got both",
        )),
        (grid, None) => {
            let g = grid.unwrap_or([5, 5, 4]);
            space.grid = Some(g);
            Ok(Space::grid(g))
        }
        (None, Some(Coordinates::Points(points))) => {
            let s = Space::from_coordinates(points.clone())
                .map_err(|e| model_err("space.coordinates", e))?;
            space.coordinates = Some(Coordinates::Points(points));
            Ok(s)
        }
        (None, Some(Coordinates::File(file))) => {
            let path = base_dir.join(&file);
            let points = read_coordinates_csv(&path)?;
            let s = Space::from_coordinates(points.clone())
                .map_err(|e| model_err(&format!("space.coordinates ({file})"), e))?;
            space.coordinates = Some(Coordinates::Points(points));
            Ok(s)
        }
    }
}

/// Reads `x,y,z` per line (commas or white space; `#` comments, blank lines and one header
/// line allowed).
pub fn read_coordinates_csv(path: &Path) -> Result<Vec<[f64; 3]>, ConfigError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::new(&file, "", format!("cannot read coordinates: {e}")))?;
    let mut points = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|f| !f.is_empty())
            .collect();
        let numbers: Option<Vec<f64>> = fields.iter().map(|f| f.parse().ok()).collect();
        match numbers {
            Some(v) if v.len() == 3 => points.push([v[0], v[1], v[2]]),
            None if points.is_empty() && fields.len() == 3 => {} // a header line
            _ => {
                return Err(ConfigError::new(
                    &file,
                    format!("line {}", i + 1),
                    format!("expected three numbers x,y,z, got {line:?}"),
                ))
            }
        }
    }
    Ok(points)
}
