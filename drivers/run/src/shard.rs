//! Splitting a study's networks over independent jobs: shard `i` of `n` runs the networks with
//! `id % n == i`.
//!
//! The shard comes from `--shard i/n`, or, when that is absent, from a job array's variables:
//!
//! | scheduler | index | count |
//! |---|---|---|
//! | Slurm (`sbatch --array=0-N`) | `SLURM_ARRAY_TASK_ID` − `SLURM_ARRAY_TASK_MIN` | `SLURM_ARRAY_TASK_COUNT` |
//! | PBS Pro (`qsub -J 0-N`) | `PBS_ARRAY_INDEX` | `--shards N` or `WIRING_SHARDS` |
//! | Torque (`qsub -t 0-N`) | `PBS_ARRAYID` | `--shards N` or `WIRING_SHARDS` |
//!
//! PBS does not export the array's size, hence the count option. Array indices must be
//! contiguous (Slurm's `--array=0-99`, not `--array=1,5,9`).

use std::fmt;
use std::str::FromStr;

/// The environment variable giving the number of shards of a PBS / Torque job array.
pub const SHARDS_ENV: &str = "WIRING_SHARDS";

/// Shard `index` of `count`: the networks with `id % count == index`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

/// A shard that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    #[error("{source_name}: expected `i/n` with 0 ≤ i < n, got `{got}`")]
    Malformed { source_name: String, got: String },
    #[error("{variable}={got}: expected a non-negative integer")]
    NotAnInteger { variable: &'static str, got: String },
    #[error("{index_source} is set but the number of shards is not: pass --shards N or set {SHARDS_ENV}=N")]
    MissingCount { index_source: &'static str },
    #[error("shard index {index} (from {index_source}) is not below the shard count {count}")]
    OutOfRange {
        index: u64,
        count: u64,
        index_source: &'static str,
    },
}

impl Shard {
    /// The whole study.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Does this shard run network `id`?
    pub fn contains(&self, id: u64) -> bool {
        id % self.count == self.index
    }

    /// `true` for the unsharded run (`0/1`).
    pub fn is_all(&self) -> bool {
        self.count == 1
    }

    /// Resolves the shard: `--shard` if given, else the job array's variables read through
    /// `var`, else the whole study. `shards` is `--shards N` (PBS / Torque count).
    pub fn resolve(
        flag: Option<Shard>,
        shards: Option<u64>,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Shard, ShardError> {
        if let Some(s) = flag {
            return Ok(s);
        }
        let int = |variable: &'static str| -> Result<Option<u64>, ShardError> {
            match var(variable) {
                None => Ok(None),
                Some(v) if v.trim().is_empty() => Ok(None),
                Some(v) => v
                    .trim()
                    .parse()
                    .map(Some)
                    .map_err(|_| ShardError::NotAnInteger { variable, got: v }),
            }
        };
        let shards = match shards {
            Some(n) => Some(n),
            None => int(SHARDS_ENV)?,
        };
        let checked = |index: u64, count: u64, index_source| {
            if index < count {
                Ok(Shard { index, count })
            } else {
                Err(ShardError::OutOfRange {
                    index,
                    count,
                    index_source,
                })
            }
        };
        if let Some(id) = int("SLURM_ARRAY_TASK_ID")? {
            let min = int("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
            let count = match int("SLURM_ARRAY_TASK_COUNT")? {
                Some(c) => c,
                None => shards.ok_or(ShardError::MissingCount {
                    index_source: "SLURM_ARRAY_TASK_ID",
                })?,
            };
            return checked(id.saturating_sub(min), count, "SLURM_ARRAY_TASK_ID");
        }
        for variable in ["PBS_ARRAY_INDEX", "PBS_ARRAYID"] {
            if let Some(index) = int(variable)? {
                let count = shards.ok_or(ShardError::MissingCount {
                    index_source: variable,
                })?;
                return checked(index, count, variable);
            }
        }
        Ok(Shard::ALL)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ShardError::Malformed {
            source_name: "--shard".into(),
            got: s.into(),
        };
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u64 = i.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn parses_and_checks_the_flag() {
        assert_eq!(
            "1/4".parse::<Shard>().unwrap(),
            Shard { index: 1, count: 4 }
        );
        assert!("4/4".parse::<Shard>().is_err());
        assert!("0/0".parse::<Shard>().is_err());
        assert!("x".parse::<Shard>().is_err());
        assert!(Shard { index: 1, count: 4 }.contains(5));
        assert!(!Shard { index: 1, count: 4 }.contains(6));
    }

    #[test]
    fn picks_up_job_arrays() {
        let none = Shard::resolve(None, None, env(&[])).unwrap();
        assert_eq!(none, Shard::ALL);
        let flag = Shard::resolve(
            Some(Shard { index: 0, count: 2 }),
            None,
            env(&[("SLURM_ARRAY_TASK_ID", "5")]),
        );
        assert_eq!(flag.unwrap(), Shard { index: 0, count: 2 });
        let slurm = env(&[
            ("SLURM_ARRAY_TASK_ID", "7"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "10"),
        ]);
        assert_eq!(
            Shard::resolve(None, None, slurm).unwrap(),
            Shard {
                index: 6,
                count: 10
            }
        );
        let pbs = env(&[("PBS_ARRAY_INDEX", "3")]);
        assert!(matches!(
            Shard::resolve(None, None, &pbs),
            Err(ShardError::MissingCount { .. })
        ));
        assert_eq!(
            Shard::resolve(None, Some(8), &pbs).unwrap(),
            Shard { index: 3, count: 8 }
        );
        let torque = env(&[("PBS_ARRAYID", "2"), (SHARDS_ENV, "3")]);
        assert_eq!(
            Shard::resolve(None, None, torque).unwrap(),
            Shard { index: 2, count: 3 }
        );
        let out = env(&[("PBS_ARRAYID", "3"), (SHARDS_ENV, "3")]);
        assert!(matches!(
            Shard::resolve(None, None, out),
            Err(ShardError::OutOfRange { .. })
        ));
    }
}
