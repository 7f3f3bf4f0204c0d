//! The dashboard charts, drawn on the server as standalone SVG.
//!
//! Every function here is pure: no I/O, no clock, no hash-map order, so the same input
//! gives byte-identical SVG. All words come from the caller (pages are Spanish first,
//! English available); the only symbols written here are digits, `%` and `n=`.
//!
//! # How a chart is drawn
//!
//! plotters lays out the frame: background, title, axes, tick labels, grid and axis
//! titles, with its SVG backend and built-in font-size estimate (no system fonts). The
//! data layer (points, lines, bars, legend, counts) is written by this module, placed with
//! the coordinates plotters computed, because plotters' SVG backend cannot attach
//! attributes and pages and tests need stable hooks on every drawn value. The sparkline has
//! no frame, so it is written without plotters.
//!
//! The root `<svg>` carries `xmlns`, a `viewBox`, `width="100%"` (no height, so it scales
//! with its container on a tablet or a wide screen), `role="img"` and `aria-labelledby`
//! naming its `<title>` (the chart title) and `<desc>` (the caller's summary for screen
//! readers). Ids are `chart-<16 hex digits>`, an FNV-1a hash of the whole chart, so two
//! different charts on one page never share ids; `<title>` and `<desc>` get `-title` and
//! `-desc` suffixes, the stacked bars' hatch pattern `-hidden`.
//!
//! # Marking convention (tests and Playwright rely on it)
//!
//! - Root: `class="chart chart-<kind>"` and `data-chart="<kind>"`, kind being `line`,
//!   `stacked`, `bars` or `sparkline`.
//! - Every drawn value is one element with class `datum`, a `data-label` (week, row or
//!   item) and a `data-value` (the number, as Rust prints it: `72.5`, `12`):
//!   - line chart and sparkline: `<circle class="datum point" data-series=…>` per point;
//!     each unbroken run of two or more points is one `<polyline class="line">` (a gap in
//!     the data is a break between polylines, never a zero), inside
//!     `<g class="series" data-series=…>` in the line chart;
//!   - stacked bars: `<rect class="datum segment" data-series=<segment label>
//!     data-share=<percent of the row's total>>`, segments with a zero count are not
//!     drawn;
//!   - bars: `<rect class="datum bar">`, with its value as `<text class="value">`.
//! - Line chart counts: `<text class="count" data-label=<week>>n=12</text>` under the
//!   x axis, only for weeks with a drawn point and a known count.
//! - Rows and items that are suppressed draw no shape: a
//!   `<text class="suppressed" data-label=…>` with the caller's words stands in its place.
//! - Stacked bars whose row is only partly suppressed (some `None` segments, a known total)
//!   draw their known segments at their share of the total, then one
//!   `<rect class="hidden-share" data-label=<row> data-share=<percent>>` for the rest of
//!   the total: not a `datum` and without `data-value`, since it holds no one count. It is
//!   hatched grey on white (the `<pattern>` in the chart's `<defs>`), so it is not read
//!   as the solid grey of "rather not answer", and its `<title>` is the caller's
//!   suppressed words. A row with no known segment, a zero total, a total below its known
//!   counts, or a `None` segment without a total is suppressed as a whole.
//! - Legend entries: `<g class="legend-item" data-series=…>`, in series or segment order;
//!   stacked bars add `data-series="hidden"` (with the suppressed words) last, only when
//!   some row has a hidden share.
//! - Row and item names in bar charts: `<text class="row-label" data-label=…>`.
//!
//! Non-finite numbers count as missing. Values are clamped to the axis when placed, but
//! `data-value` keeps the value given.

use std::fmt::Write as _;
use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, KeyPointWeight};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

/// The Okabe–Ito palette, safe for the common colour-vision deficiencies.
pub const OKABE_ITO: [&str; 8] =
    ["#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"];

/// Line and bar colours in the order series take them (Okabe–Ito, yellow left out: it
/// fades on white).
pub const SERIES_COLOURS: [&str; 7] = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];

/// The answer scale from worst to best (diverging, so neighbours stay distinct), then grey
/// for "rather not answer". Stacked-bar segments take these in order.
pub const SCALE_COLOURS: [&str; 5] = ["#D55E00", "#E69F00", "#56B4E9", "#0072B2", "#999999"];

/// Dash patterns that go with [`SERIES_COLOURS`], so lines differ in more than colour.
const SERIES_DASHES: [&str; 4] = ["", "10 5", "3 4", "14 4 3 4"];

/// Texts every chart carries.
#[derive(Debug, Clone, Copy)]
pub struct ChartText<'a> {
    /// Drawn on top and used as the accessible name.
    pub title: &'a str,
    /// Under the x axis; empty for none.
    pub x_label: &'a str,
    /// Beside the y axis; empty for none.
    pub y_label: &'a str,
    /// What the chart shows, in words, for screen readers (`<desc>`).
    pub summary: &'a str,
}

/// One line of the index chart: one value per week, `None` where the week has no release
/// or was suppressed.
#[derive(Debug, Clone)]
pub struct Series<'a> {
    /// The station (or group) the line stands for, shown in the legend.
    pub label: &'a str,
    /// Aligned with the weeks; values past the last week are ignored, missing ones are gaps.
    pub points: Vec<Option<f64>>,
}

const WIDTH: u32 = 800;
const INK: RGBColor = RGBColor(0x1A, 0x1A, 0x1A);
const AXIS: RGBColor = RGBColor(0x55, 0x55, 0x55);
const GRID: RGBColor = RGBColor(0xD9, 0xD9, 0xD9);
const INK_HEX: &str = "#1A1A1A";
const MUTED_HEX: &str = "#555555";
const FONT: &str = "sans-serif";
const TITLE_PX: f64 = 22.0;
const TEXT_PX: f64 = 16.0;
const SMALL_PX: f64 = 14.0;
/// Height of one row (name line plus bar) in the bar charts.
const ROW_H: f64 = 60.0;
const LEGEND_ROW_H: f64 = 28.0;
/// Room above the plot for plotters' title.
const TITLE_H: f64 = 40.0;
/// The dignity index's fixed scale.
const INDEX_MAX: f64 = 100.0;

type SvgArea<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type DrawResult = Result<(), DrawingAreaErrorKind<std::io::Error>>;

/// Stands for the chart's id in the data layer until [`render`] knows it; `esc` and
/// `clean` drop this character from every text, so only the module writes it.
const ID_SLOT: &str = "\u{0}";
const HIDDEN_FILL: &str = "url(#\u{0}-hidden)";
/// The hatch's lines: mid grey, darker than the solid #999999 of "rather not answer".
const HIDDEN_INK: &str = "#767676";

mod bars;
mod frame;
mod line;
mod marks;
mod sparkline;

pub use bars::{bars, stacked_bars, StackedRow};
use frame::*;
pub use line::index_line_chart;
pub mod png;
pub(crate) use marks::esc;
use marks::*;
pub use sparkline::sparkline;

#[cfg(test)]
mod tests;
