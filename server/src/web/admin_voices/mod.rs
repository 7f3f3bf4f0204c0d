//! `/admin/voices` ("Voces", issue 21): for the current survey version and each language,
//! every text the kiosk reads aloud, beside its recording and where it stands. A native
//! speaker records a prompt right there (the page's recorder, `voices.js`), or an
//! administrator uploads a file; the server reads it ([`crate::voices::audio`]), keeps it
//! in the database without its metadata, and an administrator listens and approves it.
//! Only an approved recording of the words the kiosk shows now is published.

mod page;

use crate::voices::audio::{normalize, MAX_BYTES};
use crate::voices::catalog::Catalog;
use crate::web::admin::lang_of;
use crate::web::kit::{Admin, CheckedForm, CheckedUpload, PageError, PageResult, Pairs, Upload};
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use domain::Language;
use sha2::{Digest, Sha256};
use store::audit::Entry;
use store::voices::NewVoice;
use store::{NetworkSettings, Voices};

pub use page::Said;

/// The most an upload may hold: the file, and room for the form around it.
const BODY_LIMIT: usize = MAX_BYTES + 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/voices", get(overview))
        .route("/admin/voices/audio/{sound}", get(listen))
        .route("/admin/voices/{language}", get(language_page))
        .route("/admin/voices/{language}/record", post(record).layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT)))
        .route("/admin/voices/{language}/approve", post(approve))
        .route("/admin/voices/{language}/remove", post(remove))
        .route("/admin/voices/{language}/read-aloud", post(read_aloud))
}

/// The setting that has the kiosk read each screen of `lang` aloud by itself.
pub fn read_aloud_setting(lang: Language) -> String {
    format!("read_aloud_{}", lang.code())
}

/// The console's language (`?lang=`) and the voices' language of the path
/// (`/admin/voices/{language}/…`); an unknown one is a 404.
struct LanguagePage {
    lang: crate::web::layout::Lang,
    language: Language,
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for LanguagePage {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, PageError> {
        let Path(code) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| PageError::NotFound("No such language."))?;
        let language = Language::parse(&code).map_err(|_| PageError::NotFound("No such language."))?;
        Ok(LanguagePage { lang: lang_of(parts.uri.query()), language })
    }
}

/// The current survey version and the line of `key` in `language`, or the refusal of a
/// form about a text the current survey does not have.
async fn line_of(
    state: &AppState,
    lang: crate::web::layout::Lang,
    language: Language,
    key: &str,
) -> Result<(i64, crate::voices::catalog::Line), PageError> {
    let catalog = Catalog::load(&state.db).await?;
    match (catalog.version, catalog.line(language, key)) {
        (Some(version), Some(line)) => Ok((version, line.clone())),
        _ => Err(unknown_text(lang)),
    }
}

/// A form about a text the current survey does not have (or that has no recording):
/// refused, nothing changed.
fn unknown_text(lang: crate::web::layout::Lang) -> PageError {
    let message = lang.t(
        "Ese texto no está en la encuesta actual, o no tiene grabación: vuelva a la página de Voces.",
        "That text is not in the current survey, or has no recording: go back to the Voices page.",
    );
    PageError::Page(Box::new((StatusCode::UNPROCESSABLE_ENTITY, message).into_response()))
}

fn back(lang: crate::web::layout::Lang, language: Language, key: Option<&str>) -> Response {
    let anchor = key.map(|k| format!("#{}", page::anchor(k))).unwrap_or_default();
    Redirect::to(&format!("/admin/voices/{}?lang={}{anchor}", language.code(), lang.code())).into_response()
}

async fn overview(State(state): State<AppState>, Admin(staff): Admin, RawQuery(raw): RawQuery) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let catalog = Catalog::load(&state.db).await?;
    Ok(page::overview(lang, &staff, &catalog))
}

async fn language_page(
    State(state): State<AppState>,
    Admin(staff): Admin,
    LanguagePage { lang, language }: LanguagePage,
) -> PageResult {
    page::render(&state, &staff, lang, language, Said::default(), StatusCode::OK).await
}

/// A recording, recorded here or uploaded: read, checked, kept without its metadata, to be
/// approved.
async fn record(
    State(state): State<AppState>,
    Admin(staff): Admin,
    LanguagePage { lang, language }: LanguagePage,
    upload: CheckedUpload<MAX_BYTES>,
) -> PageResult {
    let key = upload.fields.value("key");
    let (version, line) = line_of(&state, lang, language, &key).await?;
    let english = lang == crate::web::layout::Lang::En;
    let refused = |message: String| Said { key: key.clone(), error: Some(message) };
    let clip = match upload.file {
        Upload::None => {
            Err(refused(lang.t("Elija un archivo o grabe primero.", "Choose a file or record first.").into()))
        }
        Upload::TooLarge => Err(refused(crate::voices::audio::Refused::TooLarge.message(english))),
        Upload::Bytes(bytes) => normalize(&bytes).map_err(|r| refused(r.message(english))),
    };
    let clip = match clip {
        Ok(clip) => clip,
        Err(said) => {
            return page::render(&state, &staff, lang, language, said, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let sha256 = domain::hex(&Sha256::digest(&clip.ogg));
    let voice = NewVoice {
        language: language.code().into(),
        text_key: key.clone(),
        text: line.prompt.text.clone(),
        survey_version: version,
        sha256: sha256.clone(),
        millis: i64::from(clip.millis),
        audio: clip.ogg,
        recorded_by: Some(staff.user.id),
        now: chrono::Utc::now().timestamp(),
    };
    let target = format!("{} {key}", language.code());
    let audit = Entry::new(&staff.user.email, "voice.record", &target, format!("sha256={sha256} ms={}", clip.millis));
    state.db.save_voice(&voice, &audit).await?;
    Ok(back(lang, language, Some(&key)))
}

/// Approves the recording of a prompt for the words it shows now, if its sound is the
/// one the administrator heard.
async fn approve(
    State(state): State<AppState>,
    Admin(staff): Admin,
    LanguagePage { lang, language }: LanguagePage,
    CheckedForm(form): CheckedForm<Pairs>,
) -> PageResult {
    let (key, sha256) = (form.value("key"), form.value("sha256"));
    let (version, line) = line_of(&state, lang, language, &key).await?;
    let Some(voice) = &line.voice else {
        return Err(unknown_text(lang));
    };
    let target = format!("{} {key}", language.code());
    let audit = Entry::new(&staff.user.email, "voice.approve", &target, format!("sha256={sha256}"));
    let now = chrono::Utc::now().timestamp();
    let approved =
        state.db.approve_voice(voice.id, &sha256, &line.prompt.text, version, staff.user.id, now, &audit).await?;
    if !approved {
        let said = Said {
            key,
            error: Some(
                lang.t(
                    "Esta grabación cambió mientras la escuchaba: escuche la nueva antes de aprobarla.",
                    "This recording changed while you listened: listen to the new one before approving it.",
                )
                .into(),
            ),
        };
        return page::render(&state, &staff, lang, language, said, StatusCode::CONFLICT).await;
    }
    Ok(back(lang, language, Some(&key)))
}

async fn remove(
    State(state): State<AppState>,
    Admin(staff): Admin,
    LanguagePage { lang, language }: LanguagePage,
    CheckedForm(form): CheckedForm<Pairs>,
) -> PageResult {
    let key = form.value("key");
    let id = state.db.voices().await?.into_iter().find(|v| v.language == language.code() && v.text_key == key);
    let Some(voice) = id else {
        return Err(unknown_text(lang));
    };
    let target = format!("{} {key}", language.code());
    state.db.remove_voice(voice.id, &Entry::new(&staff.user.email, "voice.remove", &target, "")).await?;
    Ok(back(lang, language, Some(&key)))
}

/// Turns "read each screen aloud" on or off for a language.
async fn read_aloud(
    State(state): State<AppState>,
    Admin(staff): Admin,
    LanguagePage { lang, language }: LanguagePage,
    CheckedForm(form): CheckedForm<Pairs>,
) -> PageResult {
    let on = form.first("read_aloud") == Some("on");
    let value = if on { "1" } else { "0" };
    let email = staff.user.email.clone();
    let setting = read_aloud_setting(language);
    state
        .db
        .set(&setting, value, move |old| {
            (old.as_deref().unwrap_or("0") != value)
                .then(|| Entry::new(&email, "voice.read_aloud", language.code(), value))
        })
        .await?;
    Ok(back(lang, language, None))
}

/// A recording for the administrator to listen to, approved or not.
async fn listen(State(state): State<AppState>, Admin(_): Admin, Path(sound): Path<String>) -> PageResult {
    let sha = sound.strip_suffix(".ogg").unwrap_or_default();
    if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(PageError::NotFound("No such recording."));
    }
    let Some(audio) = state.db.voice_audio(sha).await? else {
        return Err(PageError::NotFound("No such recording."));
    };
    Ok(([(header::CONTENT_TYPE, "audio/ogg"), (header::CACHE_CONTROL, "private, max-age=31536000, immutable")], audio)
        .into_response())
}
