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
use domain::{AnswerValue, ChoiceKey, Choices, Language, Question, QuestionKind, ScaleValue, Score, Survey, Texts};
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

/// A click handler of the kiosk's buttons (`Kiosk::on_tap`).
type TapHandler = Box<dyn Fn(leptos::ev::MouseEvent)>;

/// All of the kiosk's state. Every field is a cheap, copyable handle.
#[derive(Clone, Copy)]
struct Kiosk {
    screen: RwSignal<Screen>,
    lang: RwSignal<Language>,
    survey: RwSignal<Option<Survey>>,
    /// Question key → answer; a skipped question has no entry.
    answers: RwSignal<BTreeMap<String, AnswerValue>>,
    hydrated: RwSignal<bool>,
    enroll_code: RwSignal<String>,
    enroll_note: RwSignal<Option<EnrollNote>>,
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    enrolling: RwSignal<bool>,
    /// Counts visits, so that a timer set during one visit cannot end the next.
    visit: StoredValue<u64>,
    /// This tablet's station and settings, once the server has told them.
    config: RwSignal<Option<KioskConfig>>,
    /// Shorter inactivity delays from the address (`?inactivity=2&grace=2`), for tests.
    idle_override: StoredValue<(Option<u32>, Option<u32>)>,
    /// `now_ms()` of the last touch or key press.
    last_touch: StoredValue<f64>,
    /// When the "are you still there?" prompt opened; `None` while it is closed.
    still_there: RwSignal<Option<f64>>,
    taps: StoredValue<TapFilter>,
    clock: StoredValue<VisitClock>,
    voices: Voices,
    /// The heading of the current screen, focused when the screen changes.
    heading: NodeRef<html::H1>,
}

impl Kiosk {
    fn new() -> Self {
        Kiosk {
            screen: RwSignal::new(Screen::Loading),
            lang: RwSignal::new(Language::Es),
            survey: RwSignal::new(None),
            answers: RwSignal::new(BTreeMap::new()),
            hydrated: RwSignal::new(false),
            enroll_code: RwSignal::new(String::new()),
            enroll_note: RwSignal::new(None),
            enrolling: RwSignal::new(false),
            visit: StoredValue::new(0),
            config: RwSignal::new(None),
            idle_override: StoredValue::new((None, None)),
            last_touch: StoredValue::new(now_ms()),
            still_there: RwSignal::new(None),
            taps: StoredValue::new(TapFilter::default()),
            clock: StoredValue::new(VisitClock::default()),
            voices: Voices::watch(),
            heading: NodeRef::new(),
        }
    }

    fn question_count(self) -> usize {
        self.survey.with_untracked(|s| s.as_ref().map_or(0, |s| s.questions.len()))
    }

    /// The question shown at `position`: the profile items first, then the care questions.
    fn question(self, position: usize) -> Option<Question> {
        self.survey.with_untracked(|s| {
            let questions = &s.as_ref()?.questions;
            asked_order(questions).get(position).map(|&i| questions[i].clone())
        })
    }

    /// Whether the visitor said she is a child or adolescent. Reactive.
    fn is_child(self) -> bool {
        self.answers.with(is_child)
    }

    /// Whether a tap on a kiosk button counts: every button of the kiosk (answers,
    /// navigation, languages, the staff panel's PIN pad) asks here, so that a double tap
    /// never answers the next question too.
    fn accept_tap(self) -> bool {
        self.taps.try_update_value(|t| t.accept(now_ms())).unwrap_or(false)
    }

    /// A click handler that runs `action` for an accepted tap only.
    ///
    /// Every tap handler has this one type, so the browser's code that attaches a click
    /// handler is compiled once, not once per button (BENCHMARKS.md, "Kiosk bundle").
    fn on_tap(self, action: impl Fn() + 'static) -> TapHandler {
        let action: Box<dyn Fn()> = Box::new(action);
        Box::new(move |_| {
            if self.accept_tap() {
                action();
            }
        })
    }

    /// One of the interface's texts in the kiosk's language (`i18n::text`).
    fn text(self, pick: fn(&'static i18n::KioskTexts) -> &'static str) -> impl Fn() -> &'static str + Copy + 'static {
        i18n::text(self.lang.into(), pick)
    }

    fn touched(self) {
        self.last_touch.set_value(now_ms());
    }

    /// The visitor answered "are you still there?": the survey goes on as it was.
    fn keep_going(self) {
        if self.still_there.try_get_untracked().flatten().is_some() {
            self.touched();
            self.still_there.set(None);
        }
    }

    /// The station's settings, shortened (never lengthened) by the address's overrides.
    fn inactivity(self) -> Inactivity {
        let set = crate::kiosk_config::inactivity(
            &self.config.with_untracked(|c| c.as_ref().map(|c| c.settings).unwrap_or_default()),
        );
        let (prompt_after_s, grace_s) = self.idle_override.get_value();
        Inactivity {
            prompt_after_s: prompt_after_s.map_or(set.prompt_after_s, |s| s.clamp(1, set.prompt_after_s)),
            grace_s: grace_s.map_or(set.grace_s, |s| s.clamp(1, set.grace_s)),
        }
    }

    /// Prompts, then forgets, a survey left untouched; quietly resets a welcome screen
    /// left in another language and a staff panel left open.
    fn watch_inactivity(self) {
        let check = move || {
            let now = now_ms();
            let last_touch = self.last_touch.get_value();
            let idle = self.inactivity();
            let step = match self.screen.get_untracked() {
                Screen::Question(_) => idle.mid_survey(now, last_touch, self.still_there.get_untracked()),
                Screen::Welcome
                    if self.lang.get_untracked() != Language::Es || self.answers.with_untracked(|a| !a.is_empty()) =>
                {
                    idle.elsewhere(now, last_touch)
                }
                Screen::Staff => idle.elsewhere(now, last_touch),
                _ => IdleStep::Nothing,
            };
            match step {
                IdleStep::Prompt => self.still_there.set(Some(now)),
                IdleStep::Reset => self.welcome_next_visitor(),
                IdleStep::Nothing => {}
            }
        };
        if let Ok(handle) = set_interval_with_handle(check, std::time::Duration::from_millis(IDLE_CHECK_MS)) {
            on_cleanup(move || handle.clear());
        }
        // Leaving the page (a back gesture, a reload, another address) forgets the visit,
        // so the browser's page cache never brings her answers back.
        #[cfg(feature = "hydrate")]
        {
            let on_leave = window_event_listener_untyped("pagehide", move |_| {
                if matches!(self.screen.try_get_untracked(), Some(Screen::Question(_) | Screen::Thanks | Screen::Staff))
                {
                    self.welcome_next_visitor();
                }
            });
            on_cleanup(move || on_leave.remove());
        }
    }

    /// Loads this tablet's station and settings; without them the defaults apply.
    fn load_config(self) {
        #[cfg(feature = "hydrate")]
        if let Some(token) = crate::kiosk_api::stored_token() {
            leptos::task::spawn_local(async move {
                if let Ok(config) = crate::kiosk_config::load_kiosk_config(&token).await {
                    if let Some(key) = &config.seal_public_key {
                        crate::kiosk_queue::keep_seal_key(key);
                    }
                    let _ = self.config.try_set(Some(config));
                }
            });
        }
    }

    /// Opens the staff panel (locked until the PIN is checked).
    fn open_staff(self) {
        if self.config.with_untracked(Option::is_none) {
            self.load_config();
        }
        self.screen.set(Screen::Staff);
    }

    /// Staff asked to enroll the tablet again: it forgets its token (never the queue).
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn reenroll(self) {
        #[cfg(feature = "hydrate")]
        crate::kiosk_api::forget_token();
        self.config.set(None);
        self.enroll_note.set(None);
        self.screen.set(Screen::Enroll);
    }

    /// The welcome screen, ready for the next visitor: no answers, Spanish.
    fn welcome_next_visitor(self) {
        self.visit.update_value(|v| *v += 1);
        self.answers.set(BTreeMap::new());
        self.lang.set(Language::Es);
        self.still_there.set(None);
        self.clock.update_value(VisitClock::abandon);
        crate::speech::stop();
        self.screen.set(Screen::Welcome);
        // Picks up a newly published survey and the station's settings, and notices a
        // revoked token.
        self.load_survey(false);
    }

    fn begin(self) {
        if self.question_count() == 0 {
            self.finish();
        } else {
            self.clock.update_value(|c| c.first_question(now_ms()));
            self.screen.set(Screen::Question(0));
        }
    }

    fn back(self) {
        if let Screen::Question(i) = self.screen.get_untracked() {
            self.screen.set(if i == 0 { Screen::Welcome } else { Screen::Question(i - 1) });
        }
    }

    fn advance(self) {
        if let Screen::Question(i) = self.screen.get_untracked() {
            if i + 1 < self.question_count() {
                self.screen.set(Screen::Question(i + 1));
            } else {
                self.finish();
            }
        }
    }

    fn answer_and_advance(self, key: &str, value: AnswerValue) {
        self.answers.update(|a| {
            a.insert(key.to_string(), value);
        });
        self.advance();
    }

    fn skip(self, key: &str) {
        self.answers.update(|a| {
            a.remove(key);
        });
        self.advance();
    }

    fn toggle_choice(self, key: &str, choice: &ChoiceKey) {
        self.answers.update(|a| {
            let chosen = match a.remove(key) {
                Some(AnswerValue::Choices(c)) => c.toggled(choice),
                _ => Some(Choices::one(choice.clone())),
            };
            if let Some(chosen) = chosen {
                a.insert(key.to_string(), AnswerValue::Choices(chosen));
            }
        });
    }

    /// Shows the thank-you screen at once; the answers, sealed, go to the outbox,
    /// which delivers them in the background.
    fn finish(self) {
        self.visit.update_value(|v| *v += 1);
        #[cfg(feature = "hydrate")]
        if let Some(version) = self.survey.with_untracked(|s| s.as_ref().map(|s| s.version)) {
            let body = domain::SubmissionBody {
                id: crate::kiosk_api::new_response_id(),
                survey_version: version,
                language: self.lang.get_untracked().code().to_string(),
                answers: self.answers.with_untracked(|a| a.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
                durations: self.clock.try_update_value(|c| c.finish(now_ms())),
            };
            crate::kiosk_queue::submit(body);
        }
        self.screen.set(Screen::Thanks);
    }

    /// Decides the first screen once the page has hydrated.
    fn boot(self, code_in_url: Option<String>) {
        if let Some(code) = code_in_url {
            self.enroll_code.set(code);
        }
        self.hydrated.set(true);
        self.watch_inactivity();
        #[cfg(feature = "hydrate")]
        {
            crate::kiosk_queue::start(move || self.revoked());
            crate::kiosk_queue::register_service_worker();
        }
        #[cfg(feature = "hydrate")]
        if crate::kiosk_api::stored_token().is_some() {
            self.load_survey(true);
        } else {
            self.screen.set(Screen::Enroll);
        }
    }

    /// Loads the survey. In the foreground the kiosk shows loading, then welcome or a
    /// retry screen; in the background (between visitors) a failure changes nothing.
    fn load_survey(self, foreground: bool) {
        #[cfg(feature = "hydrate")]
        {
            use crate::kiosk_api::{load_survey, stored_token, SurveyError};
            let Some(token) = stored_token() else {
                self.screen.set(Screen::Enroll);
                return;
            };
            // Also refreshes the key queued answers are sealed to.
            self.load_config();
            if foreground {
                self.screen.set(Screen::Loading);
            }
            leptos::task::spawn_local(async move {
                let result = load_survey(&token).await;
                // Never swap the survey or the screen under a visitor who has begun.
                let between_visitors =
                    foreground || matches!(self.screen.get_untracked(), Screen::Welcome | Screen::Loading);
                match result {
                    Ok(survey) if between_visitors => {
                        let offered = survey.languages.clone();
                        self.survey.set(Some(survey));
                        if !offered.contains(&self.lang.get_untracked()) {
                            self.lang.set(Language::Es);
                        }
                        self.screen.set(Screen::Welcome);
                    }
                    Err(SurveyError::Unauthorized) => self.revoked(),
                    Err(SurveyError::Unavailable) if foreground => self.screen.set(Screen::Offline),
                    _ => {}
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = foreground;
    }

    /// The server refused the tablet's token: staff must enroll it again. Queued
    /// answers stay queued, and are delivered with the new token.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn revoked(self) {
        #[cfg(feature = "hydrate")]
        crate::kiosk_api::forget_token();
        self.enroll_note.set(Some(EnrollNote::Revoked));
        // Never swap the screen under a visitor who has begun.
        if matches!(self.screen.get_untracked(), Screen::Welcome | Screen::Loading | Screen::Offline) {
            self.screen.set(Screen::Enroll);
        }
    }

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn enroll(self) {
        #[cfg(feature = "hydrate")]
        if !self.enrolling.get_untracked() {
            use crate::kiosk_api::{enroll, store_token, EnrollError};
            let code = self.enroll_code.get_untracked();
            self.enrolling.set(true);
            leptos::task::spawn_local(async move {
                match enroll(&code).await {
                    Ok(enrolled) => {
                        store_token(&enrolled.token);
                        // From now on every finished survey is sealed and queued durably,
                        // even if `/api/v1/kiosk` never answers.
                        if let Some(key) = &enrolled.seal_public_key {
                            crate::kiosk_queue::keep_seal_key(key);
                        }
                        crate::kiosk_queue::deliver_now();
                        self.enroll_note.set(None);
                        self.enroll_code.set(String::new());
                        self.load_survey(true);
                    }
                    Err(EnrollError::InvalidCode) => self.enroll_note.set(Some(EnrollNote::InvalidCode)),
                    Err(EnrollError::Network) => self.enroll_note.set(Some(EnrollNote::Offline)),
                    Err(EnrollError::Server) => self.enroll_note.set(Some(EnrollNote::Failed)),
                }
                self.enrolling.set(false);
            });
        }
    }
}

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
                    <StillThereDialog lang on_continue=Callback::new(move |()| kiosk.keep_going())/>
                })
            }}
        </div>
    }
}

fn loading_screen(kiosk: Kiosk) -> impl IntoView {
    view! {
        <section class="screen screen-loading">
            <LoadingDots/>
            <h1 class="loading-title" tabindex="-1" node_ref=kiosk.heading>
                {kiosk.text(|t| t.loading)}
            </h1>
        </section>
    }
}

#[component]
fn LoadingDots() -> impl IntoView {
    view! {
        <div class="loading-dots" aria-hidden="true">
            <span></span>
            <span></span>
            <span></span>
        </div>
    }
}

#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn enroll_screen(kiosk: Kiosk) -> impl IntoView {
    let note = kiosk.enroll_note;
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        kiosk.enroll();
    };
    // The kiosk's language does not apply here: this screen is for staff.
    view! {
        <section class="screen screen-enroll" lang="es">
            <h1 tabindex="-1" node_ref=kiosk.heading>{i18n::enroll::TITLE}</h1>
            {move || {
                (note.get() == Some(EnrollNote::Revoked))
                    .then(|| view! { <p class="note">{i18n::enroll::REVOKED}</p> })
            }}
            <p class="lead">{i18n::enroll::INTRO}</p>
            <form class="enroll-form" on:submit=on_submit novalidate>
                <label for="enroll-code">{i18n::enroll::CODE_LABEL}</label>
                <input
                    id="enroll-code"
                    name="code"
                    type="text"
                    autocomplete="off"
                    autocapitalize="characters"
                    spellcheck="false"
                    placeholder="ABCD-EFGH"
                    prop:value=move || kiosk.enroll_code.get()
                    on:input=move |ev| kiosk.enroll_code.set(event_target_value(&ev))
                />
                <button type="submit" class="button primary" aria-disabled=move || kiosk.enrolling.get().to_string()>
                    {move || if kiosk.enrolling.get() { i18n::enroll::SUBMITTING } else { i18n::enroll::SUBMIT }}
                </button>
            </form>
            <div class="alert-slot">
                {move || {
                    let message = match note.get() {
                        Some(EnrollNote::InvalidCode) => i18n::enroll::INVALID,
                        Some(EnrollNote::Offline) => i18n::enroll::OFFLINE,
                        Some(EnrollNote::Failed) => i18n::enroll::FAILED,
                        Some(EnrollNote::Revoked) | None => return None,
                    };
                    Some(view! { <p class="alert" role="alert">{message}</p> })
                }}
            </div>
        </section>
    }
}

fn welcome_screen(kiosk: Kiosk) -> impl IntoView {
    let lang = kiosk.lang;
    let t = move || texts(lang.get());
    let offered = move || kiosk.survey.with(|s| s.as_ref().map(|s| s.languages.clone()).unwrap_or_default());
    let spoken = Signal::derive(move || {
        let t = t();
        [t.welcome_title, t.welcome_what, t.welcome_anonymous, t.welcome_skip, t.start].map(String::from).to_vec()
    });
    view! {
        <section class="screen screen-welcome">
            <div class="screen-head">
                <h1 tabindex="-1" node_ref=kiosk.heading>{kiosk.text(|t| t.welcome_title)}</h1>
                <ListenButton lang voices=kiosk.voices audio_key="welcome".to_string() lines=spoken/>
            </div>
            <ul class="promises">
                <li><TalkIcon/><span>{kiosk.text(|t| t.welcome_what)}</span></li>
                <li><LockIcon/><span>{kiosk.text(|t| t.welcome_anonymous)}</span></li>
                <li><HandIcon/><span>{kiosk.text(|t| t.welcome_skip)}</span></li>
            </ul>
            {move || {
                let offered = offered();
                (offered.len() > 1).then(|| view! {
                    <div class="language-picker" role="group" aria-labelledby="language-label">
                        <p id="language-label" class="picker-label">
                            <LanguageIcon/>
                            <span>{kiosk.text(|t| t.language_label)}</span>
                        </p>
                        <div class="language-options">
                            {offered
                                .into_iter()
                                .map(|l| view! {
                                    <button
                                        type="button"
                                        class="language"
                                        lang=l.code()
                                        aria-pressed=move || if lang.get() == l { "true" } else { "false" }
                                        on:click=kiosk.on_tap(move || lang.set(l))
                                    >
                                        <CheckIcon/>
                                        <span>{l.native_name()}</span>
                                    </button>
                                })
                                .collect_view()}
                        </div>
                    </div>
                })
            }}
            <div class="welcome-actions">
                <button type="button" class="button primary start" on:click=kiosk.on_tap(move || kiosk.begin())>
                    <span>{kiosk.text(|t| t.start)}</span>
                    <NextIcon/>
                </button>
                // Discreet, for staff only, and only here: never during a visitor's survey.
                <button
                    type="button"
                    class="staff-open"
                    lang="es"
                    aria-label=i18n::staff::OPEN
                    title=i18n::staff::OPEN
                    on:click=kiosk.on_tap(move || kiosk.open_staff())
                >
                    <GearIcon/>
                </button>
            </div>
        </section>
    }
}

/// The order in which the kiosk asks the survey's questions: the profile items first
/// (so that a child gets the child wording from the start), then the care questions,
/// each group in survey order. Holds indices into `questions`.
fn asked_order(questions: &[Question]) -> Vec<usize> {
    let (profile, care): (Vec<usize>, Vec<usize>) = (0..questions.len()).partition(|&i| questions[i].profile);
    profile.into_iter().chain(care).collect()
}

/// Whether the answers say a child or adolescent is answering.
fn is_child(answers: &BTreeMap<String, AnswerValue>) -> bool {
    let chose = |key: &str, choices: &[&str]| matches!(answers.get(key), Some(AnswerValue::Choice(c)) if choices.contains(&c.as_ref()));
    chose(domain::RESPONDENT_KEY, &["child"]) || chose(domain::AGE_BAND_KEY, &["under-12", "12-17"])
}

/// The text of `texts` in `lang`, or in Spanish when it is missing.
fn text_in(texts: &Texts, lang: Language) -> String {
    texts.get(&lang).or_else(|| texts.get(&Language::Es)).cloned().unwrap_or_default()
}

/// The wording a visitor reads: the simpler child wording when she is a child and it
/// exists in her language, else the usual text.
fn wording(text: &Texts, child_text: &Texts, lang: Language, child: bool) -> String {
    match child_text.get(&lang).filter(|t| child && !t.trim().is_empty()) {
        Some(t) => t.clone(),
        None => text_in(text, lang),
    }
}

/// The label of a face of the scale, 1 to 4.
fn scale_label(lang: Language, level: u8) -> &'static str {
    let t = texts(lang);
    match level {
        1 => t.very_bad,
        2 => t.bad,
        3 => t.good,
        _ => t.very_good,
    }
}

fn question_screen(kiosk: Kiosk, index: usize) -> Option<impl IntoView> {
    let question = kiosk.question(index)?;
    let lang = kiosk.lang;
    let total = kiosk.question_count();
    let key = StoredValue::new(question.key.clone());
    let shown = StoredValue::new(question.clone());
    let percent = (index + 1) * 100 / total.max(1);
    let title = move || shown.with_value(|q| wording(&q.text, &q.child_text, lang.get(), kiosk.is_child()));

    // What the listen button reads: the question, then each choice.
    let spoken = Signal::derive(move || {
        let lang = lang.get();
        let child = kiosk.is_child();
        shown.with_value(|q| {
            let mut lines = vec![wording(&q.text, &q.child_text, lang, child)];
            match q.kind {
                QuestionKind::Scale4 => {
                    lines.extend((1..=4).map(|level| scale_label(lang, level).to_string()));
                    lines.push(texts(lang).rather_not.to_string());
                }
                QuestionKind::Single | QuestionKind::Multi => {
                    lines.extend(q.choices.iter().map(|c| wording(&c.text, &c.child_text, lang, child)));
                }
            }
            lines
        })
    });

    let is_multi = question.kind == QuestionKind::Multi;
    let answers = match question.kind {
        QuestionKind::Scale4 => EitherOf3::A(scale_answers(kiosk, key)),
        QuestionKind::Single => EitherOf3::B(single_answers(kiosk, key, question)),
        QuestionKind::Multi => EitherOf3::C(multi_answers(kiosk, key, question)),
    };

    Some(view! {
        <section class="screen screen-question" data-question=key.get_value()>
            <div class="survey-top">
                <div class="progress">
                    <p class="progress-text">{move || i18n::progress(lang.get(), index + 1, total)}</p>
                    <div class="progress-track" aria-hidden="true">
                        <div class="progress-fill" style=format!("width: {percent}%")></div>
                    </div>
                </div>
                <ListenButton lang voices=kiosk.voices audio_key=key.get_value() lines=spoken/>
                <button type="button" class="button quiet exit" on:click=kiosk.on_tap(move || kiosk.welcome_next_visitor())>
                    <ExitIcon/>
                    <span>{kiosk.text(|t| t.exit)}</span>
                </button>
            </div>
            <h1 id="question-title" class="question-title" tabindex="-1" node_ref=kiosk.heading>
                {title}
            </h1>
            {answers}
            <div class="survey-nav">
                <button type="button" class="button quiet back" on:click=kiosk.on_tap(move || kiosk.back())>
                    <BackIcon/>
                    <span>{kiosk.text(|t| t.back)}</span>
                </button>
                <button
                    type="button"
                    class="button quiet skip"
                    on:click=kiosk.on_tap(move || key.with_value(|k| kiosk.skip(k)))
                >
                    <span>{kiosk.text(|t| t.skip)}</span>
                    <SkipIcon/>
                </button>
                {is_multi.then(|| view! {
                    <button type="button" class="button primary next" on:click=kiosk.on_tap(move || kiosk.advance())>
                        <span>{kiosk.text(|t| t.next)}</span>
                        <NextIcon/>
                    </button>
                })}
            </div>
        </section>
    })
}

/// Whether the answer to `key` is `value`, as `aria-pressed` wants it.
fn pressed(
    kiosk: Kiosk,
    key: StoredValue<String>,
    is: impl Fn(&AnswerValue) -> bool + Send + Sync + 'static,
) -> impl Fn() -> &'static str {
    move || {
        let on = key.with_value(|k| kiosk.answers.with(|a| a.get(k).is_some_and(&is)));
        if on {
            "true"
        } else {
            "false"
        }
    }
}

fn scale_answers(kiosk: Kiosk, key: StoredValue<String>) -> impl IntoView {
    let lang = kiosk.lang;
    let faces = Score::ALL
        .into_iter()
        .map(|score| {
            let level = score.get();
            let value = AnswerValue::Scale(ScaleValue::Score(score));
            view! {
                <button
                    type="button"
                    class=format!("answer face-answer level-{level}")
                    data-value=level
                    aria-pressed=pressed(kiosk, key, move |a| *a == AnswerValue::Scale(ScaleValue::Score(score)))
                    on:click=kiosk.on_tap(move || key.with_value(|k| kiosk.answer_and_advance(k, value.clone())))
                >
                    // A child sees positive and neutral faces only.
                    {move || {
                        let gentle = kiosk.is_child();
                        view! { <Face level gentle/> }
                    }}
                    <span class="answer-label">{move || scale_label(lang.get(), level)}</span>
                    <CheckIcon/>
                </button>
            }
        })
        .collect_view();
    let rather_not = AnswerValue::Scale(ScaleValue::RatherNot);
    view! {
        <div class="answers scale" role="group" aria-labelledby="question-title">
            <div class="faces">{faces}</div>
            <button
                type="button"
                class="answer rather-not"
                data-value=domain::RATHER_NOT
                aria-pressed=pressed(kiosk, key, |a| *a == AnswerValue::Scale(ScaleValue::RatherNot))
                on:click=kiosk.on_tap(move || key.with_value(|k| kiosk.answer_and_advance(k, rather_not.clone())))
            >
                <span class="answer-label">{kiosk.text(|t| t.rather_not)}</span>
                <CheckIcon/>
            </button>
        </div>
    }
}

fn single_answers(kiosk: Kiosk, key: StoredValue<String>, question: Question) -> impl IntoView {
    let lang = kiosk.lang;
    let count = question.choices.len();
    let choices = question
        .choices
        .into_iter()
        // A choice whose key is malformed cannot be answered (the server would refuse it).
        .filter_map(|choice| Some((ChoiceKey::parse(&choice.key).ok()?, choice)))
        .map(|(choice_key, choice)| {
            let is = choice_key.clone();
            let (text, child_text) = (choice.text, choice.child_text);
            let answer = AnswerValue::Choice(choice_key.clone());
            view! {
                <button
                    type="button"
                    class="answer choice"
                    data-value=choice.key
                    aria-pressed=pressed(kiosk, key, move |a| matches!(a, AnswerValue::Choice(c) if *c == is))
                    on:click=kiosk.on_tap(move || key.with_value(|k| kiosk.answer_and_advance(k, answer.clone())))
                >
                    <span class="answer-label">{move || wording(&text, &child_text, lang.get(), kiosk.is_child())}</span>
                    <CheckIcon/>
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="answers choices" class:few=count <= 3 role="group" aria-labelledby="question-title">
            {choices}
        </div>
    }
}

fn multi_answers(kiosk: Kiosk, key: StoredValue<String>, question: Question) -> impl IntoView {
    let lang = kiosk.lang;
    let choices = question
        .choices
        .into_iter()
        // A choice whose key is malformed cannot be answered (the server would refuse it).
        .filter_map(|choice| Some((ChoiceKey::parse(&choice.key).ok()?, choice)))
        .map(|(choice_key, choice)| {
            let choice_key = StoredValue::new(choice_key);
            let (text, child_text) = (choice.text, choice.child_text);
            view! {
                <button
                    type="button"
                    class="answer choice toggle"
                    data-value=choice.key
                    aria-pressed=pressed(kiosk, key, move |a| {
                        matches!(a, AnswerValue::Choices(cs) if choice_key.with_value(|c| cs.contains(c.as_ref())))
                    })
                    on:click=kiosk.on_tap(move || key.with_value(|k| choice_key.with_value(|c| kiosk.toggle_choice(k, c))))
                >
                    <span class="box" aria-hidden="true"><CheckIcon/></span>
                    <span class="answer-label">{move || wording(&text, &child_text, lang.get(), kiosk.is_child())}</span>
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="answers multi">
            <p class="hint">{kiosk.text(|t| t.choose_any)}</p>
            <div class="choices" role="group" aria-labelledby="question-title">{choices}</div>
        </div>
    }
}

fn thanks_screen(kiosk: Kiosk) -> impl IntoView {
    let lang = kiosk.lang;
    let t = move || texts(lang.get());
    let spoken = Signal::derive(move || {
        let t = t();
        [t.thanks_title, t.thanks_sent, t.thanks_line_100, t.thanks_cem].map(String::from).to_vec()
    });
    view! {
        <section class="screen screen-thanks">
            <div class="screen-tools">
                <ListenButton lang voices=kiosk.voices audio_key="thanks".to_string() lines=spoken/>
            </div>
            <div class="thanks-mark" aria-hidden="true"><HeartIcon/></div>
            <h1 tabindex="-1" node_ref=kiosk.heading>{kiosk.text(|t| t.thanks_title)}</h1>
            <p class="lead">{kiosk.text(|t| t.thanks_sent)}</p>
            <div class="help-card">
                <p class="help-strong">{kiosk.text(|t| t.thanks_line_100)}</p>
                <p>{kiosk.text(|t| t.thanks_cem)}</p>
            </div>
            <button
                type="button"
                class="button primary finish"
                on:click=kiosk.on_tap(move || kiosk.welcome_next_visitor())
            >
                {kiosk.text(|t| t.finish)}
            </button>
        </section>
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

#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn staff_screen(kiosk: Kiosk) -> impl IntoView {
    let station_name = Signal::derive(move || kiosk.config.with(|c| c.as_ref().map(|c| c.station.name.clone())));
    view! {
        <StaffPanel
            station_name
            heading=kiosk.heading
            on_close=Callback::new(move |()| kiosk.welcome_next_visitor())
            on_reenroll=Callback::new(move |()| kiosk.reenroll())
            accept_tap=Callback::new(move |()| kiosk.accept_tap())
        />
    }
}

fn offline_screen(kiosk: Kiosk) -> impl IntoView {
    view! {
        <section class="screen screen-offline">
            <h1 tabindex="-1" node_ref=kiosk.heading>{kiosk.text(|t| t.offline_title)}</h1>
            <p class="lead">{kiosk.text(|t| t.offline_text)}</p>
            <button type="button" class="button primary retry" on:click=kiosk.on_tap(move || kiosk.load_survey(true))>
                <RetryIcon/>
                <span>{kiosk.text(|t| t.retry)}</span>
            </button>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Choice;

    fn question(key: &str, profile: bool) -> Question {
        Question {
            key: key.into(),
            kind: QuestionKind::Single,
            choices: vec![Choice { key: "a".into(), text: Texts::new(), child_text: Texts::new() }],
            text: Texts::new(),
            child_text: Texts::new(),
            in_index: !profile,
            profile,
            observable: profile,
        }
    }

    #[test]
    fn the_profile_items_are_asked_first_then_the_care_questions_in_order() {
        let questions = [
            question("respect", false),
            question("believed", false),
            question("respondent", true),
            question("age_band", true),
        ];
        let keys: Vec<&str> = asked_order(&questions).into_iter().map(|i| questions[i].key.as_str()).collect();
        assert_eq!(keys, ["respondent", "age_band", "respect", "believed"]);
    }

    #[test]
    fn a_child_is_recognised_by_either_profile_item() {
        let with = |key: &str, choice: &str| {
            BTreeMap::from([(key.to_string(), AnswerValue::Choice(ChoiceKey::parse(choice).unwrap()))])
        };
        assert!(is_child(&with("respondent", "child")));
        assert!(is_child(&with("age_band", "under-12")));
        assert!(is_child(&with("age_band", "12-17")));
        assert!(!is_child(&with("respondent", "self")));
        assert!(!is_child(&with("age_band", "18-plus")));
        assert!(!is_child(&BTreeMap::new()));
    }

    #[test]
    fn a_child_reads_the_child_wording_where_it_exists() {
        let text = Texts::from([(Language::Es, "¿Te trataron con respeto?".into()), (Language::En, "Respect?".into())]);
        let child = Texts::from([(Language::Es, "¿Te trataron bien?".into())]);
        assert_eq!(wording(&text, &child, Language::Es, true), "¿Te trataron bien?");
        assert_eq!(wording(&text, &child, Language::Es, false), "¿Te trataron con respeto?");
        assert_eq!(wording(&text, &child, Language::En, true), "Respect?", "no child wording in English here");
        assert_eq!(wording(&text, &child, Language::Qu, false), "¿Te trataron con respeto?", "Spanish fallback");
    }
}
