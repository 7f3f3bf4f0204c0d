//! The alerts' letters: a silent tablet, an overdue release, a falling index.

use super::*;
use crate::notify::messages::ReleaseOverdue;

pub(super) fn silence_letter(m: &Silence, lang: Lang, public_url: &str) -> Letter {
    let s = &m.station;
    let tablet = tablet_label(lang, m.tablet.id);
    let subject = match lang {
        Lang::Es => format!("Digna: {tablet} de {} no entrega respuestas hace {} días", s.code, m.silent_days),
        Lang::En => format!("Digna: {tablet} at {} has not delivered answers for {} days", s.code, m.silent_days),
    };
    let since = match (lang, &m.last_delivery_day, &m.enrolled_day) {
        (Lang::Es, Some(day), _) => format!("Entregó respuestas por última vez el {day}."),
        (Lang::En, Some(day), _) => format!("It last delivered answers on {day}."),
        (Lang::Es, None, Some(day)) => format!("Se registró el {day} y todavía no entregó ninguna respuesta."),
        (Lang::En, None, Some(day)) => format!("It was enrolled on {day} and has not delivered any answer yet."),
        (_, None, None) => String::new(),
    };
    let parts = [
        Part::Text(match lang {
            Lang::Es => format!(
                "{tablet} de la comisaría {} · {} ({}) no entrega respuestas hace {} días. {since}",
                s.code, s.name, s.region, m.silent_days
            ),
            Lang::En => format!(
                "{tablet} at station {} · {} ({}) has not delivered answers for {} days. {since}",
                s.code, s.name, s.region, m.silent_days
            ),
        }),
        Part::Text(
            lang.t(
                "Mientras no entregue, esa comisaría no escucha a quienes la visitan. Revisa que la tableta esté encendida, cargada y conectada a internet.",
                "While it does not deliver, the station does not hear its visitors. Check that the tablet is on, charged and connected to the internet.",
            )
            .into(),
        ),
        Part::Text(match lang {
            Lang::Es => format!(
                "Se avisa cuando una tableta pasa {} días sin entregar, una vez por vez.",
                m.silent_after_days
            ),
            Lang::En => format!("This alert comes once each time a tablet goes {} days without delivering.", m.silent_after_days),
        }),
        station_link(lang, public_url, &s.code),
    ];
    Letter::of(Topic::Silence, subject, lang, &parts, None)
}

pub(super) fn overdue_letter(m: &ReleaseOverdue, lang: Lang, public_url: &str) -> Letter {
    let s = &m.station;
    let subject = match lang {
        Lang::Es => format!("Digna: la publicación programada de {} no se hace desde {} (UTC)", s.code, m.due_at),
        Lang::En => format!("Digna: the scheduled release of {} has not run since {} (UTC)", s.code, m.due_at),
    };
    let parts = [
        Part::Text(match lang {
            Lang::Es => format!(
                "La publicación programada de las respuestas de la comisaría {} · {} ({}) debía hacerse el {} (UTC) y no se ha podido hacer desde entonces ({} horas).",
                s.code, s.name, s.region, m.due_at, m.overdue_hours
            ),
            Lang::En => format!(
                "The scheduled release of the answers of station {} · {} ({}) was due on {} (UTC) and has not run since ({} hours).",
                s.code, s.name, s.region, m.due_at, m.overdue_hours
            ),
        }),
        Part::Text(
            lang.t(
                "Sus respuestas siguen guardadas y selladas, pero los paneles no cambian hasta que se publiquen. Revisa el registro del servidor y la base de datos; Digna lo intenta de nuevo en cada pasada.",
                "Its answers stay stored and sealed, but the dashboards do not change until they are released. Check the server's log and the database; Digna tries again at every pass.",
            )
            .into(),
        ),
        station_link(lang, public_url, &s.code),
    ];
    Letter::of(Topic::Silence, subject, lang, &parts, None)
}

pub(super) fn index_letter(m: &IndexFell, lang: Lang, public_url: &str) -> Letter {
    let f = &m.figures;
    let s = &f.station;
    let c = ctx(lang, &m.period.from, &m.period.to, m.k);
    let change = c.shown_change(&shown(f.change));
    let index = c.shown_index(&shown(f.index));
    let subject = match (lang, m.fell) {
        (Lang::Es, true) => format!("Digna: bajó el índice de dignidad de {} ({change})", s.code),
        (Lang::En, true) => format!("Digna: the dignity index of {} fell ({change})", s.code),
        (Lang::Es, false) => format!("Digna: el índice de dignidad de {} está bajo su piso ({index})", s.code),
        (Lang::En, false) => format!("Digna: the dignity index of {} is below its floor ({index})", s.code),
    };
    let threshold = c.number(m.threshold_points);
    let floor = m.floor.map(|f| c.number(f as f64)).unwrap_or_default();
    let rows = [
        (lang.t("Índice", "Index"), c.shown_index(&shown(f.index))),
        (lang.t("Periodo anterior", "Previous period"), c.shown_index(&shown(f.previous_index))),
        (lang.t("Cambio", "Change"), change.clone()),
        (lang.t("Respuestas", "Responses"), c.shown_count(&shown(f.responses))),
    ];
    let table = format!(
        "<table class=\"figures\">{}</table>",
        rows.iter()
            .map(|(h, v)| format!(
                "<tr><th scope=\"row\" style=\"text-align:left\">{}</th><td>{}</td></tr>",
                esc(h),
                esc(v)
            ))
            .collect::<String>()
    );
    let plain = rows.iter().map(|(h, v)| format!("{h}: {v}")).collect::<Vec<_>>().join("\n");
    let mut why = Vec::new();
    if m.fell {
        why.push(match lang {
            Lang::Es => format!(
                "El índice de dignidad de la comisaría {} · {} ({}) bajó más de {threshold} puntos, {}, frente a las semanas anteriores.",
                s.code, s.name, s.region, c.period()
            ),
            Lang::En => format!(
                "The dignity index of station {} · {} ({}) fell by more than {threshold} points, {}, against the weeks before.",
                s.code, s.name, s.region, c.period()
            ),
        });
    }
    if m.below_floor {
        why.push(match lang {
            Lang::Es => format!(
                "El índice de dignidad de la comisaría {} · {} ({}), {}, es {index}: está por debajo del piso de {floor} fijado para ella.",
                s.code, s.name, s.region, c.period()
            ),
            Lang::En => format!(
                "The dignity index of station {} · {} ({}), {}, is {index}: below the floor of {floor} set for it.",
                s.code, s.name, s.region, c.period()
            ),
        });
    }
    let parts = [
        Part::Text(why.join(" ")),
        Part::Html(table, plain),
        Part::Text(
            lang.t(
                "Son las cifras del panel: solo respuestas ya publicadas, y se ocultan las que reúnen pocas respuestas. No se vuelve a avisar mientras el índice siga bajo.",
                "These are the dashboard's figures: released responses only, and those about few responses are hidden. No further alert comes while the index stays low.",
            )
            .into(),
        ),
        station_link(lang, public_url, &s.code),
    ];
    Letter::of(Topic::Index, subject, lang, &parts, None)
}
