//! A station's release schedule: the local time at which its pending answers are
//! released together, every day or every week (the night to Monday), never when one
//! arrives. The command line sets it too (`digna station set --release-at
//! --release-every`); both write the same audit line.
//!
//! Form fields: `release_at` (`HH:MM`, station time) and `release_every` (`daily` or
//! `weekly`).

use super::form::StationForm;
use super::lang_of;
use super::station_view::{back_to_station, render_station, schedule_of, station_or_404, StationPage, AT, EVERY};
use crate::web::kit::{Admin, CheckedForm, PageResult, Pairs};
use crate::web::layout::Lang;
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use store::audit::Entry;
use store::release::Schedule;
use store::Releases;

/// The schedule as typed, into the domain type; or the form with an error per field.
/// Both fields are required: a form that leaves one out changes nothing.
pub(crate) fn parse_release(mut form: StationForm, lang: Lang, current: Schedule) -> Result<Schedule, StationForm> {
    let (at, every) = (form.get(AT), form.get(EVERY));
    let minute = Schedule::parse(Some(&at), None, current).map(|s| s.minute);
    let every_days = match every.trim() {
        // `Schedule::parse` takes any of its words; the form offers exactly these two.
        "daily" | "weekly" => Schedule::parse(None, Some(&every), current).map(|s| s.every_days),
        _ => Err(String::new()),
    };
    if minute.is_err() {
        let message = lang.t(
            "Escribe una hora de 00:00 a 23:59, como 03:17 (horas y minutos).",
            "Type a time from 00:00 to 23:59, such as 03:17 (hours and minutes).",
        );
        form.errors.insert(AT, message.into());
    }
    if every_days.is_err() {
        let message = lang.t("Elige cada día o cada semana.", "Choose every day or every week.");
        form.errors.insert(EVERY, message.into());
    }
    match (minute, every_days) {
        (Ok(minute), Ok(every_days)) => Ok(Schedule { minute, every_days }),
        _ => Err(form),
    }
}

/// `POST /admin/stations/{code}/release`: the local time and frequency of the station's
/// releases. A change moves the next release (the scheduler works it out again) and is
/// audited as the command line does.
pub async fn update_release(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Path(code): Path<String>,
    RawQuery(raw): RawQuery,
    CheckedForm(form): CheckedForm<Pairs>,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let station = station_or_404(&state, &code).await?;
    let form = StationForm::from_pairs(form);
    let current = schedule_of(&state, station.id).await?.schedule;
    let schedule = match parse_release(form, lang, current) {
        Ok(s) => s,
        Err(f) => {
            let shown = StationPage { release: Some(f), ..StationPage::default() };
            return render_station(&state, &staff, lang, &station, shown, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    if schedule != current {
        let audit = Entry::new(&staff.user.email, "station.release_schedule", &station.code, schedule.to_string());
        Releases::set_schedule(&state.db, station.id, schedule, &audit).await?;
    }
    Ok(back_to_station(lang, &station.code))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(at: &str, every: &str) -> StationForm {
        StationForm::from_pairs(Pairs(vec![(AT.into(), at.into()), (EVERY.into(), every.into())]))
    }

    #[test]
    fn a_form_is_a_schedule_or_an_error_per_field() {
        let current = Schedule { minute: 180, every_days: 1 };
        let ok = |at, every| parse_release(typed(at, every), Lang::En, current).ok();
        assert_eq!(ok("02:45", "weekly"), Some(Schedule { minute: 165, every_days: 7 }));
        assert_eq!(ok("00:00", "daily"), Some(Schedule { minute: 0, every_days: 1 }));
        assert_eq!(ok("23:59", "daily"), Some(Schedule { minute: 1439, every_days: 1 }));
        for (case, at, every, fields) in [
            ("hour 25", "25:99", "daily", vec![AT]),
            ("minute 60", "03:60", "daily", vec![AT]),
            ("seconds", "03:17:00", "daily", vec![AT]),
            ("no leading zero", "3:17", "daily", vec![AT]),
            ("empty time", "", "weekly", vec![AT]),
            ("monthly", "03:17", "monthly", vec![EVERY]),
            ("no frequency", "03:17", "", vec![EVERY]),
            ("both", "noon", "often", vec![AT, EVERY]),
        ] {
            let Err(form) = parse_release(typed(at, every), Lang::En, current) else {
                panic!("{case}: accepted");
            };
            assert_eq!(form.errors.keys().copied().collect::<Vec<_>>(), fields, "{case}");
            assert_eq!(form.get(AT), at, "{case}: what was typed is kept");
        }
    }
}
