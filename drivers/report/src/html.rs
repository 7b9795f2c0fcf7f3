//! Self-contained HTML pages: a title, a table of facts, notes and placed figures; escaping and
//! the tables' p-value format.

use std::fmt::Write as _;

/// A p-value for a table: three decimals from 0.001 up, else two significant digits in
/// exponent form (`4.1e-5`); `–` when undefined.
pub fn format_p(p: f64) -> String {
    if !p.is_finite() {
        "–".into()
    } else if p >= 1e-3 {
        format!("{p:.3}")
    } else {
        format!("{p:.1e}")
    }
}

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A figure placed in a page: its SVG and the relative path of its CSV.
pub struct PlacedFigure {
    pub title: String,
    pub svg: String,
    pub csv_path: String,
}

/// One self-contained HTML page: a title, a table of facts, free notes (HTML) and figures.
pub fn page(
    title: &str,
    facts: &[(String, String)],
    notes_html: &str,
    figures: &[PlacedFigure],
) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>\n{}\n</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        escape(title),
        STYLE,
        escape(title)
    );
    h.push_str("<table class=\"facts\">\n");
    for (k, v) in facts {
        let _ = writeln!(h, "<tr><th>{}</th><td>{}</td></tr>", escape(k), escape(v));
    }
    h.push_str("</table>\n");
    h.push_str(notes_html);
    h.push_str("<div class=\"figures\">\n");
    for f in figures {
        let svg = f.svg.trim_start_matches(|c| c != '<').trim_start();
        let svg = svg.strip_prefix("<?xml").map_or(svg, |rest| {
            rest.split_once("?>").map_or(rest, |(_, s)| s.trim_start())
        });
        let _ = writeln!(
            h,
            "<figure>\n{svg}\n<figcaption>{} — data: <a href=\"{}\">{}</a></figcaption>\n</figure>",
            escape(&f.title),
            escape(&f.csv_path),
            escape(&f.csv_path)
        );
    }
    h.push_str("</div>\n</body>\n</html>\n");
    h
}

const STYLE: &str = "body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 2em auto; max-width: 1400px; color: #222; padding: 0 1em; }
h1 { font-weight: 600; font-size: 1.6em; margin-bottom: 0.4em; }
table.facts { border-collapse: collapse; font-size: 0.92em; margin-bottom: 1em; }
table.facts th { text-align: left; font-weight: 500; color: #555; padding: 2px 1.5em 2px 0; vertical-align: top; }
table.facts td { padding: 2px 0; }
table.data { border-collapse: collapse; font-size: 0.9em; margin: 0.5em 0 1em; font-variant-numeric: tabular-nums; }
table.data th { text-align: right; font-weight: 600; padding: 3px 0.8em; border-bottom: 1px solid #bbb; }
table.data td { text-align: right; padding: 2px 0.8em; border-bottom: 1px solid #eee; }
table.data th:first-child, table.data td:first-child { text-align: left; }
table.findings td { text-align: left; vertical-align: top; }
table.findings td.yes { color: #1a7f37; font-weight: 600; }
table.findings td.no { color: #b3261e; font-weight: 600; }
table.findings td.na { color: #777; font-weight: 600; }
p.note { color: #444; font-size: 0.92em; max-width: 60em; }
div.figures { display: flex; flex-wrap: wrap; gap: 1em; }
figure { margin: 0; border: 1px solid #e4e4e4; border-radius: 4px; padding: 0.5em; }
figcaption { font-size: 0.85em; color: #555; text-align: center; }
svg { display: block; }";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{figure_csv, figure_svg, Figure, Series, SeriesLabelPosition};

    #[test]
    fn p_values_read_in_tables() {
        assert_eq!(format_p(0.1403), "0.140");
        assert_eq!(format_p(0.001), "0.001");
        assert_eq!(format_p(4.12e-5), "4.1e-5");
        assert_eq!(format_p(f64::NAN), "–");
    }

    #[test]
    fn draws_a_figure_into_a_page() {
        let fig = Figure {
            stem: "acc".into(),
            title: "Validation accuracy".into(),
            x_label: "γ".into(),
            y_label: "accuracy".into(),
            series: vec![
                Series {
                    name: "se".into(),
                    points: vec![(0.0, 0.5), (0.1, 0.9), (0.2, 1.0)],
                },
                Series {
                    name: "l1".into(),
                    points: vec![(0.0, 0.4), (0.2, f64::NAN)],
                },
            ],
            reference: Some((0.9, "threshold".into())),
            y_range: Some((0.0, 1.0)),
            legend: SeriesLabelPosition::LowerLeft,
            scatter: false,
        };
        let svg = figure_svg(&fig, 480, 360).unwrap();
        assert!(svg.contains("<svg") && svg.contains("Validation accuracy") && svg.contains("se"));
        let html = page(
            "t <x>",
            &[("k".into(), "v".into())],
            "",
            &[PlacedFigure {
                title: "a".into(),
                svg,
                csv_path: "figures/acc.csv".into(),
            }],
        );
        assert!(html.contains("t &lt;x&gt;") && html.contains("<svg") && !html.contains("<?xml"));
        assert_eq!(figure_csv(&fig, "gamma", "acc").lines().count(), 6);
    }
}
