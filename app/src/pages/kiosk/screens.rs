//! The kiosk's screens other than a question's: loading, enrollment, welcome, thanks,
//! offline, and the staff screen's host.

use super::*;

pub(super) fn loading_screen(kiosk: Kiosk) -> impl IntoView {
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
pub(super) fn LoadingDots() -> impl IntoView {
    view! {
        <div class="loading-dots" aria-hidden="true">
            <span></span>
            <span></span>
            <span></span>
        </div>
    }
}

#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub(super) fn enroll_screen(kiosk: Kiosk) -> impl IntoView {
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

pub(super) fn welcome_screen(kiosk: Kiosk) -> impl IntoView {
    let lang = kiosk.lang;
    let offered = move || kiosk.survey.with(|s| s.as_ref().map(|s| s.languages.clone()).unwrap_or_default());
    // The screen, then the help line below it.
    let spoken = Signal::derive(move || {
        let mut lines = voice_prompts::welcome_lines(lang.get());
        lines.push(texts(lang.get()).help_line.to_string());
        lines
    });
    let keys = vec![voice_prompts::WELCOME.to_string(), voice_prompts::HELP.to_string()];
    view! {
        <section class="screen screen-welcome">
            <div class="screen-head">
                <h1 tabindex="-1" node_ref=kiosk.heading>{kiosk.text(|t| t.welcome_title)}</h1>
                <ListenButton lang voices=kiosk.voices keys lines=spoken/>
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

pub(super) fn thanks_screen(kiosk: Kiosk) -> impl IntoView {
    let lang = kiosk.lang;
    let spoken = Signal::derive(move || voice_prompts::thanks_lines(lang.get()));
    view! {
        <section class="screen screen-thanks">
            <div class="screen-tools">
                <ListenButton lang voices=kiosk.voices keys=vec![voice_prompts::THANKS.to_string()] lines=spoken autoplay=true/>
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

#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub(super) fn staff_screen(kiosk: Kiosk) -> impl IntoView {
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

pub(super) fn offline_screen(kiosk: Kiosk) -> impl IntoView {
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
