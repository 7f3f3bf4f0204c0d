//! The four faces of the answer scale, from very bad (1) to very good (4).
//!
//! Each level differs in colour *and* in shape (brows, eyes, mouth), so the scale reads
//! without colour vision. The faces are decorative: the button around a face carries
//! the text label that names it.
//!
//! For children the scale is gentle: no crying or angry face. The two lowest levels show
//! a neutral face and a slightly unsure one, so a child is never shown distress.
use leptos::prelude::*;

/// The head: a circle in `$fill`, outlined in ink (#2b2733).
macro_rules! head {
    ($fill:literal) => {
        concat!(r##"<circle cx="32" cy="32" r="29" fill=""##, $fill, r##"" stroke="#2b2733" stroke-width="2.5"/>"##)
    };
}

/// Two round eyes at height `$y`.
macro_rules! eyes {
    ($y:literal) => {
        concat!(
            r##"<circle cx="22" cy=""##,
            $y,
            r##"" r="3.5" fill="#2b2733"/>"##,
            r##"<circle cx="42" cy=""##,
            $y,
            r##"" r="3.5" fill="#2b2733"/>"##,
        )
    };
}

/// An ink stroke (a brow, a mouth) along the path `$d`, `$width` wide.
macro_rules! stroke {
    ($d:literal, $width:literal) => {
        concat!(
            r##"<path d=""##,
            $d,
            r##"" fill="none" stroke="#2b2733" stroke-width=""##,
            $width,
            r##"" stroke-linecap="round"/>"##,
        )
    };
}

/// What a face shows; exposed as `data-mood`.
#[derive(Clone, Copy)]
enum Mood {
    Upset,
    Sad,
    Neutral,
    Unsure,
    Smile,
    Joy,
}

impl Mood {
    fn name(self) -> &'static str {
        match self {
            Mood::Upset => "upset",
            Mood::Sad => "sad",
            Mood::Neutral => "neutral",
            Mood::Unsure => "unsure",
            Mood::Smile => "smile",
            Mood::Joy => "joy",
        }
    }

    /// The face's SVG shapes: the head in the mood's colour, then brows, eyes and mouth.
    /// Static markup rather than a view per mood, so the browser's code to build a face
    /// is compiled once (BENCHMARKS.md, "Kiosk bundle").
    fn shapes(self) -> &'static str {
        match self {
            Mood::Upset => concat!(
                head!("#e3a48c"),
                stroke!("M14 22 L26 17", "3"),
                stroke!("M50 22 L38 17", "3"),
                eyes!("28"),
                stroke!("M19 50 Q32 36 45 50", "3.5"),
            ),
            Mood::Sad => concat!(head!("#efcf8a"), eyes!("27"), stroke!("M22 46 Q32 40 42 46", "3.5")),
            Mood::Neutral => concat!(head!("#ddd6e6"), eyes!("27"), stroke!("M22 43 L42 43", "3.5")),
            Mood::Unsure => concat!(
                head!("#efdcaa"),
                stroke!("M16 19 Q22 16 27 18", "2.5"),
                eyes!("27"),
                stroke!("M22 44 Q27 41 32 44 Q37 47 42 43", "3.5"),
            ),
            Mood::Smile => concat!(head!("#b7d99c"), eyes!("26"), stroke!("M21 39 Q32 49 43 39", "3.5")),
            Mood::Joy => concat!(
                head!("#7cc3a2"),
                stroke!("M16 27 Q22 20 28 27", "3.5"),
                stroke!("M36 27 Q42 20 48 27", "3.5"),
                r##"<path d="M17 36 Q32 58 47 36 Z" fill="#2b2733" stroke="#2b2733" stroke-width="2" stroke-linejoin="round"/>"##,
                r##"<path d="M25 45 Q32 50 39 45" fill="none" stroke="#f4b6a8" stroke-width="3" stroke-linecap="round"/>"##,
            ),
        }
    }
}

/// One face of the scale; `level` is 1 (very bad) to 4 (very good). `gentle` draws
/// the children's scale, with positive and neutral faces only.
#[component]
pub fn Face(level: u8, #[prop(optional)] gentle: bool) -> impl IntoView {
    let mood = match (level, gentle) {
        (1, false) => Mood::Upset,
        (2, false) => Mood::Sad,
        (1, true) => Mood::Neutral,
        (2, true) => Mood::Unsure,
        (3, _) => Mood::Smile,
        _ => Mood::Joy,
    };
    view! {
        <svg
            class="face"
            data-mood=mood.name()
            viewBox="0 0 64 64"
            width="64"
            height="64"
            aria-hidden="true"
            focusable="false"
            inner_html=mood.shapes()
        ></svg>
    }
}

#[cfg(test)]
mod tests {
    use super::Mood;

    #[test]
    fn every_face_is_well_formed_svg_with_its_head_first() {
        for mood in [Mood::Upset, Mood::Sad, Mood::Neutral, Mood::Unsure, Mood::Smile, Mood::Joy] {
            let svg = format!(r#"<svg xmlns="http://www.w3.org/2000/svg">{}</svg>"#, mood.shapes());
            let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{}: {e}", mood.name()));
            let shapes: Vec<_> = doc.root_element().children().filter(|n| n.is_element()).collect();
            assert_eq!(shapes[0].attribute("r"), Some("29"), "{}: the head first", mood.name());
            assert!(shapes.len() >= 4, "{}: head, eyes and mouth", mood.name());
            assert!(shapes.iter().all(|s| s.attribute("stroke").is_some() || s.attribute("fill").is_some()));
        }
    }
}
