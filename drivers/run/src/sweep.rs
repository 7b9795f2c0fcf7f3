//! A swept parameter: an explicit list of values, or an evenly or geometrically spaced range.
//!
//! In TOML one of
//! - `gamma = [0.01, 0.1]`;
//! - `gamma = { start = 0.001, stop = 0.3, count = 1001 }` (NumPy's `linspace`: both ends
//!   included, `x_k = start + k (stop − start) / (count − 1)`, the last value set to `stop`
//!   exactly);
//! - `gamma = { start = 1e-4, stop = 1.0, count = 25, spacing = "geometric" }` (NumPy's
//!   `geomspace`: `x_k = start · (stop / start)^(k / (count − 1))`, both ends exact; start and
//!   stop > 0) — the natural spacing for a regularisation strength swept over decades.

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
    /// `count` geometrically spaced values from `start` to `stop` (both > 0), both included.
    Geomspace { start: f64, stop: f64, count: usize },
}

impl Sweep {
    /// The values, in order.
    pub fn values(&self) -> Vec<f64> {
        match *self {
            Sweep::List(ref v) => v.clone(),
            Sweep::Linspace { start, stop, count } => linspace(start, stop, count),
            Sweep::Geomspace { start, stop, count } => geomspace(start, stop, count),
        }
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Sweep::List(v) => v.len(),
            Sweep::Linspace { count, .. } | Sweep::Geomspace { count, .. } => *count,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// NumPy's `geomspace(start, stop, count)` for `start, stop > 0`: `start · (stop / start)^(k /
/// (count − 1))`, the first and last values exactly `start` and `stop`.
pub fn geomspace(start: f64, stop: f64, count: usize) -> Vec<f64> {
    let ratio = (stop / start).ln();
    let mut v: Vec<f64> = (0..count)
        .map(|k| start * (ratio * k as f64 / (count.max(2) - 1) as f64).exp())
        .collect();
    if let Some(first) = v.first_mut() {
        *first = start;
    }
    if count > 1 {
        v[count - 1] = stop;
    }
    v
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
            Sweep::Geomspace { start, stop, count } => {
                let mut m = s.serialize_map(Some(4))?;
                m.serialize_entry("start", start)?;
                m.serialize_entry("stop", stop)?;
                m.serialize_entry("count", count)?;
                m.serialize_entry("spacing", "geometric")?;
                m.end()
            }
        }
    }
}

struct SweepVisitor;

const EXPECTED: &str =
    "a list of numbers or a table { start, stop, count } (with spacing = \"linear\" or \"geometric\")";
const FIELDS: [&str; 4] = ["start", "stop", "count", "spacing"];

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
        let (mut start, mut stop, mut count, mut spacing) = (None, None, None, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "start" => start = Some(map.next_value::<f64>()?),
                "stop" => stop = Some(map.next_value::<f64>()?),
                "count" => count = Some(map.next_value::<usize>()?),
                "spacing" => spacing = Some(map.next_value::<String>()?),
                other => return Err(de::Error::unknown_field(other, &FIELDS)),
            }
        }
        let start = start.ok_or_else(|| de::Error::missing_field("start"))?;
        let stop = stop.ok_or_else(|| de::Error::missing_field("stop"))?;
        let count = count.ok_or_else(|| de::Error::missing_field("count"))?;
        match spacing.as_deref() {
            None | Some("linear") => Ok(Sweep::Linspace { start, stop, count }),
            Some("geometric") if start > 0.0 && stop > 0.0 && start.is_finite() && stop.is_finite() => {
                Ok(Sweep::Geomspace { start, stop, count })
            }
            Some("geometric") => Err(de::Error::custom(format!(
                "spacing = \"geometric\" needs finite start and stop > 0, got start = {start}, stop = {stop}"
            ))),
            Some(other) => Err(de::Error::custom(format!(
                "spacing = \"{other}\": expected \"linear\" or \"geometric\""
            ))),
        }
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

    #[test]
    fn geometric_spacing_matches_numpy_geomspace_and_round_trips() {
        let t: T =
            toml::from_str("g = { start = 1e-4, stop = 1.0, count = 5, spacing = \"geometric\" }")
                .unwrap();
        // numpy.geomspace(1e-4, 1, 5) = [1e-4, 1e-3, 1e-2, 1e-1, 1].
        let v = t.g.values();
        assert_eq!((v[0], v[4]), (1e-4, 1.0));
        for (k, x) in v.iter().enumerate() {
            let want = 10f64.powi(k as i32 - 4);
            assert!(
                (x - want).abs() <= 4.0 * f64::EPSILON * want,
                "{k}: {x} vs {want}"
            );
        }
        let text = toml::to_string(&t).unwrap();
        assert!(text.contains("spacing = \"geometric\""), "{text}");
        assert_eq!(toml::from_str::<T>(&text).unwrap().g, t.g);
        // Linear is the default and is not written, so existing configs keep their hash.
        let lin: T =
            toml::from_str("g = { start = 0.1, stop = 0.2, count = 3, spacing = \"linear\" }")
                .unwrap();
        assert!(!toml::to_string(&lin).unwrap().contains("spacing"));
        for bad in [
            "g = { start = 0.0, stop = 1.0, count = 3, spacing = \"geometric\" }",
            "g = { start = 0.1, stop = 1.0, count = 3, spacing = \"log\" }",
        ] {
            assert!(toml::from_str::<T>(bad).is_err(), "{bad}");
        }
        assert_eq!(geomspace(0.5, 2.0, 1), vec![0.5]);
        assert!(geomspace(0.5, 2.0, 0).is_empty());
    }
}
