//! The visitor's kiosk: the waiting-room tablet on which a woman, child or adolescent
//! says, anonymously, how she was treated.
//!
//! The server renders a neutral loading screen; every other screen is decided in the
//! browser after hydration, from the device token in `localStorage` and the survey the
//! API returns. Answers live only in memory: they are sent once, in the background,
//! and forgotten when the kiosk returns to its welcome screen.
use crate::components::icons::{
    BackIcon, CheckIcon, ExitIcon, HandIcon, HeartIcon, LanguageIcon, LockIcon, NextIcon, RetryIcon, SkipIcon, TalkIcon,
};
use crate::components::{Face, HelpBanner};
use crate::domain::{AnswerValue, Language, Question, QuestionKind, ScaleValue, Survey};
use crate::i18n::{self, texts};
use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// How long the thank-you screen stays before the kiosk returns to welcome by itself.
const THANKS_SECONDS: u64 = 6;
/// A survey left untouched this long is abandoned: its answers are forgotten so that
/// the next visitor never sees them.
const IDLE_SECONDS: u32 = 120;
const IDLE_CHECK_SECONDS: u32 = 5;

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
    enrolling: RwSignal<bool>,
    /// Counts visits, so that a timer set during one visit cannot end the next.
    visit: StoredValue<u64>,
    /// Seconds since the last touch or key press.
    idle: StoredValue<u32>,
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
            idle: StoredValue::new(0),
            heading: NodeRef::new(),
        }
    }

    fn question_count(self) -> usize {
        self.survey.with_untracked(|s| s.as_ref().map_or(0, |s| s.questions.len()))
    }

    fn question(self, index: usize) -> Option<Question> {
        self.survey.with_untracked(|s| s.as_ref().and_then(|s| s.questions.get(index).cloned()))
    }

    /// The welcome screen, ready for the next visitor: no answers, Spanish.
    fn welcome_next_visitor(self) {
        self.visit.update_value(|v| *v += 1);
        self.answers.set(BTreeMap::new());
        self.lang.set(Language::Es);
        self.screen.set(Screen::Welcome);
        // Picks up a newly published survey, and notices a revoked token.
        self.load_survey(false);
    }

    fn begin(self) {
        if self.question_count() == 0 {
            self.finish();
        } else {
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

    fn toggle_choice(self, key: &str, choice: &str) {
        self.answers.update(|a| {
            let mut chosen = match a.remove(key) {
                Some(AnswerValue::Choices(c)) => c,
                _ => BTreeSet::new(),
            };
            if !chosen.remove(choice) {
                chosen.insert(choice.to_string());
            }
            if !chosen.is_empty() {
                a.insert(key.to_string(), AnswerValue::Choices(chosen));
            }
        });
    }

    /// Shows the thank-you screen at once and sends the answers in the background.
    fn finish(self) {
        self.visit.update_value(|v| *v += 1);
        #[cfg(feature = "hydrate")]
        if let (Some(token), Some(version)) =
            (crate::kiosk_api::stored_token(), self.survey.with_untracked(|s| s.as_ref().map(|s| s.version)))
        {
            let body = crate::domain::SubmissionBody {
                id: crate::kiosk_api::new_response_id(),
                survey_version: version,
                language: self.lang.get_untracked().code().to_string(),
                answers: self.answers.with_untracked(|a| a.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
                durations: None,
            };
            crate::kiosk_api::send_response(token, body);
        }
        self.screen.set(Screen::Thanks);
    }

    /// Decides the first screen once the page has hydrated.
    fn boot(self, code_in_url: Option<String>) {
        if let Some(code) = code_in_url {
            self.enroll_code.set(code);
        }
        self.hydrated.set(true);
        self.watch_idle();
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
            use crate::kiosk_api::{forget_token, load_survey, stored_token, SurveyError};
            let Some(token) = stored_token() else {
                self.screen.set(Screen::Enroll);
                return;
            };
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
                    Err(SurveyError::Unauthorized) => {
                        forget_token();
                        if between_visitors {
                            self.enroll_note.set(Some(EnrollNote::Revoked));
                            self.screen.set(Screen::Enroll);
                        }
                    }
                    Err(SurveyError::Unavailable) if foreground => self.screen.set(Screen::Offline),
                    _ => {}
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = foreground;
    }

    fn enroll(self) {
        #[cfg(feature = "hydrate")]
        if !self.enrolling.get_untracked() {
            use crate::kiosk_api::{enroll, store_token, EnrollError};
            let code = self.enroll_code.get_untracked();
            self.enrolling.set(true);
            leptos::task::spawn_local(async move {
                match enroll(&code).await {
                    Ok(token) => {
                        store_token(&token);
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

    /// Forgets a survey abandoned halfway, so the next visitor starts afresh.
    fn watch_idle(self) {
        set_interval(
            move || {
                self.idle.update_value(|s| *s += IDLE_CHECK_SECONDS);
                if self.idle.get_value() < IDLE_SECONDS {
                    return;
                }
                let abandoned = match self.screen.get_untracked() {
                    Screen::Question(_) => true,
                    Screen::Welcome => {
                        self.lang.get_untracked() != Language::Es || self.answers.with_untracked(|a| !a.is_empty())
                    }
                    _ => false,
                };
                if abandoned {
                    self.welcome_next_visitor();
                }
            },
            std::time::Duration::from_secs(u64::from(IDLE_CHECK_SECONDS)),
        );
    }
}

/// The kiosk page at `/kiosk`.
#[component]
pub fn Kiosk() -> impl IntoView {
    let kiosk = Kiosk::new();
    let query = leptos_router::hooks::use_query_map();

    // Effects run only in the browser, after hydration: the server and the first
    // client render both show the loading screen, so hydration matches.
    Effect::new(move |_| {
        let code = query.with_untracked(|q| q.get("code")).filter(|c| !c.trim().is_empty());
        kiosk.boot(code);
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

    let lang = kiosk.lang;
    view! {
        <div
            class="kiosk"
            lang=move || lang.get().code()
            data-screen=move || kiosk.screen.get().name()
            data-hydrated=move || if kiosk.hydrated.get() { "true" } else { "false" }
            on:pointerdown=move |_| kiosk.idle.set_value(0)
            on:keydown=move |_| kiosk.idle.set_value(0)
        >
            <main id="kiosk-main" class="kiosk-main">
                {move || match kiosk.screen.get() {
                    Screen::Loading => loading_screen(kiosk).into_any(),
                    Screen::Enroll => enroll_screen(kiosk).into_any(),
                    Screen::Welcome => welcome_screen(kiosk).into_any(),
                    Screen::Question(i) => question_screen(kiosk, i).into_any(),
                    Screen::Thanks => thanks_screen(kiosk).into_any(),
                    Screen::Offline => offline_screen(kiosk).into_any(),
                }}
            </main>
            <HelpBanner lang/>
        </div>
    }
}

fn loading_screen(kiosk: Kiosk) -> impl IntoView {
    let lang = kiosk.lang;
    view! {
        <section class="screen screen-loading">
            <div class="loading-dots" aria-hidden="true">
                <span></span>
                <span></span>
                <span></span>
            </div>
            <h1 class="loading-title" tabindex="-1" node_ref=kiosk.heading>
                {move || texts(lang.get()).loading}
            </h1>
        </section>
    }
}

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
    view! {
        <section class="screen screen-welcome">
            <h1 tabindex="-1" node_ref=kiosk.heading>{move || t().welcome_title}</h1>
            <ul class="promises">
                <li><TalkIcon/><span>{move || t().welcome_what}</span></li>
                <li><LockIcon/><span>{move || t().welcome_anonymous}</span></li>
                <li><HandIcon/><span>{move || t().welcome_skip}</span></li>
            </ul>
            {move || {
                let offered = offered();
                (offered.len() > 1).then(|| view! {
                    <div class="language-picker" role="group" aria-labelledby="language-label">
                        <p id="language-label" class="picker-label">
                            <LanguageIcon/>
                            <span>{move || t().language_label}</span>
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
                                        on:click=move |_| lang.set(l)
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
            <button type="button" class="button primary start" on:click=move |_| kiosk.begin()>
                <span>{move || t().start}</span>
                <NextIcon/>
            </button>
        </section>
    }
}

/// The text of `texts` in `lang`, or in Spanish when it is missing.
fn text_in(texts: &crate::domain::Texts, lang: Language) -> String {
    texts.get(&lang).or_else(|| texts.get(&Language::Es)).cloned().unwrap_or_default()
}

fn question_screen(kiosk: Kiosk, index: usize) -> impl IntoView {
    let Some(question) = kiosk.question(index) else {
        return ().into_any();
    };
    let lang = kiosk.lang;
    let t = move || texts(lang.get());
    let total = kiosk.question_count();
    let key = StoredValue::new(question.key.clone());
    let title = StoredValue::new(question.text.clone());
    let percent = (index + 1) * 100 / total.max(1);

    let is_multi = question.kind == QuestionKind::Multi;
    let answers = match question.kind {
        QuestionKind::Scale4 => scale_answers(kiosk, key).into_any(),
        QuestionKind::Single => single_answers(kiosk, key, question).into_any(),
        QuestionKind::Multi => multi_answers(kiosk, key, question).into_any(),
    };

    view! {
        <section class="screen screen-question" data-question=key.get_value()>
            <div class="survey-top">
                <div class="progress">
                    <p class="progress-text">{move || i18n::progress(lang.get(), index + 1, total)}</p>
                    <div class="progress-track" aria-hidden="true">
                        <div class="progress-fill" style=format!("width: {percent}%")></div>
                    </div>
                </div>
                <button type="button" class="button quiet exit" on:click=move |_| kiosk.welcome_next_visitor()>
                    <ExitIcon/>
                    <span>{move || t().exit}</span>
                </button>
            </div>
            <h1 id="question-title" class="question-title" tabindex="-1" node_ref=kiosk.heading>
                {move || title.with_value(|texts| text_in(texts, lang.get()))}
            </h1>
            {answers}
            <div class="survey-nav">
                <button type="button" class="button quiet back" on:click=move |_| kiosk.back()>
                    <BackIcon/>
                    <span>{move || t().back}</span>
                </button>
                <button type="button" class="button quiet skip" on:click=move |_| key.with_value(|k| kiosk.skip(k))>
                    <span>{move || t().skip}</span>
                    <SkipIcon/>
                </button>
                {is_multi.then(|| view! {
                    <button type="button" class="button primary next" on:click=move |_| kiosk.advance()>
                        <span>{move || t().next}</span>
                        <NextIcon/>
                    </button>
                })}
            </div>
        </section>
    }
    .into_any()
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
    let faces = (1..=4u8)
        .map(|level| {
            let label = move || {
                let t = texts(lang.get());
                match level {
                    1 => t.very_bad,
                    2 => t.bad,
                    3 => t.good,
                    _ => t.very_good,
                }
            };
            let value = AnswerValue::Scale(ScaleValue::Score(level));
            view! {
                <button
                    type="button"
                    class=format!("answer face-answer level-{level}")
                    data-value=level
                    aria-pressed=pressed(kiosk, key, move |a| *a == AnswerValue::Scale(ScaleValue::Score(level)))
                    on:click=move |_| key.with_value(|k| kiosk.answer_and_advance(k, value.clone()))
                >
                    <Face level/>
                    <span class="answer-label">{label}</span>
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
                data-value=crate::domain::RATHER_NOT
                aria-pressed=pressed(kiosk, key, |a| *a == AnswerValue::Scale(ScaleValue::RatherNot))
                on:click=move |_| key.with_value(|k| kiosk.answer_and_advance(k, rather_not.clone()))
            >
                <span class="answer-label">{move || texts(lang.get()).rather_not}</span>
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
        .map(|choice| {
            let choice_key = choice.key.clone();
            let is = choice_key.clone();
            let label = choice.text;
            view! {
                <button
                    type="button"
                    class="answer choice"
                    data-value=choice_key.clone()
                    aria-pressed=pressed(kiosk, key, move |a| matches!(a, AnswerValue::Choice(c) if *c == is))
                    on:click=move |_| key.with_value(|k| kiosk.answer_and_advance(k, AnswerValue::Choice(choice_key.clone())))
                >
                    <span class="answer-label">{move || text_in(&label, lang.get())}</span>
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
        .map(|choice| {
            let choice_key = StoredValue::new(choice.key.clone());
            let label = choice.text;
            view! {
                <button
                    type="button"
                    class="answer choice toggle"
                    data-value=choice.key
                    aria-pressed=pressed(kiosk, key, move |a| {
                        matches!(a, AnswerValue::Choices(cs) if choice_key.with_value(|c| cs.contains(c)))
                    })
                    on:click=move |_| key.with_value(|k| choice_key.with_value(|c| kiosk.toggle_choice(k, c)))
                >
                    <span class="box" aria-hidden="true"><CheckIcon/></span>
                    <span class="answer-label">{move || text_in(&label, lang.get())}</span>
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="answers multi">
            <p class="hint">{move || texts(lang.get()).choose_any}</p>
            <div class="choices" role="group" aria-labelledby="question-title">{choices}</div>
        </div>
    }
}

fn thanks_screen(kiosk: Kiosk) -> impl IntoView {
    let lang = kiosk.lang;
    let t = move || texts(lang.get());
    view! {
        <section class="screen screen-thanks">
            <div class="thanks-mark" aria-hidden="true"><HeartIcon/></div>
            <h1 tabindex="-1" node_ref=kiosk.heading>{move || t().thanks_title}</h1>
            <p class="lead">{move || t().thanks_sent}</p>
            <div class="help-card">
                <p class="help-strong">{move || t().thanks_line_100}</p>
                <p>{move || t().thanks_cem}</p>
            </div>
            <button type="button" class="button primary finish" on:click=move |_| kiosk.welcome_next_visitor()>
                {move || t().finish}
            </button>
        </section>
    }
}

fn offline_screen(kiosk: Kiosk) -> impl IntoView {
    let lang = kiosk.lang;
    let t = move || texts(lang.get());
    view! {
        <section class="screen screen-offline">
            <h1 tabindex="-1" node_ref=kiosk.heading>{move || t().offline_title}</h1>
            <p class="lead">{move || t().offline_text}</p>
            <button type="button" class="button primary retry" on:click=move |_| kiosk.load_survey(true)>
                <RetryIcon/>
                <span>{move || t().retry}</span>
            </button>
        </section>
    }
}
