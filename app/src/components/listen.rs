//! The "listen" button of a kiosk screen.
use super::icons::SpeakerIcon;
use crate::i18n::text;
use crate::speech::Voices;
use domain::Language;
use leptos::prelude::*;

/// Reads the screen aloud: the recording `/audio/<lang>/<audio_key>.ogg` where it exists,
/// else `lines` with the device's voice for `lang`. Absent when there is neither.
#[component]
pub fn ListenButton(
    #[prop(into)] lang: Signal<Language>,
    voices: Voices,
    /// `welcome`, `thanks` or a question key.
    audio_key: String,
    /// What is on the screen, in reading order: its text, then its choices.
    #[prop(into)]
    lines: Signal<Vec<String>>,
) -> impl IntoView {
    // Whether a recording exists for the current language; unknown while asking.
    let recorded = RwSignal::new(None::<(Language, bool)>);
    let audio_key = StoredValue::new(audio_key);

    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let lang = lang.get();
        let key = audio_key.get_value();
        leptos::task::spawn_local(async move {
            let found = crate::speech::has_recording(lang, &key).await;
            // The screen may be gone by now.
            let _ = recorded.try_set(Some((lang, found)));
        });
    });
    on_cleanup(crate::speech::stop);

    let has_recording = move || recorded.get().is_some_and(|(l, found)| found && l == lang.get());
    let available = move || has_recording() || voices.can_speak(lang.get());
    let listen = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let lang = lang.get_untracked();
            if has_recording() {
                audio_key.with_value(|k| crate::speech::play_recording(lang, k));
            } else {
                lines.with_untracked(|l| crate::speech::speak(lang, l));
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (lines, audio_key);
    };

    move || {
        available().then(|| {
            view! {
                <button
                    type="button"
                    class="button quiet listen"
                    data-source=move || if has_recording() { "recording" } else { "voice" }
                    on:click=listen
                >
                    <SpeakerIcon/>
                    <span>{text(lang, |t| t.listen)}</span>
                </button>
            }
        })
    }
}
