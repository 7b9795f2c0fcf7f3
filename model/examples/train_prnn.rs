//! Trains a few pRNNs of chosen architectures on general mazes and prints their training
//! curve, final fitness and speed — the quickest way to profile Q-learning
//! (`cargo run --release --example train_prnn -p wiring-model -- 20000 full ff ff34`).
//!
//! Kernel: `PRNN_KERNEL=reference|population` (default population).
//!
//! Usage: `train_prnn [episodes] [cue_sparsity=P] [wall_sparsity=P] [architecture …]`
//! (architectures as names, indices or flag strings).

use std::time::Instant;

use wiring_kernels::prnn::PrnnVariant;
use wiring_model::prnn::{
    evaluate_population, train_population, Architecture, EvaluationRecipe, PrnnPlan, QRecipe,
};
use wiring_model::sernn::NetworkSeeds;
use wiring_tasks::maze::MazeConfig;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let episodes: usize = match args.get(1) {
        Some(e) => e.parse().map_err(|e| format!("episodes: {e}"))?,
        None => 20_000,
    };
    let mut task = MazeConfig::default();
    let mut names: Vec<&str> = Vec::new();
    for arg in args.iter().skip(2) {
        match arg.split_once('=') {
            Some(("cue_sparsity", p)) => task.cue_sparsity = p.parse()?,
            Some(("wall_sparsity", p)) => task.wall_sparsity = p.parse()?,
            Some((key, _)) => return Err(format!("unknown option {key:?}").into()),
            None => names.push(arg),
        }
    }
    if names.is_empty() {
        names = vec!["full", "ff"];
    }
    let variant = match std::env::var("PRNN_KERNEL").as_deref() {
        Ok("reference") => PrnnVariant::Reference,
        _ => PrnnVariant::Population,
    };
    let recipe = QRecipe::with_episodes(episodes);
    let eval = EvaluationRecipe::default();
    let plans: Vec<PrnnPlan> = names
        .iter()
        .enumerate()
        .map(|(id, name)| {
            Ok(PrnnPlan {
                architecture: name.parse::<Architecture>()?,
                seeds: NetworkSeeds {
                    study_seed: 1,
                    network_id: id as u64,
                },
            })
        })
        .collect::<Result<_, Box<dyn std::error::Error>>>()?;
    // One population of all networks (same hidden size), or each network alone.
    let groups: Vec<Vec<PrnnPlan>> = if std::env::var("PRNN_TOGETHER").is_ok() {
        vec![plans]
    } else {
        plans.iter().map(|p| vec![*p]).collect()
    };
    for group in groups {
        let t0 = Instant::now();
        let trained = train_population(&recipe, &task, variant, &group, &mut |_| {})?;
        let train_s = t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        let nets: Vec<_> = trained.iter().map(|t| &t.trained).collect();
        let evals = evaluate_population(&recipe, &eval, &task, variant, &group, &nets)?;
        let eval_s = t1.elapsed().as_secs_f64();
        let steps: u64 = trained.iter().map(|t| t.train_steps).sum();
        println!(
            "{} network(s), {variant}: train {train_s:.2} s ({:.0} network-episodes/s, {:.2} M network-steps/s), eval {eval_s:.2} s",
            group.len(),
            (episodes * group.len()) as f64 / train_s,
            steps as f64 / train_s / 1e6,
        );
        for (net, (e, _)) in trained.iter().zip(&evals) {
            let curve: Vec<String> = net
                .curve
                .iter()
                .step_by(10)
                .map(|f| format!("{f:.2}"))
                .collect();
            println!(
                "{:>8}: curve [{}]; fitness {:.3}, robustness {:.3}, sensitivity {:.3}, memory {:.3}, goal rate {:.2}",
                net.plan.architecture.name(),
                curve.join(" "),
                e.fitness,
                e.robustness,
                e.sensitivity,
                e.memory,
                e.goal_rate
            );
        }
    }
    Ok(())
}
