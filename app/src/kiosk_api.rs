//! The kiosk's side of the JSON API (`/api/v1`), and the browser storage it needs.
//! Browser-only: compiled with the `hydrate` feature.
use crate::domain::{SubmissionBody, Survey};
use gloo_net::http::{Request, Response};
use leptos::prelude::set_timeout;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use std::rc::Rc;
use std::time::Duration;
use wasm_bindgen::prelude::*;

/// Where the tablet keeps its device token. Visitors never see it.
const TOKEN_KEY: &str = "digna.device_token";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The device token, if this tablet is enrolled.
pub fn stored_token() -> Option<String> {
    storage()?.get_item(TOKEN_KEY).ok().flatten().filter(|t| !t.trim().is_empty())
}

pub fn store_token(token: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(TOKEN_KEY, token);
    }
}

pub fn forget_token() {
    if let Some(s) = storage() {
        let _ = s.remove_item(TOKEN_KEY);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnrollError {
    /// Unknown, already used, expired or malformed code (400/422).
    InvalidCode,
    /// The server could not be reached.
    Network,
    /// Anything else: the server failed.
    Server,
}

#[derive(Serialize)]
struct EnrollRequest<'a> {
    code: &'a str,
}

#[derive(Deserialize)]
struct EnrollResponse {
    token: String,
}

/// Redeems a one-time enrollment code for a device token.
pub async fn enroll(code: &str) -> Result<String, EnrollError> {
    let resp = Request::post("/api/v1/tablets/enroll")
        .json(&EnrollRequest { code: code.trim() })
        .map_err(|_| EnrollError::Server)?
        .send()
        .await
        .map_err(|_| EnrollError::Network)?;
    match resp.status() {
        201 => resp.json::<EnrollResponse>().await.map(|r| r.token).map_err(|_| EnrollError::Server),
        400 | 422 => Err(EnrollError::InvalidCode),
        _ => Err(EnrollError::Server),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SurveyError {
    /// The token is unknown or revoked (401): the tablet must be enrolled again.
    Unauthorized,
    /// The server could not be reached, or failed.
    Unavailable,
}

/// The survey version current for this tablet's station.
pub async fn load_survey(token: &str) -> Result<Survey, SurveyError> {
    let resp = Request::get("/api/v1/survey")
        .header("Authorization", &format!("Bearer {token}"))
        .send()
        .await
        .map_err(|_| SurveyError::Unavailable)?;
    match resp.status() {
        200 => resp.json::<Survey>().await.map_err(|_| SurveyError::Unavailable),
        401 => Err(SurveyError::Unauthorized),
        _ => Err(SurveyError::Unavailable),
    }
}

/// Waits before the 2nd, 3rd, … delivery attempt of a response.
const RETRY_DELAYS: [Duration; 5] = [
    Duration::from_secs(2),
    Duration::from_secs(5),
    Duration::from_secs(15),
    Duration::from_secs(45),
    Duration::from_secs(120),
];

enum Delivery {
    Done,
    /// The server will never take it (such as 401 or 422): retrying cannot help.
    Refused,
    TryAgain,
}

async fn post_response(token: &str, body: &SubmissionBody) -> Delivery {
    let request =
        match Request::post("/api/v1/responses").header("Authorization", &format!("Bearer {token}")).json(body) {
            Ok(r) => r,
            Err(_) => return Delivery::Refused,
        };
    match request.send().await.as_ref().map(Response::status) {
        Ok(200 | 201) => Delivery::Done,
        Ok(408 | 429) | Ok(500..) | Err(_) => Delivery::TryAgain,
        Ok(_) => Delivery::Refused,
    }
}

/// Delivers a response in the background, retrying with backoff on network errors
/// and server failures. Every attempt carries the same id, so the server stores it once.
pub fn send_response(token: String, body: SubmissionBody) {
    deliver(Rc::from(token), Rc::new(body), 0);
}

fn deliver(token: Rc<str>, body: Rc<SubmissionBody>, attempt: usize) {
    spawn_local(async move {
        if let Delivery::TryAgain = post_response(&token, &body).await {
            if let Some(delay) = RETRY_DELAYS.get(attempt) {
                set_timeout(move || deliver(token, body, attempt + 1), *delay);
            }
        }
    });
}

#[wasm_bindgen]
extern "C" {
    /// `crypto.randomUUID()`, which browsers offer only in secure contexts.
    #[wasm_bindgen(catch, js_namespace = crypto, js_name = randomUUID)]
    fn crypto_random_uuid() -> Result<String, JsValue>;
}

/// A fresh random UUID v4 naming one response.
pub fn new_response_id() -> String {
    if let Ok(id) = crypto_random_uuid() {
        return id;
    }
    // Served over plain HTTP on a local network, `randomUUID` is missing, but
    // `getRandomValues` is always there.
    let mut bytes = [0u8; 16];
    if let Some(crypto) = web_sys::window().and_then(|w| w.crypto().ok()) {
        let _ = crypto.get_random_values_with_u8_array(&mut bytes);
    }
    uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
}
