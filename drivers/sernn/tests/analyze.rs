//! `sernn analyze` on a tiny study (8 units, 2 epochs, 2 networks per set): the files and
//! columns it writes, resuming without rewriting, bit-identical results from scratch with
//! another thread count, refusing a corrupt record; `sernn metrics` on good and bad `.npy` files.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use npyz::WriterBuilder;
use wiring_run::shard::Shard;
use wiring_sernn::analyze::{self, table::ANALYSIS_COLUMNS, AnalyzeOptions};
use wiring_sernn::table::COLUMNS;
use wiring_sernn::{self as sernn, RunOptions, Study};

const TINY: &str = r#"
version = 1
name = "tiny"
seed = 7
[recipe]
n_hidden = 8
n_train = 256
n_validation = 64
n_test = 64
batch_size = 64
epochs = 2
[recipe.task]
goal_steps = 4
delay_steps = 2
choice_steps = 4
[space]
grid = [2, 2, 2]
[analysis]
epoch = 1
min_accuracy = 0.0
null_draws = 50
permutations = 99
[[sets]]
name = "se"
regulariser = "se"
gamma = [0.001, 0.1]
[[sets]]
name = "l1"
regulariser = "l1"
gamma = { start = 0.001, stop = 0.1, count = 2 }
"#;

fn trained_run(tmp: &Path) -> PathBuf {
    let config = tmp.join("tiny.toml");
    fs::write(&config, TINY).unwrap();
    let study = Study::load(&config).unwrap();
    let out = tmp.join("run");
    let opts = RunOptions {
        out: out.clone(),
        threads: Some(2),
        shard: Shard::ALL,
        quiet: true,
        lock: true,
        command: vec!["test".into()],
    };
    sernn::run(&study, &opts).unwrap();
    out
}

fn options(dir: &Path, threads: usize) -> AnalyzeOptions {
    AnalyzeOptions {
        dir: dir.to_path_buf(),
        threads: Some(threads),
        quiet: true,
        overrides: Default::default(),
    }
}

fn analyses(run: &Path) -> Vec<(PathBuf, Vec<u8>, u64, i64)> {
    (0..4)
        .map(|id| {
            let p = run.join(format!("networks/{id}/analysis.json"));
            let m = fs::metadata(&p).unwrap();
            (p.clone(), fs::read(&p).unwrap(), m.ino(), m.mtime_nsec())
        })
        .collect()
}

#[test]
fn analyze_writes_resumes_and_repeats_bit_identically() {
    let tmp = tempfile::tempdir().unwrap();
    let run = trained_run(tmp.path());
    let summary = analyze::analyze(&options(&run, 2)).unwrap();
    assert_eq!(
        (summary.networks, summary.analysed, summary.reused),
        (4, 4, 0)
    );
    for f in [
        "analysis.csv",
        "analysis.html",
        "figures/analysis_q_spectral_binary.csv",
        "figures/analysis_mixed_selectivity_choice.csv",
        "figures/analysis_matched.csv",
        "figures/analysis_sweet_spot.csv",
        "findings.csv",
    ] {
        assert!(run.join(f).is_file(), "{f} missing");
    }
    let csv = fs::read_to_string(run.join("analysis.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    assert_eq!(header.len(), COLUMNS.len() + ANALYSIS_COLUMNS.len());
    assert_eq!(&header[..COLUMNS.len()], &COLUMNS[..]);
    for (name, _) in ANALYSIS_COLUMNS {
        assert!(header.contains(&name), "analysis.csv lacks {name}");
    }
    assert_eq!(csv.lines().count(), 5);
    for line in csv.lines().skip(1) {
        assert_eq!(line.split(',').count(), header.len(), "{line}");
    }
    let html = fs::read_to_string(run.join("analysis.html")).unwrap();
    assert!(html.contains("<svg") && html.contains("Sweet spot") && html.contains("Matched"));
    // The findings table comes first, one row per claim (11); four networks test nothing.
    assert!(html.find("Findings: the paper") < html.find("Matched"));
    let findings = fs::read_to_string(run.join("findings.csv")).unwrap();
    assert_eq!(findings.lines().count(), 1 + 11, "{findings}");
    assert!(findings.contains(",not testable,"), "{findings}");

    // The measures: the tiny task has 10 steps = 2 windows; 64 validation trials recorded.
    let v: serde_json::Value =
        serde_json::from_slice(&fs::read(run.join("networks/0/analysis.json")).unwrap()).unwrap();
    assert_eq!(v["functional"]["trials"], 64);
    assert_eq!(v["functional"]["ev_goal"].as_array().unwrap().len(), 2);
    assert_eq!(v["functional"]["ev_goal"][0].as_array().unwrap().len(), 8);
    assert_eq!(v["structural"]["n"], 8);
    assert_eq!(v["structural"]["small_world"]["draws"], 50);
    assert_eq!(v["settings"]["permutations"], 99);
    // The recorded trials are the validation set: the readout's accuracy on them is the
    // validation accuracy of the record at the analysed epoch.
    let record: serde_json::Value =
        serde_json::from_slice(&fs::read(run.join("networks/0/record.json")).unwrap()).unwrap();
    let val = record["epochs"][1]["val_accuracy"].as_f64().unwrap();
    let got = v["functional_accuracy"].as_f64().unwrap();
    assert!((val - got).abs() <= 1.0 / 64.0 + 1e-12, "{val} vs {got}");

    // Resuming: nothing is analysed or rewritten.
    let before = analyses(&run);
    let again = analyze::analyze(&options(&run, 1)).unwrap();
    assert_eq!((again.analysed, again.reused), (0, 4));
    assert_eq!(before, analyses(&run));
    assert_eq!(csv, fs::read_to_string(run.join("analysis.csv")).unwrap());

    // From scratch with another thread count: the same bytes.
    for id in 0..4 {
        fs::remove_file(run.join(format!("networks/{id}/analysis.json"))).unwrap();
    }
    fs::write(run.join("networks/2/analysis.json"), "{ half-written").unwrap();
    let fresh = analyze::analyze(&options(&run, 1)).unwrap();
    assert_eq!(fresh.analysed, 4);
    let after = analyses(&run);
    for (a, b) in before.iter().zip(&after) {
        assert_eq!(a.1, b.1, "{} differs", a.0.display());
    }
    assert_eq!(csv, fs::read_to_string(run.join("analysis.csv")).unwrap());

    // Other options: analysed again.
    let mut other = options(&run, 2);
    other.overrides.permutations = Some(49);
    assert_eq!(analyze::analyze(&other).unwrap().analysed, 4);
    other.overrides.null_draws = Some(0);
    let err = format!("{:#}", analyze::analyze(&other).unwrap_err());
    assert!(err.contains("--nulls"), "{err}");
}

#[test]
fn analyze_refuses_a_corrupt_record_without_writing() {
    let tmp = tempfile::tempdir().unwrap();
    let run = trained_run(tmp.path());
    let record = run.join("networks/1/record.json");
    fs::write(&record, "{ \"format\": ").unwrap();
    let err = format!("{:#}", analyze::analyze(&options(&run, 2)).unwrap_err());
    assert!(!err.contains('\n'), "{err}");
    assert!(err.contains(&record.display().to_string()), "{err}");
    assert!(!run.join("analysis.csv").exists());
    assert!(!run.join("networks/0/analysis.json").exists());
}

fn write_npy<T: npyz::AutoSerialize + Copy>(path: &Path, shape: &[u64], data: &[T]) {
    let mut bytes = Vec::new();
    let mut w = npyz::WriteOptions::new()
        .default_dtype()
        .shape(shape)
        .writer(&mut bytes)
        .begin_nd()
        .unwrap();
    w.extend(data.iter().copied()).unwrap();
    w.finish().unwrap();
    fs::write(path, bytes).unwrap();
}

fn metrics(args: &[&Path], extra: &[&str]) -> (Option<i32>, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sernn"));
    cmd.arg("metrics").arg("--weights").arg(args[0]);
    if let Some(c) = args.get(1) {
        cmd.arg("--coords").arg(c);
    }
    let out = cmd.args(extra).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn metrics_prints_json_and_refuses_bad_files_on_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let p = |name: &str| tmp.path().join(name);
    let n = 20usize;
    // A ring lattice with some long chords, and unit coordinates on a circle.
    let w: Vec<f64> = (0..n * n)
        .map(|ij| {
            let (i, j) = (ij / n, ij % n);
            let d = i.abs_diff(j).min(n - i.abs_diff(j));
            if i != j && (d <= 2 || (i * 7 + j) % 31 == 0) {
                1.0 / d as f64
            } else {
                0.0
            }
        })
        .collect();
    write_npy(&p("w.npy"), &[n as u64, n as u64], &w);
    let w32: Vec<f32> = w.iter().map(|&x| x as f32).collect();
    write_npy(&p("w32.npy"), &[n as u64, n as u64], &w32);
    let coords: Vec<f64> = (0..n)
        .flat_map(|k| {
            let a = k as f64 / n as f64 * std::f64::consts::TAU;
            [a.cos(), a.sin(), 0.0]
        })
        .collect();
    write_npy(&p("c.npy"), &[n as u64, 3], &coords);

    let (code, out, err) = metrics(&[&p("w.npy"), &p("c.npy")], &["--nulls", "20"]);
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["n"], 20);
    assert!(v["wiring_cost"].as_f64().unwrap() > 0.0);
    assert!(v["spectral_binary"]["q"].as_f64().is_some());
    assert_eq!(v["small_world"]["draws"], 20);
    // float32 gives the same graph; without coordinates there is no wiring cost.
    let (code, out32, err) = metrics(&[&p("w32.npy")], &["--nulls", "20"]);
    assert_eq!(code, Some(0), "{err}");
    let v32: serde_json::Value = serde_json::from_str(&out32).unwrap();
    assert_eq!(v32["spectral_binary"], v["spectral_binary"]);
    assert!(v32["wiring_cost"].is_null());

    // Bad inputs: (file, coords, what the one-line error must say).
    fs::write(p("w.txt"), "1 2\n3 4\n").unwrap();
    fs::write(p("garbage.npy"), "not numpy at all").unwrap();
    write_npy(&p("rect.npy"), &[3, 4], &[0.0f64; 12]);
    write_npy(&p("vector.npy"), &[5], &[0.0f64; 5]);
    write_npy(&p("ints.npy"), &[2, 2], &[1i64, 2, 3, 4]);
    let mut nan = w.clone();
    nan[n + 3] = f64::NAN;
    write_npy(&p("nan.npy"), &[n as u64, n as u64], &nan);
    let mut inf = w32.clone();
    inf[5] = f32::INFINITY;
    write_npy(&p("inf.npy"), &[n as u64, n as u64], &inf);
    write_npy(&p("c2.npy"), &[n as u64, 2], &vec![0.0f64; 2 * n]);
    write_npy(&p("c_short.npy"), &[3, 3], &[0.0f64; 9]);
    let cases: [(&str, Option<&str>, &str); 9] = [
        ("w.txt", None, "expected a NumPy .npy file"),
        ("garbage.npy", None, "not a valid .npy file"),
        ("rect.npy", None, "expected a square n × n matrix"),
        ("vector.npy", None, "expected a 2-D matrix, got shape [5]"),
        ("ints.npy", None, "expected float32 or float64"),
        ("nan.npy", None, "entry [1, 3] is NaN"),
        ("inf.npy", None, "entry [0, 5] is inf"),
        (
            "w.npy",
            Some("c2.npy"),
            "expected coordinates of shape [20, 3]",
        ),
        (
            "w.npy",
            Some("c_short.npy"),
            "expected coordinates of shape [20, 3]",
        ),
    ];
    for (file, coords, says) in cases {
        let wp = p(file);
        let cp = coords.map(p);
        let mut args = vec![wp.as_path()];
        if let Some(c) = &cp {
            args.push(c.as_path());
        }
        let (code, out, err) = metrics(&args, &["--nulls", "5"]);
        assert_eq!(code, Some(1), "{file}: {out}");
        assert_eq!(err.trim_end().lines().count(), 1, "{file}: {err}");
        let named = cp.as_ref().unwrap_or(&wp).display().to_string();
        assert!(err.contains(&named) && err.contains(says), "{file}: {err}");
    }
    let (code, _, err) = metrics(&[&p("w.npy")], &["--threshold", "1.5"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("--threshold"), "{err}");
}
