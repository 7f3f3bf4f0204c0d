//! The station page's release section: the schedule now, the next release in the
//! station's time, and the form (`release_at`, `release_every`).

use crate::web::admin::form::StationForm;
use crate::web::kit::PageError;
use crate::web::layout::Lang;
use crate::web::session::Staff;
use crate::AppState;
use chrono::{DateTime, Datelike, Utc, Weekday};
use leptos::prelude::*;
use std::collections::BTreeMap;
use store::release::{Schedule, ScheduledStation};
use store::Releases;

pub(in crate::web::admin) const AT: &str = "release_at";
pub(in crate::web::admin) const EVERY: &str = "release_every";

/// A station's schedule and next release, or the response to send instead.
pub(in crate::web::admin) async fn schedule_of(
    state: &AppState,
    station_id: i64,
) -> Result<ScheduledStation, PageError> {
    Releases::scheduled_station(&state.db, station_id).await?.ok_or(PageError::NotFound("no such station"))
}

/// The form as the schedule fills it.
pub(crate) fn release_form_of(s: Schedule) -> StationForm {
    let every = if s.every_days == 7 { "weekly" } else { "daily" };
    let typed = [(AT, format!("{:02}:{:02}", s.minute / 60, s.minute % 60)), (EVERY, every.to_string())]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    StationForm { typed, errors: BTreeMap::new() }
}

/// The schedule in the page's language ("every Monday at 03:17" in English).
fn describe(lang: Lang, s: Schedule) -> String {
    let time = format!("{:02}:{:02}", s.minute / 60, s.minute % 60);
    match (lang, s.every_days == 7) {
        (Lang::Es, true) => format!("cada lunes a las {time}"),
        (Lang::Es, false) => format!("cada día a las {time}"),
        (Lang::En, _) => s.to_string(),
    }
}

fn weekday(lang: Lang, d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => lang.t("lunes", "Monday"),
        Weekday::Tue => lang.t("martes", "Tuesday"),
        Weekday::Wed => lang.t("miércoles", "Wednesday"),
        Weekday::Thu => lang.t("jueves", "Thursday"),
        Weekday::Fri => lang.t("viernes", "Friday"),
        Weekday::Sat => lang.t("sábado", "Saturday"),
        Weekday::Sun => lang.t("domingo", "Sunday"),
    }
}

/// When the station's next release runs: the scheduler's time, or (before the scheduler
/// has seen the schedule, or when that time has passed and the release is due) the next
/// one the schedule gives after `now`.
fn next_release(s: &ScheduledStation, now: DateTime<Utc>) -> DateTime<Utc> {
    s.next_at
        .filter(|at| *at > now.timestamp())
        .and_then(|at| DateTime::from_timestamp(at, 0))
        .unwrap_or_else(|| s.schedule.next_after(now, &s.timezone))
}

/// A moment as the station's clock shows it, such as "Monday 2026-12-14, 02:45".
fn station_time(lang: Lang, at: DateTime<Utc>, timezone: &str) -> String {
    let tz: chrono_tz::Tz = timezone.parse().unwrap_or(chrono_tz::UTC);
    let local = at.with_timezone(&tz);
    format!("{} {}", weekday(lang, local.weekday()), local.format("%Y-%m-%d, %H:%M"))
}

/// The station page's release section: the schedule now, the next release, and the form.
pub(in crate::web::admin) fn release_section(
    lang: Lang,
    staff: &Staff,
    scheduled: &ScheduledStation,
    form: &StationForm,
    now: DateTime<Utc>,
) -> impl IntoView + use<> {
    let l = lang.code();
    let code = scheduled.code.clone();
    let current = describe(lang, scheduled.schedule);
    let next = station_time(lang, next_release(scheduled, now), &scheduled.timezone);
    let tz = scheduled.timezone.clone();
    let at_error = form.errors.get(AT).cloned();
    let at_described = if at_error.is_some() { "release-hint release-at-error" } else { "release-hint" };
    let every_error = form.errors.get(EVERY).cloned();
    let every_described = every_error.as_ref().map(|_| "release-every-error");
    let every = form.get(EVERY);
    let choice = |value: &'static str, label: &'static str| {
        let id = format!("release-every-{value}");
        view! {
            <div class="field check">
                <input id=id.clone() name=EVERY type="radio" value=value checked=every.trim() == value/>
                <label for=id>{label}</label>
            </div>
        }
    };
    let daily = choice("daily", lang.t("Cada día", "Every day"));
    let weekly =
        choice("weekly", lang.t("Cada semana, en la noche del domingo al lunes", "Every week, on the night to Monday"));
    view! {
        <h2 id="release-heading">{lang.t("Publicación de las respuestas", "When answers are released")}</h2>
        <p id="release-hint">{lang.t(
            "Las respuestas pendientes de esta comisaría se publican todas juntas a esta hora, nunca cuando llega una, para que nadie pueda saber de quién es cada respuesta.",
            "This station's pending answers are released together at this time, never when one arrives, so that nobody can tell whose they are.",
        )}</p>
        <dl class="facts">
            <dt>{lang.t("Ahora", "Now")}</dt>
            <dd id="release-current">{match lang {
                Lang::Es => format!("{current} (hora de la comisaría, {tz})"),
                Lang::En => format!("{current} (station time, {tz})"),
            }}</dd>
            <dt>{lang.t("Próxima publicación", "Next release")}</dt>
            <dd id="release-next">{next}</dd>
        </dl>
        <form method="post" action=format!("/admin/stations/{code}/release?lang={l}") class="picker" id="release-schedule"
            aria-labelledby="release-heading">
            <input type="hidden" name="csrf" value=staff.csrf.clone()/>
            <div class="field">
                <label for="release-at">{lang.t("Hora de la comisaría (HH:MM)", "Station time (HH:MM)")}</label>
                <input id="release-at" name=AT type="time" value=form.get(AT) required
                    aria-invalid=at_error.is_some().then_some("true") aria-describedby=at_described/>
                {at_error.map(|e| view! { <p class="field-error" id="release-at-error">{e}</p> })}
            </div>
            <fieldset id="release-every" aria-describedby=every_described>
                <legend>{lang.t("Con qué frecuencia", "How often")}</legend>
                {every_error.map(|e| view! { <p class="field-error" id="release-every-error">{e}</p> })}
                {daily}
                {weekly}
            </fieldset>
            <button type="submit" class="primary">{lang.t("Guardar el horario", "Save the schedule")}</button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_reads_in_the_page_s_language() {
        let weekly = Schedule { minute: 165, every_days: 7 };
        assert_eq!(describe(Lang::Es, weekly), "cada lunes a las 02:45");
        assert_eq!(describe(Lang::En, weekly), "every Monday at 02:45");
        assert_eq!(describe(Lang::Es, Schedule { minute: 197, every_days: 1 }), "cada día a las 03:17");
    }

    #[test]
    fn the_next_release_is_the_scheduler_s_until_it_passes() {
        let now = DateTime::parse_from_rfc3339("2026-12-09T12:00:00Z").unwrap().with_timezone(&Utc);
        let mut s = ScheduledStation {
            id: 1,
            code: "LIM-01".into(),
            timezone: "America/Lima".into(),
            schedule: Schedule { minute: 165, every_days: 7 },
            next_at: None,
        };
        // Monday 14 December, 02:45 in Lima (UTC−5).
        assert_eq!(station_time(Lang::En, next_release(&s, now), &s.timezone), "Monday 2026-12-14, 02:45");
        assert_eq!(station_time(Lang::Es, next_release(&s, now), &s.timezone), "lunes 2026-12-14, 02:45");
        let later = now.timestamp() + 3600;
        s.next_at = Some(later);
        assert_eq!(next_release(&s, now).timestamp(), later);
        s.next_at = Some(now.timestamp() - 60);
        assert_eq!(station_time(Lang::En, next_release(&s, now), &s.timezone), "Monday 2026-12-14, 02:45");
    }
}
