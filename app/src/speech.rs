//! Reading a kiosk screen aloud: a recorded file from `/audio/<lang>/<key>.ogg` where
//! one exists, else the device's speech synthesis when it has a voice for the language.
//!
//! Recorded Quechua and Aymara can be dropped into `public/audio/` without a code change:
//! the server lists what exists at `/audio/index.json`, which the kiosk reads once per
//! page, so it never asks for a file that is not there.
use domain::Language;
use leptos::prelude::*;

/// The BCP 47 tag speech synthesis is asked to speak.
pub fn speech_tag(lang: Language) -> &'static str {
    match lang {
        Language::Es => "es-PE",
        Language::Qu => "qu",
        Language::Ay => "ay",
        Language::En => "en-US",
    }
}

/// Where a recording of `key` (a question key, `welcome` or `thanks`) would be.
pub fn audio_url(lang: Language, key: &str) -> String {
    format!("/audio/{}/{key}.ogg", lang.code())
}

/// The server's list of recordings: language code → keys, such as `{"qu": ["welcome"]}`.
pub type RecordingIndex = std::collections::BTreeMap<String, Vec<String>>;

/// Whether `index` lists a recording of `key` in `lang`.
pub fn is_recorded(index: &RecordingIndex, lang: Language, key: &str) -> bool {
    index.get(lang.code()).is_some_and(|keys| keys.iter().any(|k| k == key))
}

/// Whether a voice whose `lang` is `voice_lang` can speak `lang` (`es-PE`, `es_US` and
/// `es` all speak Spanish).
pub fn voice_speaks(voice_lang: &str, lang: Language) -> bool {
    let voice_lang = voice_lang.to_ascii_lowercase();
    let code = lang.code();
    voice_lang == code || voice_lang.starts_with(&format!("{code}-")) || voice_lang.starts_with(&format!("{code}_"))
}

/// Changes whenever the device's list of voices does: browsers fill it late
/// (`getVoices()` is often empty until `voiceschanged`).
#[derive(Clone, Copy)]
pub struct Voices {
    changed: RwSignal<u32>,
}

impl Voices {
    /// Watches the device's voices for as long as the calling component lives.
    pub fn watch() -> Self {
        let voices = Voices { changed: RwSignal::new(0) };
        #[cfg(feature = "hydrate")]
        if let Some(synth) = synthesis() {
            use wasm_bindgen::prelude::*;
            let on_change = Closure::<dyn Fn()>::new(move || voices.changed.update(|n| *n += 1));
            synth.set_onvoiceschanged(Some(on_change.as_ref().unchecked_ref()));
            // The closure lives as long as the kiosk; the handler is removed with it.
            on_change.forget();
            on_cleanup(move || {
                if let Some(synth) = synthesis() {
                    synth.set_onvoiceschanged(None);
                }
            });
        }
        voices
    }

    /// Whether the device can speak `lang`. Reactive: it re-runs when voices arrive.
    pub fn can_speak(self, lang: Language) -> bool {
        self.changed.track();
        #[cfg(feature = "hydrate")]
        {
            voice_for(lang).is_some()
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = lang;
            false
        }
    }
}

/// Stops whatever is being read aloud.
pub fn stop() {
    #[cfg(feature = "hydrate")]
    {
        if let Some(synth) = synthesis() {
            synth.cancel();
        }
        PLAYING.with(|p| {
            if let Some(audio) = p.borrow_mut().take() {
                let _ = audio.pause();
            }
        });
    }
}

#[cfg(feature = "hydrate")]
pub use browser::{has_recording, play_recording, speak};

#[cfg(feature = "hydrate")]
thread_local! {
    static PLAYING: std::cell::RefCell<Option<web_sys::HtmlAudioElement>> = const { std::cell::RefCell::new(None) };
}

#[cfg(feature = "hydrate")]
fn synthesis() -> Option<web_sys::SpeechSynthesis> {
    web_sys::window()?.speech_synthesis().ok()
}

#[cfg(feature = "hydrate")]
fn voice_for(lang: Language) -> Option<web_sys::SpeechSynthesisVoice> {
    use wasm_bindgen::JsCast;
    let voices = synthesis()?.get_voices();
    let voices: Vec<web_sys::SpeechSynthesisVoice> =
        voices.iter().map(|v| v.unchecked_into::<web_sys::SpeechSynthesisVoice>()).collect();
    // The exact regional voice first (es-PE), then any voice of the language.
    let tag = speech_tag(lang).to_ascii_lowercase();
    voices
        .iter()
        .find(|v| v.lang().to_ascii_lowercase().replace('_', "-") == tag)
        .or_else(|| voices.iter().find(|v| voice_speaks(&v.lang(), lang)))
        .cloned()
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::*;
    use std::cell::RefCell;
    use std::rc::Rc;

    thread_local! {
        /// The server's list of recordings, read once per page session.
        static RECORDINGS: RefCell<Option<Rc<RecordingIndex>>> = const { RefCell::new(None) };
    }

    /// Whether a recording of `key` exists in `lang`.
    pub async fn has_recording(lang: Language, key: &str) -> bool {
        let known = RECORDINGS.with(|r| r.borrow().clone());
        let index = match known {
            Some(index) => index,
            None => {
                let fetched = async {
                    let resp = gloo_net::http::Request::get("/audio/index.json").send().await.ok()?;
                    if !resp.ok() {
                        return None;
                    }
                    resp.json::<RecordingIndex>().await.ok()
                };
                // Unreachable now: no recording this time, and ask again on the next screen.
                let Some(index) = fetched.await else { return false };
                let index = Rc::new(index);
                RECORDINGS.with(|r| *r.borrow_mut() = Some(index.clone()));
                index
            }
        };
        is_recorded(&index, lang, key)
    }

    /// Plays the recording of `key` in `lang`.
    pub fn play_recording(lang: Language, key: &str) {
        stop();
        if let Ok(audio) = web_sys::HtmlAudioElement::new_with_src(&audio_url(lang, key)) {
            // A refused play (no sound device) has nothing to tell the visitor.
            if let Ok(playing) = audio.play() {
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = wasm_bindgen_futures::JsFuture::from(playing).await;
                });
            }
            PLAYING.with(|p| *p.borrow_mut() = Some(audio));
        }
    }

    /// Reads `lines` aloud in `lang`, one utterance each, so that the voice pauses
    /// between the question and each choice.
    pub fn speak(lang: Language, lines: &[String]) {
        stop();
        let Some(synth) = synthesis() else { return };
        let voice = voice_for(lang);
        for line in lines.iter().filter(|l| !l.trim().is_empty()) {
            let Ok(utterance) = web_sys::SpeechSynthesisUtterance::new_with_text(line) else { continue };
            utterance.set_lang(speech_tag(lang));
            if let Some(voice) = &voice {
                // Through `Reflect`, so that a voice the browser refuses throws no
                // exception: the language tag alone still picks a voice.
                let _ = web_sys::js_sys::Reflect::set(&utterance, &"voice".into(), voice);
            }
            // A little slower than the default, for visitors who read little.
            utterance.set_rate(0.9);
            synth.speak(&utterance);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_voice_speaks_its_language_in_any_region() {
        assert!(voice_speaks("es-PE", Language::Es));
        assert!(voice_speaks("es_US", Language::Es));
        assert!(voice_speaks("ES", Language::Es));
        assert!(voice_speaks("qu-PE", Language::Qu));
        assert!(!voice_speaks("en-US", Language::Es));
        assert!(!voice_speaks("ayx", Language::Ay), "another language whose code starts alike");
        assert_eq!(audio_url(Language::Qu, "respect"), "/audio/qu/respect.ogg");
        let index: RecordingIndex = serde_json::from_str(r#"{"qu": ["respect", "welcome"]}"#).unwrap();
        assert!(is_recorded(&index, Language::Qu, "welcome"));
        assert!(!is_recorded(&index, Language::Qu, "thanks"));
        assert!(!is_recorded(&index, Language::Es, "welcome"));
        assert_eq!(speech_tag(Language::Es), "es-PE");
    }
}
