//! The one error type of the crate.

use thiserror::Error;

/// What is wrong with the input of a measure. Every variant names the operation (`op`) and the
/// offending argument, so a message reads on its own.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum MetricsError {
    /// A dense matrix whose length is not `n * n`.
    #[error("{op}: `{what}` has length {len}, but n = {n} needs n × n = {expected}")]
    NotSquare {
        op: &'static str,
        what: &'static str,
        n: usize,
        len: usize,
        expected: usize,
    },
    /// Two inputs that must have the same length do not.
    #[error("{op}: `{what}` has length {len}, expected {expected}")]
    LengthMismatch {
        op: &'static str,
        what: &'static str,
        len: usize,
        expected: usize,
    },
    /// An input with no elements where at least one (or `min`) is needed.
    #[error("{op}: `{what}` has {len} elements, at least {min} needed")]
    Empty {
        op: &'static str,
        what: &'static str,
        len: usize,
        min: usize,
    },
    /// A NaN or infinite entry.
    #[error("{op}: `{what}`[{index}] = {value} is not finite")]
    NonFinite {
        op: &'static str,
        what: &'static str,
        index: usize,
        value: f64,
    },
    /// A negative entry where weights must be non-negative.
    #[error("{op}: `{what}`[{index}] = {value} is negative; weights must be ≥ 0")]
    Negative {
        op: &'static str,
        what: &'static str,
        index: usize,
        value: f64,
    },
    /// A parameter outside its allowed range.
    #[error("{op}: `{name}` = {value} is outside {expected}")]
    OutOfRange {
        op: &'static str,
        name: &'static str,
        value: f64,
        expected: &'static str,
    },
    /// An iterative method that stopped without converging.
    #[error("{op}: did not converge after {iterations} iterations")]
    NoConvergence { op: &'static str, iterations: usize },
    /// A library this crate calls refused its (already checked) input.
    #[error("{op}: {message}")]
    Backend { op: &'static str, message: String },
}

/// Checks that `m` is `n × n` and finite.
pub(crate) fn check_square(
    op: &'static str,
    what: &'static str,
    m: &[f64],
    n: usize,
) -> Result<(), MetricsError> {
    let expected = n.saturating_mul(n);
    if m.len() != expected {
        return Err(MetricsError::NotSquare {
            op,
            what,
            n,
            len: m.len(),
            expected,
        });
    }
    check_finite(op, what, m)
}

/// Checks that every entry of `v` is finite.
pub(crate) fn check_finite(
    op: &'static str,
    what: &'static str,
    v: &[f64],
) -> Result<(), MetricsError> {
    match v.iter().position(|x| !x.is_finite()) {
        None => Ok(()),
        Some(index) => Err(MetricsError::NonFinite {
            op,
            what,
            index,
            value: v[index],
        }),
    }
}

/// Checks that every entry of `v` is ≥ 0 (call after [`check_finite`]).
pub(crate) fn check_non_negative(
    op: &'static str,
    what: &'static str,
    v: &[f64],
) -> Result<(), MetricsError> {
    match v.iter().position(|&x| x < 0.0) {
        None => Ok(()),
        Some(index) => Err(MetricsError::Negative {
            op,
            what,
            index,
            value: v[index],
        }),
    }
}
