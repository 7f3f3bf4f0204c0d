//! The calm prompt a visitor sees after a while without touching the kiosk.
use super::ListenButton;
use crate::i18n::text;
use crate::speech::Voices;
use crate::voice_prompts::{still_there_lines, STILL_THERE};
use domain::Language;
use leptos::html;
use leptos::prelude::*;

/// A modal dialog asking "are you still there?" with one large button to go on.
/// Closing it in any way (the button, a tap beside it, the Escape key) means she is there.
#[component]
pub fn StillThereDialog(
    #[prop(into)] lang: Signal<Language>,
    voices: Voices,
    on_continue: Callback<()>,
) -> impl IntoView {
    // Read by itself where the language's screens are: she may not be able to read it.
    let spoken = Signal::derive(move || still_there_lines(lang.get()));
    let dialog = NodeRef::<html::Dialog>::new();
    // A modal dialog keeps the survey behind it inert and holds the focus.
    Effect::new(move |_| {
        if let Some(dialog) = dialog.get() {
            if !dialog.open() {
                let _ = dialog.show_modal();
            }
        }
    });
    let close = move || {
        if let Some(dialog) = dialog.get_untracked() {
            dialog.close();
        }
    };
    view! {
        <dialog
            class="still-there"
            node_ref=dialog
            aria-labelledby="still-there-title"
            aria-describedby="still-there-text"
            on:close=move |_| on_continue.run(())
            // A tap on the backdrop lands on the dialog itself, never on its content box.
            on:click=move |ev| {
                let on_backdrop = dialog.get_untracked().is_some_and(|d| {
                    let d: &leptos::web_sys::EventTarget = d.as_ref();
                    ev.target().is_some_and(|t| t == *d)
                });
                if on_backdrop {
                    close();
                }
            }
        >
            <div class="still-there-box">
                <h2 id="still-there-title">{text(lang, |t| t.still_there_title)}</h2>
                <ListenButton lang voices keys=vec![STILL_THERE.to_string()] lines=spoken autoplay=true/>
                <p id="still-there-text">{text(lang, |t| t.still_there_text)}</p>
                <button type="button" class="button primary keep-going" autofocus on:click=move |_| close()>
                    {text(lang, |t| t.keep_going)}
                </button>
            </div>
        </dialog>
    }
}
