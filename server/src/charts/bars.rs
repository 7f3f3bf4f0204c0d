//! Bars: stacked rows of shares (a breakdown per row) and single bars per item.

use super::*;

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
    pub(super) fn shares(&self) -> Option<(u64, u64)> {
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

/// Grey diagonal lines on white, for the hidden part of a stacked bar.
pub(super) fn hatch_pattern() -> String {
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
