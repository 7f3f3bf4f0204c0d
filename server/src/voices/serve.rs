//! The kiosk's recordings: the list it reads when it starts and between visitors
//! (`/audio/index.json`), and the sounds (`/voices/<sha256>.ogg`), each under its content
//! hash, so that a cached copy never goes stale and the service worker precaches them all
//! ([`crate::service_worker`]): no request during a visit says which screen or language
//! she is on.
//!
//! Two sources: recordings approved in the admin console ("Voces", [`super::catalog`]),
//! and files dropped into the site's `audio/<lang>/<name>.ogg` before a build (named
//! `welcome`, `thanks`, `help`, `still_there`, or a question's key); an approved recording
//! wins over a file of the same prompt.

use super::catalog::Catalog;
use crate::AppState;
use app::speech::VoiceIndex;
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::Language;
use std::collections::BTreeMap;
use std::path::Path;
use store::{NetworkSettings, Voices};

/// The files under the site's `audio/`: language code → prompt key → URL.
pub fn files(site_root: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    let Ok(langs) = std::fs::read_dir(site_root.join("audio")) else { return out };
    for lang in langs.flatten().filter(|e| e.path().is_dir()) {
        let Ok(code) = Language::parse(&lang.file_name().to_string_lossy()) else { continue };
        let Ok(entries) = std::fs::read_dir(lang.path()) else { continue };
        let keys: BTreeMap<String, String> = entries
            .flatten()
            .filter_map(|f| {
                let name = f.file_name().to_string_lossy().to_string();
                let stem = name.strip_suffix(".ogg")?.to_string();
                let key = match stem.as_str() {
                    "welcome" | "thanks" | "help" | "still_there" => stem.clone(),
                    question => app::voice_prompts::question_key(question, false),
                };
                Some((key, format!("/audio/{}/{name}", code.code())))
            })
            .collect();
        if !keys.is_empty() {
            out.insert(code.code().to_string(), keys);
        }
    }
    out
}

/// Where the kiosk fetches an approved recording.
pub fn url(sha256: &str) -> String {
    format!("/voices/{sha256}.ogg")
}

/// What the kiosk plays: the site's files, then every approved recording of the current
/// survey's words; and the languages read aloud as each screen opens.
pub async fn voice_index(state: &AppState) -> Result<VoiceIndex, store::Error> {
    let root = std::path::PathBuf::from(state.leptos_options.site_root.as_ref());
    let mut recordings = tokio::task::spawn_blocking(move || files(&root)).await.unwrap_or_default();
    for (lang, keys) in Catalog::load(&state.db).await?.published() {
        let listed = recordings.entry(lang.code().to_string()).or_default();
        listed.extend(keys.into_iter().map(|(key, sha)| (key, url(&sha))));
    }
    let mut read_aloud = Vec::new();
    for lang in Language::ALL {
        if state.db.get_i64(&crate::web::admin_voices::read_aloud_setting(lang), 0).await? == 1 {
            read_aloud.push(lang.code().to_string());
        }
    }
    Ok(VoiceIndex { recordings, read_aloud })
}

/// `/audio/index.json`.
pub async fn index(State(state): State<AppState>) -> Response {
    match voice_index(&state).await {
        Ok(index) => {
            let mut resp = Json(index).into_response();
            resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            resp
        }
        Err(e) => {
            tracing::error!(error = %e, "the list of recordings could not be read");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// The URLs of the approved recordings the kiosk may play, for the service worker.
pub async fn published_urls(state: &AppState) -> Result<Vec<String>, store::Error> {
    // The approved recordings only: the site's files are in the build's own list, and the
    // read-aloud settings are not needed here.
    let published = Catalog::load(&state.db).await?.published();
    let mut urls: Vec<String> =
        published.into_values().flat_map(|keys| keys.into_values()).map(|sha| url(&sha)).collect();
    urls.sort();
    urls.dedup();
    Ok(urls)
}

/// `/voices/<sha256>.ogg`: an approved recording, cached for good (its name is its hash).
pub async fn sound(State(state): State<AppState>, UrlPath(sound): UrlPath<String>) -> Response {
    let sha = sound.strip_suffix(".ogg").unwrap_or_default().to_string();
    if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let approved = match state.db.voices().await {
        Ok(voices) => voices.iter().any(|v| v.sha256 == sha && v.approved_at.is_some()),
        Err(e) => {
            tracing::error!(error = %e, "recordings could not be read");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    match (approved, state.db.voice_audio(&sha).await) {
        (true, Ok(Some(audio))) => (
            [
                (header::CONTENT_TYPE, "audio/ogg".to_string()),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable".to_string()),
                (header::ETAG, format!("\"{sha}\"")),
            ],
            audio,
        )
            .into_response(),
        (_, Err(e)) => {
            tracing::error!(error = %e, "a recording could not be read");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_listed_by_language_under_their_prompt_keys() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("audio/qu")).unwrap();
        std::fs::create_dir_all(dir.path().join("audio/xx")).unwrap();
        std::fs::write(dir.path().join("audio/qu/respect.ogg"), b"ogg").unwrap();
        std::fs::write(dir.path().join("audio/qu/welcome.ogg"), b"ogg").unwrap();
        std::fs::write(dir.path().join("audio/qu/notes.txt"), b"").unwrap();
        std::fs::write(dir.path().join("audio/xx/respect.ogg"), b"ogg").unwrap();
        let listing = files(dir.path());
        assert_eq!(listing.len(), 1, "unknown languages are ignored: {listing:?}");
        assert_eq!(listing["qu"]["q:respect"], "/audio/qu/respect.ogg");
        assert_eq!(listing["qu"]["welcome"], "/audio/qu/welcome.ogg");
        assert!(files(&dir.path().join("nothing")).is_empty());
    }
}
