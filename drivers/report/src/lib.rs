//! # wiring-report
//!
//! The reports of both studies, as presentation only: every number shown here was computed by
//! the study's table or analysis (statistics live in `wiring_metrics::stats`). A report is one
//! self-contained HTML page — a header of facts and figures drawn as inline SVG — with each
//! figure's data also written as a tidy CSV next to it.
//!
//! | module | holds |
//! |---|---|
//! | [`html`] | start here: [`page`] (title, facts, notes, [`PlacedFigure`]s), [`escape`], [`format_p`] |
//! | [`chart`] | [`Figure`] and [`Series`], drawn by [`figure_svg`]; the legend ([`draw_legend`]) for hand-drawn charts |
//! | [`csv`] | [`figure_csv`], [`csv_field`] |
//! | [`findings`] | [`Finding`]s and their [`Verdict`]s: `findings.csv` ([`findings_csv`]) and the page's first block ([`findings_html`]) |
//! | [`sessions`] | [`session_facts`]: build, machines and throughput of the sessions that ran a study |

pub mod chart;
pub mod csv;
pub mod findings;
pub mod html;
pub mod sessions;

pub use chart::{draw_legend, figure_svg, Figure, Series};
pub use csv::{csv_field, figure_csv};
pub use findings::{findings_csv, findings_html, median_iqr, tally, Finding, Verdict};
pub use html::{escape, format_p, page, PlacedFigure};
pub use plotters::prelude::SeriesLabelPosition;
pub use sessions::session_facts;
