//! The facts of a report's header that every study shares: which build and machines ran the
//! study's sessions, how much they trained and how fast.

use wiring_run::manifest::Session;

/// `build` (the last session's), `machines` (each distinct one), `sessions` (networks trained,
/// summed wall time, networks/s and, when `flops`, GFLOP and GFLOP/s) and `ran` (first start
/// to last finish), as header facts; none for no session.
pub fn session_facts(sessions: &[Session], flops: bool) -> Vec<(String, String)> {
    let mut f = Vec::new();
    if let Some(last) = sessions.last() {
        f.push((
            "build".into(),
            format!(
                "wiring {} (commit {}), {}, profile {}",
                last.build.version, last.build.git_commit, last.build.rustc, last.build.profile
            ),
        ));
    }
    let mut machines: Vec<String> = sessions
        .iter()
        .map(|s| {
            format!(
                "{} — {} ({} cores, {})",
                s.machine.hostname,
                s.machine.cpu_model,
                s.machine.cores,
                s.machine.compiled_features.join("+")
            )
        })
        .collect();
    machines.sort();
    machines.dedup();
    if !machines.is_empty() {
        f.push(("machines".into(), machines.join("; ")));
    }
    if sessions.is_empty() {
        return f;
    }
    let trained: usize = sessions.iter().map(|s| s.networks.trained).sum();
    let wall: f64 = sessions.iter().filter_map(|s| s.wall_seconds).sum();
    let per_second = |x: f64| if wall > 0.0 { x / wall } else { 0.0 };
    let mut line = format!(
        "{} session(s) trained {trained} networks in {wall:.1} s of wall time (summed over sessions): {:.2} networks/s",
        sessions.len(),
        per_second(trained as f64),
    );
    if flops {
        let gflop: f64 = sessions.iter().map(|s| s.total_gflop).sum();
        line += &format!(", {gflop:.1} GFLOP at {:.2} GFLOP/s", per_second(gflop));
    }
    f.push(("sessions".into(), line));
    let first = sessions
        .iter()
        .map(|s| s.started.as_str())
        .min()
        .unwrap_or("");
    let last = sessions
        .iter()
        .filter_map(|s| s.finished.as_deref())
        .max()
        .unwrap_or("(unfinished)");
    f.push(("ran".into(), format!("{first} to {last}")));
    f
}
