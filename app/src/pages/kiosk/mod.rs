//! The visitor's kiosk: the waiting-room tablet on which a woman, child or adolescent
//! says, anonymously, how she was treated.
//!
//! The server renders a neutral loading screen; every other screen is decided in the
//! browser after hydration, from the device token in `localStorage` and the survey the
//! API returns. Answers live only in memory until the visitor finishes: then they are
//! sealed to the server's key and queued for delivery (`kiosk_queue`), and the page
//! forgets them when the kiosk returns to its welcome screen.
use crate::components::icons::{
    BackIcon, CheckIcon, ExitIcon, GearIcon, HandIcon, HeartIcon, LanguageIcon, LockIcon, NextIcon, RetryIcon,
    SkipIcon, TalkIcon,
};
use crate::components::{Face, HelpBanner, ListenButton, StaffPanel, StillThereDialog};
use crate::i18n::{self, texts};
use crate::kiosk_config::KioskConfig;
use crate::kiosk_timing::{now_ms, IdleStep, Inactivity, TapFilter, VisitClock};
use crate::speech::Voices;
use crate::voice_prompts;
use domain::{wording, AnswerValue, ChoiceKey, Choices, Language, Question, QuestionKind, ScaleValue, Score, Survey};
use leptos::either::{EitherOf3, EitherOf7};
use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use std::collections::BTreeMap;

/// How long the thank-you screen stays before the kiosk returns to welcome by itself.
const THANKS_SECONDS: u64 = 6;
/// How often the inactivity watch looks at the clock.
const IDLE_CHECK_MS: u64 = 500;

/// What the kiosk shows. Its name is exposed as `data-screen` on the kiosk's root.
// The server only ever renders `Loading`; the browser decides the rest.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Screen {
    Loading,
    Enroll,
    Welcome,
    /// The question at this index of the survey.
    Question(usize),
    Thanks,
    Offline,
    /// The staff panel behind the station's PIN.
    Staff,
}

impl Screen {
    fn name(self) -> &'static str {
        match self {
            Screen::Loading => "loading",
            Screen::Enroll => "enroll",
            Screen::Welcome => "welcome",
            Screen::Question(_) => "question",
            Screen::Thanks => "thanks",
            Screen::Offline => "offline",
            Screen::Staff => "staff",
        }
    }
}

/// A message on the enrollment screen.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EnrollNote {
    /// The token was refused: staff must enroll the tablet again.
    Revoked,
    InvalidCode,
    Offline,
    Failed,
}

mod question;
mod screens;
mod state;

use question::*;
use screens::*;
use state::*;

/// The kiosk page at `/kiosk`, as the server renders it: a static loading screen in a
/// host element. Nothing here is hydrated: the browser's entry point (`start`) builds the
/// kiosk in its place. Every screen is decided in the browser anyway, and building it
/// there keeps the hydration code of every screen, the router and the head tags out of the
/// WebAssembly (BENCHMARKS.md, "Kiosk bundle and start").
#[component]
pub fn Kiosk() -> impl IntoView {
    view! {
        <crate::pwa::InstallableApp/>
        <div id="kiosk-host" class="kiosk-host" style="display: contents">
            <div class="kiosk" lang="es" data-screen="loading" data-hydrated="false">
                <main id="kiosk-main" class="kiosk-main">
                    <section class="screen screen-loading">
                        <LoadingDots/>
                        <h1 class="loading-title" tabindex="-1">{texts(Language::Es).loading}</h1>
                    </section>
                </main>
                <HelpBanner lang=Signal::stored(Language::Es)/>
            </div>
        </div>
    }
}

/// The browser's entry point: builds the kiosk in place of the loading screen the server
/// rendered, if this page is the kiosk. Other pages are plain HTML and need nothing.
#[cfg(feature = "hydrate")]
pub fn start() {
    let Some(host) = document().get_element_by_id("kiosk-host") else { return };
    let params =
        window().location().search().ok().and_then(|search| web_sys::UrlSearchParams::new_with_str(&search).ok());
    let param = |name: &str| params.as_ref().and_then(|p| p.get(name));
    let code = param("code").filter(|c| !c.trim().is_empty());
    let seconds = |name: &str| param(name).and_then(|v| v.trim().parse::<u32>().ok());
    let idle_override = (seconds("inactivity"), seconds("grace"));
    // What the server rendered is static: nothing refers to it once it is gone.
    host.set_inner_html("");
    let host: web_sys::HtmlElement = wasm_bindgen::JsCast::unchecked_into(host);
    // The kiosk lives as long as the page.
    leptos::mount::mount_to(host, move || kiosk_view(code, idle_override)).forget();
}

/// The kiosk, built in the browser: the server never renders it.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn kiosk_view(code_in_url: Option<String>, idle_override: (Option<u32>, Option<u32>)) -> impl IntoView {
    let kiosk = Kiosk::new();

    // Decides the first screen once the kiosk is in the page.
    Effect::new(move |_| {
        kiosk.idle_override.set_value(idle_override);
        kiosk.boot(code_in_url.clone());
    });

    // Returns to welcome a few seconds after the thank-you screen appears.
    Effect::new(move |_| {
        if kiosk.screen.get() == Screen::Thanks {
            let visit = kiosk.visit.get_value();
            set_timeout(
                move || {
                    if kiosk.screen.get_untracked() == Screen::Thanks && kiosk.visit.get_value() == visit {
                        kiosk.welcome_next_visitor();
                    }
                },
                std::time::Duration::from_secs(THANKS_SECONDS),
            );
        }
    });

    // Moves focus to each new screen's heading, so screen readers announce it and
    // focus is never lost on a button that just disappeared.
    Effect::new(move |_| {
        if let Some(heading) = kiosk.heading.get() {
            let _ = heading.focus();
        }
    });

    let asking = Memo::new(move |_| kiosk.still_there.get().is_some());
    let lang = kiosk.lang;
    view! {
        <div
            class="kiosk"
            lang=move || lang.get().code()
            data-screen=move || kiosk.screen.get().name()
            data-hydrated=move || if kiosk.hydrated.get() { "true" } else { "false" }
            on:pointerdown=move |_| kiosk.touched()
            on:touchstart=move |_| kiosk.touched()
            on:keydown=move |_| kiosk.touched()
        >
            <main id="kiosk-main" class="kiosk-main">
                // Static dispatch rather than `into_any()`, whose table of functions would
                // keep every screen's hydration code in the WebAssembly.
                {move || match kiosk.screen.get() {
                    Screen::Loading => EitherOf7::A(loading_screen(kiosk)),
                    Screen::Enroll => EitherOf7::B(lazy_screen(kiosk, Screen::Enroll)),
                    Screen::Welcome => EitherOf7::C(welcome_screen(kiosk)),
                    Screen::Question(i) => EitherOf7::D(question_screen(kiosk, i)),
                    Screen::Thanks => EitherOf7::E(thanks_screen(kiosk)),
                    Screen::Offline => EitherOf7::F(offline_screen(kiosk)),
                    Screen::Staff => EitherOf7::G(lazy_screen(kiosk, Screen::Staff)),
                }}
            </main>
            <HelpBanner lang/>
            {move || {
                asking.get().then(|| view! {
                    <StillThereDialog lang voices=kiosk.voices on_continue=Callback::new(move |()| kiosk.keep_going())/>
                })
            }}
        </div>
    }
}

/// A screen that staff see, never a visitor: the enrollment screen and the staff panel.
/// Their code is a WebAssembly module of its own (`staff_screens`) that the browser
/// fetches only when one of them is shown (`cargo leptos build --split`), so a visitor's
/// tablet never waits for it (BENCHMARKS.md, "Kiosk bundle"). The screen stays empty for
/// the moment it takes; the service worker keeps the module with the rest of the build.
/// Should the module not arrive (no network and no service worker yet), the kiosk shows
/// its offline screen, whose retry comes back here.
///
/// The module builds its screen into an empty host itself, rather than returning a view:
/// a type-erased view (`AnyView`) and `Suspend` would put their own code in the main
/// module, costing more than the screens they defer.
fn lazy_screen(kiosk: Kiosk, screen: Screen) -> impl IntoView {
    let host = NodeRef::<html::Div>::new();
    #[cfg(feature = "hydrate")]
    {
        // The screen belongs to this branch of the view: it is unmounted when the screen changes.
        let owner = Owner::current();
        Effect::new(move |_| {
            let (Some(host), Some(owner)) = (host.get(), owner.clone()) else { return };
            leptos::task::spawn_local(async move {
                if mount_staff_screen(host.into(), kiosk, owner, screen).await.is_err()
                    && kiosk.screen.get_untracked() == screen
                {
                    kiosk.screen.set(Screen::Offline);
                }
            });
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (kiosk, screen);
    view! { <div class="lazy-screen" style="display: contents" node_ref=host></div> }
}

/// Builds `screen` (`Enroll` or `Staff`) into `host`, owned by `owner`. Split into the
/// `staff_screens` module; `fallible`: a failed load is an `Err`, not an abort.
#[cfg(feature = "hydrate")]
#[leptos::wasm_split::wasm_split(staff_screens, wasm_split_path = ::leptos::wasm_split, fallible)]
fn mount_staff_screen(
    host: web_sys::Element,
    kiosk: Kiosk,
    owner: Owner,
    screen: Screen,
) -> Result<(), leptos::wasm_split::SplitLoaderError> {
    // The screen may have changed while its module was on its way.
    if host.is_connected() {
        owner.with(|| match screen {
            Screen::Enroll => mount_in(host, move || enroll_screen(kiosk)),
            _ => mount_in(host, move || staff_screen(kiosk)),
        });
    }
    Ok(())
}

/// Builds `view` into the empty `host`, for as long as the current reactive owner lives.
#[cfg(feature = "hydrate")]
fn mount_in<V: IntoView + 'static>(host: web_sys::Element, view: impl FnOnce() -> V) {
    use leptos::tachys::view::{Mountable, Render};

    struct Mounted<M: Mountable>(M);
    impl<M: Mountable> Drop for Mounted<M> {
        fn drop(&mut self) {
            self.0.unmount();
        }
    }

    let mut state = view().into_view().build();
    state.mount(&host, None);
    StoredValue::new_local(Mounted(state));
}
