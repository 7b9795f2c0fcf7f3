//! Trains one seRNN with the full recipe and prints its time, GFLOP/s and accuracy — the quickest
//! way to profile training (`cargo build --profile profiling --example train_one -p wiring-model`
//! then `perf record target/profiling/examples/train_one`).
//!
//! Usage: `train_one [se|l1|spatial|communicability] [gamma] [simd|faer|reference]`

use std::time::Instant;

use wiring_model::rng::NetworkSeeds;
use wiring_model::sernn::{self, Recipe, RegulariserKind, RegulariserSpec, Space, TrainOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let kind = match args.get(1).map_or("se", String::as_str) {
        "se" => RegulariserKind::Se,
        "l1" => RegulariserKind::L1,
        "spatial" => RegulariserKind::Spatial,
        "communicability" => RegulariserKind::Communicability,
        other => {
            return Err(format!(
                "regulariser: expected se, l1, spatial or communicability, got {other:?}"
            )
            .into())
        }
    };
    let gamma: f64 = match args.get(2) {
        Some(g) => g
            .parse()
            .map_err(|e| format!("gamma: expected a number, got {g:?} ({e})"))?,
        None => 0.05,
    };
    let rnn = match args.get(3) {
        Some(v) => v.parse().map_err(|e| format!("kernel: {e}"))?,
        None => Default::default(),
    };
    let spec = RegulariserSpec {
        kind,
        ..RegulariserSpec::se(gamma)
    };
    let seeds = NetworkSeeds {
        study_seed: 1,
        network_id: 0,
    };
    let start = Instant::now();
    let net = sernn::train(
        &Recipe::default(),
        &spec,
        &Space::default(),
        seeds,
        &TrainOptions { rnn },
        &mut |log| {
            eprintln!(
                "epoch {:2}: val accuracy {:.3}, val loss {:.4}, penalty {:.4}",
                log.epoch, log.val_accuracy, log.val_loss, log.penalty
            )
        },
    )?;
    let secs = start.elapsed().as_secs_f64();
    let above_1e_3 = net.wiring.last().map_or(0, |w| w.above_1e_3);
    println!(
        "{} γ={gamma} rnn={rnn}: {secs:.3} s, {:.1} GFLOP, {:.1} GFLOP/s, test accuracy {:.3}, |w|>1e-3: {above_1e_3}",
        kind.name(),
        net.flops as f64 / 1e9,
        net.flops as f64 / 1e9 / secs,
        net.test_accuracy.unwrap_or(f64::NAN),
    );
    Ok(())
}
