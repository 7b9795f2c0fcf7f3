//! Typed wrappers of `kernels/cuda/regulariser.cu`, batched over `networks` recurrent matrices
//! of `n × n` lying one after another. `gamma` holds one strength per network; `k`, when
//! given, the shared (powered) distance matrix. Penalty sums come back as per-row `double`s in
//! an `f32` buffer of `2 · networks · n` slots ([`crate::device::sum_f64_partials`] adds them).

use crate::device::{check_extent, kernel_int, kernel_long, launch, Arg, Device, View};
use crate::KernelError;

/// Shapes of one call: `networks` matrices of `n × n`.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    pub networks: usize,
    pub n: usize,
}

impl Shape {
    fn mats(&self) -> usize {
        self.networks * self.n * self.n
    }
    fn rows(&self) -> usize {
        self.networks * self.n
    }
}

fn partial(op: &'static str, p: View<f32>, s: Shape) -> Result<Arg, KernelError> {
    check_extent(op, "partial", p, 2 * s.rows())?;
    if p.offset & 1 == 1 {
        return Err(KernelError::Dimension {
            op,
            what: "the partial sums must start at an even offset (8-byte aligned)".into(),
        });
    }
    Ok(Arg::F64Ptr(p.buf, p.offset))
}

/// L1 (`k = None`) or spatial: per-row `Σ_j |w_ij| k_ij` into `partial`, and
/// `grad_ij += γ k_ij sign(w_ij)` when `grad` is given.
pub fn l1_spatial<D: Device + ?Sized>(
    dev: &mut D,
    s: Shape,
    w: View<f32>,
    grad: Option<View<f32>>,
    k: Option<View<f32>>,
    gamma: View<f32>,
    partial_sums: View<f32>,
) -> Result<(), KernelError> {
    const OP: &str = "penalty::cuda::l1_spatial";
    check_extent(OP, "w", w, s.mats())?;
    if let Some(g) = grad {
        check_extent(OP, "grad", g, s.mats())?;
    }
    if let Some(k) = k {
        check_extent(OP, "k", k, s.n * s.n)?;
    }
    check_extent(OP, "gamma", gamma, s.networks)?;
    let args = [
        w.into(),
        grad.into(),
        k.into(),
        gamma.into(),
        partial(OP, partial_sums, s)?,
        kernel_int(OP, s.n)?,
        kernel_long(s.rows()),
    ];
    launch(dev, "regulariser", "reg_l1_spatial", s.rows(), &args)
}

/// Communicability, step 1: `m = |w|`, `r_i = (Σ_j m_ij)^{-1/2}` (0 for an empty row).
pub fn comm_strength<D: Device + ?Sized>(
    dev: &mut D,
    s: Shape,
    w: View<f32>,
    m: View<f32>,
    r: View<f32>,
) -> Result<(), KernelError> {
    const OP: &str = "penalty::cuda::comm_strength";
    check_extent(OP, "w", w, s.mats())?;
    check_extent(OP, "m", m, s.mats())?;
    check_extent(OP, "r", r, s.rows())?;
    let args = [
        w.into(),
        m.into(),
        r.into(),
        kernel_int(OP, s.n)?,
        kernel_long(s.rows()),
    ];
    launch(dev, "regulariser", "reg_comm_strength", s.rows(), &args)
}

/// Step 2: `a_ij = r_i m_ij r_j`.
pub fn comm_normalise<D: Device + ?Sized>(
    dev: &mut D,
    s: Shape,
    a: View<f32>,
    m: View<f32>,
    r: View<f32>,
) -> Result<(), KernelError> {
    const OP: &str = "penalty::cuda::comm_normalise";
    check_extent(OP, "a", a, s.mats())?;
    check_extent(OP, "m", m, s.mats())?;
    check_extent(OP, "r", r, s.rows())?;
    let args = [
        a.into(),
        m.into(),
        r.into(),
        kernel_int(OP, s.n)?,
        kernel_long(s.mats()),
    ];
    launch(dev, "regulariser", "reg_comm_normalise", s.mats(), &args)
}

/// The communicability options of one population.
#[derive(Clone, Copy, Debug)]
pub struct CommOptions {
    /// The power `p` of `Cᵖ`.
    pub power: f32,
    /// Treat C as a constant in the gradient (`ge` is then all zeros).
    pub constant: bool,
}

/// Step 3, after `c = expm(a)`: per-row `Σ_j m_ij Cᵖ_ij k_ij` into `partial`;
/// `cpk = Cᵖ ∘ k` (diagonal 0; may be the same buffer as `c`); `ge = G_E` when given.
#[allow(clippy::too_many_arguments)]
pub fn comm_terms<D: Device + ?Sized>(
    dev: &mut D,
    s: Shape,
    opts: CommOptions,
    cpk: View<f32>,
    c: View<f32>,
    m: View<f32>,
    k: Option<View<f32>>,
    gamma: View<f32>,
    ge: Option<View<f32>>,
    partial_sums: View<f32>,
) -> Result<(), KernelError> {
    const OP: &str = "penalty::cuda::comm_terms";
    for (name, v) in [("cpk", cpk), ("c", c), ("m", m)] {
        check_extent(OP, name, v, s.mats())?;
    }
    if let Some(k) = k {
        check_extent(OP, "k", k, s.n * s.n)?;
    }
    if let Some(ge) = ge {
        check_extent(OP, "ge", ge, s.mats())?;
    }
    check_extent(OP, "gamma", gamma, s.networks)?;
    let args = [
        cpk.into(),
        c.into(),
        m.into(),
        k.into(),
        gamma.into(),
        ge.into(),
        partial(OP, partial_sums, s)?,
        kernel_int(OP, s.n)?,
        Arg::Float(opts.power),
        Arg::Int(i32::from(opts.power == 1.0)),
        Arg::Int(i32::from(opts.constant)),
        kernel_long(s.rows()),
    ];
    launch(dev, "regulariser", "reg_comm_terms", s.rows(), &args)
}

/// Step 4, after `ga = G_A`: `dr_i = Σ_j ga_ij m_ij r_j + Σ_k ga_ki m_ki r_k`.
pub fn comm_dr<D: Device + ?Sized>(
    dev: &mut D,
    s: Shape,
    ga: View<f32>,
    m: View<f32>,
    r: View<f32>,
    dr: View<f32>,
) -> Result<(), KernelError> {
    const OP: &str = "penalty::cuda::comm_dr";
    check_extent(OP, "ga", ga, s.mats())?;
    check_extent(OP, "m", m, s.mats())?;
    check_extent(OP, "r", r, s.rows())?;
    check_extent(OP, "dr", dr, s.rows())?;
    let args = [
        ga.into(),
        m.into(),
        r.into(),
        dr.into(),
        kernel_int(OP, s.n)?,
        kernel_long(s.rows()),
    ];
    launch(dev, "regulariser", "reg_comm_dr", s.rows(), &args)
}

/// Step 5: `grad_ij ±= γ cpk_ij + ga_ij r_i r_j − ½ r_i³ dr_i` by the sign of `w_ij` (the last
/// two terms only when `ga_r_dr` = `(ga, r, dr)` is given).
#[allow(clippy::too_many_arguments)]
pub fn comm_gradient<D: Device + ?Sized>(
    dev: &mut D,
    s: Shape,
    w: View<f32>,
    grad: View<f32>,
    cpk: View<f32>,
    ga_r_dr: Option<(View<f32>, View<f32>, View<f32>)>,
    gamma: View<f32>,
) -> Result<(), KernelError> {
    const OP: &str = "penalty::cuda::comm_gradient";
    for (name, v) in [("w", w), ("grad", grad), ("cpk", cpk)] {
        check_extent(OP, name, v, s.mats())?;
    }
    check_extent(OP, "gamma", gamma, s.networks)?;
    let (ga, r, dr) = match ga_r_dr {
        Some((ga, r, dr)) => {
            check_extent(OP, "ga", ga, s.mats())?;
            check_extent(OP, "r", r, s.rows())?;
            check_extent(OP, "dr", dr, s.rows())?;
            (ga.into(), r.into(), dr.into())
        }
        None => (Arg::Null, Arg::Null, Arg::Null),
    };
    let args = [
        w.into(),
        grad.into(),
        cpk.into(),
        ga,
        r,
        dr,
        gamma.into(),
        kernel_int(OP, s.n)?,
        kernel_long(s.mats()),
    ];
    launch(dev, "regulariser", "reg_comm_gradient", s.mats(), &args)
}
