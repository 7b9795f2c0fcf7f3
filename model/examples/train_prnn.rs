//! Trains a few pRNNs of chosen architectures on general mazes and prints their training
//! curve, final fitness and speed — the quickest way to profile Q-learning
//! (`cargo run --release --example train_prnn -p wiring-model -- 20000 full ff ff34`).
//!
//! Kernel: `PRNN_KERNEL=reference|population` (default population). `PRNN_TOGETHER=1` trains
//! all networks as one population (one hidden size) instead of each alone. `PRNN_DUMP=path`
//! appends every number of the results (curves, losses, counters, trained weights, the
//! evaluation) at full precision to `path`, to diff two builds for bit-identity.
//!
//! Usage: `train_prnn [episodes] [cue_sparsity=P] [wall_sparsity=P] [curve_points=K]
//! [maze_batch=K] [architecture …]` (architectures as names, indices or flag strings). The recipe keeps 100
//! training-curve points whatever the episodes; `curve_points=K` changes that, e.g. `20000
//! curve_points=5` has the curve-evaluation share of the 400 000-episode recipe. `PRNN_NO_EVAL=1`
//! skips the evaluation after training.

use std::time::Instant;

use wiring_kernels::prnn::PrnnVariant;
use wiring_model::prnn::{
    evaluate_population, train_population, Architecture, EvaluationRecipe, PrnnPlan, QRecipe,
};
use wiring_model::rng::NetworkSeeds;
use wiring_tasks::maze::MazeConfig;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let episodes: usize = match args.get(1) {
        Some(e) => e.parse().map_err(|e| format!("episodes: {e}"))?,
        None => 20_000,
    };
    let mut task = MazeConfig::default();
    let mut names: Vec<&str> = Vec::new();
    let mut curve_points = None;
    let mut maze_batch = None;
    for arg in args.iter().skip(2) {
        match arg.split_once('=') {
            Some(("cue_sparsity", p)) => task.cue_sparsity = p.parse()?,
            Some(("wall_sparsity", p)) => task.wall_sparsity = p.parse()?,
            Some(("curve_points", k)) => curve_points = Some(k.parse()?),
            Some(("maze_batch", k)) => maze_batch = Some(k.parse()?),
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
    let mut recipe = QRecipe::with_episodes(episodes);
    if let Some(k) = curve_points {
        recipe.curve_points = k;
    }
    if let Some(k) = maze_batch {
        recipe.maze_batch = k;
    }
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
    let mut dump = match std::env::var("PRNN_DUMP") {
        Ok(path) => Some(std::fs::File::create(path)?),
        Err(_) => None,
    };
    for group in groups {
        let t0 = Instant::now();
        let trained = train_population(&recipe, &task, variant, &group, &mut |_| {})?;
        let train_s = t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        let nets: Vec<_> = trained.iter().map(|t| &t.trained).collect();
        let evals = if std::env::var("PRNN_NO_EVAL").is_ok() {
            Vec::new()
        } else {
            evaluate_population(&recipe, &eval, &task, variant, &group, &nets)?
        };
        let eval_s = t1.elapsed().as_secs_f64();
        let steps: u64 = trained.iter().map(|t| t.train_steps).sum();
        println!(
            "{} network(s), {variant}: train {train_s:.2} s ({:.0} network-episodes/s, {:.2} M network-steps/s), eval {eval_s:.2} s",
            group.len(),
            (episodes * group.len()) as f64 / train_s,
            steps as f64 / train_s / 1e6,
        );
        if let Some(file) = dump.as_mut() {
            use std::io::Write;
            for (net, (e, steps)) in trained.iter().zip(&evals) {
                let weights: Vec<u32> = net.trained.params().iter().map(|w| w.to_bits()).collect();
                writeln!(
                    file,
                    "{}: curve {:?}\nloss {:?}\nclipped {} steps {} forwards {}\nweights {:?}\neval {:?}\nsteps {:?}",
                    net.plan.architecture.name(),
                    net.curve,
                    net.curve_loss,
                    net.clipped_updates,
                    net.train_steps,
                    net.forwards,
                    weights,
                    e,
                    steps
                )?;
            }
        }
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
