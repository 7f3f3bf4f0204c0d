//! The kiosk's state and what it does: one visit from welcome to thanks, enrollment,
//! the survey, inactivity and the queue of sealed answers.

use super::*;

/// A click handler of the kiosk's buttons (`Kiosk::on_tap`).
pub(super) type TapHandler = Box<dyn Fn(leptos::ev::MouseEvent)>;

/// All of the kiosk's state. Every field is a cheap, copyable handle.
#[derive(Clone, Copy)]
pub(super) struct Kiosk {
    pub(super) screen: RwSignal<Screen>,
    pub(super) lang: RwSignal<Language>,
    pub(super) survey: RwSignal<Option<Survey>>,
    /// Question key → answer; a skipped question has no entry.
    pub(super) answers: RwSignal<BTreeMap<String, AnswerValue>>,
    pub(super) hydrated: RwSignal<bool>,
    pub(super) enroll_code: RwSignal<String>,
    pub(super) enroll_note: RwSignal<Option<EnrollNote>>,
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub(super) enrolling: RwSignal<bool>,
    /// Counts visits, so that a timer set during one visit cannot end the next.
    pub(super) visit: StoredValue<u64>,
    /// This tablet's station and settings, once the server has told them.
    pub(super) config: RwSignal<Option<KioskConfig>>,
    /// Shorter inactivity delays from the address (`?inactivity=2&grace=2`), for tests.
    pub(super) idle_override: StoredValue<(Option<u32>, Option<u32>)>,
    /// `now_ms()` of the last touch or key press.
    pub(super) last_touch: StoredValue<f64>,
    /// When the "are you still there?" prompt opened; `None` while it is closed.
    pub(super) still_there: RwSignal<Option<f64>>,
    pub(super) taps: StoredValue<TapFilter>,
    pub(super) clock: StoredValue<VisitClock>,
    pub(super) voices: Voices,
    /// The heading of the current screen, focused when the screen changes.
    pub(super) heading: NodeRef<html::H1>,
}

impl Kiosk {
    pub(super) fn new() -> Self {
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

    pub(super) fn question_count(self) -> usize {
        self.survey.with_untracked(|s| s.as_ref().map_or(0, |s| s.questions.len()))
    }

    /// The question shown at `position`: the profile items first, then the care questions.
    pub(super) fn question(self, position: usize) -> Option<Question> {
        self.survey.with_untracked(|s| {
            let questions = &s.as_ref()?.questions;
            asked_order(questions).get(position).map(|&i| questions[i].clone())
        })
    }

    /// Whether the visitor said she is a child or adolescent. Reactive.
    pub(super) fn is_child(self) -> bool {
        self.answers.with(is_child)
    }

    /// Whether a tap on a kiosk button counts: every button of the kiosk (answers,
    /// navigation, languages, the staff panel's PIN pad) asks here, so that a double tap
    /// never answers the next question too.
    pub(super) fn accept_tap(self) -> bool {
        self.taps.try_update_value(|t| t.accept(now_ms())).unwrap_or(false)
    }

    /// A click handler that runs `action` for an accepted tap only.
    ///
    /// Every tap handler has this one type, so the browser's code that attaches a click
    /// handler is compiled once, not once per button (BENCHMARKS.md, "Kiosk bundle").
    pub(super) fn on_tap(self, action: impl Fn() + 'static) -> TapHandler {
        let action: Box<dyn Fn()> = Box::new(action);
        Box::new(move |_| {
            if self.accept_tap() {
                action();
            }
        })
    }

    /// One of the interface's texts in the kiosk's language (`i18n::text`).
    pub(super) fn text(
        self,
        pick: fn(&'static i18n::KioskTexts) -> &'static str,
    ) -> impl Fn() -> &'static str + Copy + 'static {
        i18n::text(self.lang.into(), pick)
    }

    pub(super) fn touched(self) {
        self.last_touch.set_value(now_ms());
    }

    /// The visitor answered "are you still there?": the survey goes on as it was.
    pub(super) fn keep_going(self) {
        if self.still_there.try_get_untracked().flatten().is_some() {
            self.touched();
            self.still_there.set(None);
        }
    }

    /// The station's settings, shortened (never lengthened) by the address's overrides.
    pub(super) fn inactivity(self) -> Inactivity {
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
    pub(super) fn watch_inactivity(self) {
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
    pub(super) fn load_config(self) {
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
    pub(super) fn open_staff(self) {
        if self.config.with_untracked(Option::is_none) {
            self.load_config();
        }
        self.screen.set(Screen::Staff);
    }

    /// Staff asked to enroll the tablet again: it forgets its token (never the queue).
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub(super) fn reenroll(self) {
        #[cfg(feature = "hydrate")]
        crate::kiosk_api::forget_token();
        self.config.set(None);
        self.enroll_note.set(None);
        self.screen.set(Screen::Enroll);
    }

    /// The welcome screen, ready for the next visitor: no answers, Spanish.
    pub(super) fn welcome_next_visitor(self) {
        self.visit.update_value(|v| *v += 1);
        self.answers.set(BTreeMap::new());
        self.lang.set(Language::Es);
        self.still_there.set(None);
        self.clock.update_value(VisitClock::abandon);
        crate::speech::stop();
        // The welcome screen's listen button reads the list of recordings again: one
        // approved since the kiosk started is played from the next visitor on.
        #[cfg(feature = "hydrate")]
        crate::speech::forget_voice_index();
        self.screen.set(Screen::Welcome);
        // Picks up a newly published survey and the station's settings, and notices a
        // revoked token.
        self.load_survey(false);
    }

    pub(super) fn begin(self) {
        if self.question_count() == 0 {
            self.finish();
        } else {
            self.clock.update_value(|c| c.first_question(now_ms()));
            self.screen.set(Screen::Question(0));
        }
    }

    pub(super) fn back(self) {
        if let Screen::Question(i) = self.screen.get_untracked() {
            self.screen.set(if i == 0 { Screen::Welcome } else { Screen::Question(i - 1) });
        }
    }

    pub(super) fn advance(self) {
        if let Screen::Question(i) = self.screen.get_untracked() {
            if i + 1 < self.question_count() {
                self.screen.set(Screen::Question(i + 1));
            } else {
                self.finish();
            }
        }
    }

    pub(super) fn answer_and_advance(self, key: &str, value: AnswerValue) {
        self.answers.update(|a| {
            a.insert(key.to_string(), value);
        });
        self.advance();
    }

    pub(super) fn skip(self, key: &str) {
        self.answers.update(|a| {
            a.remove(key);
        });
        self.advance();
    }

    pub(super) fn toggle_choice(self, key: &str, choice: &ChoiceKey) {
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
    pub(super) fn finish(self) {
        self.visit.update_value(|v| *v += 1);
        #[cfg(feature = "hydrate")]
        if let Some(version) = self.survey.with_untracked(|s| s.as_ref().map(|s| s.version)) {
            let body = domain::SubmissionBody {
                id: crate::kiosk_api::new_response_id(),
                survey_version: version,
                language: self.lang.get_untracked().code().to_string(),
                // One by one, in key order already: `collect()` would sort them first,
                // and the sort's code was 4 KB of the kiosk's WebAssembly.
                answers: self.answers.with_untracked(|a| {
                    let mut answers = serde_json::Map::new();
                    for (key, value) in a {
                        answers.insert(key.clone(), value.to_json());
                    }
                    answers
                }),
                durations: self.clock.try_update_value(|c| c.finish(now_ms())),
            };
            crate::kiosk_queue::submit(body);
        }
        self.screen.set(Screen::Thanks);
    }

    /// Decides the first screen once the page has hydrated.
    pub(super) fn boot(self, code_in_url: Option<String>) {
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
    pub(super) fn load_survey(self, foreground: bool) {
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
    pub(super) fn revoked(self) {
        #[cfg(feature = "hydrate")]
        crate::kiosk_api::forget_token();
        self.enroll_note.set(Some(EnrollNote::Revoked));
        // Never swap the screen under a visitor who has begun.
        if matches!(self.screen.get_untracked(), Screen::Welcome | Screen::Loading | Screen::Offline) {
            self.screen.set(Screen::Enroll);
        }
    }

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub(super) fn enroll(self) {
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
