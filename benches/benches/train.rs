//! One seRNN trained with the paper's full recipe (10 epochs × 40 batches of 128, validation
//! every epoch, 2 560 test trials) on one core: the figure the speed target is about.
//!
//! `train/{regulariser}/full_recipe/{rnn kernel}`; throughput in flops (criterion's "elements"
//! are flops, so Gelem/s reads as GFLOP/s), counted by `TrainedNetwork::flops`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::time::Duration;
use wiring_kernels::rnn::RnnVariant;
use wiring_model::rng::NetworkSeeds;
use wiring_model::sernn::{self, Recipe, RegulariserSpec, Space, TrainOptions};

fn full_recipe(c: &mut Criterion) {
    let recipe = Recipe::default();
    let space = Space::default();
    let mut group = c.benchmark_group("train");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20));
    for (name, spec) in [
        ("se", RegulariserSpec::se(0.05)),
        ("l1", RegulariserSpec::l1(0.05)),
    ] {
        for variant in [RnnVariant::Simd, RnnVariant::Faer] {
            let opts = TrainOptions { rnn: variant };
            let seeds = NetworkSeeds {
                study_seed: 1,
                network_id: 0,
            };
            let flops = sernn::train(&recipe, &spec, &space, seeds, &opts, &mut |_| {})
                .expect("training")
                .flops;
            group.throughput(Throughput::Elements(flops));
            group.bench_function(format!("{name}/full_recipe/{variant}"), |b| {
                b.iter(|| {
                    sernn::train(&recipe, &spec, &space, seeds, &opts, &mut |_| {})
                        .expect("training")
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, full_recipe);
criterion_main!(benches);
