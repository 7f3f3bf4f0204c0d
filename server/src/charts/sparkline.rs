//! The overview's small trend line, written without plotters (it has no frame).

use super::*;

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
