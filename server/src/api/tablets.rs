use super::extract::JsonBody;
use super::ApiError;
use crate::auth::{random_token as new_token, secret_hash};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use base64::{engine::general_purpose::STANDARD, Engine};
use domain::FieldError;
use serde::{Deserialize, Serialize};

/// How long an enrollment code stays valid.
pub const ENROLLMENT_CODE_HOURS: i64 = 24;
/// Letters and digits that cannot be mistaken for one another (no 0/O, 1/I/L).
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const CODE_LEN: usize = 8;

#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    /// The one-time code from `digna tablet enroll`, such as `ABCD-EFGH` (case, spaces
    /// and hyphens do not matter).
    #[schema(example = "ABCD-EFGH", min_length = 8)]
    pub code: String,
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct EnrolledStation {
    pub code: String,
    pub name: String,
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct EnrollResponse {
    /// The device token: send it as `Authorization: Bearer <token>`. Shown once.
    pub token: String,
    pub station: EnrolledStation,
    /// The server's X25519 public key (standard base64), as `GET /api/v1/kiosk` publishes
    /// it: the tablet seals every finished survey to it, so that it can queue answers
    /// durably before it has ever reached `/api/v1/kiosk`.
    #[schema(example = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=")]
    pub seal_public_key: String,
}

/// A fresh enrollment code, formatted `ABCD-EFGH` for reading aloud and typing.
pub fn new_enrollment_code() -> String {
    use rand::Rng;
    let mut rng = rand::rngs::OsRng;
    let raw: String = (0..CODE_LEN).map(|_| CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())] as char).collect();
    format!("{}-{}", &raw[..4], &raw[4..])
}

/// The canonical form of a typed code: upper case, without spaces or hyphens.
pub fn normalize_code(code: &str) -> Result<String, FieldError> {
    let canonical: String =
        code.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect();
    if canonical.len() != CODE_LEN || !canonical.bytes().all(|b| CODE_ALPHABET.contains(&b)) {
        return Err(FieldError::new(
            "code",
            format!("an enrollment code has {CODE_LEN} letters and digits, such as ABCD-EFGH"),
        ));
    }
    Ok(canonical)
}

/// Enroll a tablet with a one-time code.
#[utoipa::path(
    post, path = "/api/v1/tablets/enroll", tag = "tablets",
    request_body = EnrollRequest,
    responses(
        (status = 201, description = "Enrolled; keep the token", body = EnrollResponse),
        (status = 400, description = "Unknown, used or expired code, or a body that is not JSON", body = super::error::ErrorBody),
        (status = 413, description = "Body over 64 KiB", body = super::error::ErrorBody),
        (status = 415, description = "Not sent as application/json", body = super::error::ErrorBody),
        (status = 422, description = "Malformed request", body = super::error::ErrorBody),
        (status = 429, description = "Too many requests; retry after `Retry-After` seconds", body = super::error::ErrorBody, headers(("Retry-After" = u64, description = "Whole seconds to wait"))),
    )
)]
pub async fn enroll(
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<EnrollResponse>), ApiError> {
    let request: EnrollRequest = serde_json::from_value(body)
        .map_err(|e| FieldError::new("code", format!("expected {{\"code\": \"ABCD-EFGH\"}}: {e}")))?;
    let code = normalize_code(&request.code)?;
    let token = new_token();
    let now = chrono::Utc::now().timestamp();
    let station = store::Tablets::redeem_enrollment_code(&state.db, &secret_hash(&code), &secret_hash(&token), now)
        .await?
        .ok_or_else(|| ApiError::BadRequest("this enrollment code is unknown, already used or expired".into()))?;
    Ok((
        StatusCode::CREATED,
        Json(EnrollResponse {
            token,
            station: EnrolledStation { code: station.code, name: station.name },
            seal_public_key: STANDARD.encode(state.seal.box_public_key()),
        }),
    ))
}

/// Creates a one-time enrollment code for a station, valid 24 hours, with its audit line.
pub async fn create_enrollment_code(
    db: &crate::Db,
    station_id: i64,
    audit: &store::audit::Entry,
) -> Result<String, store::Error> {
    let (code, hash, expires) = new_enrollment();
    store::Tablets::insert_enrollment_code(db, station_id, &hash, expires, audit).await?;
    Ok(code)
}

/// A new one-time enrollment code: the code to show, the hash to store, and when it
/// expires (Unix seconds, 24 hours from now).
pub fn new_enrollment() -> (String, Vec<u8>, i64) {
    let code = new_enrollment_code();
    let canonical = normalize_code(&code).expect("generated codes are valid");
    let expires = chrono::Utc::now().timestamp() + ENROLLMENT_CODE_HOURS * 3600;
    (code, secret_hash(&canonical), expires)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_normalize() {
        for _ in 0..100 {
            let code = new_enrollment_code();
            assert_eq!(code.len(), 9);
            assert_eq!(normalize_code(&code).unwrap(), code.replace('-', ""));
        }
    }

    #[test]
    fn typed_codes_are_forgiving_about_case_and_spacing_only() {
        assert_eq!(normalize_code(" abcd efgh ").unwrap(), "ABCDEFGH");
        for (case, input) in
            [("too short", "ABC-DEF"), ("ambiguous letter O", "ABCD-EFGO"), ("symbols", "ABCD-EF#H"), ("empty", "")]
        {
            assert!(normalize_code(input).is_err(), "{case}: {input:?} must be refused");
        }
    }
}
