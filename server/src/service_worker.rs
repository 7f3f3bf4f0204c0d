//! `/sw.js`: the kiosk's service worker, made from `sw-template.js` in the site root with
//! this build's id and file list, so a new release replaces the cached set as a whole.
//! It is never cached itself.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::path::Path;

/// Files the service worker keeps for a restart without network, besides the pkg folder
/// and the recordings. (`/audio/index.json`, read when the kiosk starts and between
/// visitors, never per screen, is kept like the survey: network first, the last good
/// copy offline.)
const SHELL: [&str; 5] = ["/kiosk", "/favicon.ico", "/manifest.webmanifest", "/icon-192.png", "/icon-512.png"];

/// The build id (a hash of every file of the pkg folder and of the recordings) and the
/// URLs to precache: every file a visit may need, so that none is fetched during one.
pub fn build_manifest(site_root: &Path, pkg_dir: &str) -> (String, Vec<String>) {
    let mut files = Vec::new();
    collect(&site_root.join(pkg_dir), &mut files);
    collect(&site_root.join("audio"), &mut files);
    files.sort();
    let mut hasher = Sha256::new();
    let mut urls: Vec<String> = SHELL.iter().map(|s| s.to_string()).collect();
    for file in &files {
        if let (Ok(bytes), Ok(rel)) = (std::fs::read(file), file.strip_prefix(site_root)) {
            let url = format!("/{}", rel.to_string_lossy().replace('\\', "/"));
            hasher.update(url.as_bytes());
            hasher.update(&bytes);
            // TypeScript declarations are not served to browsers that need them.
            if !url.ends_with(".d.ts") {
                urls.push(url);
            }
        }
    }
    let id = domain::hex(&hasher.finalize()[..8]);
    (id, urls)
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Renders the template with the build id and file list.
pub fn render(template: &str, build_id: &str, urls: &[String]) -> String {
    let list = serde_json::to_string(urls).unwrap_or_else(|_| "[]".into());
    template.replace("__DIGNA_BUILD_ID__", build_id).replace("__DIGNA_PRECACHE__", &list)
}

/// The template, the build's id and its files.
type Manifest = (String, String, Vec<String>);

/// The service worker of a site root, read once: the site does not change while Digna
/// runs (a new release restarts it), and hashing every file per request would let
/// anyone keep the server busy.
fn rendered(root: std::path::PathBuf, pkg: String) -> Option<std::sync::Arc<Manifest>> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    static RENDERED: OnceLock<Mutex<HashMap<std::path::PathBuf, Arc<Manifest>>>> = OnceLock::new();
    let cache = RENDERED.get_or_init(Default::default);
    if let Some(body) = cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&root) {
        return Some(body.clone());
    }
    let template = std::fs::read_to_string(root.join("sw-template.js")).ok()?;
    let (id, urls) = build_manifest(&root, &pkg);
    let body = Arc::new((template, id, urls));
    cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(root, body.clone());
    Some(body)
}

/// `/sw.js`: the build's files, and every approved recording the kiosk may play (its id
/// changes when one is approved, so that the kiosk's service worker keeps the new set).
pub async fn handler(State(state): State<crate::AppState>) -> Response {
    let options = &state.leptos_options;
    let root = Path::new(options.site_root.as_ref()).to_path_buf();
    let pkg = options.site_pkg_dir.to_string();
    let rendered = tokio::task::spawn_blocking(move || rendered(root, pkg)).await.ok().flatten();
    let Some((template, id, mut urls)) = rendered.map(|b| b.as_ref().clone()) else {
        return (StatusCode::NOT_FOUND, "no service worker in this build").into_response();
    };
    let voices = match crate::voices::serve::published_urls(&state).await {
        Ok(voices) => voices,
        Err(e) => {
            tracing::error!(error = %e, "the recordings could not be listed for the service worker");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let mut hasher = Sha256::new();
    hasher.update(id.as_bytes());
    for url in &voices {
        hasher.update(url.as_bytes());
    }
    let id = domain::hex(&hasher.finalize()[..8]);
    urls.extend(voices);
    let body = render(&template, &id, &urls);
    let mut resp = body.into_response();
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache, no-store, must-revalidate"));
    headers.insert("service-worker-allowed", HeaderValue::from_static("/"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_id_changes_with_any_file_and_lists_them() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("pkg/snippets/app-1")).unwrap();
        std::fs::write(dir.path().join("pkg/digna.wasm"), b"wasm v1").unwrap();
        std::fs::write(dir.path().join("pkg/digna.d.ts"), b"types").unwrap();
        std::fs::write(dir.path().join("pkg/snippets/app-1/queue.js"), b"js").unwrap();
        let (id1, urls) = build_manifest(dir.path(), "pkg");
        assert!(urls.contains(&"/pkg/digna.wasm".to_string()));
        assert!(urls.contains(&"/pkg/snippets/app-1/queue.js".to_string()));
        assert!(urls.contains(&"/kiosk".to_string()));
        assert!(!urls.iter().any(|u| u.ends_with(".d.ts")));
        std::fs::write(dir.path().join("pkg/digna.wasm"), b"wasm v2").unwrap();
        let (id2, _) = build_manifest(dir.path(), "pkg");
        assert_ne!(id1, id2, "a new release gets a new cache");
        let out = render("const V='__DIGNA_BUILD_ID__'; const F=__DIGNA_PRECACHE__;", &id2, &urls);
        assert!(out.contains(&id2) && out.contains("\"/pkg/digna.wasm\""), "{out}");
    }

    #[test]
    fn recordings_are_precached_and_the_worker_is_rendered_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("pkg")).unwrap();
        std::fs::create_dir_all(dir.path().join("audio/qu")).unwrap();
        std::fs::write(dir.path().join("pkg/digna.wasm"), b"wasm v1").unwrap();
        std::fs::write(dir.path().join("audio/qu/respect.ogg"), b"ogg").unwrap();
        std::fs::write(dir.path().join("sw-template.js"), "'__DIGNA_BUILD_ID__' __DIGNA_PRECACHE__").unwrap();
        let (_, urls) = build_manifest(dir.path(), "pkg");
        assert!(urls.contains(&"/audio/qu/respect.ogg".to_string()), "{urls:?}");
        let first = rendered(dir.path().to_path_buf(), "pkg".into()).unwrap();
        std::fs::write(dir.path().join("pkg/digna.wasm"), b"wasm v2").unwrap();
        let second = rendered(dir.path().to_path_buf(), "pkg".into()).unwrap();
        assert!(std::sync::Arc::ptr_eq(&first, &second), "not hashed again");
    }
}
