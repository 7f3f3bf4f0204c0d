//! Reading a kiosk screen aloud: the recordings of its lines where there are some (made
//! and approved in the admin console's "Voces", or files dropped into `public/audio/`),
//! else the device's speech synthesis when it has a voice for the language.
//!
//! The server lists the recordings at `/audio/index.json` ([`VoiceIndex`]), which the
//! kiosk reads once per page, so it never asks for one that is not there; the service
//! worker keeps every recording from the start, so that playing one asks the network for
//! nothing.
use domain::Language;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The BCP 47 tag speech synthesis is asked to speak.
pub fn speech_tag(lang: Language) -> &'static str {
    match lang {
        Language::Es => "es-PE",
        Language::Qu => "qu",
        Language::Ay => "ay",
        Language::En => "en-US",
    }
}

/// The server's list of recordings: per language code, each recorded prompt's key
/// (`voice_prompts`) and the URL of its sound; and the languages whose screens are read
/// aloud as they open.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoiceIndex {
    #[serde(default)]
    pub recordings: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    pub read_aloud: Vec<String>,
}

impl VoiceIndex {
    /// The URLs of the recordings of `keys` in `lang`, in order; a key without one is
    /// left out.
    pub fn urls(&self, lang: Language, keys: &[String]) -> Vec<String> {
        let Some(recorded) = self.recordings.get(lang.code()) else { return Vec::new() };
        keys.iter().filter_map(|k| recorded.get(k).cloned()).collect()
    }

    /// Whether the kiosk reads each screen of `lang` aloud as it opens.
    pub fn reads_aloud(&self, lang: Language) -> bool {
        self.read_aloud.iter().any(|l| l == lang.code())
    }
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
pub use browser::{forget_voice_index, play_recordings, speak, visitor_has_tapped, voice_index};

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
        /// The server's list of recordings, read again for each visitor
        /// ([`forget_voice_index`]).
        static INDEX: RefCell<Option<Rc<VoiceIndex>>> = const { RefCell::new(None) };
        /// The recordings already fetched once (and kept by the service worker): reading
        /// the list again asks only for the others.
        static FETCHED: RefCell<std::collections::HashSet<String>> = RefCell::new(Default::default());
    }

    /// The server's list of recordings; `None` while it cannot be reached (asked again
    /// on the next screen).
    pub async fn voice_index() -> Option<Rc<VoiceIndex>> {
        if let Some(index) = INDEX.with(|r| r.borrow().clone()) {
            return Some(index);
        }
        let resp = gloo_net::http::Request::get("/audio/index.json").send().await.ok()?;
        if !resp.ok() {
            return None;
        }
        let index = Rc::new(resp.json::<VoiceIndex>().await.ok()?);
        INDEX.with(|r| *r.borrow_mut() = Some(index.clone()));
        // Every recording of every language, now, for the service worker to keep: none is
        // then first asked for while a visitor is on its screen.
        let urls: Vec<String> = FETCHED.with(|fetched| {
            let fetched = fetched.borrow();
            index
                .recordings
                .values()
                .flat_map(|keys| keys.values())
                .filter(|u| !fetched.contains(*u))
                .cloned()
                .collect()
        });
        wasm_bindgen_futures::spawn_local(async move {
            for url in urls {
                // One that could not be fetched (offline) is asked for again next time.
                if gloo_net::http::Request::get(&url).send().await.is_ok_and(|r| r.ok()) {
                    FETCHED.with(|fetched| fetched.borrow_mut().insert(url));
                }
            }
        });
        Some(index)
    }

    /// Forgets the list, so that the next screen reads it again: called between
    /// visitors, it brings recordings approved since the kiosk started (never during a
    /// visit, so the request says nothing about her screens).
    pub fn forget_voice_index() {
        INDEX.with(|r| r.borrow_mut().take());
    }

    /// Whether the page has been tapped (browsers play sound only after that).
    pub fn visitor_has_tapped() -> bool {
        let Some(navigator) = web_sys::window().map(|w| w.navigator()) else { return false };
        let activation = web_sys::js_sys::Reflect::get(&navigator, &"userActivation".into()).ok();
        match activation.filter(|a| !a.is_undefined()) {
            Some(a) => {
                web_sys::js_sys::Reflect::get(&a, &"hasBeenActive".into()).ok().and_then(|v| v.as_bool()) == Some(true)
            }
            // A browser that does not say: try, a refused play is silent.
            None => true,
        }
    }

    /// Plays `urls` one after the other, then calls `done` (also when one cannot play).
    pub fn play_recordings(urls: Vec<String>, done: impl Fn() + 'static) {
        stop();
        play_from(Rc::new(urls), 0, Rc::new(done));
    }

    fn play_from(urls: Rc<Vec<String>>, at: usize, done: Rc<dyn Fn()>) {
        use wasm_bindgen::prelude::*;
        let Some(url) = urls.get(at) else {
            PLAYING.with(|p| p.borrow_mut().take());
            done();
            return;
        };
        let Ok(audio) = web_sys::HtmlAudioElement::new_with_src(url) else {
            done();
            return;
        };
        let (next_urls, next_done) = (urls.clone(), done.clone());
        let on_end = Closure::once_into_js(move || play_from(next_urls, at + 1, next_done));
        audio.set_onended(Some(on_end.unchecked_ref()));
        // A refused play (no sound device, no tap yet) ends the reading.
        match audio.play() {
            Ok(playing) => {
                let done = done.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    if wasm_bindgen_futures::JsFuture::from(playing).await.is_err() {
                        done();
                    }
                });
            }
            Err(_) => done(),
        }
        PLAYING.with(|p| *p.borrow_mut() = Some(audio));
    }

    /// Reads `lines` aloud in `lang`, one utterance each, so that the voice pauses
    /// between the question and each choice; then calls `done`.
    pub fn speak(lang: Language, lines: &[String], done: impl Fn() + 'static) {
        use wasm_bindgen::prelude::*;
        stop();
        let Some(synth) = synthesis() else { return done() };
        let voice = voice_for(lang);
        let lines: Vec<&String> = lines.iter().filter(|l| !l.trim().is_empty()).collect();
        let mut done = Some(done);
        for (i, line) in lines.iter().enumerate() {
            let Ok(utterance) = web_sys::SpeechSynthesisUtterance::new_with_text(line) else { continue };
            utterance.set_lang(speech_tag(lang));
            if let Some(voice) = &voice {
                // Through `Reflect`, so that a voice the browser refuses throws no
                // exception: the language tag alone still picks a voice.
                let _ = web_sys::js_sys::Reflect::set(&utterance, &"voice".into(), voice);
            }
            // A little slower than the default, for visitors who read little.
            utterance.set_rate(0.9);
            if i + 1 == lines.len() {
                if let Some(done) = done.take() {
                    let on_end = Closure::<dyn Fn()>::new(done).into_js_value();
                    utterance.set_onend(Some(on_end.unchecked_ref()));
                }
            }
            synth.speak(&utterance);
        }
        if let Some(done) = done.take() {
            done();
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
        let index: VoiceIndex = serde_json::from_str(
            r#"{"recordings": {"qu": {"q:respect": "/voices/ab.ogg", "welcome": "/audio/qu/welcome.ogg"}}, "read_aloud": ["qu"]}"#,
        )
        .unwrap();
        let keys = |k: &[&str]| k.iter().map(|k| k.to_string()).collect::<Vec<_>>();
        assert_eq!(
            index.urls(Language::Qu, &keys(&["q:respect", "scale:1", "welcome"])),
            ["/voices/ab.ogg", "/audio/qu/welcome.ogg"]
        );
        assert!(index.urls(Language::Es, &keys(&["welcome"])).is_empty());
        assert!(index.reads_aloud(Language::Qu) && !index.reads_aloud(Language::Es));
        assert_eq!(serde_json::from_str::<VoiceIndex>("{}").unwrap(), VoiceIndex::default());
        assert_eq!(speech_tag(Language::Es), "es-PE");
    }
}
