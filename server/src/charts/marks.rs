//! Small helpers of the data layer: ticks, runs of points, colours and dashes, numbers
//! and text as SVG writes them, the chart's id.

use super::*;

/// The weeks that get a label: all if they fit, else every k-th counting back from the
/// latest, so the most recent week is always named.
pub(super) fn week_ticks(weeks: &[String]) -> Vec<usize> {
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
pub(super) fn runs(points: &[Option<f64>]) -> Vec<Vec<(usize, f64)>> {
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
pub(super) fn nice_ticks(largest: f64) -> (f64, Vec<f64>) {
    let largest = if largest > 0.0 { largest } else { 1.0 };
    let rough = largest / 4.0;
    let magnitude = 10f64.powf(rough.log10().floor());
    let step =
        [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= rough).unwrap_or(10.0 * magnitude);
    let count = (largest / step - 1e-9).ceil().max(1.0) as usize;
    let ticks = (0..=count).map(|i| i as f64 * step).collect::<Vec<_>>();
    (count as f64 * step, ticks)
}

pub(super) fn series_colour(i: usize) -> &'static str {
    SERIES_COLOURS[i % SERIES_COLOURS.len()]
}

pub(super) fn series_dash(i: usize) -> Option<&'static str> {
    Some(SERIES_DASHES[i % SERIES_DASHES.len()])
}

pub(super) fn scale_colour(i: usize) -> &'static str {
    if i < SCALE_COLOURS.len() {
        SCALE_COLOURS[i]
    } else {
        OKABE_ITO[(i - SCALE_COLOURS.len()) % OKABE_ITO.len()]
    }
}

pub(super) fn dash_attr(dash: Option<&str>) -> String {
    match dash {
        Some(d) if !d.is_empty() => format!(r#" stroke-dasharray="{d}""#),
        _ => String::new(),
    }
}

/// Black or white, whichever reads better on `#RRGGBB` (WCAG contrast).
pub(super) fn readable_on(background: &str) -> &'static str {
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
pub(super) fn format_number(value: f64) -> String {
    if (value - value.round()).abs() < 1e-9 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// An SVG coordinate, to a tenth of a unit.
pub(super) fn px(value: f64) -> String {
    let mut out = String::with_capacity(8);
    push_px(&mut out, value);
    out
}

/// `value` with one decimal, as `{:.1}` writes it but in integers: float formatting cost a
/// tenth of an overview's server time (a thousand sparklines of a dozen points).
pub(super) fn push_px(out: &mut String, value: f64) {
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
pub(super) fn clean(text: &str) -> String {
    text.chars()
        .filter(|&c| matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}'))
        .collect()
}

/// Text or attribute value escaped for XML (and HTML: the e-mails use it too).
pub(crate) fn esc(text: &str) -> String {
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
pub(super) fn chart_id(parts: &[&[u8]]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &byte in part.iter().chain(&[0xFF]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("chart-{hash:016x}")
}
