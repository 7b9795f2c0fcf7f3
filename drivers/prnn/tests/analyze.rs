//! `prnn analyze` end to end.
//!
//! - A synthetic study of all 129 architectures × 8 seeds with planted effects (records written
//!   as `prnn run` writes them, without training): the rankings, pathway effects and
//!   prediction find exactly what was planted; the outputs are the same bytes on 1 and 2
//!   threads; without architecture 128 the rankings are skipped and said so.
//! - A tiny real study (3 architectures × 4 seeds, 300 episodes) through the binary.
//! - Bad input — a missing directory, a seRNN run directory, no records, a corrupt record, a
//!   record of the wrong architecture — gets a one-line error naming the file (and field).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use wiring_model::prnn::PATHWAYS;
use wiring_model::rng::NetworkSeeds as Seeds;
use wiring_prnn::analyze::prediction::PredictionOptions;
use wiring_prnn::analyze::{self, AnalyzeOptions};
use wiring_prnn::config::PlannedNetwork;
use wiring_prnn::record::{
    ArchitectureInfo, ArraysInfo, EvaluationInfo, Record, Timing, TrainingInfo, ARRAYS_FILE,
    RECORD_FILE, RECORD_FORMAT,
};
use wiring_prnn::{self as prnn, RunOptions, Study};
use wiring_run::machine::Build;
use wiring_run::shard::Shard;

const SYNTHETIC: &str = r#"
version = 1
name = "synthetic"
seed = 11
architectures = "all"
seeds_per_architecture = 8
[task]
kind = { type = "track", size = 11, n_steps = 6, gaps = 1 }
[training]
episodes = 1000
curve_points = 100
[evaluation]
noise_levels = [0.0, 0.05, 0.25, 0.5]
"#;

/// Per-seed offsets shared by every architecture (so architectures with the same planted
/// value have identical samples), smaller than every planted difference.
fn offset(seed: usize) -> f64 {
    [3.0, -1.0, 4.0, -2.0, 0.0, 2.5, -3.5, 1.5][seed % 8] * 1e-3
}

/// What is planted: fitness = 0.8 + 0.1·[hh] − 0.05·[oo]; learning speed = 100 − (30 +
/// 10·[ii] + seed); robustness = 0.3 + 0.02·[oi] (each plus a per-seed offset); memory = 1 +
/// 5·[hh]; sensitivity is a hash of the network id, no information about anything.
fn record(study: &Study, n: &PlannedNetwork) -> Record {
    let a = n.architecture;
    let f = |p: &str| {
        f64::from(u8::from(
            a.has_pathway(PATHWAYS.iter().position(|q| *q == p).unwrap()),
        ))
    };
    let s = n.seed_index;
    let fitness = 0.8 + 0.1 * f("hh") - 0.05 * f("oo") + offset(s);
    let learned_at = 30 + 10 * f("ii") as usize + s % 8;
    let curve: Vec<Option<f64>> = (0..100)
        .map(|k| Some(if k >= learned_at { 1.0 } else { 0.0 }))
        .collect();
    let mut norms = [0.0; 9];
    norms[0] = 1.0 + offset(7 - s % 8);
    norms[1] = 1.5;
    Record {
        format: RECORD_FORMAT.into(),
        network_id: n.id,
        architecture: ArchitectureInfo {
            index: a.index(),
            name: a.name(),
            flags: a.flag_string(),
            pathways: vec![],
            recurrent: a.is_recurrent(),
            n_hidden: a.n_hidden(),
            param_count: a.param_count(),
        },
        seed_index: s,
        seeds: Seeds {
            study_seed: study.config.seed,
            network_id: n.id,
        },
        config_hash: study.config_hash(),
        kernel: "population".into(),
        task: "track".into(),
        training: TrainingInfo {
            episodes: 1000,
            curve_episodes: (0..100).map(|k| k * 10).collect(),
            curve,
            curve_loss: vec![Some(0.0); 100],
            clipped_updates: 0,
            train_steps: 0,
            forwards: 0,
        },
        evaluation: EvaluationInfo {
            noise_levels: vec![0.0, 0.05, 0.25, 0.5],
            fitness_by_noise: vec![
                Some(fitness + 0.02),
                Some(fitness),
                Some(fitness - 0.2),
                Some(fitness - 0.4),
            ],
            fitness: Some(fitness),
            robustness: Some(0.3 + 0.02 * f("oi") + offset(s)),
            sparsity_levels: None,
            cue_sparsity_fitness: None,
            cue_sparsity_robustness: None,
            wall_sparsity_fitness: None,
            wall_sparsity_robustness: None,
            sensitivity: Some(2.0 + ((n.id * 7919) % 1000) as f64 * 1e-4),
            coherence: Some(0.5),
            memory_curve: (0..6)
                .map(|k| Some(if k == 0 { 1.0 } else { f("hh") }))
                .collect(),
            memory: Some(1.0 + 5.0 * f("hh") + offset(s)),
            weight_norms: norms,
            goal_rate: Some(0.9),
            recorded_steps: 0,
        },
        arrays: ArraysInfo {
            file: ARRAYS_FILE.into(),
            bytes: 8,
            // As a record written before digests were kept: checked by size alone.
            sha256: None,
            arrays: vec![],
        },
        provenance: Build::current(),
        timing: Timing {
            started: String::new(),
            finished: String::new(),
            train_seconds: 0.0,
            evaluate_seconds: 0.0,
            population: 1,
            host: "test".into(),
        },
    }
}

/// A run directory with the study `toml`'s config and the records `make` writes.
fn write_run(
    root: &Path,
    toml: &str,
    make: fn(&Study, &PlannedNetwork) -> Record,
) -> (Study, PathBuf) {
    let study = Study::from_toml(toml, "synthetic.toml").unwrap();
    let dir = root.join("synthetic");
    fs::create_dir_all(dir.join("networks")).unwrap();
    fs::write(dir.join("config.toml"), study.resolved_toml()).unwrap();
    for n in &study.networks {
        let d = dir.join(format!("networks/{}", n.id));
        fs::create_dir(&d).unwrap();
        fs::write(
            d.join(RECORD_FILE),
            serde_json::to_vec(&make(&study, n)).unwrap(),
        )
        .unwrap();
        fs::write(d.join(ARRAYS_FILE), [0u8; 8]).unwrap();
    }
    (study, dir)
}

/// The synthetic study with every record.
fn synthetic_run(root: &Path) -> (Study, PathBuf) {
    write_run(root, SYNTHETIC, record)
}

/// Timing of the full analysis of one paper-sized task (129 × 50 = 6 450 networks, 100 trees,
/// depth 9, 10 folds) on continuous synthetic features:
/// `cargo test --release -p wiring-prnn --test analyze -- --ignored --nocapture`.
#[test]
#[ignore = "timing of a paper-sized task: about a minute on 2 cores"]
fn paper_sized_task_timing() {
    fn noisy(study: &Study, n: &PlannedNetwork) -> Record {
        let mut r = record(study, n);
        // Uniform(−0.5, 0.5) from a hash of (network, k).
        let u = |k: u64| {
            let mut z = (n.id << 8 | k).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            z = (z ^ (z >> 31)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            (z >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        let e = &mut r.evaluation;
        e.fitness = e.fitness.map(|f| f + 0.02 * u(1));
        e.robustness = e.robustness.map(|f| f + 0.01 * u(2));
        e.sensitivity = Some(2.0 + u(3));
        e.memory = e.memory.map(|m| m + u(4));
        for (k, w) in e.weight_norms.iter_mut().enumerate() {
            *w = if *w > 0.0 || k < 2 {
                1.0 + u(5 + k as u64)
            } else {
                0.0
            };
        }
        r
    }
    let tmp = tempfile::tempdir().unwrap();
    let (_, dir) = write_run(
        tmp.path(),
        &SYNTHETIC.replace("seeds_per_architecture = 8", "seeds_per_architecture = 50"),
        noisy,
    );
    for threads in [2, 1] {
        let t = std::time::Instant::now();
        let summary = analyze::analyze(&AnalyzeOptions {
            dir: dir.clone(),
            threads: Some(threads),
            prediction: PredictionOptions::default(),
        })
        .unwrap();
        eprintln!(
            "{threads} thread(s): {:.1} s\n{}",
            t.elapsed().as_secs_f64(),
            summary.describe()
        );
    }
}

fn options(dir: &Path, threads: usize) -> AnalyzeOptions {
    AnalyzeOptions {
        dir: dir.to_path_buf(),
        threads: Some(threads),
        // Fewer trees keep the test fast; the prediction's findings are robust to it.
        prediction: PredictionOptions {
            trees: 10,
            ..PredictionOptions::default()
        },
    }
}

/// Every output of `analyze`, the report without its "generated" line.
fn outputs(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<PathBuf> = [
        "analysis_rankings.csv",
        "analysis_pathways.csv",
        "analysis_prediction.csv",
        "findings.csv",
        "analysis.html",
    ]
    .iter()
    .map(|f| dir.join(f))
    .collect();
    for e in fs::read_dir(dir.join("figures")).unwrap() {
        files.push(e.unwrap().path());
    }
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = fs::read_to_string(&p).unwrap();
            let text: String = text
                .lines()
                .filter(|l| !l.contains("<th>generated</th>"))
                .collect::<Vec<_>>()
                .join("\n");
            (p.strip_prefix(dir).unwrap().display().to_string(), text)
        })
        .collect()
}

/// The rows of a CSV as maps column → value.
fn csv(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let text = fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    lines
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(String::from))
                .collect()
        })
        .collect()
}

#[test]
fn synthetic_study_gives_what_was_planted_on_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let (study, dir) = synthetic_run(tmp.path());
    assert_eq!(study.networks.len(), 129 * 8);
    let summary = analyze::analyze(&options(&dir, 1)).unwrap();
    assert_eq!((summary.networks, summary.architectures), (1032, 129));
    assert_eq!(summary.pathway_pairs, 7 * 65);

    // Rankings on fitness: with hh and without oo (0.9) above full (0.85): 32; without hh
    // (0.8 or 0.75, ff34 included) below: 65; the 32 with hh and oo are identical to full.
    let rankings = csv(&dir.join("analysis_rankings.csv"));
    assert_eq!(rankings.len(), 3 * 129);
    let verdicts = |m: &str, v: &str| {
        rankings
            .iter()
            .filter(|r| r["measure"] == m && r["verdict"] == v)
            .count()
    };
    assert_eq!(
        (verdicts("fitness", "better"), verdicts("fitness", "worse")),
        (32, 65)
    );
    // Learning speed: ii learns 10 checkpoints later; full has ii, so 65 without it are faster.
    assert_eq!(
        (
            verdicts("learning_speed", "better"),
            verdicts("learning_speed", "worse")
        ),
        (65, 0)
    );
    // Robustness: full has oi; the 65 without it are less robust.
    assert_eq!(
        (
            verdicts("robustness", "better"),
            verdicts("robustness", "worse")
        ),
        (0, 65)
    );
    let full = rankings
        .iter()
        .find(|r| r["architecture"] == "128" && r["measure"] == "fitness")
        .unwrap();
    assert_eq!(
        (full["p"].as_str(), full["verdict"].as_str()),
        ("1", "n.s.")
    );
    assert_eq!(
        summary.ranking_counts.as_ref().unwrap()[0],
        ("fitness", 32, 65)
    );

    // Pathway effects: every planted pair effect, exactly, and significant in its direction;
    // every other effect 0 and not significant.
    let effects = csv(&dir.join("analysis_pathways.csv"));
    assert_eq!(effects.len(), 7 * 3 * 65);
    for e in &effects {
        let planted = match (e["pathway"].as_str(), e["measure"].as_str()) {
            ("hh", "fitness") => 0.1,
            ("oo", "fitness") => -0.05,
            ("ii", "learning_speed") => -10.0,
            ("oi", "robustness") => 0.02,
            _ => 0.0,
        };
        let effect: f64 = e["effect"].parse().unwrap();
        assert!((effect - planted).abs() < 1e-9, "{e:?}");
        let verdict = if planted > 0.0 {
            "better"
        } else if planted < 0.0 {
            "worse"
        } else {
            "n.s."
        };
        assert_eq!(e["verdict"], verdict, "{e:?}");
        assert_eq!((e["n_with"].as_str(), e["n_without"].as_str()), ("8", "8"));
    }
    let ff34_pairs = effects
        .iter()
        .filter(|e| e["without_name"] == "ff34")
        .count();
    assert_eq!(
        ff34_pairs,
        7 * 3,
        "ff34 pairs with each single-pathway architecture"
    );

    // Prediction: each target is a function of the flags plus a per-seed offset, so from the
    // flags the forest gets down to that offset's spread (the best possible RMSE); the
    // sensitivity hash carries nothing.
    let prediction = csv(&dir.join("analysis_prediction.csv"));
    assert_eq!(prediction.len(), 3 * 7);
    let rmse = |t: &str, s: &str| -> f64 {
        prediction
            .iter()
            .find(|r| r["target"] == t && r["subset"] == s)
            .unwrap()["mean_rmse"]
            .parse()
            .unwrap()
    };
    let sd = |v: &[f64]| {
        let m = v.iter().sum::<f64>() / v.len() as f64;
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
    };
    let offsets: Vec<f64> = (0..8).map(offset).collect();
    let seeds: Vec<f64> = (0..8).map(f64::from).collect();
    for (t, floor) in [
        ("fitness", sd(&offsets)),
        ("learning_speed", sd(&seeds)),
        ("robustness", sd(&offsets)),
    ] {
        let (none, flags) = (rmse(t, "none"), rmse(t, "flags"));
        assert!(
            flags < 1.3 * floor && flags > 0.8 * floor,
            "{t}: flags {flags} vs floor {floor}"
        );
        assert!(
            floor < 0.5 * none,
            "{t}: the planted signal is weak: {floor} vs {none}"
        );
        assert!(rmse(t, "all") < 0.5 * none, "{t}: all {}", rmse(t, "all"));
        assert!(
            rmse(t, "sensitivity") > 0.95 * none,
            "{t}: sensitivity {} vs {none}",
            rmse(t, "sensitivity")
        );
    }
    // Memory = 1 + 5·[hh] identifies hh, which sets fitness up to oo's 0.05.
    assert!(rmse("fitness", "memory") < 0.7 * rmse("fitness", "none"));
    assert_eq!(prediction[0]["rows"], "1032");

    let html = fs::read_to_string(dir.join("analysis.html")).unwrap();
    for needle in [
        "<svg",
        "ff + W_io",
        "ff34 (parameter-matched)",
        "Pathway effects",
        "analysis_prediction.csv",
        "32: ",
        "Findings: the paper",
    ] {
        assert!(html.contains(needle), "analysis.html lacks {needle}");
    }
    // The findings come first: one row per claim of the abstract (4 landmarks, the other
    // architectures' range, 3 counts).
    assert!(html.find("Findings: the paper") < html.find("Pathway effects"));
    let findings = fs::read_to_string(dir.join("findings.csv")).unwrap();
    assert_eq!(findings.lines().count(), 1 + 8, "{findings}");
    assert_eq!(html.matches("<svg").count(), 2 + 3 + 3 + 3);
    for stem in [
        "fitness_by_noise",
        "memory_curves",
        "ranking_fitness",
        "pathway_learning_speed",
        "prediction_robustness",
    ] {
        assert!(
            dir.join(format!("figures/analysis_{stem}.csv")).is_file(),
            "{stem}"
        );
    }

    let one = outputs(&dir);
    analyze::analyze(&options(&dir, 2)).unwrap();
    assert_eq!(one, outputs(&dir), "outputs differ between 1 and 2 threads");
}

#[test]
fn without_full_the_rankings_are_skipped_and_said_so() {
    let tmp = tempfile::tempdir().unwrap();
    let (study, dir) = synthetic_run(tmp.path());
    for n in study
        .networks
        .iter()
        .filter(|n| n.architecture.index() == 128)
    {
        fs::remove_dir_all(dir.join(format!("networks/{}", n.id))).unwrap();
    }
    let summary = analyze::analyze(&AnalyzeOptions {
        prediction: PredictionOptions {
            trees: 2,
            max_depth: 3,
            folds: 3,
        },
        ..options(&dir, 2)
    })
    .unwrap();
    assert!(summary.ranking_counts.is_none());
    assert!(summary
        .describe()
        .contains("rankings skipped: architecture 128 (full) has no finished network"));
    // Each pathway loses its pair into full.
    assert_eq!(summary.pathway_pairs, 7 * 64);
    assert_eq!(csv(&dir.join("analysis_rankings.csv")).len(), 0);
    let html = fs::read_to_string(dir.join("analysis.html")).unwrap();
    assert!(html.contains("<strong>Skipped:</strong> architecture 128"));
    assert!(html.contains("full (fully recurrent)</td><td>0</td><td colspan=\"4\">not in this run"));
}

const TINY_REAL: &str = r#"
version = 1
name = "tiny"
seed = 7
architectures = ["ff", "0100000", "full"]
seeds_per_architecture = 4
[task]
kind = { type = "track", size = 11, n_steps = 6, gaps = 1 }
[training]
episodes = 300
test_mazes = 20
curve_points = 10
maze_batch = 50
[evaluation]
noise_levels = [0.0, 0.05, 0.25, 0.5]
[compute]
population = 4
"#;

fn run_binary(args: &[&std::ffi::OsStr]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_prnn"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn binary_analyzes_a_tiny_real_study() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("tiny.toml");
    fs::write(&config, TINY_REAL).unwrap();
    let study = Study::load(&config).unwrap();
    let run = tmp.path().join("run");
    prnn::run(
        &study,
        &RunOptions {
            out: run.clone(),
            threads: Some(2),
            shard: Shard::ALL,
            quiet: true,
            lock: true,
            command: vec!["test".into()],
        },
    )
    .unwrap();
    let (ok, stdout, stderr) = run_binary(&[
        "analyze".as_ref(),
        run.as_os_str(),
        "--trees".as_ref(),
        "20".as_ref(),
        "-j".as_ref(),
        "2".as_ref(),
    ]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("analysed 12 network(s) of 3 architecture(s)"),
        "{stdout}"
    );
    assert!(stdout.contains("prediction, CV RMSE"), "{stdout}");
    let rankings = csv(&run.join("analysis_rankings.csv"));
    assert_eq!(rankings.len(), 3 * 3);
    // 4 against 4 networks cannot reach p < 0.01: the report says so.
    let html = fs::read_to_string(run.join("analysis.html")).unwrap();
    assert!(
        html.contains("Too few networks for significance"),
        "power note missing"
    );
    // ff and 0100000 form the only hh pair present.
    let effects = csv(&run.join("analysis_pathways.csv"));
    assert_eq!(effects.len(), 3);
    assert!(effects
        .iter()
        .all(|e| e["pathway"] == "hh" && e["without_name"] == "ff"));

    let (ok, help, _) = run_binary(&["--help".as_ref()]);
    assert!(
        ok && help.contains("prnn analyze DIR") && help.contains("analysis.html"),
        "{help}"
    );
    let (ok, help, _) = run_binary(&["analyze".as_ref(), "--help".as_ref()]);
    assert!(
        ok && help.contains("--trees") && help.contains("--max-depth") && help.contains("--folds")
    );
}

/// Runs `prnn analyze DIR` and returns its one-line error.
fn refused(dir: &Path) -> String {
    let (ok, _, stderr) = run_binary(&[
        "analyze".as_ref(),
        dir.as_os_str(),
        "--trees".as_ref(),
        "1".as_ref(),
    ]);
    assert!(!ok, "{} was accepted", dir.display());
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    stderr.trim_end().to_string()
}

#[test]
fn bad_input_gets_a_one_line_error_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nowhere");
    let e = refused(&missing);
    assert!(
        e.contains(&missing.join("config.toml").display().to_string()) && e.contains("cannot read"),
        "{e}"
    );
    assert_eq!(e.matches("No such file").count(), 1, "{e}");

    let sernn = tmp.path().join("sernn");
    fs::create_dir(&sernn).unwrap();
    fs::write(
        sernn.join("config.toml"),
        "version = 1\nname = \"quick\"\n[recipe]\nn_hidden = 8\n",
    )
    .unwrap();
    let e = refused(&sernn);
    assert!(
        e.contains("config.toml") && e.contains("recipe") && e.contains("a pRNN run directory?"),
        "{e}"
    );

    let (study, dir) = synthetic_run(tmp.path());
    let networks = dir.join("networks");
    let kept = tmp.path().join("kept");
    fs::rename(&networks, &kept).unwrap();
    fs::create_dir(&networks).unwrap();
    let e = refused(&dir);
    assert!(
        e.contains(&networks.display().to_string()) && e.contains("no finished network"),
        "{e}"
    );
    fs::remove_dir(&networks).unwrap();
    fs::rename(&kept, &networks).unwrap();

    let record_path = networks.join("5").join(RECORD_FILE);
    let good = fs::read(&record_path).unwrap();
    fs::write(&record_path, "{ \"format\": ").unwrap();
    let e = refused(&dir);
    assert!(
        e.contains(&record_path.display().to_string()) && e.contains("not a valid record"),
        "{e}"
    );

    let mut wrong = record(&study, &study.networks[5]);
    wrong.architecture.index = 7;
    fs::write(&record_path, serde_json::to_vec(&wrong).unwrap()).unwrap();
    let e = refused(&dir);
    assert!(
        e.contains(&record_path.display().to_string())
            && e.contains("architecture.index is 7, expected 0"),
        "{e}"
    );
    fs::write(&record_path, good).unwrap();
    assert!(
        !dir.join("analysis.html").exists(),
        "a refused analysis wrote its report"
    );
}
