//! Small line pictograms. All are decorative (`aria-hidden`): the text next to them
//! carries the meaning.
use leptos::prelude::*;

/// A 24×24 line icon drawn with the current text colour; `shapes` is its SVG markup.
///
/// Every icon is this one view type with different markup, so the browser's code to build
/// an icon is compiled once, not once per icon (BENCHMARKS.md, "Kiosk bundle").
fn icon(class: &'static str, shapes: &'static str) -> impl IntoView {
    view! {
        <svg
            class=class
            viewBox="0 0 24 24"
            width="24"
            height="24"
            fill="none"
            stroke="currentColor"
            stroke-width="2"
            stroke-linecap="round"
            stroke-linejoin="round"
            aria-hidden="true"
            focusable="false"
            inner_html=shapes
        ></svg>
    }
}

#[component]
pub fn PhoneIcon() -> impl IntoView {
    icon(
        "icon",
        r#"<path d="M5 3h3.5l1.8 4.6-2.3 1.6a12 12 0 0 0 6.8 6.8l1.6-2.3L21 15.5V19a2 2 0 0 1-2 2A17 17 0 0 1 3 5a2 2 0 0 1 2-2z"/>"#,
    )
}

#[component]
pub fn BackIcon() -> impl IntoView {
    icon("icon", concat!(r#"<path d="M19 12H5"/>"#, r#"<path d="M11 6l-6 6 6 6"/>"#))
}

#[component]
pub fn SkipIcon() -> impl IntoView {
    icon("icon", concat!(r#"<path d="M5 6l6 6-6 6"/>"#, r#"<path d="M13 6l6 6-6 6"/>"#))
}

#[component]
pub fn NextIcon() -> impl IntoView {
    icon("icon", concat!(r#"<path d="M5 12h14"/>"#, r#"<path d="M13 6l6 6-6 6"/>"#))
}

/// A door with an arrow leaving it.
#[component]
pub fn ExitIcon() -> impl IntoView {
    icon(
        "icon",
        r#"<path d="M14 4H6a1 1 0 0 0-1 1v14a1 1 0 0 0 1 1h8"/><path d="M11 12h10"/><path d="M17 8l4 4-4 4"/>"#,
    )
}

#[component]
pub fn CheckIcon() -> impl IntoView {
    icon("icon check", r#"<path d="M5 12.5l4.5 4.5L19 7.5"/>"#)
}

/// A padlock: nobody can see the answers.
#[component]
pub fn LockIcon() -> impl IntoView {
    icon(
        "icon",
        concat!(r#"<rect x="5" y="11" width="14" height="10" rx="2"/>"#, r#"<path d="M8 11V8a4 4 0 0 1 8 0v3"/>"#),
    )
}

/// Speech bubbles: a few questions.
#[component]
pub fn TalkIcon() -> impl IntoView {
    icon(
        "icon",
        r#"<path d="M4 5h11a1 1 0 0 1 1 1v7a1 1 0 0 1-1 1H9l-4 3v-3H4a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1z"/><path d="M16 9h4a1 1 0 0 1 1 1v7a1 1 0 0 1-1 1h-1v3l-4-3h-4a1 1 0 0 1-1-1v-1"/>"#,
    )
}

/// An open hand: you may stop or skip at any time.
#[component]
pub fn HandIcon() -> impl IntoView {
    icon(
        "icon",
        r#"<path d="M8 12V5.5a1.5 1.5 0 0 1 3 0V11"/><path d="M11 10V4.5a1.5 1.5 0 0 1 3 0V11"/><path d="M14 10V5.5a1.5 1.5 0 0 1 3 0V12"/><path d="M17 9.5a1.5 1.5 0 0 1 3 0V14a7 7 0 0 1-7 7h-1a7 7 0 0 1-5.6-2.8L3.5 14.5a1.6 1.6 0 0 1 2.4-2.1L8 14"/>"#,
    )
}

/// A globe with meridians: the language picker.
#[component]
pub fn LanguageIcon() -> impl IntoView {
    icon(
        "icon",
        r#"<circle cx="12" cy="12" r="9"/><path d="M3 12h18"/><path d="M12 3a14 14 0 0 1 0 18a14 14 0 0 1 0-18z"/>"#,
    )
}

#[component]
pub fn HeartIcon() -> impl IntoView {
    icon(
        "icon",
        r#"<path d="M12 20s-7.5-4.6-7.5-10A4.5 4.5 0 0 1 12 7.3 4.5 4.5 0 0 1 19.5 10c0 5.4-7.5 10-7.5 10z"/>"#,
    )
}

/// Two arrows in a circle: try again.
#[component]
pub fn RetryIcon() -> impl IntoView {
    icon(
        "icon",
        r#"<path d="M20 12a8 8 0 0 1-14.3 4.9"/><path d="M4 12A8 8 0 0 1 18.3 7.1"/><path d="M18.5 3v4.5H14"/><path d="M5.5 21v-4.5H10"/>"#,
    )
}

/// A loudspeaker with sound waves: listen.
#[component]
pub fn SpeakerIcon() -> impl IntoView {
    icon(
        "icon",
        r#"<path d="M4 9h3l5-4v14l-5-4H4a1 1 0 0 1-1-1v-4a1 1 0 0 1 1-1z"/><path d="M16 9a4 4 0 0 1 0 6"/><path d="M18.5 6.5a7.5 7.5 0 0 1 0 11"/>"#,
    )
}

/// A gear: the staff's panel.
#[component]
pub fn GearIcon() -> impl IntoView {
    icon(
        "icon",
        r#"<circle cx="12" cy="12" r="3"/><path d="M12 2.5v3M12 18.5v3M2.5 12h3M18.5 12h3M5.3 5.3l2.1 2.1M16.6 16.6l2.1 2.1M5.3 18.7l2.1-2.1M16.6 7.4l2.1-2.1"/><circle cx="12" cy="12" r="6.5"/>"#,
    )
}

/// A key with an arrow left: delete the last digit.
#[component]
pub fn DeleteIcon() -> impl IntoView {
    icon(
        "icon",
        concat!(r#"<path d="M9 5h11a1 1 0 0 1 1 1v12a1 1 0 0 1-1 1H9l-6-7z"/>"#, r#"<path d="M12 9l6 6M18 9l-6 6"/>"#),
    )
}
