//! The weekly digest's letter: the overview of her stations, as a table in both parts,
//! and its trend chart as an inline PNG with a text alternative.

use super::*;
use crate::charts::{self, ChartText, Series};
use crate::notify::messages::StationFigures;

/// The most stations the digest's chart draws (one colour and dash each).
pub const CHART_STATIONS: usize = 7;

pub(super) fn digest_letter(m: &Digest, lang: Lang, public_url: &str) -> Letter {
    let c = ctx(lang, &m.period.from, &m.period.to, m.k);
    let subject = match lang {
        Lang::Es => format!("Digna: resumen semanal, {}", c.period()),
        Lang::En => format!("Digna: weekly digest, {}", c.period()),
    };
    let flag = lang.t("⚑ Bajó", "⚑ Fell");
    let line = |s: &StationFigures| {
        [
            format!("{} · {}", s.station.code, s.station.name),
            s.station.region.clone(),
            c.shown_count(&shown(s.responses)),
            c.shown_index(&shown(s.index)),
            format!(
                "{}{}",
                c.shown_change(&shown(s.change)),
                if s.flagged { format!(" {flag}") } else { String::new() }
            ),
        ]
    };
    let headers = [
        lang.t("Comisaría", "Station"),
        lang.t("Región", "Region"),
        lang.t("Respuestas", "Responses"),
        lang.t("Índice", "Index"),
        lang.t("Cambio", "Change"),
    ];
    let table = format!(
        "<table class=\"stations\" style=\"border-collapse:collapse\"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>",
        headers.iter().map(|h| format!("<th scope=\"col\" style=\"text-align:left;padding:4px 8px\">{}</th>", esc(h))).collect::<String>(),
        m.stations
            .iter()
            .map(|s| {
                let cells = line(s);
                format!(
                    "<tr data-station=\"{}\"><th scope=\"row\" style=\"text-align:left;padding:4px 8px\">{}</th>{}</tr>",
                    esc(&s.station.code),
                    esc(&cells[0]),
                    cells[1..].iter().map(|v| format!("<td style=\"padding:4px 8px\">{}</td>", esc(v))).collect::<String>()
                )
            })
            .collect::<String>()
    );
    let plain = m
        .stations
        .iter()
        .map(|s| {
            let cells = line(s);
            format!(
                "{} ({}): {} {}; {} {}; {} {}",
                cells[0], cells[1], headers[2], cells[2], headers[3], cells[3], headers[4], cells[4]
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let drawn = &m.stations[..m.stations.len().min(CHART_STATIONS)];
    let title = lang.t("Índice de dignidad por semana", "Dignity index by week");
    let summary = match lang {
        Lang::Es => format!(
            "Índice de dignidad por semana de {}, {}. Las semanas sin respuestas publicadas, o con menos de {} respuestas, quedan en blanco.{}",
            drawn.iter().map(|s| s.station.code.as_str()).collect::<Vec<_>>().join(", "),
            c.period(),
            m.k,
            if drawn.len() < m.stations.len() { " Las demás comisarías están en la tabla." } else { "" }
        ),
        Lang::En => format!(
            "Dignity index by week of {}, {}. Weeks without released responses, or with fewer than {} responses, are left blank.{}",
            drawn.iter().map(|s| s.station.code.as_str()).collect::<Vec<_>>().join(", "),
            c.period(),
            m.k,
            if drawn.len() < m.stations.len() { " The other stations are in the table." } else { "" }
        ),
    };
    let svg = charts::index_line_chart(
        &m.weeks,
        &drawn.iter().map(|s| Series { label: &s.station.code, points: s.trend.clone() }).collect::<Vec<_>>(),
        None,
        &ChartText {
            title,
            x_label: lang.t("Semana ISO", "ISO week"),
            y_label: lang.t("Índice (0–100)", "Index (0–100)"),
            summary: &summary,
        },
    );
    let chart = charts::png::to_png(&svg, 2.0);
    let mut parts = vec![
        Part::Text(match lang {
            Lang::Es => format!(
                "Tus comisarías, {}, frente a las semanas anteriores. Son las cifras del panel: solo respuestas ya publicadas, y se ocultan las que reúnen menos de {} respuestas.",
                c.period(),
                m.k
            ),
            Lang::En => format!(
                "Your stations, {}, against the weeks before. These are the dashboard's figures: released responses only, and those about fewer than {} responses are hidden.",
                c.period(),
                m.k
            ),
        }),
        Part::Html(table, plain),
    ];
    if chart.is_some() {
        parts.push(Part::Html(
            format!("<p><img src=\"cid:trend\" width=\"600\" alt=\"{}\"></p>", esc(&summary)),
            summary.clone(),
        ));
    }
    parts.push(Part::Link(
        lang.t("Ver el panel", "See the dashboard").into(),
        format!("{public_url}/dashboard?lang={}", lang.code()),
    ));
    Letter::of(Topic::Digest, subject, lang, &parts, chart)
}
