//! The "listen" button of a kiosk screen.
use super::icons::SpeakerIcon;
use crate::i18n::text;
use crate::speech::Voices;
use domain::Language;
use leptos::prelude::*;

/// Reads the screen aloud: the approved recordings of its lines (`keys`, see
/// `voice_prompts`) where there are some, else `lines` with the device's voice for
/// `lang`; absent when there is neither. While it reads, it is a stop button. With
/// `autoplay`, in a language whose screens are read aloud as they open (an administrator's
/// setting), it starts by itself once the visitor has tapped the kiosk.
#[component]
pub fn ListenButton(
    #[prop(into)] lang: Signal<Language>,
    voices: Voices,
    /// The recordings' keys of the screen's lines, in reading order.
    #[prop(into)]
    keys: Signal<Vec<String>>,
    /// What is on the screen, in reading order: its text, then its choices.
    #[prop(into)]
    lines: Signal<Vec<String>>,
    /// Start by itself where the language's screens are read aloud.
    #[prop(optional)]
    autoplay: bool,
) -> impl IntoView {
    // The recordings' URLs for the current language (unknown while asking), and whether
    // its screens are read aloud.
    let recorded = RwSignal::new(None::<(Language, Vec<String>)>);
    let playing = RwSignal::new(false);

    let urls = move || recorded.get().filter(|(l, _)| *l == lang.get()).map(|(_, urls)| urls).unwrap_or_default();
    let has_recording = move || !urls().is_empty();
    let available = move || has_recording() || voices.can_speak(lang.get());
    let start = move || {
        #[cfg(feature = "hydrate")]
        {
            let lang = lang.get_untracked();
            let done = move || {
                let _ = playing.try_set(false);
            };
            let urls = recorded.get_untracked().filter(|(l, _)| *l == lang).map(|(_, u)| u).unwrap_or_default();
            if !urls.is_empty() {
                crate::speech::play_recordings(urls, done);
            } else {
                lines.with_untracked(|l| crate::speech::speak(lang, l, done));
            }
            playing.set(true);
        }
    };

    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let lang = lang.get();
        let keys = keys.get();
        leptos::task::spawn_local(async move {
            let index = crate::speech::voice_index().await;
            let urls = index.as_ref().map(|i| i.urls(lang, &keys)).unwrap_or_default();
            let reads = index.as_ref().is_some_and(|i| i.reads_aloud(lang));
            // The screen may be gone by now.
            if recorded.try_set(Some((lang, urls.clone()))).is_none()
                && autoplay
                && reads
                && crate::speech::visitor_has_tapped()
                && (!urls.is_empty() || voices.can_speak(lang))
            {
                start();
            }
        });
    });
    on_cleanup(crate::speech::stop);

    let toggle = move |_| {
        if playing.get_untracked() {
            crate::speech::stop();
            playing.set(false);
        } else {
            start();
        }
    };
    #[cfg(not(feature = "hydrate"))]
    let _ = (lines, keys, autoplay);

    move || {
        available().then(|| {
            view! {
                <button
                    type="button"
                    class="button quiet listen"
                    class:playing=move || playing.get()
                    data-source=move || if has_recording() { "recording" } else { "voice" }
                    aria-pressed=move || if playing.get() { "true" } else { "false" }
                    on:click=toggle
                >
                    <SpeakerIcon/>
                    <span>{move || if playing.get() { text(lang, |t| t.stop_reading)() } else { text(lang, |t| t.listen)() }}</span>
                </button>
            }
        })
    }
}
