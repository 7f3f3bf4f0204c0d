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

/// The weekly dignity index (0–100) of one or more series, one point per week.
///
/// A `None` point is a gap: the line breaks there. `counts`, aligned with `weeks`, are the
/// responses behind each week, written as `n=…` under the week's label for weeks with a
/// drawn point. When there are more weeks than labels fit, every k-th week is labelled (and
/// counted), counting back from the latest; every point still carries its week.
pub fn index_line_chart(
    weeks: &[String],
    series: &[Series],
    counts: Option<&[Option<i64>]>,
    text: &ChartText,
) -> String {
    let legend = series
        .iter()
        .enumerate()
        .map(|(i, s)| LegendItem { series: s.label, label: s.label, colour: series_colour(i), dash: series_dash(i) })
        .collect::<Vec<_>>();
    let legend_h = if series.len() > 1 { legend_height(&legend) } else { 0.0 };
    let plot_h = 320.0;
    let height = (TITLE_H + legend_h + plot_h + 100.0).round() as u32;
    render("line", height, text, |root, marks| {
        let area = frame(root, text.title)?;
        if series.len() > 1 {
            draw_legend(marks, &legend, area.get_base_pixel(), true);
        }
        let area = area.margin(legend_h as i32, 0, 0, 0);
        let n = weeks.len().max(1);
        let ticks = week_ticks(weeks);
        let tick_values = ticks.iter().map(|&i| i as f64).collect::<Vec<_>>();
        let x_range = FixedTicks::new(-0.5..n as f64 - 0.5, tick_values);
        let y_range = FixedTicks::new(0.0..INDEX_MAX, vec![0.0, 25.0, 50.0, 75.0, 100.0]);
        let mut chart = ChartBuilder::on(&area)
            .margin(12)
            .margin_right(28)
            .x_label_area_size(88)
            .y_label_area_size(if text.y_label.is_empty() { 44 } else { 72 })
            .build_cartesian_2d(x_range, y_range)?;
        let week_label = |x: &f64| -> String {
            let i = x.round();
            if i >= 0.0 && (i as usize) < weeks.len() {
                clean(&weeks[i as usize])
            } else {
                String::new()
            }
        };
        let index_label = |y: &f64| format!("{y:.0}");
        let mut mesh = chart.configure_mesh();
        style_mesh(&mut mesh, text);
        mesh.disable_x_mesh().x_label_formatter(&week_label).y_label_formatter(&index_label).draw()?;
        let plot = Plot::of(&chart, (-0.5, n as f64 - 0.5), (0.0, INDEX_MAX));

        let mut drawn = vec![false; weeks.len()];
        for (s_index, s) in series.iter().enumerate() {
            let colour = series_colour(s_index);
            let dash = series_dash(s_index);
            let points = s.points.iter().take(weeks.len()).map(|p| p.filter(|v| v.is_finite())).collect::<Vec<_>>();
            let _ = write!(marks, r#"<g class="series" data-series="{}">"#, esc(s.label));
            for run in runs(&points) {
                if run.len() < 2 {
                    continue;
                }
                let coords = run
                    .iter()
                    .map(|&(i, v)| format!("{},{}", px(plot.x(i as f64)), px(plot.y(v.clamp(0.0, INDEX_MAX)))))
                    .collect::<Vec<_>>()
                    .join(" ");
                let _ = write!(
                    marks,
                    r#"<polyline class="line" data-series="{}" points="{coords}" fill="none" stroke="{colour}" stroke-width="3" stroke-linejoin="round"{}/>"#,
                    esc(s.label),
                    dash_attr(dash)
                );
            }
            for (i, v) in points.iter().enumerate() {
                let Some(v) = v else { continue };
                drawn[i] = true;
                let _ = write!(
                    marks,
                    r##"<circle class="datum point" data-series="{}" data-label="{}" data-value="{v}" cx="{}" cy="{}" r="5" fill="{colour}" stroke="#FFFFFF" stroke-width="1.5"/>"##,
                    esc(s.label),
                    esc(&weeks[i]),
                    px(plot.x(i as f64)),
                    px(plot.y(v.clamp(0.0, INDEX_MAX))),
                );
            }
            marks.push_str("</g>");
        }

        if let Some(counts) = counts {
            // Under the week labels plotters drew just below the axis.
            let y = plot.bottom + 46.0;
            for &i in &ticks {
                let (true, Some(Some(count))) = (drawn[i], counts.get(i)) else {
                    continue;
                };
                let _ = write!(
                    marks,
                    r#"<text class="count" data-label="{}" x="{}" y="{}" text-anchor="middle" font-size="{SMALL_PX}" fill="{MUTED_HEX}">n={count}</text>"#,
                    esc(&weeks[i]),
                    px(plot.x(i as f64)),
                    px(y)
                );
            }
        }
        Ok(())
    })
}

/// One bar of [`stacked_bars`], e.g. one question.
#[derive(Debug, Clone)]
pub struct StackedRow {
    /// The row's name, written above its bar.
    pub label: String,
    /// One count per segment label; `None` where the count is suppressed.
    pub segments: Vec<Option<u64>>,
    /// What the shares are of (e.g. the question's responses), known even when some
    /// segments are not; `None` to take the sum of the segments.
    pub total: Option<u64>,
}

impl StackedRow {
    /// The row's denominator and the part of it that is hidden, or `None` when the row
    /// cannot be drawn honestly and is suppressed as a whole.
    fn shares(&self) -> Option<(u64, u64)> {
        let known: u64 = self.segments.iter().flatten().sum();
        let complete = self.segments.iter().all(Option::is_some);
        if !self.segments.iter().any(Option::is_some) {
            return None;
        }
        // Without a total, a partial row has nothing to be a share of.
        let total = match self.total {
            Some(total) => total,
            None if complete => known,
            None => return None,
        };
        if total == 0 || total < known {
            return None;
        }
        // With every segment known, the rest of the total (skipped answers) is left empty.
        let hidden = if complete { 0 } else { total - known };
        Some((total, hidden))
    }
}

/// Horizontal bars of shares, one per row (e.g. per question), segments in the order of
/// `segment_labels` (e.g. the answer scale, then "rather not answer"), coloured with
/// [`SCALE_COLOURS`]. Each segment is its count over the row's total.
///
/// A row with some segments `None` and a total draws the known ones and one hatched
/// rect, titled `suppressed_label`, for the rest of the total. A row that cannot be drawn
/// (see [`StackedRow::total`] and the module's marking convention) draws no bar:
/// `suppressed_label` stands in its place.
pub fn stacked_bars(
    rows: &[StackedRow],
    segment_labels: &[String],
    suppressed_label: &str,
    text: &ChartText,
) -> String {
    let plans = rows.iter().map(StackedRow::shares).collect::<Vec<_>>();
    let mut legend = segment_labels
        .iter()
        .enumerate()
        .map(|(i, label)| LegendItem { series: label, label, colour: scale_colour(i), dash: None })
        .collect::<Vec<_>>();
    let any_hidden = plans.iter().flatten().any(|&(_, hidden)| hidden > 0);
    if any_hidden {
        legend.push(LegendItem { series: "hidden", label: suppressed_label, colour: HIDDEN_FILL, dash: None });
    }
    let legend_h = legend_height(&legend);
    let row_count = rows.len().max(1);
    let height = (TITLE_H + legend_h + ROW_H * row_count as f64 + 100.0).round() as u32;
    render("stacked", height, text, |root, marks| {
        let area = frame(root, text.title)?;
        draw_legend(marks, &legend, area.get_base_pixel(), false);
        let area = area.margin(legend_h as i32, 0, 0, 0);
        let ticks = vec![0.0, 25.0, 50.0, 75.0, 100.0];
        let mut chart = row_chart(&area, text, (0.0, 100.0), ticks, row_count)?;
        let percent = |x: &f64| format!("{x:.0}%");
        let mut mesh = chart.configure_mesh();
        style_mesh(&mut mesh, text);
        mesh.disable_y_mesh().x_label_formatter(&percent).y_label_formatter(&|_| String::new()).draw()?;
        let plot = Plot::of(&chart, (0.0, 100.0), (0.0, row_count as f64));
        if any_hidden {
            marks.push_str(&hatch_pattern());
        }

        for (row, (StackedRow { label, segments, .. }, plan)) in rows.iter().zip(&plans).enumerate() {
            let band = RowBand::new(&plot, row, row_count);
            row_label(marks, &plot, &band, label);
            let Some((total, hidden)) = *plan else {
                suppressed(marks, &plot, &band, label, suppressed_label);
                continue;
            };
            let mut before = 0u64;
            for (i, count) in segments.iter().enumerate() {
                let Some(count) = *count else { continue };
                let start = before as f64 / total as f64 * 100.0;
                before += count;
                if count == 0 {
                    continue;
                }
                let share = count as f64 / total as f64 * 100.0;
                let x0 = plot.x(start);
                let x1 = plot.x(start + share);
                let colour = scale_colour(i);
                let segment = segment_labels.get(i).map(String::as_str).unwrap_or("");
                let _ = write!(
                    marks,
                    r#"<rect class="datum segment" data-label="{}" data-series="{}" data-value="{count}" data-share="{}" x="{}" y="{}" width="{}" height="{}" fill="{colour}"/>"#,
                    esc(label),
                    esc(segment),
                    px(share),
                    px(x0),
                    px(band.bar_top),
                    px(x1 - x0),
                    px(band.bar_h),
                );
                // A share is only written inside a segment wide enough to hold it.
                if x1 - x0 >= 44.0 {
                    let _ = write!(
                        marks,
                        r#"<text class="share" x="{}" y="{}" text-anchor="middle" dominant-baseline="central" font-size="{SMALL_PX}" fill="{}" aria-hidden="true">{share:.0}%</text>"#,
                        px((x0 + x1) / 2.0),
                        px(band.bar_top + band.bar_h / 2.0),
                        readable_on(colour),
                    );
                }
            }
            if hidden > 0 {
                let start = plot.x(before as f64 / total as f64 * 100.0);
                let share = hidden as f64 / total as f64 * 100.0;
                let _ = write!(
                    marks,
                    r#"<rect class="hidden-share" data-label="{}" data-share="{}" x="{}" y="{}" width="{}" height="{}" fill="{HIDDEN_FILL}" stroke="{HIDDEN_INK}" stroke-width="1"><title>{}</title></rect>"#,
                    esc(label),
                    px(share),
                    px(start),
                    px(band.bar_top),
                    px(plot.x(100.0) - start),
                    px(band.bar_h),
                    esc(suppressed_label),
                );
            }
        }
        Ok(())
    })
}

/// Stands for the chart's id in the data layer until [`render`] knows it; `esc` and
/// `clean` drop this character from every text, so only the module writes it.
const ID_SLOT: &str = "\u{0}";
const HIDDEN_FILL: &str = "url(#\u{0}-hidden)";
/// The hatch's lines: mid grey, darker than the solid #999999 of "rather not answer".
const HIDDEN_INK: &str = "#767676";

/// Grey diagonal lines on white, for the hidden part of a stacked bar.
fn hatch_pattern() -> String {
    format!(
        r##"<defs><pattern id="{ID_SLOT}-hidden" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="#FFFFFF"/><line x1="0" y1="0" x2="0" y2="8" stroke="{HIDDEN_INK}" stroke-width="3"/></pattern></defs>"##
    )
}

/// Horizontal bars, one per item, in the order given (e.g. the improvement pick-list
/// ranked, or stations on the index). `None` is suppressed: no bar, `suppressed_label`
/// instead. `max` fixes the scale (100 for the index); without it the scale runs to a round
/// number above the largest value.
pub fn bars(items: &[(String, Option<f64>)], max: Option<f64>, suppressed_label: &str, text: &ChartText) -> String {
    let largest = items.iter().filter_map(|(_, v)| v.filter(|v| v.is_finite())).fold(0.0_f64, f64::max);
    let (axis_max, ticks) = match max.filter(|m| m.is_finite() && *m > 0.0) {
        Some(m) => (m, nice_ticks(m).1),
        None => nice_ticks(largest),
    };
    let row_count = items.len().max(1);
    let height = (TITLE_H + ROW_H * row_count as f64 + 100.0).round() as u32;
    render("bars", height, text, |root, marks| {
        let area = frame(root, text.title)?;
        let mut chart = row_chart(&area, text, (0.0, axis_max), ticks, row_count)?;
        let number = |x: &f64| format_number(*x);
        let mut mesh = chart.configure_mesh();
        style_mesh(&mut mesh, text);
        mesh.disable_y_mesh().x_label_formatter(&number).y_label_formatter(&|_| String::new()).draw()?;
        let plot = Plot::of(&chart, (0.0, axis_max), (0.0, row_count as f64));
        let colour = SERIES_COLOURS[0];

        for (row, (label, value)) in items.iter().enumerate() {
            let band = RowBand::new(&plot, row, row_count);
            row_label(marks, &plot, &band, label);
            let Some(value) = value.filter(|v| v.is_finite()) else {
                suppressed(marks, &plot, &band, label, suppressed_label);
                continue;
            };
            let end = plot.x(value.clamp(0.0, axis_max));
            let _ = write!(
                marks,
                r#"<rect class="datum bar" data-label="{}" data-value="{value}" x="{}" y="{}" width="{}" height="{}" fill="{colour}"/>"#,
                esc(label),
                px(plot.left),
                px(band.bar_top),
                px(end - plot.left),
                px(band.bar_h),
            );
            let _ = write!(
                marks,
                r#"<text class="value" data-label="{}" x="{}" y="{}" dominant-baseline="central" font-size="{TEXT_PX}" fill="{INK_HEX}">{}</text>"#,
                esc(label),
                px(end + 6.0),
                px(band.bar_top + band.bar_h / 2.0),
                format_number(value),
            );
        }
        Ok(())
    })
}

/// A tiny trend line for a table row: no axes and no text but its `<title>`, on the
/// index's 0–100 scale (wider if a value exceeds it) so rows compare. `None` is a gap.
pub fn sparkline(points: &[Option<f64>], title: &str) -> String {
    const W: f64 = 120.0;
    const H: f64 = 32.0;
    const PAD: f64 = 3.0;
    let points = points.iter().map(|p| p.filter(|v| v.is_finite())).collect::<Vec<_>>();
    let top = points.iter().flatten().fold(INDEX_MAX, |a, &b| a.max(b));
    let step = if points.len() > 1 { (W - 2.0 * PAD) / (points.len() - 1) as f64 } else { 0.0 };
    let x = |i: usize| {
        if points.len() > 1 {
            PAD + step * i as f64
        } else {
            W / 2.0
        }
    };
    let y = |v: f64| H - PAD - (v.clamp(0.0, top) / top) * (H - 2.0 * PAD);
    let colour = SERIES_COLOURS[0];

    // Written straight into one buffer: an overview draws a thousand of these.
    let mut marks = String::with_capacity(160 * points.len());
    for run in runs(&points) {
        if run.len() < 2 {
            continue;
        }
        marks.push_str(r#"<polyline class="line" points=""#);
        for (n, &(i, v)) in run.iter().enumerate() {
            if n > 0 {
                marks.push(' ');
            }
            push_px(&mut marks, x(i));
            marks.push(',');
            push_px(&mut marks, y(v));
        }
        let _ = write!(marks, r#"" fill="none" stroke="{colour}" stroke-width="2" stroke-linejoin="round"/>"#);
    }
    for (i, v) in points.iter().enumerate() {
        let Some(v) = v else { continue };
        let _ = write!(marks, r#"<circle class="datum point" data-label="{i}" data-value="{v}" cx=""#);
        push_px(&mut marks, x(i));
        marks.push_str(r#"" cy=""#);
        push_px(&mut marks, y(*v));
        let _ = write!(marks, r#"" r="2" fill="{colour}"/>"#);
    }
    let id = chart_id(&[b"sparkline", title.as_bytes(), marks.as_bytes()]);
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" id="{id}" class="chart chart-sparkline" data-chart="sparkline" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-labelledby="{id}-title"><title id="{id}-title">{}</title>{marks}</svg>"#,
        esc(title)
    )
}

/// Runs plotters on a fresh SVG of `height`, lets `draw` add its marked data layer, and
/// wraps both in the accessible root. If plotters fails (it cannot when writing to a
/// string, but its API says it may), the chart keeps its title and summary and drops the
/// drawing.
fn render(kind: &str, height: u32, text: &ChartText, draw: impl FnOnce(&SvgArea, &mut String) -> DrawResult) -> String {
    let mut plotted = String::new();
    let mut marks = String::new();
    let result = {
        let root = SVGBackend::with_string(&mut plotted, (WIDTH, height)).into_drawing_area();
        draw(&root, &mut marks).and_then(|()| root.present())
    };
    let body = match result {
        Ok(()) => {
            let inner = plotted
                .find('>')
                .zip(plotted.rfind("</svg>"))
                .and_then(|(start, end)| plotted.get(start + 1..end))
                .unwrap_or("");
            format!("{inner}<g class=\"data\">{marks}</g>")
        }
        Err(error) => {
            tracing::error!(%error, kind, "drawing a chart failed");
            String::new()
        }
    };
    let id = chart_id(&[kind.as_bytes(), text.title.as_bytes(), text.summary.as_bytes(), body.as_bytes()]);
    let body = body.replace(ID_SLOT, &id);
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" id="{id}" class="chart chart-{kind}" data-chart="{kind}" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-labelledby="{id}-title {id}-desc" font-family="{FONT}"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>{body}</svg>"#,
        esc(text.title),
        esc(text.summary),
    )
}

/// White background and the title; returns the area under the title.
fn frame<'a>(root: &SvgArea<'a>, title: &str) -> Result<SvgArea<'a>, DrawingAreaErrorKind<std::io::Error>> {
    root.fill(&WHITE)?;
    root.titled(&clean(title), font(TITLE_PX).color(&INK))
}

/// A plotters text style whose SVG `font-size` is `size_px`: the SVG backend divides the
/// size it is given by 1.24.
fn font(size_px: f64) -> TextStyle<'static> {
    TextStyle::from((FONT, size_px * 1.24).into_font())
}

fn style_mesh<X: Ranged, Y: Ranged>(
    mesh: &mut plotters::chart::MeshStyle<'_, '_, X, Y, SVGBackend<'_>>,
    text: &ChartText,
) {
    mesh.axis_style(AXIS)
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .label_style(font(TEXT_PX).color(&INK))
        .axis_desc_style(font(TEXT_PX).color(&INK));
    if !text.x_label.is_empty() {
        mesh.x_desc(clean(text.x_label));
    }
    if !text.y_label.is_empty() {
        mesh.y_desc(clean(text.y_label));
    }
}

type RowChart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<FixedTicks, FixedTicks>>;

/// The frame of a chart with one horizontal band per row: x from `x_domain` with `ticks`,
/// y from 0 to the number of rows, without ticks.
fn row_chart<'a, 'b>(
    area: &'a SvgArea<'b>,
    text: &ChartText,
    x_domain: (f64, f64),
    ticks: Vec<f64>,
    rows: usize,
) -> Result<RowChart<'a, 'b>, DrawingAreaErrorKind<std::io::Error>> {
    ChartBuilder::on(area)
        .margin(12)
        .margin_right(72)
        .x_label_area_size(64)
        .y_label_area_size(if text.y_label.is_empty() { 8 } else { 40 })
        .build_cartesian_2d(
            FixedTicks::new(x_domain.0..x_domain.1, ticks),
            FixedTicks::new(0.0..rows as f64, Vec::new()),
        )
}

/// A numeric axis with exactly the ticks given and no light grid lines. plotters'
/// `with_key_points` does the same but loses the label formatter on `f64` axes.
struct FixedTicks {
    scale: RangedCoordf64,
    ticks: Vec<f64>,
}

impl FixedTicks {
    fn new(range: Range<f64>, ticks: Vec<f64>) -> Self {
        Self { scale: range.into(), ticks }
    }
}

impl Ranged for FixedTicks {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.scale.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        match hint.weight() {
            KeyPointWeight::Bold => self.ticks.clone(),
            KeyPointWeight::Any => Vec::new(),
        }
    }

    fn range(&self) -> Range<f64> {
        self.scale.range()
    }
}

/// The plot rectangle in SVG units and the data domain it shows, for placing the data
/// layer exactly where plotters put the axes.
struct Plot {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    x_domain: (f64, f64),
    /// Data values at the bottom and the top of the plot.
    y_domain: (f64, f64),
}

impl Plot {
    fn of<X, Y>(
        chart: &ChartContext<'_, SVGBackend<'_>, Cartesian2d<X, Y>>,
        x_domain: (f64, f64),
        y_domain: (f64, f64),
    ) -> Self
    where
        X: Ranged<ValueType = f64>,
        Y: Ranged<ValueType = f64>,
    {
        let (left, bottom) = chart.backend_coord(&(x_domain.0, y_domain.0));
        let (right, top) = chart.backend_coord(&(x_domain.1, y_domain.1));
        Self {
            left: f64::from(left),
            right: f64::from(right),
            top: f64::from(top),
            bottom: f64::from(bottom),
            x_domain,
            y_domain,
        }
    }

    fn x(&self, value: f64) -> f64 {
        let (from, to) = self.x_domain;
        self.left + (value - from) / (to - from) * (self.right - self.left)
    }

    fn y(&self, value: f64) -> f64 {
        let (from, to) = self.y_domain;
        self.bottom + (value - from) / (to - from) * (self.top - self.bottom)
    }
}

/// One row of a bar chart: its name on top, its bar under it.
struct RowBand {
    top: f64,
    bar_top: f64,
    bar_h: f64,
}

impl RowBand {
    /// Row 0 is the top band; y counts bands up from the bottom of the plot.
    fn new(plot: &Plot, row: usize, rows: usize) -> Self {
        let top = plot.y((rows - row) as f64);
        let bottom = plot.y((rows - row - 1) as f64);
        let bar_top = top + 26.0;
        Self { top, bar_top, bar_h: (bottom - 6.0 - bar_top).max(4.0) }
    }
}

fn row_label(marks: &mut String, plot: &Plot, band: &RowBand, label: &str) {
    let _ = write!(
        marks,
        r#"<text class="row-label" data-label="{0}" x="{1}" y="{2}" font-size="{TEXT_PX}" fill="{INK_HEX}">{0}</text>"#,
        esc(label),
        px(plot.left + 2.0),
        px(band.top + 19.0),
    );
}

fn suppressed(marks: &mut String, plot: &Plot, band: &RowBand, label: &str, words: &str) {
    let _ = write!(
        marks,
        r#"<text class="suppressed" data-label="{}" x="{}" y="{}" dominant-baseline="central" font-size="{TEXT_PX}" font-style="italic" fill="{MUTED_HEX}">{}</text>"#,
        esc(label),
        px(plot.left + 8.0),
        px(band.bar_top + band.bar_h / 2.0),
        esc(words),
    );
}

struct LegendItem<'a> {
    /// `data-series` of the entry.
    series: &'a str,
    label: &'a str,
    colour: &'static str,
    /// `Some` draws a line swatch (with this dash pattern), `None` a block.
    dash: Option<&'static str>,
}

const LEGEND_LEFT: f64 = 24.0;
const LEGEND_SWATCH: f64 = 28.0;

/// Rough width of a legend entry: swatch, gap, text at about 0.6 em per character, gap.
fn legend_item_width(item: &LegendItem) -> f64 {
    LEGEND_SWATCH + 8.0 + item.label.chars().count() as f64 * TEXT_PX * 0.6 + 24.0
}

/// Legend entries wrapped into rows across the width; their placement, top-left origin.
fn legend_layout(items: &[LegendItem]) -> Vec<(f64, f64)> {
    let max_x = f64::from(WIDTH) - LEGEND_LEFT;
    let (mut x, mut y) = (LEGEND_LEFT, 0.0);
    items
        .iter()
        .map(|item| {
            let w = legend_item_width(item);
            if x > LEGEND_LEFT && x + w > max_x {
                x = LEGEND_LEFT;
                y += LEGEND_ROW_H;
            }
            let at = (x, y);
            x += w;
            at
        })
        .collect()
}

fn legend_height(items: &[LegendItem]) -> f64 {
    legend_layout(items).last().map_or(0.0, |(_, y)| y + LEGEND_ROW_H + 8.0)
}

fn draw_legend(marks: &mut String, items: &[LegendItem], origin: (i32, i32), lines: bool) {
    let top = f64::from(origin.1) + 4.0;
    for (item, (x, y)) in items.iter().zip(legend_layout(items)) {
        let mid = top + y + LEGEND_ROW_H / 2.0;
        let _ = write!(marks, r#"<g class="legend-item" data-series="{}">"#, esc(item.series));
        if lines {
            let _ = write!(
                marks,
                r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="3"{}/>"#,
                px(x),
                px(mid),
                px(x + LEGEND_SWATCH),
                px(mid),
                item.colour,
                dash_attr(item.dash),
            );
        } else {
            // The hatch needs an edge to read as a block on the white page.
            let edge = if item.colour == HIDDEN_FILL { format!(r#" stroke="{HIDDEN_INK}""#) } else { String::new() };
            let _ = write!(
                marks,
                r#"<rect x="{}" y="{}" width="{}" height="16" fill="{}"{edge}/>"#,
                px(x),
                px(mid - 8.0),
                px(LEGEND_SWATCH - 8.0),
                item.colour,
            );
        }
        let _ = write!(
            marks,
            r#"<text x="{}" y="{}" dominant-baseline="central" font-size="{TEXT_PX}" fill="{INK_HEX}">{}</text></g>"#,
            px(x + LEGEND_SWATCH + 8.0),
            px(mid),
            esc(item.label),
        );
    }
}

/// The weeks that get a label: all if they fit, else every k-th counting back from the
/// latest, so the most recent week is always named.
fn week_ticks(weeks: &[String]) -> Vec<usize> {
    let n = weeks.len();
    if n == 0 {
        return Vec::new();
    }
    let longest = weeks.iter().map(|w| w.chars().count()).max().unwrap_or(0);
    let label_w = longest as f64 * TEXT_PX * 0.6 + 12.0;
    let spacing = 680.0 / n as f64;
    let step = (label_w / spacing).ceil().max(1.0) as usize;
    (0..n).filter(|i| (n - 1 - i).is_multiple_of(step)).collect()
}

/// The maximal runs of consecutive present values, with their indices.
fn runs(points: &[Option<f64>]) -> Vec<Vec<(usize, f64)>> {
    let mut runs = Vec::new();
    let mut current = Vec::new();
    for (i, p) in points.iter().enumerate() {
        match p {
            Some(v) => current.push((i, *v)),
            None if !current.is_empty() => runs.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs
}

/// An axis end at a round number at or above `largest`, and four or five ticks up to it.
fn nice_ticks(largest: f64) -> (f64, Vec<f64>) {
    let largest = if largest > 0.0 { largest } else { 1.0 };
    let rough = largest / 4.0;
    let magnitude = 10f64.powf(rough.log10().floor());
    let step =
        [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= rough).unwrap_or(10.0 * magnitude);
    let count = (largest / step - 1e-9).ceil().max(1.0) as usize;
    let ticks = (0..=count).map(|i| i as f64 * step).collect::<Vec<_>>();
    (count as f64 * step, ticks)
}

fn series_colour(i: usize) -> &'static str {
    SERIES_COLOURS[i % SERIES_COLOURS.len()]
}

fn series_dash(i: usize) -> Option<&'static str> {
    Some(SERIES_DASHES[i % SERIES_DASHES.len()])
}

fn scale_colour(i: usize) -> &'static str {
    if i < SCALE_COLOURS.len() {
        SCALE_COLOURS[i]
    } else {
        OKABE_ITO[(i - SCALE_COLOURS.len()) % OKABE_ITO.len()]
    }
}

fn dash_attr(dash: Option<&str>) -> String {
    match dash {
        Some(d) if !d.is_empty() => format!(r#" stroke-dasharray="{d}""#),
        _ => String::new(),
    }
}

/// Black or white, whichever reads better on `#RRGGBB` (WCAG contrast).
fn readable_on(background: &str) -> &'static str {
    let channel = |i: usize| {
        let c =
            background.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()).map_or(0.0, |c| f64::from(c) / 255.0);
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
    let on_black = (luminance + 0.05) / 0.05;
    let on_white = 1.05 / (luminance + 0.05);
    if on_black >= on_white {
        "#000000"
    } else {
        "#FFFFFF"
    }
}

/// `12`, `72.5`: whole numbers without decimals, others with one.
fn format_number(value: f64) -> String {
    if (value - value.round()).abs() < 1e-9 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// An SVG coordinate, to a tenth of a unit.
fn px(value: f64) -> String {
    let mut out = String::with_capacity(8);
    push_px(&mut out, value);
    out
}

/// `value` with one decimal, as `{:.1}` writes it but in integers: float formatting cost a
/// tenth of an overview's server time (a thousand sparklines of a dozen points).
fn push_px(out: &mut String, value: f64) {
    let tenths = (value * 10.0).round();
    if !tenths.is_finite() || tenths.abs() >= 1e15 {
        let _ = write!(out, "{value:.1}");
        return;
    }
    let tenths = tenths as i64;
    if tenths < 0 {
        out.push('-');
    }
    let _ = write!(out, "{}.{}", tenths.unsigned_abs() / 10, tenths.unsigned_abs() % 10);
}

/// Text without the characters XML 1.0 forbids (plotters escapes, but does not drop them).
fn clean(text: &str) -> String {
    text.chars()
        .filter(|&c| matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}'))
        .collect()
}

/// Text or attribute value escaped for XML.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in clean(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// `chart-` and the FNV-1a hash of the parts: the same chart gets the same id, different
/// charts on one page different ones.
fn chart_id(parts: &[&[u8]]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &byte in part.iter().chain(&[0xFF]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("chart-{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use roxmltree::{Document, Node};

    const TEXT: ChartText = ChartText {
        title: "Índice de dignidad",
        x_label: "Semana",
        y_label: "Índice",
        summary: "Sube de 50 a 80 en cinco semanas.",
    };

    fn weeks(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("S{i:02}")).collect()
    }

    fn parse(svg: &str) -> Document<'_> {
        Document::parse(svg).expect("a chart is well-formed XML")
    }

    /// Elements whose `class` list holds `class`, in document order.
    fn marked<'a, 'i>(doc: &'a Document<'i>, class: &str) -> Vec<Node<'a, 'i>> {
        doc.descendants()
            .filter(|n| n.attribute("class").is_some_and(|c| c.split_whitespace().any(|c| c == class)))
            .collect()
    }

    fn num(node: &Node, attribute: &str) -> f64 {
        node.attribute(attribute)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{attribute} is a number on {node:?}"))
    }

    fn attr<'a>(node: &Node<'a, '_>, attribute: &str) -> &'a str {
        node.attribute(attribute).unwrap_or("")
    }

    fn text(node: &Node) -> String {
        node.text().unwrap_or("").trim().to_string()
    }

    /// The x (or y) of the axis label plotters drew with exactly `label`.
    fn tick(doc: &Document, label: &str, attribute: &str) -> f64 {
        let node = doc
            .descendants()
            .find(|n| n.has_tag_name("text") && text(n) == label)
            .unwrap_or_else(|| panic!("an axis label {label:?}"));
        num(&node, attribute)
    }

    fn polyline_points(node: &Node) -> Vec<(f64, f64)> {
        attr(node, "points")
            .split_whitespace()
            .map(|pair| {
                let (x, y) = pair.split_once(',').expect("x,y");
                (x.parse().expect("x"), y.parse().expect("y"))
            })
            .collect()
    }

    fn one_station(points: Vec<Option<f64>>) -> Vec<Series<'static>> {
        vec![Series { label: "Comisaría Centro", points }]
    }

    #[test]
    fn line_chart_draws_present_weeks_and_breaks_the_line_at_gaps() {
        let svg = index_line_chart(
            &weeks(5),
            &one_station(vec![Some(50.0), Some(60.0), None, Some(70.0), Some(80.0)]),
            None,
            &TEXT,
        );
        let doc = parse(&svg);

        let points = marked(&doc, "point");
        let labels = points.iter().map(|p| attr(p, "data-label")).collect::<Vec<_>>();
        assert_eq!(labels, ["S01", "S02", "S04", "S05"], "no point for the gap");
        let values = points.iter().map(|p| num(p, "data-value")).collect::<Vec<_>>();
        assert_eq!(values, [50.0, 60.0, 70.0, 80.0]);

        let lines = marked(&doc, "line");
        assert_eq!(lines.len(), 2, "the gap splits the line in two");
        let runs = lines.iter().map(polyline_points).collect::<Vec<_>>();
        assert_eq!(runs.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2]);
        // Each run goes through its points, and nothing is drawn in the gap.
        for (vertex, point) in runs.concat().iter().zip(&points) {
            assert!((vertex.0 - num(point, "cx")).abs() < 0.01);
            assert!((vertex.1 - num(point, "cy")).abs() < 0.01);
        }
        let gap_x = tick(&doc, "S03", "x");
        assert!(runs[0][1].0 < gap_x && gap_x < runs[1][0].0);
    }

    #[test]
    fn a_lone_week_between_gaps_is_a_point_without_a_line() {
        let svg = index_line_chart(&weeks(3), &one_station(vec![None, Some(40.0), None]), None, &TEXT);
        let doc = parse(&svg);
        assert_eq!(marked(&doc, "point").len(), 1);
        assert!(marked(&doc, "line").is_empty());
    }

    #[test]
    fn index_axis_runs_from_0_to_100_whatever_the_data() {
        let svg = index_line_chart(&weeks(3), &one_station(vec![Some(50.0), Some(55.0), Some(100.0)]), None, &TEXT);
        let doc = parse(&svg);
        let (y0, y100) = (tick(&doc, "0", "y"), tick(&doc, "100", "y"));
        let points = marked(&doc, "point");
        let at = |i: usize| num(&points[i], "cy");
        assert!((at(0) - (y0 + y100) / 2.0).abs() <= 1.0, "50 sits halfway");
        assert!((at(2) - y100).abs() <= 1.0, "100 sits on the top line");
    }

    #[test]
    fn counts_are_written_under_drawn_weeks_only() {
        let svg = index_line_chart(
            &weeks(5),
            &one_station(vec![Some(50.0), Some(60.0), None, Some(70.0), Some(80.0)]),
            Some(&[Some(3), Some(4), Some(9), Some(5), None]),
            &TEXT,
        );
        let doc = parse(&svg);
        let counts = marked(&doc, "count");
        let shown = counts.iter().map(|c| (attr(c, "data-label"), text(c))).collect::<Vec<_>>();
        assert_eq!(shown, [("S01", "n=3".into()), ("S02", "n=4".into()), ("S04", "n=5".into())]);

        let points = marked(&doc, "point");
        let lowest_point = points.iter().map(|p| num(p, "cy")).fold(0.0, f64::max);
        for count in &counts {
            let point = points
                .iter()
                .find(|p| attr(p, "data-label") == attr(count, "data-label"))
                .expect("a point for the count");
            assert!((num(count, "x") - num(point, "cx")).abs() < 0.01, "under its point");
            assert!(num(count, "y") > tick(&doc, "0", "y").max(lowest_point), "under the axis");
        }
    }

    #[test]
    fn several_series_get_a_legend_and_their_own_colours() {
        let series = [
            Series { label: "Centro", points: vec![Some(50.0), Some(60.0)] },
            Series { label: "Norte", points: vec![Some(70.0), Some(65.0)] },
        ];
        let svg = index_line_chart(&weeks(2), &series, None, &TEXT);
        let doc = parse(&svg);
        let legend = marked(&doc, "legend-item");
        let names = legend.iter().map(|g| attr(g, "data-series")).collect::<Vec<_>>();
        assert_eq!(names, ["Centro", "Norte"]);
        let lines = marked(&doc, "line");
        assert_eq!(attr(&lines[0], "data-series"), "Centro");
        assert_eq!(attr(&lines[0], "stroke"), SERIES_COLOURS[0]);
        assert_eq!(attr(&lines[1], "stroke"), SERIES_COLOURS[1]);
        assert!(lines[1].attribute("stroke-dasharray").is_some(), "not told by colour alone");

        let single = index_line_chart(&weeks(2), &series[..1], None, &TEXT);
        assert!(marked(&parse(&single), "legend-item").is_empty());
    }

    #[test]
    fn many_weeks_keep_the_latest_labelled() {
        let ticks = week_ticks(&weeks(52));
        assert!(ticks.len() < 52);
        assert_eq!(ticks.last(), Some(&51));
        assert_eq!(week_ticks(&weeks(6)), [0, 1, 2, 3, 4, 5]);
        assert!(week_ticks(&[]).is_empty());
    }

    #[test]
    fn root_is_an_accessible_scalable_svg_with_escaped_text() {
        let tricky = ChartText {
            title: "Índice <&\"> 'x'",
            x_label: "a<b",
            y_label: "c&d",
            summary: "Resumen <b>no</b> & \"más\"\u{1}",
        };
        let series = [Series { label: "<Centro & \"Norte\">", points: vec![Some(1.0)] }];
        let charts = [
            index_line_chart(&weeks(1), &series, Some(&[Some(1)]), &tricky),
            stacked_bars(&[row("<p>", vec![Some(1), None], Some(3))], &["<&>".into()], "<suprimido>", &tricky),
            bars(&[("<&>".into(), None)], None, "\"x\" & <y>", &tricky),
        ];
        for svg in &charts {
            let doc = parse(svg);
            let root = doc.root_element();
            assert_eq!(root.tag_name().namespace(), Some("http://www.w3.org/2000/svg"));
            assert_eq!(attr(&root, "role"), "img");
            assert_eq!(attr(&root, "width"), "100%");
            assert!(root.attribute("height").is_none(), "height follows the viewBox");
            assert!(attr(&root, "viewBox").starts_with("0 0 800 "));

            let title = root.first_element_child().expect("title first");
            assert!(title.has_tag_name("title"));
            assert_eq!(title.text(), Some(tricky.title));
            let desc = title.next_sibling_element().expect("desc second");
            assert!(desc.has_tag_name("desc"));
            assert_eq!(desc.text(), Some("Resumen <b>no</b> & \"más\""));
            let labelled_by = attr(&root, "aria-labelledby").split(' ').collect::<Vec<_>>();
            assert_eq!(labelled_by, [attr(&title, "id"), attr(&desc, "id")]);

            // The drawn title and labels read back as given.
            let texts = doc.descendants().filter(|n| n.has_tag_name("text")).map(|n| text(&n)).collect::<Vec<_>>();
            for expected in [tricky.title, "a<b", "c&d"] {
                assert!(texts.iter().any(|t| t == expected), "{expected:?} drawn");
            }
        }
        let line = parse(&charts[0]);
        assert_eq!(attr(&marked(&line, "point")[0], "data-series"), series[0].label);
        let stacked = parse(&charts[1]);
        let hidden = &marked(&stacked, "hidden-share")[0];
        assert_eq!(attr(hidden, "data-label"), "<p>");
        assert_eq!(text(&hidden.first_element_child().expect("a title")), "<suprimido>");
        let bar_chart = parse(&charts[2]);
        assert_eq!(text(&marked(&bar_chart, "suppressed")[0]), "\"x\" & <y>");
    }

    #[test]
    fn same_input_gives_the_same_svg_and_different_charts_different_ids() {
        let draw = |title| {
            let text = ChartText { title, ..TEXT };
            index_line_chart(
                &weeks(4),
                &one_station(vec![Some(50.0), None, Some(70.0), Some(80.0)]),
                Some(&[Some(3), None, Some(5), Some(6)]),
                &text,
            )
        };
        assert_eq!(draw("A"), draw("A"));
        let rows = [row("P", vec![Some(1), None], Some(4))];
        let segments = ["a".to_string(), "b".to_string()];
        assert_eq!(stacked_bars(&rows, &segments, "-", &TEXT), stacked_bars(&rows, &segments, "-", &TEXT));
        let items = [("a".to_string(), Some(1.5))];
        assert_eq!(bars(&items, None, "-", &TEXT), bars(&items, None, "-", &TEXT));
        assert_eq!(sparkline(&[Some(1.0)], "t"), sparkline(&[Some(1.0)], "t"));

        let ids = [draw("A"), draw("B"), sparkline(&[Some(1.0)], "A")]
            .map(|svg| attr(&parse(&svg).root_element(), "id").to_string());
        assert_ne!(ids[0], ids[1]);
        assert_ne!(ids[0], ids[2]);
        assert!(ids.iter().all(|id| id.starts_with("chart-")));
    }

    fn row(label: &str, segments: Vec<Option<u64>>, total: Option<u64>) -> StackedRow {
        StackedRow { label: label.to_string(), segments, total }
    }

    /// The 0% and 100% ends of the stacked bars' axis.
    fn percent_axis(doc: &Document) -> (f64, f64) {
        (tick(doc, "0%", "x"), tick(doc, "100%", "x"))
    }

    fn scale() -> Vec<String> {
        ["Muy mal", "Mal", "Bien", "Muy bien", "Prefiero no responder"].map(String::from).to_vec()
    }

    #[test]
    fn stacked_segments_are_in_order_contiguous_and_proportional() {
        let rows = [row("¿Le trataron con respeto?", vec![Some(1), Some(2), Some(3), Some(4), Some(0)], None)];
        let svg = stacked_bars(&rows, &scale(), "Suprimido", &TEXT);
        let doc = parse(&svg);
        let segments = marked(&doc, "segment");
        let names = segments.iter().map(|s| attr(s, "data-series")).collect::<Vec<_>>();
        assert_eq!(names, ["Muy mal", "Mal", "Bien", "Muy bien"], "a zero is not drawn");
        let counts = segments.iter().map(|s| num(s, "data-value")).collect::<Vec<_>>();
        assert_eq!(counts, [1.0, 2.0, 3.0, 4.0]);

        let (left, right) = percent_axis(&doc);
        let mut x = left;
        for (i, segment) in segments.iter().enumerate() {
            assert_eq!(attr(segment, "fill"), SCALE_COLOURS[i]);
            assert!((num(segment, "x") - x).abs() <= 1.0, "segment {i} starts where the last ended");
            let share = num(segment, "width") / (right - left);
            assert!((share - counts[i] / 10.0).abs() < 0.005, "segment {i} is {share} wide");
            assert!((num(segment, "data-share") - counts[i] * 10.0).abs() < 0.05);
            x = num(segment, "x") + num(segment, "width");
        }
        assert!((x - right).abs() <= 1.0, "the bar fills 100%");

        let legend = marked(&doc, "legend-item");
        let names = legend.iter().map(|g| attr(g, "data-series")).collect::<Vec<_>>();
        assert_eq!(names, scale(), "no hidden item without a hidden share");
        assert!(marked(&doc, "hidden-share").is_empty());
        assert!(!doc.descendants().any(|n| n.has_tag_name("pattern")));
    }

    #[test]
    fn a_partly_hidden_row_draws_its_known_shares_and_one_hatched_rest() {
        let rows = [
            row("Respeto", vec![Some(10), None, Some(6), None, Some(2)], Some(24)),
            row("Derechos", vec![Some(6), Some(4), Some(2), Some(0), Some(0)], Some(24)),
        ];
        let svg = stacked_bars(&rows, &scale(), "Menos de 5 respuestas", &TEXT);
        let doc = parse(&svg);
        let (left, right) = percent_axis(&doc);

        let partial =
            marked(&doc, "segment").into_iter().filter(|s| attr(s, "data-label") == "Respeto").collect::<Vec<_>>();
        let names = partial.iter().map(|s| attr(s, "data-series")).collect::<Vec<_>>();
        assert_eq!(names, ["Muy mal", "Bien", "Prefiero no responder"]);
        let mut x = left;
        for (segment, count) in partial.iter().zip([10.0, 6.0, 2.0]) {
            assert!((num(segment, "x") - x).abs() <= 1.0, "known segments are contiguous");
            let share = num(segment, "width") / (right - left);
            assert!((share - count / 24.0).abs() < 0.005, "count over the total, not over the known sum");
            assert!((num(segment, "data-share") - count / 24.0 * 100.0).abs() < 0.05);
            x = num(segment, "x") + num(segment, "width");
        }

        let hidden = marked(&doc, "hidden-share");
        assert_eq!(hidden.len(), 1, "one rect for all the hidden segments");
        let rest = &hidden[0];
        assert_eq!(attr(rest, "data-label"), "Respeto");
        assert!(!attr(rest, "class").contains("datum") && rest.attribute("data-value").is_none());
        assert!((num(rest, "x") - x).abs() <= 1.0, "after the known segments");
        assert!((num(rest, "width") / (right - left) - 6.0 / 24.0).abs() < 0.005, "the rest of the total");
        assert!((num(rest, "x") + num(rest, "width") - right).abs() <= 1.0, "the bar fills 100%");
        assert!((num(rest, "data-share") - 25.0).abs() < 0.05);
        let title = rest.first_element_child().expect("a title");
        assert!(title.has_tag_name("title"));
        assert_eq!(text(&title), "Menos de 5 respuestas");

        // Hatched with the chart's own pattern, grey lines on white, not a solid grey.
        let patterns = doc.descendants().filter(|n| n.has_tag_name("pattern")).collect::<Vec<_>>();
        assert_eq!(patterns.len(), 1, "defined once");
        assert!(patterns[0].parent_element().is_some_and(|p| p.has_tag_name("defs")));
        let id = attr(&patterns[0], "id");
        assert_eq!(id, format!("{}-hidden", attr(&doc.root_element(), "id")));
        assert_eq!(attr(rest, "fill"), format!("url(#{id})"));
        let fills = patterns[0].descendants().filter_map(|n| n.attribute("fill")).collect::<Vec<_>>();
        assert_eq!(fills, ["#FFFFFF"]);
        assert!(patterns[0].descendants().any(|n| n.has_tag_name("line") && attr(&n, "stroke") != SCALE_COLOURS[4]));

        // A row with every segment known leaves the rest of its total empty.
        let complete =
            marked(&doc, "segment").into_iter().filter(|s| attr(s, "data-label") == "Derechos").collect::<Vec<_>>();
        let end = complete.last().map(|s| num(s, "x") + num(s, "width")).expect("segments");
        assert!((end - (left + right) / 2.0).abs() <= 1.0, "12 of 24 stops at half");

        let legend = marked(&doc, "legend-item");
        let names = legend.iter().map(|g| attr(g, "data-series")).collect::<Vec<_>>();
        let mut expected = scale();
        expected.push("hidden".to_string());
        assert_eq!(names, expected);
        let hidden_item = legend.last().expect("legend");
        assert_eq!(
            text(&hidden_item.descendants().find(|n| n.has_tag_name("text")).expect("words")),
            "Menos de 5 respuestas"
        );
        assert!(hidden_item.descendants().any(|n| n.attribute("fill") == Some(&format!("url(#{id})"))));
    }

    #[test]
    fn a_complete_row_takes_the_total_as_denominator_and_leaves_the_rest_empty() {
        let rows = [row("Agua", vec![Some(3), Some(3), Some(2), Some(2), Some(0)], Some(20))];
        let svg = stacked_bars(&rows, &scale(), "Suprimido", &TEXT);
        let doc = parse(&svg);
        let (left, right) = percent_axis(&doc);
        let segments = marked(&doc, "segment");
        let shares = segments.iter().map(|s| num(s, "data-share")).collect::<Vec<_>>();
        assert_eq!(shares, [15.0, 15.0, 10.0, 10.0]);
        let end = segments.last().map(|s| num(s, "x") + num(s, "width")).expect("segments");
        assert!((end - (left + right) / 2.0).abs() <= 1.0, "the bar stops at half");
        assert!(marked(&doc, "hidden-share").is_empty());
        assert_eq!(marked(&doc, "legend-item").len(), scale().len());
    }

    #[test]
    fn suppressed_rows_draw_no_bar_but_the_words_given() {
        let rows = [
            row("Respeto", vec![Some(5), Some(5), Some(5), Some(5), Some(5)], None),
            row("Derechos", vec![None; 5], Some(12)),
            row("Baño", vec![Some(5), None, Some(5), Some(5), Some(5)], None),
            row("Agua", vec![Some(0); 5], None),
            row("Luz", vec![Some(5), None, Some(5), Some(5), Some(5)], Some(0)),
            row("Frío", vec![Some(5), None, Some(5), Some(5), Some(5)], Some(12)),
        ];
        let svg = stacked_bars(&rows, &scale(), "Menos de 5 respuestas", &TEXT);
        let doc = parse(&svg);

        let drawn = marked(&doc, "segment");
        assert_eq!(drawn.len(), 5);
        assert!(drawn.iter().all(|s| attr(s, "data-label") == "Respeto"));
        assert!(marked(&doc, "hidden-share").is_empty());
        let suppressed = marked(&doc, "suppressed");
        let shown = suppressed.iter().map(|t| attr(t, "data-label")).collect::<Vec<_>>();
        assert_eq!(shown, ["Derechos", "Baño", "Agua", "Luz", "Frío"], "a total below the known counts too");
        assert!(suppressed.iter().all(|t| text(t) == "Menos de 5 respuestas"));
        assert!(marked(&doc, "legend-item").iter().all(|g| attr(g, "data-series") != "hidden"));
        let names = marked(&doc, "row-label").iter().map(text).collect::<Vec<_>>();
        assert_eq!(names, ["Respeto", "Derechos", "Baño", "Agua", "Luz", "Frío"]);
        // Rows stack top to bottom in the order given.
        let ys = marked(&doc, "row-label").iter().map(|t| num(t, "y")).collect::<Vec<_>>();
        assert!(ys.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn bars_are_proportional_to_the_fixed_max_and_suppressed_items_are_words() {
        let items = [
            ("Centro".to_string(), Some(50.0)),
            ("Norte".to_string(), None),
            ("Sur".to_string(), Some(100.0)),
            ("Este".to_string(), Some(f64::NAN)),
        ];
        let svg = bars(&items, Some(100.0), "Suprimido", &TEXT);
        let doc = parse(&svg);
        let drawn = marked(&doc, "bar");
        let labels = drawn.iter().map(|b| attr(b, "data-label")).collect::<Vec<_>>();
        assert_eq!(labels, ["Centro", "Sur"]);
        let full = tick(&doc, "100", "x") - tick(&doc, "0", "x");
        assert!((num(&drawn[0], "width") - full / 2.0).abs() <= 1.0);
        assert!((num(&drawn[1], "width") - full).abs() <= 1.0);
        let values = marked(&doc, "value").iter().map(text).collect::<Vec<_>>();
        assert_eq!(values, ["50", "100"]);
        let suppressed = marked(&doc, "suppressed");
        let shown = suppressed.iter().map(|t| attr(t, "data-label")).collect::<Vec<_>>();
        assert_eq!(shown, ["Norte", "Este"]);
        assert!(suppressed.iter().all(|t| text(t) == "Suprimido"));
    }

    #[test]
    fn bars_without_a_max_run_to_a_round_number_above_the_largest() {
        let items = [("Más privacidad".to_string(), Some(37.0)), ("Agua".to_string(), Some(12.5))];
        let svg = bars(&items, None, "-", &TEXT);
        let doc = parse(&svg);
        let full = tick(&doc, "40", "x") - tick(&doc, "0", "x");
        let drawn = marked(&doc, "bar");
        assert!((num(&drawn[0], "width") - full * 37.0 / 40.0).abs() <= 1.0);
        assert!((num(&drawn[1], "width") - full * 12.5 / 40.0).abs() <= 1.0);
        assert_eq!(marked(&doc, "value").iter().map(text).collect::<Vec<_>>(), ["37", "12.5"]);
    }

    #[test]
    fn nice_ticks_end_on_a_round_number() {
        let cases = [(37.0, 40.0, 5), (100.0, 100.0, 5), (3.0, 3.0, 4), (0.0, 1.0, 5), (1234.0, 1500.0, 4)];
        for (largest, end, count) in cases {
            let (max, ticks) = nice_ticks(largest);
            assert_eq!(max, end, "axis end for {largest}");
            assert_eq!(ticks.len(), count, "ticks for {largest}: {ticks:?}");
            assert_eq!(ticks.last(), Some(&end));
        }
    }

    #[test]
    fn sparkline_has_only_its_title_and_breaks_at_gaps() {
        let svg = sparkline(&[Some(50.0), Some(60.0), None, Some(70.0), Some(90.0)], "Centro: 50 → 90");
        let doc = parse(&svg);
        let root = doc.root_element();
        assert_eq!(attr(&root, "role"), "img");
        let title = root.first_element_child().expect("title");
        assert_eq!(title.text(), Some("Centro: 50 → 90"));
        assert_eq!(attr(&root, "aria-labelledby"), attr(&title, "id"));
        assert!(!doc.descendants().any(|n| n.has_tag_name("text")));

        assert_eq!(marked(&doc, "line").len(), 2);
        let points = marked(&doc, "point");
        let labels = points.iter().map(|p| attr(p, "data-label")).collect::<Vec<_>>();
        assert_eq!(labels, ["0", "1", "3", "4"]);
        let ys = points.iter().map(|p| num(p, "cy")).collect::<Vec<_>>();
        assert!(ys.windows(2).all(|w| w[1] < w[0]), "higher values sit higher");
    }

    #[test]
    fn coordinates_are_written_as_one_decimal_formatting_would() {
        // Exact ties (12.25) may round the other way: a twentieth of a pixel.
        for v in [0.0, 3.0, 3.04, 3.06, 12.26, 99.99, 120.0, 28.449, -0.3, -4.56, 1e16] {
            assert_eq!(px(v), format!("{v:.1}"), "{v}");
        }
    }

    #[test]
    fn text_colour_on_segments_keeps_contrast() {
        assert_eq!(readable_on("#0072B2"), "#FFFFFF");
        assert_eq!(readable_on("#E69F00"), "#000000");
        assert_eq!(readable_on("#999999"), "#000000");
    }
}
