//! The four faces of the answer scale, from very bad (1) to very good (4).
//!
//! Each level differs in colour *and* in shape (brows, eyes, mouth), so the scale reads
//! without colour vision. The faces are decorative: the button around a face carries
//! the text label that names it.
//!
//! For children the scale is gentle: no crying or angry face. The two lowest levels show
//! a neutral face and a slightly unsure one, so a child is never shown distress.
use leptos::prelude::*;

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
            Mood::Upset => {
                concat!(
                    r##"<circle cx="32" cy="32" r="29" fill="#e3a48c" stroke="#2b2733" stroke-width="2.5"/>"##,
                    r##"<path d="M14 22 L26 17" stroke="#2b2733" stroke-width="3" stroke-linecap="round"/>"##,
                    r##"<path d="M50 22 L38 17" stroke="#2b2733" stroke-width="3" stroke-linecap="round"/>"##,
                    r##"<circle cx="22" cy="28" r="3.5" fill="#2b2733"/>"##,
                    r##"<circle cx="42" cy="28" r="3.5" fill="#2b2733"/>"##,
                    r##"<path d="M19 50 Q32 36 45 50" fill="none" stroke="#2b2733" stroke-width="3.5" stroke-linecap="round"/>"##,
                )
            }
            Mood::Sad => {
                concat!(
                    r##"<circle cx="32" cy="32" r="29" fill="#efcf8a" stroke="#2b2733" stroke-width="2.5"/>"##,
                    r##"<circle cx="22" cy="27" r="3.5" fill="#2b2733"/>"##,
                    r##"<circle cx="42" cy="27" r="3.5" fill="#2b2733"/>"##,
                    r##"<path d="M22 46 Q32 40 42 46" fill="none" stroke="#2b2733" stroke-width="3.5" stroke-linecap="round"/>"##,
                )
            }
            Mood::Neutral => {
                concat!(
                    r##"<circle cx="32" cy="32" r="29" fill="#ddd6e6" stroke="#2b2733" stroke-width="2.5"/>"##,
                    r##"<circle cx="22" cy="27" r="3.5" fill="#2b2733"/>"##,
                    r##"<circle cx="42" cy="27" r="3.5" fill="#2b2733"/>"##,
                    r##"<path d="M22 43 L42 43" stroke="#2b2733" stroke-width="3.5" stroke-linecap="round"/>"##,
                )
            }
            Mood::Unsure => {
                concat!(
                    r##"<circle cx="32" cy="32" r="29" fill="#efdcaa" stroke="#2b2733" stroke-width="2.5"/>"##,
                    r##"<path d="M16 19 Q22 16 27 18" fill="none" stroke="#2b2733" stroke-width="2.5" stroke-linecap="round"/>"##,
                    r##"<circle cx="22" cy="27" r="3.5" fill="#2b2733"/>"##,
                    r##"<circle cx="42" cy="27" r="3.5" fill="#2b2733"/>"##,
                    r##"<path d="M22 44 Q27 41 32 44 Q37 47 42 43" fill="none" stroke="#2b2733" stroke-width="3.5" stroke-linecap="round"/>"##,
                )
            }
            Mood::Smile => {
                concat!(
                    r##"<circle cx="32" cy="32" r="29" fill="#b7d99c" stroke="#2b2733" stroke-width="2.5"/>"##,
                    r##"<circle cx="22" cy="26" r="3.5" fill="#2b2733"/>"##,
                    r##"<circle cx="42" cy="26" r="3.5" fill="#2b2733"/>"##,
                    r##"<path d="M21 39 Q32 49 43 39" fill="none" stroke="#2b2733" stroke-width="3.5" stroke-linecap="round"/>"##,
                )
            }
            Mood::Joy => {
                concat!(
                    r##"<circle cx="32" cy="32" r="29" fill="#7cc3a2" stroke="#2b2733" stroke-width="2.5"/>"##,
                    r##"<path d="M16 27 Q22 20 28 27" fill="none" stroke="#2b2733" stroke-width="3.5" stroke-linecap="round"/>"##,
                    r##"<path d="M36 27 Q42 20 48 27" fill="none" stroke="#2b2733" stroke-width="3.5" stroke-linecap="round"/>"##,
                    r##"<path d="M17 36 Q32 58 47 36 Z" fill="#2b2733" stroke="#2b2733" stroke-width="2" stroke-linejoin="round"/>"##,
                    r##"<path d="M25 45 Q32 50 39 45" fill="none" stroke="#f4b6a8" stroke-width="3" stroke-linecap="round"/>"##,
                )
            }
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
