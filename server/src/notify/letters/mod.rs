//! E-mails, written from a message's facts in the account's language at the moment it is
//! sent, with the dashboards' own words and number formats (`web::dashboard::Ctx`), so
//! that every figure reads as the page shows it. Each has a plain-text part and an HTML
//! part (the digest's trend chart as an inline PNG with a text alternative), a
//! Message-ID made from the message's idempotency key (a copy sent again after a crash
//! carries the same one), and a one-click unsubscribe link (RFC 8058) for its topic.

mod alerts;
mod digest_letter;

pub use digest_letter::CHART_STATIONS;

use super::mail::Mailer;
use super::messages::{shown, Digest, IndexFell, ReleaseOverdue, Silence};
use super::{digest, index, overdue, silence, unsubscribe};
use crate::charts::esc;
use crate::web::dashboard::{Ctx, DashQuery};
use crate::web::layout::Lang;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, MultiPart, SinglePart};
use lettre::Message;
use sha2::{Digest as _, Sha256};
use std::collections::HashSet;
use store::notifications::{Subscriber, Topic};

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
            Ok(visible.contains(&m.station.id).then(|| alerts::silence_letter(&m, lang, public_url)))
        }
        overdue::KIND => {
            let m: ReleaseOverdue = serde_json::from_str(body).map_err(bad)?;
            Ok(visible.contains(&m.station.id).then(|| alerts::overdue_letter(&m, lang, public_url)))
        }
        index::KIND => {
            let m: IndexFell = serde_json::from_str(body).map_err(bad)?;
            Ok(visible.contains(&m.figures.station.id).then(|| alerts::index_letter(&m, lang, public_url)))
        }
        digest::KIND => {
            let mut m: Digest = serde_json::from_str(body).map_err(bad)?;
            m.stations.retain(|s| visible.contains(&s.station.id));
            Ok((!m.stations.is_empty()).then(|| digest_letter::digest_letter(&m, lang, public_url)))
        }
        other => Err(format!("accounts receive no {other:?} messages")),
    }
}

/// The dashboards' formatting for a period and k, as the overview's URL would set it.
fn ctx(lang: Lang, from: &str, to: &str, k: u32) -> Ctx {
    let query = format!("lang={}&from={from}&to={to}", lang.code());
    Ctx::new(&DashQuery::from_raw(Some(&query)), domain::K::new(k))
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

impl Letter {
    /// A letter of `parts`, its HTML part a page titled by its subject.
    fn of(topic: Topic, subject: String, lang: Lang, parts: &[Part], chart: Option<Vec<u8>>) -> Letter {
        let (text, html) = paragraphs(parts);
        Letter { topic, html: page(&html, lang, &subject), subject, text, chart }
    }
}

/// The link to a station's dashboard page, in her language.
fn station_link(lang: Lang, public_url: &str, code: &str) -> Part {
    Part::Link(
        lang.t("Ver la comisaría", "See the station").into(),
        format!("{public_url}/dashboard/station/{code}?lang={}", lang.code()),
    )
}

fn tablet_label(lang: Lang, id: i64) -> String {
    format!("{} {id}", lang.t("Tableta", "Tablet"))
}

/// A test e-mail to `to`, in `lang`, that says the settings work and holds no data.
pub fn test_message(mailer: &Mailer, to: &str, lang: Lang) -> Result<Message, String> {
    let subject = lang.t("Digna: correo de prueba", "Digna: test e-mail");
    let text = lang.t(
        "Este es un correo de prueba de Digna: el envío de correo está bien configurado. No contiene ningún dato.",
        "This is a test e-mail from Digna: sending e-mail is set up right. It holds no data.",
    );
    let to = to.parse().map_err(|e| format!("the address {to:?}: {e}"))?;
    Message::builder()
        .from(mailer.from.clone())
        .to(to)
        .subject(subject)
        .multipart(MultiPart::alternative_plain_html(
            text.to_string(),
            page(&format!("<p>{}</p>", esc(text)), lang, subject),
        ))
        .map_err(|e| format!("the e-mail cannot be built: {e}"))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::messages::{StationRef, TabletRef};

    fn silent() -> String {
        serde_json::to_string(&Silence {
            kind: silence::KIND.into(),
            station: StationRef { id: 3, code: "LIM-01".into(), name: "Comas".into(), region: "Lima Norte".into() },
            tablet: TabletRef { id: 7, label: "Tableta 7".into() },
            last_delivery_day: Some("2027-01-04".into()),
            enrolled_day: None,
            silent_days: 5,
            silent_after_days: 3,
            station_page: "/admin/stations/LIM-01".into(),
        })
        .unwrap()
    }

    #[test]
    fn a_letter_is_in_her_language_and_only_about_a_station_she_sees() {
        let sees = HashSet::from([3]);
        let es = write(silence::KIND, &silent(), Lang::Es, &sees, "https://d").unwrap().unwrap();
        assert_eq!(es.subject, "Digna: Tableta 7 de LIM-01 no entrega respuestas hace 5 días");
        assert!(es.text.contains("Entregó respuestas por última vez el 2027-01-04."), "{}", es.text);
        let en = write(silence::KIND, &silent(), Lang::En, &sees, "https://d").unwrap().unwrap();
        assert_eq!(en.subject, "Digna: Tablet 7 at LIM-01 has not delivered answers for 5 days");
        assert!(en.text.contains("https://d/dashboard/station/LIM-01?lang=en"), "{}", en.text);
        assert!(en.html.starts_with("<!DOCTYPE html><html lang=\"en\">"));
        assert_eq!(write(silence::KIND, &silent(), Lang::Es, &HashSet::from([4]), "https://d"), Ok(None));
        assert!(write("test", "{}", Lang::Es, &sees, "https://d").is_err(), "accounts get no test messages");
        assert!(write(silence::KIND, "{\"type\":1}", Lang::Es, &sees, "https://d").is_err());
    }

    #[test]
    fn html_is_escaped() {
        let body = silent().replace("Comas", "<script>alert(1)</script>");
        let letter = write(silence::KIND, &body, Lang::Es, &HashSet::from([3]), "https://d").unwrap().unwrap();
        assert!(!letter.html.contains("<script>") && letter.html.contains("&lt;script&gt;"));
    }
}
