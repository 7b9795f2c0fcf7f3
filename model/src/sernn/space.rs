//! Where the recurrent units sit, and the distances between them.
//!
//! By default the 100 units sit on an even 5×5×4 grid, unit k at
//! `(k / 20, (k / 4) mod 5, k mod 4)`; a study may bring its own coordinates. The distance
//! matrix is `D_ij = ‖p_i − p_j‖₂^power` (power 1 by default), with `D_ii = 0`.

use serde::{Deserialize, Serialize};

use crate::ModelError;

/// The positions of the recurrent units in 3-D space.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Space {
    coordinates: Vec<[f64; 3]>,
}

impl Default for Space {
    fn default() -> Self {
        Self::grid([5, 5, 4])
    }
}

impl Space {
    /// An even `a × b × c` grid: unit k at `(k / (b c), (k / c) mod b, k mod c)`.
    pub fn grid([a, b, c]: [usize; 3]) -> Self {
        let coordinates = (0..a * b * c)
            .map(|k| [(k / (b * c)) as f64, ((k / c) % b) as f64, (k % c) as f64])
            .collect();
        Self { coordinates }
    }

    /// Units at the given points; every coordinate must be finite.
    pub fn from_coordinates(coordinates: Vec<[f64; 3]>) -> Result<Self, ModelError> {
        if coordinates.is_empty() {
            return Err(ModelError::InvalidField {
                field: "space.coordinates",
                expected: "at least one point",
                got: "none".into(),
            });
        }
        if let Some((k, p)) = coordinates
            .iter()
            .enumerate()
            .find(|(_, p)| p.iter().any(|x| !x.is_finite()))
        {
            return Err(ModelError::InvalidField {
                field: "space.coordinates",
                expected: "finite numbers",
                got: format!("point {k} = {p:?}"),
            });
        }
        Ok(Self { coordinates })
    }

    /// Number of units.
    pub fn len(&self) -> usize {
        self.coordinates.len()
    }

    pub fn is_empty(&self) -> bool {
        self.coordinates.is_empty()
    }

    pub fn coordinates(&self) -> &[[f64; 3]] {
        &self.coordinates
    }

    /// Row-major `n × n` matrix of `‖p_i − p_j‖₂^power`.
    pub fn distance(&self, power: f64) -> Vec<f64> {
        let n = self.len();
        let mut d = vec![0.0; n * n];
        for (i, p) in self.coordinates.iter().enumerate() {
            for (j, q) in self.coordinates.iter().enumerate() {
                if i != j {
                    let r = ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) + (p[2] - q[2]).powi(2))
                        .sqrt();
                    d[i * n + j] = if power == 1.0 { r } else { r.powf(power) };
                }
            }
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_grid_matches_the_spec_formula() {
        let s = Space::default();
        assert_eq!(s.len(), 100);
        for k in 0..100 {
            assert_eq!(
                s.coordinates()[k],
                [(k / 20) as f64, ((k / 4) % 5) as f64, (k % 4) as f64]
            );
        }
        let d = s.distance(1.0);
        // Unit 0 at (0,0,0), unit 99 at (4,4,3): sqrt(16+16+9) = sqrt(41).
        assert!((d[99] - 41f64.sqrt()).abs() < 1e-12);
        assert_eq!(d[0], 0.0);
        assert_eq!(d[99 * 100], d[99]);
        let d2 = s.distance(2.0);
        assert!((d2[99] - 41.0).abs() < 1e-9);
    }

    #[test]
    fn coordinates_must_be_finite() {
        assert!(Space::from_coordinates(vec![[0.0, f64::NAN, 0.0]]).is_err());
        assert!(Space::from_coordinates(vec![]).is_err());
    }
}
