//! The SVG figures of `analysis.html` that the shared line chart ([`wiring_report`]) does not
//! draw: many curves with a few highlighted, a ranking strip, pathway-effect strips and bars
//! with error bars. Each returns an SVG document or why it cannot be drawn.

use plotters::coord::Shift;
use plotters::prelude::*;

use wiring_metrics::stats::median;
use wiring_report::draw_legend;

use super::rankings::Verdict;

/// Okabe–Ito colours of the highlighted series, in order.
pub const HIGHLIGHT: [RGBColor; 4] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
];
const BACKGROUND: RGBColor = RGBColor(190, 190, 190);
const GREY: RGBColor = RGBColor(120, 120, 120);
const BETTER: RGBColor = RGBColor(0, 158, 115);
const WORSE: RGBColor = RGBColor(213, 94, 0);
const REFERENCE: RGBColor = RGBColor(0, 114, 178);
const BAR: RGBColor = RGBColor(86, 180, 233);

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

fn finite_range(values: impl Iterator<Item = f64>, pad: f64) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if lo > hi {
        return (0.0, 1.0);
    }
    let span = if hi > lo { hi - lo } else { lo.abs().max(1e-3) };
    (lo - pad * span, hi + pad * span)
}

fn draw<F>(width: u32, height: u32, stem: &str, body: F) -> Result<String, String>
where
    F: FnOnce(&Area<'_>) -> Result<(), String>,
{
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| format!("figure {stem}: {e}"))?;
        body(&root)?;
        root.present().map_err(|e| format!("figure {stem}: {e}"))?;
    }
    Ok(svg)
}

/// Many curves: `background` thin and grey (one legend entry, `background_label`), then
/// `highlighted` thick in [`HIGHLIGHT`] colours with markers, each in the legend, each
/// thinner than the one before so that curves lying on each other stay visible as stripes.
pub struct CurvesFigure {
    pub stem: String,
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub background: Vec<Vec<(f64, f64)>>,
    pub background_label: String,
    pub highlighted: Vec<(String, Vec<(f64, f64)>)>,
    pub y_range: Option<(f64, f64)>,
    pub legend: SeriesLabelPosition,
}

fn clean(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    points
        .iter()
        .copied()
        .filter(|p| p.0.is_finite() && p.1.is_finite())
        .collect()
}

pub fn curves_svg(fig: &CurvesFigure, width: u32, height: u32) -> Result<String, String> {
    draw(width, height, &fig.stem, |root| {
        let e = |e: DrawingAreaErrorKind<_>| format!("figure {}: {e}", fig.stem);
        let all = || {
            fig.background
                .iter()
                .flatten()
                .chain(fig.highlighted.iter().flat_map(|h| h.1.iter()))
        };
        let (x0, x1) = finite_range(all().map(|p| p.0), 0.02);
        let (y0, y1) = fig
            .y_range
            .unwrap_or_else(|| finite_range(all().map(|p| p.1), 0.05));
        let mut chart = ChartBuilder::on(root)
            .caption(&fig.title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_desc(&fig.x_label)
            .y_desc(&fig.y_label)
            .x_labels(8)
            .y_labels(6)
            .light_line_style(RGBColor(238, 238, 238))
            .label_style(("sans-serif", 13))
            .axis_desc_style(("sans-serif", 14))
            .draw()
            .map_err(e)?;
        for (k, curve) in fig.background.iter().enumerate() {
            let series = chart
                .draw_series(LineSeries::new(clean(curve), BACKGROUND.stroke_width(1)))
                .map_err(e)?;
            if k == 0 {
                series
                    .label(fig.background_label.as_str())
                    .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BACKGROUND));
            }
        }
        let n = fig.highlighted.len() as u32;
        for (k, (name, points)) in fig.highlighted.iter().enumerate() {
            let c = HIGHLIGHT[k % HIGHLIGHT.len()];
            let width = 2 + 2 * (n - 1 - k as u32).min(3);
            let pts = clean(points);
            chart
                .draw_series(LineSeries::new(pts.iter().copied(), c.stroke_width(width)))
                .map_err(e)?
                .label(name.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(3))
                });
            chart
                .draw_series(
                    pts.iter()
                        .map(|&p| Circle::new(p, width.min(4), c.filled())),
                )
                .map_err(e)?;
        }
        draw_legend(&mut chart, fig.legend.clone()).map_err(e)?;
        Ok(())
    })
}

/// One architecture in a ranking strip.
pub struct RankedPoint {
    pub median: f64,
    pub verdict: Verdict,
    pub is_reference: bool,
}

/// Medians of every architecture sorted ascending, coloured by verdict against the reference
/// (a larger blue dot), with a dashed line at the reference median.
pub fn ranking_svg(
    stem: &str,
    title: &str,
    y_label: &str,
    points: &[RankedPoint],
    width: u32,
    height: u32,
) -> Result<String, String> {
    draw(width, height, stem, |root| {
        let e = |e: DrawingAreaErrorKind<_>| format!("figure {stem}: {e}");
        let n = points.len().max(1) as f64;
        let (y0, y1) = finite_range(points.iter().map(|p| p.median), 0.08);
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(-0.5..n - 0.5, y0..y1)
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_desc("architectures, sorted by median")
            .y_desc(y_label)
            .x_labels(6)
            .y_labels(6)
            .x_label_formatter(&|x| format!("{:.0}", x + 1.0))
            .light_line_style(RGBColor(238, 238, 238))
            .label_style(("sans-serif", 13))
            .axis_desc_style(("sans-serif", 14))
            .draw()
            .map_err(e)?;
        if let Some(r) = points.iter().find(|p| p.is_reference) {
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(-0.5, r.median), (n - 0.5, r.median)],
                    6,
                    4,
                    REFERENCE.stroke_width(1),
                ))
                .map_err(e)?;
        }
        let radius = if points.len() > 60 { 3 } else { 5 };
        for (verdict, colour, label) in [
            (Verdict::NotSignificant, GREY, "not significant"),
            (Verdict::Better, BETTER, "significantly higher"),
            (Verdict::Worse, WORSE, "significantly lower"),
        ] {
            let pts: Vec<(f64, f64)> = points
                .iter()
                .enumerate()
                .filter(|(_, p)| p.verdict == verdict && !p.is_reference && p.median.is_finite())
                .map(|(k, p)| (k as f64, p.median))
                .collect();
            if pts.is_empty() {
                continue;
            }
            chart
                .draw_series(pts.iter().map(|&p| Circle::new(p, radius, colour.filled())))
                .map_err(e)?
                .label(label)
                .legend(move |(x, y)| Circle::new((x + 8, y), 4, colour.filled()));
        }
        let reference: Vec<(f64, f64)> = points
            .iter()
            .enumerate()
            .filter(|(_, p)| p.is_reference && p.median.is_finite())
            .map(|(k, p)| (k as f64, p.median))
            .collect();
        if !reference.is_empty() {
            chart
                .draw_series(
                    reference
                        .iter()
                        .map(|&p| Circle::new(p, radius + 3, REFERENCE.filled())),
                )
                .map_err(e)?
                .label("full (reference)")
                .legend(|(x, y)| Circle::new((x + 8, y), 6, REFERENCE.filled()));
        }
        draw_legend(&mut chart, SeriesLabelPosition::LowerRight).map_err(e)?;
        Ok(())
    })
}

/// One pair's effect in a pathway strip.
pub struct EffectPoint {
    pub effect: f64,
    pub verdict: Verdict,
}

/// Per category (pathway), the effect of each pair as a jittered dot — filled and coloured
/// when significant, hollow grey otherwise — and the median effect as a black bar; a dashed
/// line at 0.
pub fn effects_svg(
    stem: &str,
    title: &str,
    y_label: &str,
    categories: &[&str],
    effects: &[Vec<EffectPoint>],
    width: u32,
    height: u32,
) -> Result<String, String> {
    draw(width, height, stem, |root| {
        let e = |e: DrawingAreaErrorKind<_>| format!("figure {stem}: {e}");
        let n = categories.len() as f64;
        let (y0, y1) = finite_range(
            effects.iter().flatten().map(|p| p.effect).chain([0.0]),
            0.06,
        );
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(-0.5..n - 0.5, y0..y1)
            .map_err(e)?;
        let label_of = |x: &f64| -> String {
            let k = x.round();
            if (x - k).abs() < 1e-6 && k >= 0.0 && (k as usize) < categories.len() {
                categories[k as usize].to_string()
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .x_desc("pathway added")
            .y_desc(y_label)
            .x_labels(categories.len() * 2 + 1)
            .y_labels(6)
            .x_label_formatter(&label_of)
            .disable_x_mesh()
            .light_line_style(RGBColor(238, 238, 238))
            .label_style(("sans-serif", 13))
            .axis_desc_style(("sans-serif", 14))
            .draw()
            .map_err(e)?;
        chart
            .draw_series(DashedLineSeries::new(
                vec![(-0.5, 0.0), (n - 0.5, 0.0)],
                6,
                4,
                GREY.stroke_width(1),
            ))
            .map_err(e)?;
        // Deterministic jitter: the golden-ratio sequence over ±0.32.
        let jitter = |k: usize| ((k as f64 * 0.618_033_988_75).fract() - 0.5) * 0.64;
        let mut legend_done = [false; 3];
        for (c, pts) in effects.iter().enumerate() {
            for (k, p) in pts.iter().enumerate() {
                if !p.effect.is_finite() {
                    continue;
                }
                let at = (c as f64 + jitter(k), p.effect);
                let (style, slot, label) = match p.verdict {
                    Verdict::Better => (BETTER.filled(), 0, "significant increase"),
                    Verdict::Worse => (WORSE.filled(), 1, "significant decrease"),
                    Verdict::NotSignificant => (GREY.stroke_width(1), 2, "not significant"),
                };
                let series = chart
                    .draw_series(std::iter::once(Circle::new(at, 3, style)))
                    .map_err(e)?;
                if !legend_done[slot] {
                    legend_done[slot] = true;
                    series
                        .label(label)
                        .legend(move |(x, y)| Circle::new((x + 8, y), 4, style));
                }
            }
            let m = median(pts.iter().map(|p| p.effect));
            if !m.is_nan() {
                let x = c as f64;
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(x - 0.38, m), (x + 0.38, m)],
                        BLACK.stroke_width(3),
                    )))
                    .map_err(e)?;
            }
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight).map_err(e)?;
        Ok(())
    })
}

/// One bar: label, height and the half-length of its error bar.
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub error: f64,
}

/// Bars with error bars from 0, and an optional dashed reference line with its legend label.
pub fn bars_svg(
    stem: &str,
    title: &str,
    y_label: &str,
    bars: &[Bar],
    reference: Option<(f64, &str)>,
    width: u32,
    height: u32,
) -> Result<String, String> {
    draw(width, height, stem, |root| {
        let e = |e: DrawingAreaErrorKind<_>| format!("figure {stem}: {e}");
        let n = bars.len() as f64;
        let top = bars
            .iter()
            .map(|b| b.value + b.error.max(0.0))
            .chain(reference.map(|r| r.0))
            .filter(|v| v.is_finite())
            .fold(0.0f64, f64::max);
        let top = if top > 0.0 { top * 1.12 } else { 1.0 };
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(-0.5..n - 0.5, 0.0..top)
            .map_err(e)?;
        let label_of = |x: &f64| -> String {
            let k = x.round();
            if (x - k).abs() < 1e-6 && k >= 0.0 && (k as usize) < bars.len() {
                bars[k as usize].label.clone()
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .y_desc(y_label)
            .x_labels(bars.len() * 2 + 1)
            .y_labels(6)
            .x_label_formatter(&label_of)
            .disable_x_mesh()
            .light_line_style(RGBColor(238, 238, 238))
            .label_style(("sans-serif", 13))
            .axis_desc_style(("sans-serif", 14))
            .draw()
            .map_err(e)?;
        for (k, b) in bars.iter().enumerate() {
            if !b.value.is_finite() {
                continue;
            }
            let x = k as f64;
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(x - 0.34, 0.0), (x + 0.34, b.value)],
                    BAR.filled(),
                )))
                .map_err(e)?;
            if b.error.is_finite() && b.error > 0.0 {
                let (lo, hi) = ((b.value - b.error).max(0.0), b.value + b.error);
                chart
                    .draw_series([
                        PathElement::new(vec![(x, lo), (x, hi)], BLACK.stroke_width(1)),
                        PathElement::new(vec![(x - 0.1, lo), (x + 0.1, lo)], BLACK.stroke_width(1)),
                        PathElement::new(vec![(x - 0.1, hi), (x + 0.1, hi)], BLACK.stroke_width(1)),
                    ])
                    .map_err(e)?;
            }
        }
        if let Some((y, label)) = reference {
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(-0.5, y), (n - 0.5, y)],
                    6,
                    4,
                    WORSE.stroke_width(2),
                ))
                .map_err(e)?
                .label(label)
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], WORSE.stroke_width(2))
                });
            draw_legend(&mut chart, SeriesLabelPosition::UpperRight).map_err(e)?;
        }
        Ok(())
    })
}
