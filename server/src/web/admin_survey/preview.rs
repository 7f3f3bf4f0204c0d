//! `/admin/survey/{version}/preview`: a version's questions as the kiosk shows them,
//! one screen at a time, in a visitor's language and with or without the children's
//! wording. It is the kiosk's markup and CSS classes, rendered on the server with no
//! script: nothing is answered, sent or kept.
//!
//! Query: `lang` (the staff's language), `visitor` (es, qu, ay, en), `child=1`, `q`
//! (the screen, from 1).

use super::{language_name, no_such_version};
use crate::web::admin::lang_of;
use crate::web::kit::{Admin, PageResult, Pairs};
use crate::web::layout::{html_response, Lang};
use crate::AppState;
use app::components::icons::{BackIcon, CheckIcon, ExitIcon, NextIcon, PhoneIcon, SkipIcon};
use app::components::Face;
use app::i18n::{progress, texts};
use axum::extract::{Path, RawQuery, State};
use domain::{wording, Language, Question, QuestionKind, Texts};
use leptos::prelude::*;
use leptos::tachys::view::RenderHtml;

/// The preview's options, read from the query string.
struct Options {
    lang: Lang,
    visitor: Language,
    child: bool,
    screen: usize,
}

impl Options {
    fn from_query(raw: Option<&str>) -> Options {
        let pairs = Pairs::parse(raw.unwrap_or(""));
        let get = |k: &str| pairs.first(k);
        Options {
            lang: lang_of(raw),
            visitor: get("visitor").and_then(|v| Language::parse(v).ok()).unwrap_or(Language::Es),
            child: get("child") == Some("1"),
            screen: get("q").and_then(|q| q.parse().ok()).unwrap_or(1),
        }
    }

    fn href(&self, version: i64, screen: usize) -> String {
        let child = if self.child { "&child=1" } else { "" };
        format!(
            "/admin/survey/{version}/preview?lang={}&visitor={}{child}&q={screen}",
            self.lang.code(),
            self.visitor.code()
        )
    }
}

fn scale_label(lang: Language, level: u8) -> &'static str {
    let t = texts(lang);
    match level {
        1 => t.very_bad,
        2 => t.bad,
        3 => t.good,
        _ => t.very_good,
    }
}

fn answers(q: &Question, visitor: Language, child: bool) -> AnyView {
    let t = texts(visitor);
    match q.kind {
        QuestionKind::Scale4 => {
            let faces = (1..=4u8)
                .map(|level| {
                    view! {
                        <button type="button" class=format!("answer face-answer level-{level}") aria-pressed="false">
                            <Face level gentle=child/>
                            <span class="answer-label">{scale_label(visitor, level)}</span>
                            <CheckIcon/>
                        </button>
                    }
                })
                .collect_view();
            view! {
                <div class="answers scale" role="group" aria-labelledby="question-title">
                    <div class="faces">{faces}</div>
                    <button type="button" class="answer rather-not" aria-pressed="false">
                        <span class="answer-label">{t.rather_not}</span>
                        <CheckIcon/>
                    </button>
                </div>
            }
            .into_any()
        }
        QuestionKind::Single => {
            let few = q.choices.len() <= 3;
            let choices = q
                .choices
                .iter()
                .map(|c| {
                    view! {
                        <button type="button" class="answer choice" aria-pressed="false" data-value=c.key.clone()>
                            <span class="answer-label">{wording(&c.text, &c.child_text, visitor, child)}</span>
                            <CheckIcon/>
                        </button>
                    }
                })
                .collect_view();
            view! {
                <div class="answers choices" class:few=few role="group" aria-labelledby="question-title">{choices}</div>
            }
            .into_any()
        }
        QuestionKind::Multi => {
            let choices = q
                .choices
                .iter()
                .map(|c| {
                    view! {
                        <button type="button" class="answer choice toggle" aria-pressed="false" data-value=c.key.clone()>
                            <span class="box" aria-hidden="true"><CheckIcon/></span>
                            <span class="answer-label">{wording(&c.text, &c.child_text, visitor, child)}</span>
                        </button>
                    }
                })
                .collect_view();
            view! {
                <div class="answers multi">
                    <p class="hint">{t.choose_any}</p>
                    <div class="choices" role="group" aria-labelledby="question-title">{choices}</div>
                </div>
            }
            .into_any()
        }
    }
}

pub async fn preview_page(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Path(version): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let o = Options::from_query(raw.as_deref());
    let lang = o.lang;
    let Some(v) = version.parse::<i64>().ok().filter(|v| *v > 0) else {
        return Ok(no_such_version(lang, &staff, &version));
    };
    let Some(survey) = store::Surveys::load_any(&state.db, v).await? else {
        return Ok(no_such_version(lang, &staff, &version));
    };
    let l = lang.code();
    // As the kiosk asks them: the profile items first, then the care questions.
    let (profile, care): (Vec<&Question>, Vec<&Question>) = survey.questions.iter().partition(|q| q.profile);
    let order: Vec<&Question> = profile.into_iter().chain(care).collect();
    let total = order.len();
    let screen = o.screen.clamp(1, total.max(1));
    let visitor = o.visitor;
    let t = texts(visitor);

    let missing: Vec<String> = order
        .get(screen - 1)
        .map(|q| {
            let mut m = Vec::new();
            let lacks = |texts: &Texts| texts.get(&visitor).is_none_or(|s| s.trim().is_empty());
            if lacks(&q.text) || lacks(&q.child_text) {
                m.push(q.key.clone());
            }
            m.extend(
                q.choices
                    .iter()
                    .filter(|c| lacks(&c.text) || lacks(&c.child_text))
                    .map(|c| format!("{} › {}", q.key, c.key)),
            );
            m
        })
        .unwrap_or_default();

    let screen_view = match order.get(screen - 1) {
        None => view! {
            <section class="screen">
                <h1 class="question-title">{lang.t("Esta versión no tiene preguntas.", "This version has no questions.")}</h1>
            </section>
        }
        .into_any(),
        Some(q) => {
            let percent = screen * 100 / total.max(1);
            let previous = (screen > 1).then(|| o.href(v, screen - 1));
            let next = (screen < total).then(|| o.href(v, screen + 1));
            let exit = format!("/admin/survey/{v}?lang={l}");
            view! {
                <section class="screen screen-question" data-question=q.key.clone()>
                    <div class="survey-top">
                        <div class="progress">
                            <p class="progress-text">{progress(visitor, screen, total)}</p>
                            <div class="progress-track" aria-hidden="true">
                                <div class="progress-fill" style=format!("width: {percent}%")></div>
                            </div>
                        </div>
                        <a class="button quiet exit" href=exit>
                            <ExitIcon/>
                            <span>{t.exit}</span>
                        </a>
                    </div>
                    <h1 id="question-title" class="question-title">{wording(&q.text, &q.child_text, visitor, o.child)}</h1>
                    {answers(q, visitor, o.child)}
                    <div class="survey-nav">
                        {previous.map(|href| view! {
                            <a class="button quiet back" href=href><BackIcon/><span>{t.back}</span></a>
                        })}
                        {next.clone().map(|href| view! {
                            <a class="button quiet skip" href=href><span>{t.skip}</span><SkipIcon/></a>
                        })}
                        {(q.kind == QuestionKind::Multi).then_some(next).flatten().map(|href| view! {
                            <a class="button primary next" href=href><span>{t.next}</span><NextIcon/></a>
                        })}
                    </div>
                </section>
            }
            .into_any()
        }
    };

    let visitor_options = Language::ALL
        .into_iter()
        .map(|x| view! { <option value=x.code() selected=x == visitor>{language_name(x)}</option> })
        .collect_view();
    let screen_options = order
        .iter()
        .enumerate()
        .map(|(i, q)| view! { <option value=(i + 1).to_string() selected=i + 1 == screen>{format!("{}. {}", i + 1, q.key)}</option> })
        .collect_view();
    let missing_note = (!missing.is_empty()).then(|| {
        view! {
            <p class="notice" id="preview-missing">{match lang {
                Lang::Es => format!(
                    "Faltan textos en {} en esta pantalla (se muestran en español): {}.",
                    language_name(visitor),
                    missing.join(", ")
                ),
                Lang::En => format!(
                    "Texts missing in {} on this screen (shown in Spanish): {}.",
                    language_name(visitor),
                    missing.join(", ")
                ),
            }}</p>
        }
    });
    let title = match lang {
        Lang::Es => format!("Vista previa de la versión {v} · Digna"),
        Lang::En => format!("Preview of version {v} · Digna"),
    };
    let doc = view! {
        <html lang=l>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="referrer" content="same-origin"/>
                <title>{title}</title>
                <link rel="stylesheet" href="/pkg/digna.css"/>
                <link rel="icon" href="/favicon.ico"/>
            </head>
            <body>
                <header class="staff preview-bar" id="preview-bar">
                    <p class="notice" id="preview-notice"><strong>{lang.t(
                        "Vista previa — no se guarda nada",
                        "Preview — nothing is saved",
                    )}</strong>{match lang {
                        Lang::Es => format!(" · versión {v}"),
                        Lang::En => format!(" · version {v}"),
                    }}</p>
                    <form method="get" action=format!("/admin/survey/{v}/preview") class="filters" id="preview-controls">
                        <input type="hidden" name="lang" value=l/>
                        <div class="field">
                            <label for="pv-visitor">{lang.t("Idioma de la visitante", "Visitor's language")}</label>
                            <select id="pv-visitor" name="visitor">{visitor_options}</select>
                        </div>
                        <div class="field check">
                            <input id="pv-child" name="child" type="checkbox" value="1" checked=o.child/>
                            <label for="pv-child">{lang.t("Redacción para niñas y niños", "Child wording")}</label>
                        </div>
                        <div class="field">
                            <label for="pv-q">{lang.t("Pantalla", "Screen")}</label>
                            <select id="pv-q" name="q">{screen_options}</select>
                        </div>
                        <button type="submit" class="button primary">{lang.t("Mostrar", "Show")}</button>
                        <a href=format!("/admin/survey/{v}?lang={l}")>{lang.t("Volver a la versión", "Back to the version")}</a>
                    </form>
                    {missing_note}
                </header>
                <div class="kiosk" lang=visitor.code() data-screen="question" data-preview="true">
                    <main id="main" class="kiosk-main">{screen_view}</main>
                    // The kiosk's help banner, without its signals (nothing here reacts).
                    <aside class="help-banner" aria-label=t.help_label>
                        <PhoneIcon/>
                        <p>{t.help_line}</p>
                    </aside>
                </div>
            </body>
        </html>
    };
    Ok(html_response(format!("<!DOCTYPE html>{}", doc.to_html())))
}
