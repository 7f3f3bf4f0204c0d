//! The weekly index as lines, one per series, with gaps where a week is suppressed.

use super::*;

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
