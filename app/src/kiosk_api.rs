//! The kiosk's side of the JSON API (`/api/v1`), and the browser storage it needs.
//! Browser-only: compiled with the `hydrate` feature.
use crate::kiosk_outbox::{parse_public_key, Delivery, SealedSubmission};
use domain::Survey;
use gloo_net::http::{Request, Response};
use serde::{Deserialize, Serialize};
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

/// What enrolment gives the tablet.
#[derive(Deserialize)]
pub struct Enrolled {
    /// The device token.
    pub token: String,
    /// The server's public key (standard base64), the same `GET /api/v1/kiosk` publishes:
    /// with it the tablet seals and queues answers durably before it has ever reached
    /// `/api/v1/kiosk`. Missing only from a server older than the kiosk.
    #[serde(default)]
    pub seal_public_key: Option<String>,
}

/// Redeems a one-time enrollment code for a device token and the server's public key.
pub async fn enroll(code: &str) -> Result<Enrolled, EnrollError> {
    let resp = Request::post("/api/v1/tablets/enroll")
        .json(&EnrollRequest { code: code.trim() })
        .map_err(|_| EnrollError::Server)?
        .send()
        .await
        .map_err(|_| EnrollError::Network)?;
    match resp.status() {
        201 => resp.json::<Enrolled>().await.map_err(|_| EnrollError::Server),
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

/// Where the tablet keeps the server's public key, so that a tablet restarted
/// without network can still seal answers. It is public: anyone may read it.
const SEAL_KEY_KEY: &str = "digna.seal_public_key";

/// The server's public key, if this tablet has ever received a valid one.
pub fn stored_seal_key() -> Option<crypto_box::PublicKey> {
    parse_public_key(&storage()?.get_item(SEAL_KEY_KEY).ok().flatten()?)
}

/// Keeps the server's public key, replacing the one kept before (the server's key may
/// have been replaced); a malformed key is ignored. Returns whether it was kept.
pub fn store_seal_key(base64: &str) -> bool {
    match (parse_public_key(base64), storage()) {
        (Some(_), Some(s)) => s.set_item(SEAL_KEY_KEY, base64.trim()).is_ok(),
        _ => false,
    }
}

/// Where the outbox notes when the server last confirmed a survey (milliseconds since
/// the epoch), for the staff panel. Only that instant: nothing about any answer.
const LAST_DELIVERY_KEY: &str = "digna.last_delivery";

/// Notes that the server confirmed a survey at `at_ms` (`Date.now()`).
pub fn store_last_delivery(at_ms: f64) {
    if let Some(s) = storage() {
        // Whole milliseconds as an integer: formatting and parsing floats would add their
        // own code to the WebAssembly (about 20 KB).
        let _ = s.set_item(LAST_DELIVERY_KEY, &(at_ms.round() as i64).to_string());
    }
}

/// When the server last confirmed a survey from this tablet, if ever.
pub fn stored_last_delivery() -> Option<f64> {
    let stored = storage()?.get_item(LAST_DELIVERY_KEY).ok().flatten()?;
    stored.trim().parse::<i64>().ok().map(|at| at as f64)
}

async fn post_response(token: &str, body: &impl Serialize) -> Delivery {
    let request =
        match Request::post("/api/v1/responses").header("Authorization", &format!("Bearer {token}")).json(body) {
            Ok(r) => r,
            // Serializing our own types cannot fail; were it to, the survey stays queued.
            Err(_) => return Delivery::TryAgain,
        };
    match request.send().await.as_ref().map(Response::status) {
        Ok(status) => Delivery::from_status(status),
        Err(_) => Delivery::TryAgain,
    }
}

/// Delivers a sealed survey as `{"sealed": "<base64>"}`.
pub async fn post_sealed(token: &str, sealed: &[u8]) -> Delivery {
    post_response(token, &SealedSubmission::new(sealed)).await
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
