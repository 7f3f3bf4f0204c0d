//! The "Voces" pages: the languages with their coverage, and one language's prompts with
//! their recordings, recorder, upload, approval and removal.

use super::read_aloud_setting;
use crate::voices::audio::{MAX_BYTES, MAX_MILLIS};
use crate::voices::catalog::{Catalog, Line, Status};
use crate::web::admin::admin_nav;
use crate::web::kit::PageResult;
use crate::web::layout::{page, Lang};
use crate::web::session::Staff;
use crate::AppState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::Language;
use leptos::prelude::*;
use store::NetworkSettings;

/// What a form says back: the prompt it was about and what was wrong.
#[derive(Default)]
pub struct Said {
    pub key: String,
    pub error: Option<String>,
}

/// A prompt's row id: its key with every character outside `[a-z0-9-]` made `-`.
pub fn anchor(key: &str) -> String {
    let clean: String =
        key.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c.to_ascii_lowercase() } else { '-' }).collect();
    format!("v-{clean}")
}

/// What a prompt is, in the console's language.
fn label(lang: Lang, key: &str) -> String {
    let parts: Vec<&str> = key.split(':').collect();
    let child = parts.last() == Some(&"child");
    let for_children = if child { lang.t(" (niñas y niños)", " (children)") } else { "" };
    match parts.as_slice() {
        ["welcome"] => lang.t("Pantalla de bienvenida", "Welcome screen").into(),
        ["help"] => lang.t("Franja de ayuda (Línea 100)", "Help line banner (Línea 100)").into(),
        ["still_there"] => lang.t("«¿Sigues ahí?»", "“Are you still there?”").into(),
        ["thanks"] => lang.t("Pantalla de agradecimiento", "Thank-you screen").into(),
        ["scale", "rather_not"] => lang.t("Opción «Prefiero no responder»", "“I'd rather not answer”").into(),
        ["scale", level] => format!("{} {level}", lang.t("Cara", "Face")),
        ["q", question, ..] => format!("{} «{question}»{for_children}", lang.t("Pregunta", "Question")),
        ["c", question, choice, ..] => {
            format!("{} «{choice}» {} «{question}»{for_children}", lang.t("Opción", "Choice"), lang.t("de", "of"))
        }
        _ => key.into(),
    }
}

fn status_text(lang: Lang, status: Status) -> &'static str {
    match status {
        Status::Missing => lang.t("Falta grabar", "Not recorded"),
        Status::Unapproved => lang.t("Grabada: escúchela y apruébela", "Recorded: listen and approve"),
        Status::Changed => lang.t(
            "El texto cambió: escuche de nuevo y apruebe, o vuelva a grabar",
            "The text changed: listen again and approve, or record again",
        ),
        Status::Approved => lang.t("Aprobada: suena en el quiosco", "Approved: plays on the kiosk"),
    }
}

fn status_class(status: Status) -> &'static str {
    match status {
        Status::Missing => "missing",
        Status::Unapproved => "unapproved",
        Status::Changed => "changed",
        Status::Approved => "approved",
    }
}

fn percent(done: usize, total: usize) -> usize {
    (done * 100).checked_div(total).unwrap_or(0)
}

/// The languages, each with its share of prompts with approved voices.
pub fn overview(lang: Lang, staff: &Staff, catalog: &Catalog) -> Response {
    let l = lang.code();
    let rows = Language::ALL
        .into_iter()
        .map(|language| {
            let (done, total) = catalog.coverage(language);
            view! {
                <tr data-language=language.code()>
                    <th scope="row">
                        <a href=format!("/admin/voices/{}?lang={l}", language.code())>{language.native_name()}</a>
                    </th>
                    <td>{done}</td><td>{total}</td><td>{format!("{} %", percent(done, total))}</td>
                </tr>
            }
        })
        .collect_view();
    let body = view! {
        {admin_nav(lang, "/admin/voices")}
        <h1>{lang.t("Voces", "Voices")}</h1>
        {intro(lang)}
        {catalog.version.is_none().then(|| view! {
            <p class="empty">{lang.t("Todavía no hay una encuesta publicada: no hay nada que grabar.", "No survey is published yet: there is nothing to record.")}</p>
        })}
        <div class="table-scroll" tabindex="0" role="region" aria-label=lang.t("Voces por idioma", "Voices by language")>
            <table id="voice-coverage">
                <thead><tr>
                    <th scope="col">{lang.t("Idioma", "Language")}</th>
                    <th scope="col">{lang.t("Aprobadas", "Approved")}</th>
                    <th scope="col">{lang.t("Textos", "Texts")}</th>
                    <th scope="col">{lang.t("Cobertura", "Coverage")}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    };
    page(lang, lang.t("Voces", "Voices"), Some(staff), "/admin/voices", body)
}

fn intro(lang: Lang) -> impl IntoView {
    view! {
        <p>{lang.t(
            "Muchas personas leen poco o hablan primero quechua o aimara. Aquí una hablante nativa graba, texto por texto, lo que el quiosco lee en voz alta; usted escucha cada grabación y la aprueba. Solo suenan en el quiosco las grabaciones aprobadas para el texto que muestra ahora.",
            "Many visitors read little or speak Quechua or Aymara first. Here a native speaker records, text by text, what the kiosk reads aloud; you listen to each recording and approve it. Only recordings approved for the words the kiosk shows now play on it.",
        )}</p>
        <p class="hint">{match lang {
            Lang::Es => format!("Grabe en un lugar tranquilo. Se aceptan grabaciones Opus (Ogg o WebM, lo que graba esta página) o WAV de 16 bits (se convierte a Opus) de hasta {} s y {} MB; se guardan sin sus datos de autor o equipo.", MAX_MILLIS / 1000, MAX_BYTES / (1024 * 1024)),
            Lang::En => format!("Record somewhere quiet. Opus recordings (Ogg or WebM, what this page records) or 16-bit WAV (converted to Opus) of up to {} s and {} MB are taken; they are kept without author or device data.", MAX_MILLIS / 1000, MAX_BYTES / (1024 * 1024)),
        }}</p>
    }
}

/// One language's prompts.
pub async fn render(
    state: &AppState,
    staff: &Staff,
    lang: Lang,
    language: Language,
    said: Said,
    status: StatusCode,
) -> PageResult {
    let catalog = Catalog::load(&state.db).await?;
    let read_aloud = state.db.get_i64(&read_aloud_setting(language), 0).await? == 1;
    let (done, total) = catalog.coverage(language);
    let l = lang.code();
    let code = language.code();
    let csrf = staff.csrf.clone();
    let rows = catalog
        .lines(language)
        .iter()
        .map(|line| {
            row(lang, language, &csrf, line, (said.key == line.prompt.key).then(|| said.error.clone()).flatten())
        })
        .collect_view();
    let languages = Language::ALL
        .into_iter()
        .map(|other| {
            let here = other == language;
            view! {
                <li><a href=format!("/admin/voices/{}?lang={l}", other.code()) aria-current=here.then_some("page")>
                    {other.native_name()}
                </a></li>
            }
        })
        .collect_view();
    let title = format!("{} — {}", lang.t("Voces", "Voices"), language.native_name());
    let body = view! {
        {admin_nav(lang, "/admin/voices")}
        <h1>{title.clone()}</h1>
        <nav class="voice-languages" aria-label=lang.t("Idiomas", "Languages")><ul>{languages}</ul></nav>
        {intro(lang)}
        <p id="voice-coverage-line">{match lang {
            Lang::Es => format!("{done} de {total} textos tienen una voz aprobada ({} %).", percent(done, total)),
            Lang::En => format!("{done} of {total} texts have an approved voice ({} %).", percent(done, total)),
        }}</p>
        <form method="post" action=format!("/admin/voices/{code}/read-aloud?lang={l}") id="read-aloud-form" class="inline-form">
            <input type="hidden" name="csrf" value=csrf.clone()/>
            <label>
                <input type="checkbox" name="read_aloud" value="on" checked=read_aloud/>
                " " {lang.t("Leer cada pantalla en voz alta al abrirse (para quien no puede leer)", "Read each screen aloud when it opens (for visitors who cannot read)")}
            </label>
            " "
            <button type="submit">{lang.t("Guardar", "Save")}</button>
        </form>
        <p class="hint">{lang.t(
            "Con esta opción el quiosco lee cada pantalla después del primer toque, con un botón visible para detenerla. Aconseje usar audífonos o un rincón tranquilo.",
            "With this on, the kiosk reads each screen after the visitor's first tap, with a visible stop button. Advise headphones or a quiet corner.",
        )}</p>
        {if total == 0 {
            view! { <p class="empty" id="voices-empty">{lang.t("No hay textos que grabar en este idioma.", "There are no texts to record in this language.")}</p> }.into_any()
        } else {
            view! {
                <div class="table-scroll" tabindex="0" role="region" aria-label=lang.t("Textos y grabaciones", "Texts and recordings")>
                    <table id="voices" lang=code>
                        <thead><tr>
                            <th scope="col">{lang.t("Texto", "Text")}</th>
                            <th scope="col">{lang.t("Lo que dice", "What it says")}</th>
                            <th scope="col">{lang.t("Estado", "State")}</th>
                            <th scope="col">{lang.t("Grabación", "Recording")}</th>
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }.into_any()
        }}
        <script src="/voices.js" defer></script>
    };
    let mut response = page(lang, &title, Some(staff), "/admin/voices", body);
    *response.status_mut() = status;
    Ok(response.into_response())
}

fn row(lang: Lang, language: Language, csrf: &str, line: &Line, error: Option<String>) -> impl IntoView {
    let (l, code) = (lang.code(), language.code());
    let key = line.prompt.key.clone();
    let id = anchor(&key);
    let error_id = format!("{id}-error");
    let file_id = format!("{id}-file");
    let listen = line.voice.as_ref().map(|v| {
        let seconds = format!("{:.1} s", v.millis as f64 / 1000.0);
        view! {
            <audio controls preload="none" src=format!("/admin/voices/audio/{}.ogg", v.sha256)
                aria-label=format!("{} {}", lang.t("Escuchar", "Listen to"), label(lang, &key))></audio>
            <span class="voice-length">{seconds}</span>
        }
    });
    let approve = line.voice.as_ref().filter(|_| matches!(line.status, Status::Unapproved | Status::Changed)).map(|v| {
        view! {
            <form method="post" action=format!("/admin/voices/{code}/approve?lang={l}") class="inline-form voice-approve">
                <input type="hidden" name="csrf" value=csrf.to_string()/>
                <input type="hidden" name="key" value=key.clone()/>
                <input type="hidden" name="sha256" value=v.sha256.clone()/>
                <button type="submit">{lang.t("Aprobar", "Approve")}</button>
            </form>
        }
    });
    let remove = line.voice.as_ref().map(|_| {
        view! {
            <form method="post" action=format!("/admin/voices/{code}/remove?lang={l}") class="inline-form voice-remove">
                <input type="hidden" name="csrf" value=csrf.to_string()/>
                <input type="hidden" name="key" value=key.clone()/>
                <button type="submit" class="quiet">{lang.t("Quitar", "Remove")}</button>
            </form>
        }
    });
    let action = format!("/admin/voices/{code}/record?lang={l}");
    view! {
        <tr id=id.clone() data-key=key.clone() data-status=status_class(line.status)>
            <th scope="row">{label(lang, &key)}</th>
            <td class="voice-text">{line.prompt.text.clone()}</td>
            <td class=format!("voice-status {}", status_class(line.status))>{status_text(lang, line.status)}</td>
            <td class="voice-actions">
                {listen}
                {approve}
                <div class="voice-recorder" data-action=action.clone() data-key=key.clone() data-csrf=csrf.to_string()
                    data-record=lang.t("Grabar", "Record") data-stop=lang.t("Detener", "Stop")
                    data-send=lang.t("Guardar esta grabación", "Keep this recording")
                    data-again=lang.t("Grabar otra vez", "Record again")
                    data-denied=lang.t("El navegador no deja usar el micrófono.", "The browser does not allow the microphone.")
                    data-failed=lang.t("No se pudo guardar: inténtelo de nuevo.", "Could not keep it: try again.")></div>
                <form method="post" action=action enctype="multipart/form-data" class="voice-upload"
                    aria-describedby=error.as_ref().map(|_| error_id.clone())>
                    <input type="hidden" name="csrf" value=csrf.to_string()/>
                    <input type="hidden" name="key" value=key.clone()/>
                    <label for=file_id.clone()>{lang.t("Subir un archivo", "Upload a file")}</label>
                    <input id=file_id type="file" name="file" accept=".ogg,.opus,.oga,.webm,.wav,audio/ogg,audio/webm,audio/wav"
                        aria-invalid=error.is_some().then_some("true")/>
                    <button type="submit">{lang.t("Subir", "Upload")}</button>
                </form>
                {error.map(|e| view! { <p class="field-error" id=error_id role="alert">{e}</p> })}
                {remove}
            </td>
        </tr>
    }
}
