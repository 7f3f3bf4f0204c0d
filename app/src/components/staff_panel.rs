//! The staff panel behind the station's PIN. It shows only the tablet's health (station,
//! answers waiting to be sent, last delivery, app version, connection), never an answer,
//! and lets staff enroll the tablet again or leave kiosk mode.
use super::icons::DeleteIcon;
use crate::i18n::staff as text;
use leptos::either::EitherOf3;
use leptos::ev::{MouseEvent, SubmitEvent};
use leptos::html;
use leptos::prelude::*;

/// A PIN is a few digits; longer input is cut here.
const PIN_MAX_LEN: usize = 12;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Locked,
    Checking,
    Unlocked,
    ConfirmReenroll,
}

#[component]
pub fn StaffPanel(
    #[prop(into)] station_name: Signal<Option<String>>,
    /// The kiosk focuses this heading when the panel opens.
    heading: NodeRef<html::H1>,
    on_close: Callback<()>,
    on_reenroll: Callback<()>,
    /// The kiosk's repeat-press filter: whether a tap now counts.
    accept_tap: Callback<(), bool>,
) -> impl IntoView {
    let phase = RwSignal::new(Phase::Locked);
    let pin = RwSignal::new(String::new());
    let note = RwSignal::new(None::<String>);

    let type_digit = move |d: char| {
        pin.update(|p| {
            if p.len() < PIN_MAX_LEN {
                p.push(d);
            }
        })
    };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let ready = phase.get_untracked() == Phase::Locked && !pin.with_untracked(String::is_empty);
        #[cfg(feature = "hydrate")]
        if ready {
            use crate::staff_api::{unlock, UnlockError};
            let Some(token) = crate::kiosk_api::stored_token() else {
                note.set(Some(text::REVOKED.into()));
                return;
            };
            // The PIN leaves the field at once, and memory with its check.
            let entered = pin.get_untracked();
            pin.set(String::new());
            note.set(None);
            phase.set(Phase::Checking);
            leptos::task::spawn_local(async move {
                let result = unlock(&token, &entered).await;
                let message = match result {
                    Ok(()) => None,
                    Err(UnlockError::WrongPin) => Some(text::WRONG.to_string()),
                    Err(UnlockError::Locked { retry_after_s }) => Some(text::locked(retry_after_s)),
                    Err(UnlockError::NoPin) => Some(text::NO_PIN.to_string()),
                    Err(UnlockError::Unauthorized) => Some(text::REVOKED.to_string()),
                    Err(UnlockError::Network) => Some(text::OFFLINE.to_string()),
                    Err(UnlockError::Server) => Some(text::FAILED.to_string()),
                };
                let unlocked = message.is_none();
                let _ = note.try_set(message);
                let _ = phase.try_set(if unlocked { Phase::Unlocked } else { Phase::Locked });
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ready;
    };

    let keypad = move || {
        let digits = ['1', '2', '3', '4', '5', '6', '7', '8', '9'];
        view! {
            <div class="pin-pad" role="group" aria-label=text::KEYPAD>
                {digits
                    .into_iter()
                    .map(|d| view! {
                        <button type="button" class="pin-key" on:click=on_tap(accept_tap, move || type_digit(d))>
                            {d.to_string()}
                        </button>
                    })
                    .collect_view()}
                <button
                    type="button"
                    class="pin-key pin-delete"
                    aria-label=text::DELETE
                    on:click=on_tap(accept_tap, move || pin.update(|p| {
                        p.pop();
                    }))
                >
                    <DeleteIcon/>
                </button>
                <button type="button" class="pin-key" on:click=on_tap(accept_tap, move || type_digit('0'))>"0"</button>
                <button
                    type="submit"
                    class="pin-key pin-enter"
                    aria-disabled=move || (phase.get() == Phase::Checking).to_string()
                    // A repeated tap must not submit the form again.
                    on:click=move |ev: MouseEvent| {
                        if !accept_tap.run(()) {
                            ev.prevent_default();
                        }
                    }
                >
                    {move || if phase.get() == Phase::Checking { text::CHECKING } else { text::UNLOCK }}
                </button>
            </div>
        }
    };

    let pin_form = move || {
        view! {
            <p class="lead">{text::INTRO}</p>
            <form class="pin-form" on:submit=on_submit novalidate>
                <label for="staff-pin">{text::PIN_LABEL}</label>
                <input
                    id="staff-pin"
                    name="pin"
                    type="password"
                    inputmode="numeric"
                    autocomplete="off"
                    maxlength=PIN_MAX_LEN
                    prop:value=move || pin.get()
                    on:input=move |ev| {
                        let digits: String =
                            event_target_value(&ev).chars().filter(char::is_ascii_digit).take(PIN_MAX_LEN).collect();
                        pin.set(digits);
                    }
                />
                {keypad()}
            </form>
        }
    };

    // Checking a PIN keeps the same form on screen (and the focus where it was).
    let shown = Memo::new(move |_| match phase.get() {
        Phase::Locked | Phase::Checking => Phase::Locked,
        other => other,
    });

    view! {
        <section class="screen screen-staff" lang="es">
            <h1 tabindex="-1" node_ref=heading>{text::TITLE}</h1>
            {move || match shown.get() {
                Phase::Locked | Phase::Checking => EitherOf3::A(pin_form()),
                Phase::Unlocked => EitherOf3::B(view! {
                    <Health station_name/>
                    <div class="staff-actions">
                        <button
                            type="button"
                            class="button quiet leave-kiosk"
                            on:click=on_tap(accept_tap, leave_kiosk_mode)
                        >
                            {text::LEAVE_KIOSK}
                        </button>
                        <button
                            type="button"
                            class="button quiet reenroll"
                            on:click=on_tap(accept_tap, move || phase.set(Phase::ConfirmReenroll))
                        >
                            {text::REENROLL}
                        </button>
                    </div>
                }),
                Phase::ConfirmReenroll => EitherOf3::C(view! {
                    <p class="note" role="alert">{text::REENROLL_CONFIRM}</p>
                    <div class="staff-actions">
                        <button
                            type="button"
                            class="button primary reenroll-yes"
                            on:click=on_tap(accept_tap, move || on_reenroll.run(()))
                        >
                            {text::REENROLL_YES}
                        </button>
                        <button
                            type="button"
                            class="button quiet"
                            on:click=on_tap(accept_tap, move || phase.set(Phase::Unlocked))
                        >
                            {text::CANCEL}
                        </button>
                    </div>
                }),
            }}
            <div class="alert-slot">
                {move || note.get().map(|message| view! { <p class="alert" role="alert">{message}</p> })}
            </div>
            <button type="button" class="button quiet staff-close" on:click=on_tap(accept_tap, move || on_close.run(()))>
                {text::CLOSE}
            </button>
        </section>
    }
}

/// A click handler that runs `action` only for a tap the repeat-press filter accepts.
fn on_tap(accept_tap: Callback<(), bool>, action: impl Fn() + 'static) -> impl Fn(MouseEvent) + 'static {
    move |_| {
        if accept_tap.run(()) {
            action();
        }
    }
}

/// Leaves kiosk mode so that staff can use the browser: out of full screen, and away
/// from the kiosk to the site's plain home page (which links back to the kiosk).
fn leave_kiosk_mode() {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        if let Some(document) = window.document() {
            if document.fullscreen_element().is_some() {
                document.exit_fullscreen();
            }
        }
        // Leaving the page runs the kiosk's `pagehide`, which forgets any visit.
        let _ = window.location().assign("/");
    }
}

/// The tablet's health, refreshed every few seconds while the panel is open.
#[component]
fn Health(#[prop(into)] station_name: Signal<Option<String>>) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let queued = RwSignal::new(None::<u64>);
    let refused = move || {
        refresh.track();
        refused_answers()
    };
    #[cfg(feature = "hydrate")]
    {
        let load_queue = move || {
            leptos::task::spawn_local(async move {
                let count = queued_answers().await;
                let _ = queued.try_set(count);
            })
        };
        load_queue();
        if let Ok(handle) = set_interval_with_handle(
            move || {
                refresh.update(|n| *n += 1);
                load_queue();
            },
            std::time::Duration::from_secs(5),
        ) {
            on_cleanup(move || handle.clear());
        }
    }
    let last_delivery = move || {
        refresh.track();
        last_delivery_ago().unwrap_or_else(|| text::UNKNOWN.to_string())
    };
    let online = move || {
        refresh.track();
        if is_online() {
            text::ONLINE
        } else {
            text::OFFLINE_STATE
        }
    };
    view! {
        <h2 class="health-title">{text::HEALTH}</h2>
        <dl class="health">
            <div>
                <dt>{text::STATION}</dt>
                <dd data-health="station">{move || station_name.get().unwrap_or_else(|| text::UNKNOWN.to_string())}</dd>
            </div>
            <div>
                <dt>{text::QUEUE}</dt>
                <dd data-health="queue">{move || queued.get().map_or_else(|| text::UNKNOWN.to_string(), |n| n.to_string())}</dd>
            </div>
            {move || {
                let refused = refused();
                (refused > 0).then(|| view! {
                    <div>
                        <dt>{text::REFUSED}</dt>
                        <dd data-health="refused">{refused}</dd>
                    </div>
                })
            }}
            <div>
                <dt>{text::LAST_DELIVERY}</dt>
                <dd data-health="last-delivery">{last_delivery}</dd>
            </div>
            <div>
                <dt>{text::VERSION}</dt>
                <dd data-health="version">{env!("CARGO_PKG_VERSION")}</dd>
            </div>
            <div>
                <dt>{text::CONNECTION}</dt>
                <dd data-health="online">{online}</dd>
            </div>
        </dl>
    }
}

/// How many answers wait in this tablet's queue: a number, never their content.
#[cfg(feature = "hydrate")]
async fn queued_answers() -> Option<u64> {
    Some(u64::from(crate::kiosk_queue::queued_count().await))
}

/// How many queued answers the server refused at their last delivery: a number only.
fn refused_answers() -> u32 {
    #[cfg(feature = "hydrate")]
    {
        crate::kiosk_queue::refused_count()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0
    }
}

/// "hace 3 min" since the last successful delivery, if the queue has noted one.
fn last_delivery_ago() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        use leptos::web_sys::js_sys::Date;
        // Noted in local storage, so that it survives a reload or a restart…
        let stored = crate::kiosk_api::stored_last_delivery();
        // …and in memory, should local storage be unavailable.
        let at = match (stored, crate::kiosk_queue::last_delivered_ms()) {
            (Some(a), Some(b)) => a.max(b),
            (a, b) => a.or(b)?,
        };
        Some(text::ago(Date::now() - at))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

fn is_online() -> bool {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window().is_none_or(|w| w.navigator().on_line())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        true
    }
}
