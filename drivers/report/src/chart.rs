//! Line charts as inline SVG (plotters): [`Figure`]s of named [`Series`], with the reports'
//! axes, ticks and legend placement.

use plotters::prelude::*;

/// One named series of (x, y) points, drawn as a line with markers.
#[derive(Clone, Debug)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// A line chart over a shared x axis (or, with `scatter`, a scatter plot).
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
    /// Where the legend goes by preference. When data would lie under it there, it goes to
    /// the corner that covers the fewest data (checked along the drawn lines too).
    pub legend: SeriesLabelPosition,
    /// Markers only: for points that are not a function of x (one network per point), where
    /// joining them in x order would draw a trend that is not there.
    pub scatter: bool,
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
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| tick(*v))
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
        // Pixels of everything drawn, for the legend's placement.
        let mut drawn: Vec<(i32, i32)> = Vec::new();
        for (k, s) in fig.series.iter().enumerate() {
            let c = COLOURS[k % COLOURS.len()];
            let mut pts: Vec<(f64, f64)> = s
                .points
                .iter()
                .copied()
                .filter(|p| p.0.is_finite() && p.1.is_finite())
                .collect();
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            let pixels: Vec<(i32, i32)> = pts.iter().map(|p| chart.backend_coord(p)).collect();
            drawn.extend(&pixels);
            let marker = if pts.len() > 200 { 1 } else { 3 };
            if fig.scatter {
                let marker = marker + 1;
                chart
                    .draw_series(pts.iter().map(|&p| Circle::new(p, marker, c.filled())))
                    .map_err(e)?
                    .label(s.name.as_str())
                    .legend(move |(x, y)| Circle::new((x + 9, y), marker, c.filled()));
                continue;
            }
            for w in pixels.windows(2) {
                drawn.extend((1..8).map(|i| {
                    let t = f64::from(i) / 8.0;
                    let lerp = |a: i32, b: i32| a + (t * f64::from(b - a)).round() as i32;
                    (lerp(w[0].0, w[1].0), lerp(w[0].1, w[1].1))
                }));
            }
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
        let labels = fig
            .series
            .iter()
            .map(|s| s.name.as_str())
            .chain(fig.reference.iter().map(|r| r.1.as_str()));
        let legend_size = (
            36 + labels.clone().map(|l| l.chars().count()).max().unwrap_or(0) as i32 * 8,
            10 + 20 * labels.count() as i32,
        );
        let area = chart.plotting_area().get_pixel_range();
        let area = ((area.0.start, area.1.start), (area.0.end, area.1.end));
        let corner = legend_corner(&fig.legend, area, legend_size, &drawn);
        draw_legend(&mut chart, corner).map_err(e)?;
        root.present().map_err(e)?;
    }
    Ok(svg)
}

/// Draws the legend of every labelled series of `chart` at `position`, in the reports' style
/// (white, slightly transparent box with a grey border).
pub fn draw_legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(190, 190, 190))
        .label_font(("sans-serif", 13))
        .draw()
}

/// An axis tick: no `.0` on whole numbers, `k`/`M` for thousands and millions of whole numbers,
/// otherwise at most four significant digits without trailing zeros (`0.05`, `1.25e-4`).
fn tick(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 {
        return "0".into();
    }
    if v.fract() == 0.0 && a < 1e15 {
        return match a {
            a if a >= 1e6 && v % 1e5 == 0.0 => format!("{}M", v / 1e6),
            a if a >= 1e4 && v % 100.0 == 0.0 => format!("{}k", v / 1e3),
            _ => format!("{v:.0}"),
        };
    }
    if !(1e-3..1e6).contains(&a) {
        return format!("{v:.2e}");
    }
    let decimals = (3 - a.log10().floor() as i32).clamp(0, 6) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// The legend's corner: `preferred` when no drawn pixel lies under a legend of `size` there
/// (or when it is not a corner), else the corner of the plotting `area` (`(x0, y0), (x1, y1)`)
/// with the fewest.
fn legend_corner(
    preferred: &SeriesLabelPosition,
    area: ((i32, i32), (i32, i32)),
    size: (i32, i32),
    drawn: &[(i32, i32)],
) -> SeriesLabelPosition {
    use SeriesLabelPosition::*;
    let ((x0, y0), (x1, y1)) = area;
    let (w, h) = (size.0 + 10, size.1 + 10);
    let covered = |corner: &SeriesLabelPosition| -> Option<usize> {
        let (left, top) = match corner {
            UpperLeft => (x0, y0),
            UpperRight => (x1 - w, y0),
            LowerLeft => (x0, y1 - h),
            LowerRight => (x1 - w, y1 - h),
            _ => return None,
        };
        let inside =
            |&&(x, y): &&(i32, i32)| x >= left && x <= left + w && y >= top && y <= top + h;
        Some(drawn.iter().filter(inside).count())
    };
    let Some(here) = covered(preferred) else {
        return preferred.clone();
    };
    [UpperRight, UpperLeft, LowerRight, LowerLeft]
        .into_iter()
        .filter_map(|c| covered(&c).map(|n| (n, c)))
        .min_by_key(|(n, _)| *n)
        .filter(|(n, _)| *n < here)
        .map_or_else(|| preferred.clone(), |(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_legend_leaves_the_data_visible() {
        use SeriesLabelPosition::*;
        let area = ((0, 0), (400, 300));
        let size = (80, 40);
        // Nothing under the preferred corner: it stays.
        assert_eq!(
            legend_corner(&LowerLeft, area, size, &[(390, 10)]),
            LowerLeft
        );
        // Data in the upper right: the preferred upper right gives way to an empty corner.
        let moved = legend_corner(&UpperRight, area, size, &[(390, 10), (5, 5)]);
        assert!(matches!(moved, LowerRight | LowerLeft), "{moved:?}");
        // Every corner covered: the least covered one.
        let pts = [
            (390, 10),
            (391, 11),
            (5, 5),
            (6, 6),
            (5, 295),
            (6, 294),
            (395, 295),
        ];
        assert_eq!(legend_corner(&UpperRight, area, size, &pts), LowerRight);
        // A position that is not a corner is kept.
        assert_eq!(legend_corner(&MiddleRight, area, size, &pts), MiddleRight);
    }

    #[test]
    fn ticks_are_short() {
        let cases = [
            (0.0, "0"),
            (2.0, "2"),
            (-3.0, "-3"),
            (50_000.0, "50k"),
            (150_000.0, "150k"),
            (2_000_000.0, "2M"),
            (12_345.0, "12345"),
            (0.05, "0.05"),
            (0.1 + 0.2, "0.3"),
            (1.25, "1.25"),
            (2.626_4, "2.626"),
            (1234.56, "1235"),
            (12.5, "12.5"),
            (1.25e-4, "1.25e-4"),
        ];
        for (v, want) in cases {
            assert_eq!(tick(v), want, "{v}");
        }
    }
}
