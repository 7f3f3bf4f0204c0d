//! Recorded read-aloud audio. Files dropped into the site's `audio/<lang>/<key>.ogg`
//! (from `public/audio/`) are listed here, so the kiosk knows what exists without
//! probing for files that are not there.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use leptos::prelude::LeptosOptions;
use std::collections::BTreeMap;
use std::path::Path;

/// Language code → keys with a recording, such as `{"qu": ["respect", "welcome"]}`.
pub fn list(site_root: &Path) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    let Ok(langs) = std::fs::read_dir(site_root.join("audio")) else { return out };
    for lang in langs.flatten().filter(|e| e.path().is_dir()) {
        let Ok(code) = domain::Language::parse(&lang.file_name().to_string_lossy()) else { continue };
        let Ok(files) = std::fs::read_dir(lang.path()) else { continue };
        let mut keys: Vec<String> = files
            .flatten()
            .filter_map(|f| {
                let name = f.file_name().to_string_lossy().to_string();
                name.strip_suffix(".ogg").map(str::to_string)
            })
            .collect();
        keys.sort();
        if !keys.is_empty() {
            out.insert(code.code().to_string(), keys);
        }
    }
    out
}

pub async fn index(State(options): State<LeptosOptions>) -> Response {
    let root = Path::new(options.site_root.as_ref()).to_path_buf();
    let listing = tokio::task::spawn_blocking(move || list(&root)).await.unwrap_or_default();
    let mut resp = Json(listing).into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_recordings_by_language() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("audio/qu")).unwrap();
        std::fs::create_dir_all(dir.path().join("audio/xx")).unwrap();
        std::fs::write(dir.path().join("audio/qu/respect.ogg"), b"ogg").unwrap();
        std::fs::write(dir.path().join("audio/qu/notes.txt"), b"").unwrap();
        std::fs::write(dir.path().join("audio/xx/respect.ogg"), b"ogg").unwrap();
        let listing = list(dir.path());
        assert_eq!(listing.len(), 1, "unknown languages are ignored: {listing:?}");
        assert_eq!(listing["qu"], vec!["respect".to_string()]);
        assert!(list(&dir.path().join("nothing")).is_empty());
    }
}
