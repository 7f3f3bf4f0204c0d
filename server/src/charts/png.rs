//! A chart as PNG, for e-mail (which shows no SVG): the very SVG the dashboard draws,
//! rasterised with resvg at its own size, its words set in a sans-serif face of the
//! machine (Liberation Sans or DejaVu Sans, which Digna's installer puts there). Without
//! any such face the lines, points and bars are still drawn, and the message's text
//! alternative carries the words.

use resvg::{tiny_skia, usvg};
use std::sync::{Arc, OnceLock};

/// The machine's fonts, read once.
fn fonts() -> Arc<usvg::fontdb::Database> {
    static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = usvg::fontdb::Database::new();
            db.load_system_fonts();
            let family = ["Liberation Sans", "DejaVu Sans", "Noto Sans", "Arial"]
                .into_iter()
                .find(|want| db.faces().any(|face| face.families.iter().any(|(name, _)| name == want)));
            if let Some(family) = family {
                db.set_sans_serif_family(family);
            }
            Arc::new(db)
        })
        .clone()
}

/// `svg` (one of this module's charts) as PNG bytes at `scale` times its size; `None` if
/// it does not parse, which a chart of this module always does.
pub fn to_png(svg: &str, scale: f32) -> Option<Vec<u8>> {
    // The dashboard's charts scale with their container; a picture needs its own size.
    let svg = svg.replacen(r#"width="100%""#, &format!(r#"width="{}""#, super::WIDTH), 1);
    let options = usvg::Options { fontdb: fonts(), ..usvg::Options::default() };
    let tree = usvg::Tree::from_str(&svg, &options).ok()?;
    let size = tree.size().to_int_size().scale_by(scale)?;
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&tree, tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    pixmap.encode_png().ok()
}

#[cfg(test)]
mod tests {
    use super::super::{index_line_chart, ChartText, Series};

    #[test]
    fn a_line_chart_becomes_a_png_of_twice_its_width() {
        let weeks: Vec<String> = (1..=4).map(|w| format!("2026-W{w:02}")).collect();
        let svg = index_line_chart(
            &weeks,
            &[Series { label: "LIM-01", points: vec![Some(70.0), None, Some(64.5), Some(80.0)] }],
            None,
            &ChartText { title: "Índice", x_label: "Semana", y_label: "Índice", summary: "Tres semanas" },
        );
        let png = super::to_png(&svg, 2.0).expect("drawn");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
        assert_eq!(width, 2 * super::super::WIDTH);
        // Not a blank picture: the line and its points are drawn in colour.
        assert!(png.len() > 5_000, "{} bytes", png.len());
    }
}
