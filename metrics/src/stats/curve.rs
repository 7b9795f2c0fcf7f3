//! Summaries of a training curve (test fitness at evenly spaced points of training).

/// Learning speed of `curve` at `threshold` (spec `prnn.md`, "Study-level analysis"): with
/// `k` the first point where the curve reaches `threshold` (`≥`), `len − k` — the number of
/// points from there to the end — provided the curve reaches it at least twice; 0 when it
/// reaches it fewer than twice or `threshold` is NaN. NaN points never reach it.
pub fn learning_speed(curve: &[f64], threshold: f64) -> f64 {
    if threshold.is_nan() {
        return 0.0;
    }
    let mut reached = curve
        .iter()
        .enumerate()
        .filter(|(_, &f)| f >= threshold)
        .map(|(k, _)| k);
    match (reached.next(), reached.next()) {
        (Some(first), Some(_)) => (curve.len() - first) as f64,
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learning_speed_counts_points_from_the_first_reach() {
        let curve = [0.1, 0.5, 0.9, 0.4, 0.95];
        assert_eq!(learning_speed(&curve, 0.9), 3.0);
        // Reached once only.
        assert_eq!(learning_speed(&[0.1, 0.95, 0.2], 0.9), 0.0);
        assert_eq!(learning_speed(&curve, f64::NAN), 0.0);
        assert_eq!(learning_speed(&[f64::NAN, 1.0, 1.0], 0.9), 2.0);
    }
}
