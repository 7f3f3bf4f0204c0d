//! E-mails, written from a message's facts in the account's language at the moment it is
//! sent, with the dashboards' own words and number formats (`web::dashboard::Ctx`), so
//! that every figure reads as the page shows it. Each has a plain-text part and an HTML
//! part (the digest's trend chart as an inline PNG with a text alternative), a
//! Message-ID made from the message's idempotency key (a copy sent again after a crash
//! carries the same one), and a one-click unsubscribe link (RFC 8058) for its topic.

use super::mail::Mailer;
use super::messages::{shown, Digest, IndexFell, ReleaseOverdue, Silence, StationFigures};
use super::{digest, index, overdue, silence, unsubscribe};
use crate::charts::{self, ChartText, Series};
use crate::web::dashboard::{Ctx, DashQuery};
use crate::web::layout::Lang;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, MultiPart, SinglePart};
use lettre::Message;
use sha2::{Digest as _, Sha256};
use std::collections::HashSet;
use store::notifications::{Subscriber, Topic};

/// The most stations the digest's chart draws (one colour and dash each).
pub const CHART_STATIONS: usize = 7;

/// A letter before its envelope.
#[derive(Clone, Debug, PartialEq)]
pub struct Letter {
    pub topic: Topic,
    pub subject: String,
    /// Paragraphs of the plain-text part; the HTML part says the same.
    pub text: String,
    pub html: String,
    /// The digest's chart, as PNG.
    pub chart: Option<Vec<u8>>,
}

/// The topic a kind of message belongs to; `None` for what accounts never receive.
pub fn topic_of(kind: &str) -> Option<Topic> {
    match kind {
        silence::KIND | overdue::KIND => Some(Topic::Silence),
        index::KIND => Some(Topic::Index),
        digest::KIND => Some(Topic::Digest),
        _ => None,
    }
}

/// Writes message `kind` with `body` for an account that sees `visible` now; `Ok(None)`
/// when it is about no station she may still see, `Err` for a body Digna did not write.
pub fn write(
    kind: &str,
    body: &str,
    lang: Lang,
    visible: &HashSet<i64>,
    public_url: &str,
) -> Result<Option<Letter>, String> {
    let bad = |e: serde_json::Error| format!("a {kind} message that does not parse: {e}");
    match kind {
        silence::KIND => {
            let m: Silence = serde_json::from_str(body).map_err(bad)?;
            Ok(visible.contains(&m.station.id).then(|| silence_letter(&m, lang, public_url)))
        }
        overdue::KIND => {
            let m: ReleaseOverdue = serde_json::from_str(body).map_err(bad)?;
            Ok(visible.contains(&m.station.id).then(|| overdue_letter(&m, lang, public_url)))
        }
        index::KIND => {
            let m: IndexFell = serde_json::from_str(body).map_err(bad)?;
            Ok(visible.contains(&m.figures.station.id).then(|| index_letter(&m, lang, public_url)))
        }
        digest::KIND => {
            let mut m: Digest = serde_json::from_str(body).map_err(bad)?;
            m.stations.retain(|s| visible.contains(&s.station.id));
            Ok((!m.stations.is_empty()).then(|| digest_letter(&m, lang, public_url)))
        }
        other => Err(format!("accounts receive no {other:?} messages")),
    }
}

/// The dashboards' formatting for a period and k, as the overview's URL would set it.
fn ctx(lang: Lang, from: &str, to: &str, k: u32) -> Ctx {
    let query = format!("lang={}&from={from}&to={to}", lang.code());
    Ctx::new(&DashQuery::from_raw(Some(&query)), domain::K::new(k))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Paragraphs as plain text and as HTML; a paragraph that is a link becomes one.
fn paragraphs(parts: &[Part]) -> (String, String) {
    let text = parts
        .iter()
        .map(|p| match p {
            Part::Text(t) => t.clone(),
            Part::Link(label, url) => format!("{label}: {url}"),
            Part::Html(_, plain) => plain.clone(),
        })
        .collect::<Vec<_>>()
        .join("\n\n");
    let html = parts
        .iter()
        .map(|p| match p {
            Part::Text(t) => format!("<p>{}</p>", esc(t)),
            Part::Link(label, url) => format!("<p><a href=\"{}\">{}</a></p>", esc(url), esc(label)),
            Part::Html(html, _) => html.clone(),
        })
        .collect::<String>();
    (text, html)
}

enum Part {
    Text(String),
    Link(String, String),
    /// Ready HTML, and what the plain-text part says instead.
    Html(String, String),
}

fn page(html: &str, lang: Lang, title: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body style=\"font-family:sans-serif;color:#1a1a1a;line-height:1.5;max-width:40em\">{html}</body></html>",
        lang.code(),
        esc(title)
    )
}

fn tablet_label(lang: Lang, id: i64) -> String {
    format!("{} {id}", lang.t("Tableta", "Tablet"))
}

fn silence_letter(m: &Silence, lang: Lang, public_url: &str) -> Letter {
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
        Part::Link(
            lang.t("Ver la comisaría", "See the station").into(),
            format!("{public_url}/dashboard/station/{}?lang={}", s.code, lang.code()),
        ),
    ];
    let (text, html) = paragraphs(&parts);
    Letter { topic: Topic::Silence, html: page(&html, lang, &subject), subject, text, chart: None }
}

fn overdue_letter(m: &ReleaseOverdue, lang: Lang, public_url: &str) -> Letter {
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
        Part::Link(
            lang.t("Ver la comisaría", "See the station").into(),
            format!("{public_url}/dashboard/station/{}?lang={}", s.code, lang.code()),
        ),
    ];
    let (text, html) = paragraphs(&parts);
    Letter { topic: Topic::Silence, html: page(&html, lang, &subject), subject, text, chart: None }
}

fn index_letter(m: &IndexFell, lang: Lang, public_url: &str) -> Letter {
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
        Part::Link(
            lang.t("Ver la comisaría", "See the station").into(),
            format!("{public_url}{}?lang={}", m.station_page, lang.code()),
        ),
    ];
    let (text, html) = paragraphs(&parts);
    Letter { topic: Topic::Index, html: page(&html, lang, &subject), subject, text, chart: None }
}

fn digest_letter(m: &Digest, lang: Lang, public_url: &str) -> Letter {
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
    let (text, html) = paragraphs(&parts);
    Letter { topic: Topic::Digest, html: page(&html, lang, &subject), subject, text, chart }
}

/// The e-mail: `letter` to `to`, from the mailer's sender, its Message-ID made from
/// `idempotency_key`, with the unsubscribe link of its topic and the footer.
pub fn envelope(
    mailer: &Mailer,
    to: &str,
    subscriber: &Subscriber,
    letter: Letter,
    idempotency_key: &str,
) -> Result<Message, String> {
    let lang = Lang::parse(&subscriber.subscription.language);
    let to = to.parse().map_err(|e| format!("the address {to:?}: {e}"))?;
    let unsubscribe = unsubscribe::link(&mailer.public_url, subscriber, letter.topic);
    let settings = format!("{}/account/notifications?lang={}", mailer.public_url, lang.code());
    let footer_text = match lang {
        Lang::Es => format!(
            "Recibes este correo porque lo elegiste en Digna. Elegir qué recibir: {settings}\nNo recibir más estos avisos: {unsubscribe}"
        ),
        Lang::En => format!(
            "You receive this e-mail because you chose it in Digna. Choose what you receive: {settings}\nStop these messages: {unsubscribe}"
        ),
    };
    let footer_html = format!(
        "<hr><p style=\"font-size:90%\">{} <a href=\"{}\">{}</a> · <a href=\"{}\">{}</a></p>",
        lang.t(
            "Recibes este correo porque lo elegiste en Digna.",
            "You receive this e-mail because you chose it in Digna."
        ),
        esc(&settings),
        lang.t("Elegir qué recibir", "Choose what you receive"),
        esc(&unsubscribe),
        lang.t("No recibir más estos avisos", "Stop these messages"),
    );
    let text = format!("{}\n\n--\n{footer_text}\n", letter.text);
    let html = letter.html.replacen("</body>", &format!("{footer_html}</body>"), 1);
    let id = domain::hex(&Sha256::digest(idempotency_key.as_bytes()));
    let body = match letter.chart {
        None => MultiPart::alternative_plain_html(text, html),
        Some(png) => MultiPart::alternative().singlepart(SinglePart::plain(text)).multipart(
            MultiPart::related().singlepart(SinglePart::html(html)).singlepart(
                Attachment::new_inline("trend".into())
                    .body(png, ContentType::parse("image/png").expect("a content type")),
            ),
        ),
    };
    Message::builder()
        .from(mailer.from.clone())
        .to(to)
        .subject(letter.subject)
        .message_id(Some(format!("<{}@{}>", &id[..40], mailer.domain())))
        .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("List-Unsubscribe"), format!("<{unsubscribe}>")))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
            "List-Unsubscribe=One-Click".into(),
        ))
        .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("Content-Language"), lang.code().into()))
        .multipart(body)
        .map_err(|e| format!("the e-mail cannot be built: {e}"))
}
