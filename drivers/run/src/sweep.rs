//! A swept parameter: an explicit list of values or an evenly spaced range.
//!
//! In TOML either `gamma = [0.01, 0.1]` or `gamma = { start = 0.001, stop = 0.3, count = 1001 }`
//! (NumPy's `linspace`: both ends included, `x_k = start + k (stop − start) / (count − 1)`,
//! the last value set to `stop` exactly).

use std::fmt;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Values of one swept parameter, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum Sweep {
    /// These values, in this order.
    List(Vec<f64>),
    /// `count` evenly spaced values from `start` to `stop`, both included.
    Linspace { start: f64, stop: f64, count: usize },
}

impl Sweep {
    /// The values, in order.
    pub fn values(&self) -> Vec<f64> {
        match *self {
            Sweep::List(ref v) => v.clone(),
            Sweep::Linspace { start, stop, count } => linspace(start, stop, count),
        }
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Sweep::List(v) => v.len(),
            Sweep::Linspace { count, .. } => *count,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// NumPy's `linspace(start, stop, count)`: `start + k · step`, the last value exactly `stop`.
pub fn linspace(start: f64, stop: f64, count: usize) -> Vec<f64> {
    match count {
        0 => Vec::new(),
        1 => vec![start],
        _ => {
            let step = (stop - start) / (count - 1) as f64;
            let mut v: Vec<f64> = (0..count).map(|k| start + k as f64 * step).collect();
            v[count - 1] = stop;
            v
        }
    }
}

impl Serialize for Sweep {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Sweep::List(v) => v.serialize(s),
            Sweep::Linspace { start, stop, count } => {
                let mut m = s.serialize_map(Some(3))?;
                m.serialize_entry("start", start)?;
                m.serialize_entry("stop", stop)?;
                m.serialize_entry("count", count)?;
                m.end()
            }
        }
    }
}

struct SweepVisitor;

const EXPECTED: &str = "a list of numbers or a table { start, stop, count }";

impl<'de> Visitor<'de> for SweepVisitor {
    type Value = Sweep;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(EXPECTED)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Sweep, A::Error> {
        let mut v = Vec::new();
        while let Some(x) = seq.next_element::<f64>()? {
            v.push(x);
        }
        Ok(Sweep::List(v))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Sweep, A::Error> {
        let (mut start, mut stop, mut count) = (None, None, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "start" => start = Some(map.next_value::<f64>()?),
                "stop" => stop = Some(map.next_value::<f64>()?),
                "count" => count = Some(map.next_value::<usize>()?),
                other => return Err(de::Error::unknown_field(other, &["start", "stop", "count"])),
            }
        }
        let start = start.ok_or_else(|| de::Error::missing_field("start"))?;
        let stop = stop.ok_or_else(|| de::Error::missing_field("stop"))?;
        let count = count.ok_or_else(|| de::Error::missing_field("count"))?;
        Ok(Sweep::Linspace { start, stop, count })
    }
}

impl<'de> Deserialize<'de> for Sweep {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Sweep, D::Error> {
        d.deserialize_any(SweepVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linspace_matches_numpy_at_the_ends_and_spacing() {
        let v = linspace(0.001, 0.3, 1001);
        assert_eq!(v.len(), 1001);
        assert_eq!(v[0], 0.001);
        assert_eq!(v[1000], 0.3);
        assert!((v[500] - 0.1505).abs() < 1e-15);
        assert_eq!(linspace(2.0, 3.0, 1), vec![2.0]);
        assert!(linspace(2.0, 3.0, 0).is_empty());
    }

    #[derive(Deserialize, Serialize)]
    struct T {
        g: Sweep,
    }

    #[test]
    fn parses_both_forms_and_round_trips() {
        let t: T = toml::from_str("g = [0, 0.5]").unwrap();
        assert_eq!(t.g, Sweep::List(vec![0.0, 0.5]));
        let t: T = toml::from_str("g = { start = 0.1, stop = 0.2, count = 3 }").unwrap();
        assert_eq!(
            t.g,
            Sweep::Linspace {
                start: 0.1,
                stop: 0.2,
                count: 3
            }
        );
        let back: T = toml::from_str(&toml::to_string(&t).unwrap()).unwrap();
        assert_eq!(back.g, t.g);
        assert!(toml::from_str::<T>("g = { start = 0.1, stop = 0.2, cont = 3 }").is_err());
        assert!(toml::from_str::<T>("g = \"x\"").is_err());
    }
}
