//! The CSV beside every figure: tidy `series,x,y` rows, fields quoted when needed.

use std::fmt::Write as _;

use crate::chart::Figure;

/// Tidy CSV of the figure's data: `series,<x_name>,<y_name>`.
pub fn figure_csv(fig: &Figure, x_name: &str, y_name: &str) -> String {
    let mut out = format!("series,{x_name},{y_name}\n");
    for s in &fig.series {
        for (x, y) in &s.points {
            let _ = writeln!(out, "{},{x},{y}", csv_field(&s.name));
        }
    }
    out
}

/// A CSV field, quoted when needed.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
