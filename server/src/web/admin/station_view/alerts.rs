//! The station page's alert section: the points its index may fall, and the floor it may
//! not fall below, before the accounts that chose index alerts and the webhooks of its
//! region hear of it (`drop_points`, `floor`; a blank floor is none).

use crate::web::admin::form::StationForm;
use crate::web::kit::PageError;
use crate::web::layout::Lang;
use crate::web::session::Staff;
use crate::AppState;
use leptos::prelude::*;
use std::collections::BTreeMap;
use store::notifications::AlertRule;
use store::Notifications;

pub(in crate::web::admin) const DROP: &str = "drop_points";
pub(in crate::web::admin) const FLOOR: &str = "floor";

/// The station's rule: its own, or the default.
pub(in crate::web::admin) async fn rule_of(state: &AppState, station_id: i64) -> Result<AlertRule, PageError> {
    let rules = Notifications::alert_rules(&state.db).await?;
    Ok(rules.into_iter().find(|(id, _)| *id == station_id).map(|(_, rule)| rule).unwrap_or_default())
}

/// The form as the rule fills it.
pub(crate) fn alerts_form_of(rule: AlertRule) -> StationForm {
    let typed = [(DROP, rule.drop_points.to_string()), (FLOOR, rule.floor.map(|f| f.to_string()).unwrap_or_default())]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    StationForm { typed, errors: BTreeMap::new() }
}

/// The form as typed, into a rule; or the form with an error per field.
pub(crate) fn parse_alerts(mut form: StationForm, lang: Lang) -> Result<AlertRule, StationForm> {
    let points = |s: &str| s.trim().parse::<i64>().ok().filter(|p| AlertRule::RANGE.contains(p));
    let drop = points(&form.get(DROP));
    let floor_typed = form.get(FLOOR);
    let floor = if floor_typed.trim().is_empty() { Some(None) } else { points(&floor_typed).map(Some) };
    let message = lang.t("Escribe un número entero de 1 a 100.", "Type a whole number from 1 to 100.");
    if drop.is_none() {
        form.errors.insert(DROP, message.into());
    }
    if floor.is_none() {
        form.errors.insert(FLOOR, format!("{message} {}", lang.t("O déjalo vacío.", "Or leave it empty.")));
    }
    match (drop, floor) {
        (Some(drop_points), Some(floor)) => Ok(AlertRule { drop_points, floor }),
        _ => Err(form),
    }
}

fn number_field(form: &StationForm, key: &'static str, label: &'static str, hint: &'static str) -> impl IntoView {
    let id = format!("al-{key}");
    let (hint_id, error_id) = (format!("{id}-hint"), format!("{id}-error"));
    let error = form.errors.get(key).cloned();
    let described = match &error {
        Some(_) => format!("{hint_id} {error_id}"),
        None => hint_id.clone(),
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input id=id name=key type="text" inputmode="numeric" value=form.get(key)
                aria-invalid=error.is_some().then_some("true") aria-describedby=described/>
            <p class="muted" id=hint_id>{hint}</p>
            {error.map(|e| view! { <p class="field-error" id=error_id>{e}</p> })}
        </div>
    }
}

pub(in crate::web::admin) fn alerts_section(
    lang: Lang,
    staff: &Staff,
    code: &str,
    form: &StationForm,
) -> impl IntoView {
    let l = lang.code();
    view! {
        <h2 id="alerts-heading">{lang.t("Avisos del índice", "Index alerts")}</h2>
        <p>{lang.t(
            "Con las cifras del panel (las últimas 12 semanas frente a las 12 anteriores), se avisa una vez a quienes eligieron estos avisos y a los destinos de su región.",
            "With the dashboard's figures (the last 12 weeks against the 12 before), those who chose these alerts and the endpoints of its region hear of it once.",
        )}</p>
        <form method="post" action=format!("/admin/stations/{code}/alerts?lang={l}") class="picker" id="station-alerts"
            aria-labelledby="alerts-heading">
            <input type="hidden" name="csrf" value=staff.csrf.clone()/>
            {number_field(form, DROP,
                lang.t("Avisar si el índice baja más de estos puntos", "Alert when the index falls by more than these points"),
                lang.t("De 1 a 100. El panel marca una caída de más de 10.", "1 to 100. The dashboard flags a fall of more than 10."))}
            {number_field(form, FLOOR,
                lang.t("Avisar también si el índice queda por debajo de", "Also alert when the index is below"),
                lang.t("De 1 a 100; vacío: sin piso.", "1 to 100; empty: no floor."))}
            <button type="submit" class="primary">{lang.t("Guardar los avisos", "Save the alerts")}</button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::kit::Pairs;

    fn typed(drop: &str, floor: &str) -> StationForm {
        StationForm::from_pairs(Pairs(vec![(DROP.into(), drop.into()), (FLOOR.into(), floor.into())]))
    }

    #[test]
    fn a_form_is_a_rule_or_an_error_per_field() {
        let ok = |d, f| parse_alerts(typed(d, f), Lang::En).ok();
        assert_eq!(ok("10", ""), Some(AlertRule::default()));
        assert_eq!(ok(" 5 ", "60"), Some(AlertRule { drop_points: 5, floor: Some(60) }));
        for (case, d, f, fields) in [
            ("zero", "0", "", vec![DROP]),
            ("over 100", "101", "", vec![DROP]),
            ("a fraction", "7.5", "", vec![DROP]),
            ("empty", "", "", vec![DROP]),
            ("a word floor", "10", "high", vec![FLOOR]),
            ("a negative floor", "10", "-1", vec![FLOOR]),
            ("both", "x", "1000", vec![DROP, FLOOR]),
        ] {
            let Err(form) = parse_alerts(typed(d, f), Lang::En) else { panic!("{case}: accepted") };
            assert_eq!(form.errors.keys().copied().collect::<Vec<_>>(), fields, "{case}");
            assert_eq!(form.get(DROP), d, "{case}: what was typed is kept");
        }
    }
}
