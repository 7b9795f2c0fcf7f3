//! Self-contained HTML reports: a header of facts and figures drawn as inline SVG (plotters),
//! each figure's data also written as a tidy CSV next to the report.

use std::fmt::Write as _;

pub use plotters::prelude::SeriesLabelPosition;
use plotters::prelude::*;

/// One named series of (x, y) points, drawn as a line with markers.
#[derive(Clone, Debug)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// A line chart over a shared x axis.
#[derive(Clone, Debug)]
pub struct Figure {
    /// File stem of its CSV (`figures/<stem>.csv`) and its HTML id.
    pub stem: String,
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    /// A dashed horizontal line and its legend label (e.g. an accuracy threshold).
    pub reference: Option<(f64, String)>,
    /// Fixed y range, or `None` to fit the data.
    pub y_range: Option<(f64, f64)>,
    /// Where the legend goes (pick the corner the data leaves empty).
    pub legend: SeriesLabelPosition,
}

/// Colour-blind-safe colours (Okabe–Ito), cycled over series.
const COLOURS: [RGBColor; 6] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
];

fn range_of(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    (lo <= hi).then(|| {
        if lo == hi {
            (lo - 0.5 * lo.abs().max(1e-3), hi + 0.5 * hi.abs().max(1e-3))
        } else {
            (lo, hi)
        }
    })
}

/// The figure as an SVG document (`width × height` pixels).
pub fn figure_svg(fig: &Figure, width: u32, height: u32) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let e = |e: DrawingAreaErrorKind<_>| format!("figure {}: {e}", fig.stem);
        root.fill(&WHITE).map_err(e)?;
        let all = || fig.series.iter().flat_map(|s| s.points.iter());
        let (x0, x1) = range_of(all().map(|p| p.0)).unwrap_or((0.0, 1.0));
        let (y0, y1) = match fig.y_range {
            Some(r) => r,
            None => {
                let (lo, hi) =
                    range_of(all().map(|p| p.1).chain(fig.reference.iter().map(|r| r.0)))
                        .unwrap_or((0.0, 1.0));
                let pad = 0.05 * (hi - lo);
                (lo - pad, hi + pad)
            }
        };
        let xpad = 0.02 * (x1 - x0);
        let mut chart = ChartBuilder::on(&root)
            .caption(&fig.title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(x0 - xpad..x1 + xpad, y0..y1)
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_desc(&fig.x_label)
            .y_desc(&fig.y_label)
            .x_labels(6)
            .y_labels(6)
            .light_line_style(RGBColor(235, 235, 235))
            .label_style(("sans-serif", 13))
            .axis_desc_style(("sans-serif", 14))
            .draw()
            .map_err(e)?;
        if let Some((y, label)) = &fig.reference {
            let grey = RGBColor(120, 120, 120);
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(x0 - xpad, *y), (x1 + xpad, *y)],
                    6,
                    4,
                    grey.stroke_width(1),
                ))
                .map_err(e)?
                .label(label.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], grey));
        }
        for (k, s) in fig.series.iter().enumerate() {
            let c = COLOURS[k % COLOURS.len()];
            let mut pts: Vec<(f64, f64)> = s
                .points
                .iter()
                .copied()
                .filter(|p| p.0.is_finite() && p.1.is_finite())
                .collect();
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            let marker = if pts.len() > 200 { 1 } else { 3 };
            chart
                .draw_series(LineSeries::new(pts.iter().copied(), c.stroke_width(2)))
                .map_err(e)?
                .label(s.name.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2))
                });
            chart
                .draw_series(pts.iter().map(|&p| Circle::new(p, marker, c.filled())))
                .map_err(e)?;
        }
        chart
            .configure_series_labels()
            .position(fig.legend.clone())
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(190, 190, 190))
            .label_font(("sans-serif", 13))
            .draw()
            .map_err(e)?;
        root.present().map_err(e)?;
    }
    Ok(svg)
}

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
p.note { color: #444; font-size: 0.92em; max-width: 60em; }
div.figures { display: flex; flex-wrap: wrap; gap: 1em; }
figure { margin: 0; border: 1px solid #e4e4e4; border-radius: 4px; padding: 0.5em; }
figcaption { font-size: 0.85em; color: #555; text-align: center; }
svg { display: block; }";

#[cfg(test)]
mod tests {
    use super::*;

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
