//! Loading the golden files written by `tests/data/make_golden.py`.
#![allow(dead_code)]

use serde_json::Value;

pub fn load(name: &str) -> Value {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A number; the strings "inf", "-inf", "nan" stand for the non-finite ones.
pub fn num(v: &Value) -> f64 {
    match v {
        Value::Number(x) => x.as_f64().expect("f64"),
        Value::String(s) => match s.as_str() {
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            "nan" => f64::NAN,
            other => panic!("not a number: {other}"),
        },
        other => panic!("not a number: {other}"),
    }
}

pub fn nums(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(num).collect()
}

pub fn usizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_u64().expect("integer") as usize)
        .collect()
}

pub fn pairs(v: &Value) -> Vec<(usize, usize)> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|p| {
            let p = usizes(p);
            (p[0], p[1])
        })
        .collect()
}

/// Dense 0/1 symmetric matrix from an undirected edge list.
pub fn dense_from_edges(n: usize, edges: &[(usize, usize)]) -> Vec<f64> {
    let mut a = vec![0.0; n * n];
    for &(i, j) in edges {
        a[i * n + j] = 1.0;
        a[j * n + i] = 1.0;
    }
    a
}

/// `|a − b| ≤ abs + rel·|b|`, with NaN = NaN and equal infinities accepted.
pub fn close(a: f64, b: f64, abs: f64, rel: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= abs + rel * b.abs()
}

#[track_caller]
pub fn assert_close(what: &str, got: f64, want: f64, abs: f64, rel: f64) {
    assert!(
        close(got, want, abs, rel),
        "{what}: got {got:e}, want {want:e} (abs {abs:e}, rel {rel:e})"
    );
}

/// Whether two labelings describe the same partition of `nodes`.
pub fn same_partition(a: &[usize], b: &[usize], nodes: &[usize]) -> bool {
    use std::collections::HashMap;
    let mut ab = HashMap::new();
    let mut ba = HashMap::new();
    nodes.iter().all(|&i| {
        *ab.entry(a[i]).or_insert(b[i]) == b[i] && *ba.entry(b[i]).or_insert(a[i]) == a[i]
    })
}
