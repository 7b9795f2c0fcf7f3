//! The four regularisers of the seRNN study, acting on `W_rec` only, with exact gradients.
//!
//! With `M = |W|`, `D` the (powered) distance matrix and γ the strength:
//!
//! | kind | penalty |
//! |---|---|
//! | `l1` | `γ Σ M` |
//! | `spatial` | `γ Σ M ∘ D` |
//! | `communicability` | `γ Σ M ∘ Cᵖ` |
//! | `se` | `γ Σ M ∘ Cᵖ ∘ D` |
//!
//! where `C = expm(S^{-1/2} M S^{-1/2})` with its diagonal set to 0, `S = diag(s)`,
//! `s_i = Σ_j M_ij` (row sums), and `p` the communicability power (default 1).
//!
//! ## Gradient
//! Write the communicability penalties as `P = γ Σ M ∘ Cᵖ ∘ K` (`K = D` or all ones), `r_i =
//! s_i^{-1/2}`, `A = diag(r) M diag(r)`, `E = expm(A)`:
//!
//! ```text
//! ∂P/∂M  (direct)      = γ Cᵖ ∘ K
//! G_E  = ∂P/∂E         = γ M ∘ K ∘ p Cᵖ⁻¹   off the diagonal, 0 on it
//! G_A  = ∂P/∂A         = L_exp(Aᵀ, G_E)     (the adjoint of the matrix exponential)
//! ∂P/∂M_ij (via A)     = G_A_ij r_i r_j
//! ∂P/∂r_i              = Σ_j G_A_ij M_ij r_j + Σ_k G_A_ki r_k M_ki
//! ∂P/∂M_ij (via s_i)   = ∂P/∂r_i · (−½ r_i³)
//! ∂P/∂W                = ∂P/∂M ∘ sign(W)     (sub-gradient 0 at w = 0)
//! ```
//!
//! Our definitions where the reference would produce inf/NaN: a unit whose row of `M` sums to
//! 0 gets `r_i = 0` (and no gradient through `s_i`), so a fully pruned unit never poisons `C`;
//! where `C_ij = 0` and `p < 1` the derivative through `Cᵖ` is taken as 0. With
//! `constant_communicability` the gradient keeps only the direct term, treating `C` as a
//! constant per step (as the authors' spiking follow-up does).

use serde::{Deserialize, Serialize};
use wiring_kernels::expm::{self, ExpmWorkspace};
use wiring_kernels::{Par, Real};

use crate::ModelError;

/// Which penalty acts on `W_rec`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegulariserKind {
    /// `γ Σ |W|`.
    L1,
    /// `γ Σ |W| ∘ D` (distance only).
    Spatial,
    /// `γ Σ |W| ∘ C` (communicability only, supplementary control).
    Communicability,
    /// `γ Σ |W| ∘ C ∘ D`: the spatially embedded RNN.
    Se,
}

impl RegulariserKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::L1 => "l1",
            Self::Spatial => "spatial",
            Self::Communicability => "communicability",
            Self::Se => "se",
        }
    }

    fn uses_distance(self) -> bool {
        matches!(self, Self::Spatial | Self::Se)
    }

    fn uses_communicability(self) -> bool {
        matches!(self, Self::Communicability | Self::Se)
    }
}

/// One regulariser: its kind, strength and options.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegulariserSpec {
    pub kind: RegulariserKind,
    /// Strength γ ≥ 0.
    pub gamma: f64,
    /// Distances enter as `D^distance_power` (default 1).
    #[serde(default = "one")]
    pub distance_power: f64,
    /// Communicability enters as `C^communicability_power`, element-wise (default 1).
    #[serde(default = "one")]
    pub communicability_power: f64,
    /// Treat C as a constant in the gradient (no derivative through the matrix exponential).
    #[serde(default)]
    pub constant_communicability: bool,
}

fn one() -> f64 {
    1.0
}

impl RegulariserSpec {
    /// The seRNN regulariser at strength γ with the paper's options.
    pub fn se(gamma: f64) -> Self {
        Self {
            kind: RegulariserKind::Se,
            gamma,
            distance_power: 1.0,
            communicability_power: 1.0,
            constant_communicability: false,
        }
    }

    /// The L1 regulariser at strength γ.
    pub fn l1(gamma: f64) -> Self {
        Self {
            kind: RegulariserKind::L1,
            ..Self::se(gamma)
        }
    }

    /// Checks every field, naming the first impossible one.
    pub fn validate(&self) -> Result<(), ModelError> {
        let bad = |field, expected, got: f64| {
            Err(ModelError::InvalidField {
                field,
                expected,
                got: got.to_string(),
            })
        };
        if !(self.gamma >= 0.0 && self.gamma.is_finite()) {
            return bad("gamma", "a finite number ≥ 0", self.gamma);
        }
        if !(self.distance_power > 0.0 && self.distance_power.is_finite()) {
            return bad("distance_power", "a finite number > 0", self.distance_power);
        }
        if !(self.communicability_power > 0.0 && self.communicability_power.is_finite()) {
            return bad(
                "communicability_power",
                "a finite number > 0",
                self.communicability_power,
            );
        }
        Ok(())
    }
}

/// A regulariser ready to run on `n × n` matrices in precision `T`, owning all its scratch.
pub struct Regulariser<T: Real> {
    spec: RegulariserSpec,
    n: usize,
    gamma: T,
    power: T,
    /// `D^distance_power`, or empty when the kind does not use distance.
    distance: Vec<T>,
    // Scratch for the communicability kinds (empty otherwise).
    abs_w: Vec<T>,
    r: Vec<T>,
    a: Vec<T>,
    c: Vec<T>,
    g: Vec<T>,
    ga: Vec<T>,
    dr: Vec<T>,
    expm: Option<ExpmWorkspace<T>>,
    last_flops: u64,
}

impl<T: Real> Regulariser<T> {
    /// `distance` is the plain Euclidean distance matrix (`n × n`, f64), powered here.
    pub fn new(spec: RegulariserSpec, distance: &[f64], n: usize) -> Result<Self, ModelError> {
        spec.validate()?;
        if distance.len() != n * n {
            return Err(ModelError::InvalidField {
                field: "space",
                expected: "one point per recurrent unit",
                got: format!(
                    "a distance matrix of {} entries for {n} units",
                    distance.len()
                ),
            });
        }
        let kind = spec.kind;
        let scratch = |on: bool, len: usize| if on { vec![T::ZERO; len] } else { Vec::new() };
        let comm = kind.uses_communicability();
        Ok(Self {
            spec,
            n,
            gamma: T::from_f64(spec.gamma),
            power: T::from_f64(spec.communicability_power),
            distance: if kind.uses_distance() {
                distance
                    .iter()
                    .map(|&d| {
                        T::from_f64(if spec.distance_power == 1.0 {
                            d
                        } else {
                            d.powf(spec.distance_power)
                        })
                    })
                    .collect()
            } else {
                Vec::new()
            },
            abs_w: scratch(comm, n * n),
            r: scratch(comm, n),
            a: scratch(comm, n * n),
            c: scratch(comm, n * n),
            g: scratch(comm, n * n),
            ga: scratch(comm, n * n),
            dr: scratch(comm, n),
            expm: comm.then(|| ExpmWorkspace::new(n)),
            last_flops: 0,
        })
    }

    pub fn spec(&self) -> &RegulariserSpec {
        &self.spec
    }

    /// The penalty `P(W)` alone.
    pub fn penalty(&mut self, w: &[T]) -> Result<f64, ModelError> {
        self.evaluate(w, None)
    }

    /// The penalty, with `∂P/∂W` added into `grad` (which already holds the task gradient).
    pub fn penalty_and_gradient(&mut self, w: &[T], grad: &mut [T]) -> Result<f64, ModelError> {
        self.evaluate(w, Some(grad))
    }

    /// Floating-point operations of the last `penalty`/`penalty_and_gradient` call: the matrix
    /// exponential and its adjoint as counted by the kernel (they depend on the Padé degree and
    /// squarings chosen for that `A`), plus a few flops per entry for the elementwise work.
    pub fn last_flops(&self) -> u64 {
        self.last_flops
    }

    fn evaluate(&mut self, w: &[T], grad: Option<&mut [T]>) -> Result<f64, ModelError> {
        let n = self.n;
        let entries = (n * n) as u64;
        self.last_flops = if grad.is_some() {
            4 * entries
        } else {
            2 * entries
        };
        wiring_kernels::check_len("regulariser", "w_rec", w, n * n)?;
        if let Some(g) = grad.as_deref() {
            wiring_kernels::check_len("regulariser", "grad_w_rec", g, n * n)?;
        }
        let gamma = self.gamma;
        let sign = |x: T| {
            if x > T::ZERO {
                T::ONE
            } else if x < T::ZERO {
                -T::ONE
            } else {
                T::ZERO
            }
        };
        match self.spec.kind {
            RegulariserKind::L1 => {
                let mut sum = 0.0f64;
                for &x in w {
                    sum += x.abs().to_f64();
                }
                if let Some(g) = grad {
                    for (gi, &x) in g.iter_mut().zip(w) {
                        *gi += gamma * sign(x);
                    }
                }
                Ok(self.spec.gamma * sum)
            }
            RegulariserKind::Spatial => {
                let mut sum = 0.0f64;
                for (&x, &d) in w.iter().zip(&self.distance) {
                    sum += (x.abs() * d).to_f64();
                }
                if let Some(g) = grad {
                    for ((gi, &x), &d) in g.iter_mut().zip(w).zip(&self.distance) {
                        *gi += gamma * d * sign(x);
                    }
                }
                Ok(self.spec.gamma * sum)
            }
            RegulariserKind::Communicability | RegulariserKind::Se => self.communicability(w, grad),
        }
    }

    fn communicability(&mut self, w: &[T], grad: Option<&mut [T]>) -> Result<f64, ModelError> {
        let n = self.n;
        let (gamma, p) = (self.gamma, self.power);
        let unit_power = self.spec.communicability_power == 1.0;
        let use_distance = self.spec.kind.uses_distance();
        for (m, &x) in self.abs_w.iter_mut().zip(w) {
            *m = x.abs();
        }
        // r_i = s_i^{-1/2}, 0 for an empty row (our definition).
        for i in 0..n {
            let s: T = self.abs_w[i * n..(i + 1) * n]
                .iter()
                .fold(T::ZERO, |acc, &m| acc + m);
            self.r[i] = if s > T::ZERO {
                T::ONE / s.sqrt()
            } else {
                T::ZERO
            };
        }
        for i in 0..n {
            for j in 0..n {
                self.a[i * n + j] = self.r[i] * self.abs_w[i * n + j] * self.r[j];
            }
        }
        let ws = self
            .expm
            .as_mut()
            .expect("communicability kinds own an expm workspace");
        expm::expm(&self.a, &mut self.c, ws, Par::Seq)?;
        let pade = ws.last_pade().expect("expm succeeded");
        self.last_flops += expm::expm_flops(n, pade) + 10 * (n * n) as u64;
        // C: diagonal zeroed, then raised to p. Penalty γ Σ M ∘ Cᵖ ∘ K.
        let mut sum = 0.0f64;
        for i in 0..n {
            for j in 0..n {
                let k = i * n + j;
                let cp = if i == j {
                    T::ZERO
                } else if unit_power {
                    self.c[k]
                } else {
                    self.c[k].max(T::ZERO).powf(p)
                };
                let kk = if use_distance {
                    self.distance[k]
                } else {
                    T::ONE
                };
                sum += (self.abs_w[k] * cp * kk).to_f64();
                // G_E = γ M ∘ K ∘ p C^{p−1} off the diagonal (uses the un-powered C).
                self.g[k] = if i == j || self.spec.constant_communicability {
                    T::ZERO
                } else if unit_power {
                    gamma * self.abs_w[k] * kk
                } else if self.c[k] > T::ZERO {
                    gamma * self.abs_w[k] * kk * p * cp / self.c[k]
                } else {
                    T::ZERO
                };
                // Keep Cᵖ∘K for the direct term.
                self.c[k] = cp * kk;
            }
        }
        let Some(grad) = grad else {
            return Ok(self.spec.gamma * sum);
        };
        // ∂P/∂M, accumulated in `ga` after the adjoint.
        if self.spec.constant_communicability {
            self.ga.fill(T::ZERO);
        } else {
            let ws = self
                .expm
                .as_mut()
                .expect("communicability kinds own an expm workspace");
            expm::expm_adjoint_last(&self.g, &mut self.ga, ws, Par::Seq)?;
            self.last_flops += expm::expm_adjoint_flops(n, pade) + 10 * (n * n) as u64;
            // ∂P/∂r_i = Σ_j G_A_ij M_ij r_j + Σ_k G_A_ki r_k M_ki
            self.dr.fill(T::ZERO);
            for i in 0..n {
                let mut row = T::ZERO;
                for j in 0..n {
                    let t = self.ga[i * n + j] * self.abs_w[i * n + j];
                    row += t * self.r[j];
                    self.dr[j] += t * self.r[i];
                }
                self.dr[i] += row;
            }
            // ∂P/∂M_ij via A and via s_i.
            let half = T::from_f64(0.5);
            for i in 0..n {
                let ri = self.r[i];
                let via_s = -half * ri * ri * ri * self.dr[i];
                for j in 0..n {
                    let k = i * n + j;
                    self.ga[k] = self.ga[k] * ri * self.r[j] + via_s;
                }
            }
        }
        for k in 0..n * n {
            let x = w[k];
            let dm = gamma * self.c[k] + self.ga[k];
            if x > T::ZERO {
                grad[k] += dm;
            } else if x < T::ZERO {
                grad[k] -= dm;
            }
        }
        Ok(self.spec.gamma * sum)
    }
}
