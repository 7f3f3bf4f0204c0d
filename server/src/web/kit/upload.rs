//! A staff form with a file (`multipart/form-data`), its token and origin checked before
//! anything it holds is used, as [`super::CheckedForm`] does for plain forms. The file is
//! read up to a limit and no further: a larger one is marked, not kept.

use super::{PageError, Pairs};
use crate::web::session::check_form;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use tower_sessions::Session;

/// The most a text field of an upload form may hold.
const FIELD_MAX: usize = 4096;

/// A file sent with a staff form.
pub enum Upload {
    /// No file was chosen (or it was empty).
    None,
    /// Its bytes, within the limit.
    Bytes(Vec<u8>),
    /// Larger than the limit: not read further.
    TooLarge,
}

/// The text fields of an upload form, and its one file (field `file`), read up to
/// `LIMIT` bytes.
pub struct CheckedUpload<const LIMIT: usize> {
    pub fields: Pairs,
    pub file: Upload,
}

impl<S: Send + Sync, const LIMIT: usize> FromRequest<S> for CheckedUpload<LIMIT> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, PageError> {
        let (mut parts, body) = req.into_parts();
        let session = Session::from_request_parts(&mut parts, state).await.map_err(|e| e.into_response())?;
        let headers = parts.headers.clone();
        let mut multipart =
            Multipart::from_request(Request::from_parts(parts, body), state).await.map_err(|e| e.into_response())?;
        let (mut fields, mut file) = (Vec::new(), Upload::None);
        // A body over the route's limit is said to be too large; anything else malformed.
        let refused = |e: axum::extract::multipart::MultipartError| {
            let answer = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                (StatusCode::PAYLOAD_TOO_LARGE, "El archivo es demasiado grande. / The file is too large.")
            } else {
                (StatusCode::BAD_REQUEST, "El formulario está dañado. / The form is malformed.")
            };
            PageError::Page(Box::new(answer.into_response()))
        };
        while let Some(mut field) = multipart.next_field().await.map_err(refused)? {
            let name = field.name().unwrap_or_default().to_string();
            let limit = if name == "file" { LIMIT } else { FIELD_MAX };
            let mut bytes = Vec::new();
            let mut over = false;
            while let Some(chunk) = field.chunk().await.map_err(refused)? {
                if bytes.len() + chunk.len() > limit {
                    over = true;
                    break;
                }
                bytes.extend_from_slice(&chunk);
            }
            if name == "file" {
                file = match (over, bytes.is_empty()) {
                    (true, _) => Upload::TooLarge,
                    (false, true) => Upload::None,
                    (false, false) => Upload::Bytes(bytes),
                };
                if over {
                    // The rest of the body is not read: nothing after the file is needed.
                    break;
                }
            } else if !over {
                fields.push((name, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
        let fields = Pairs(fields);
        check_form(&session, &headers, fields.first("csrf").unwrap_or_default())
            .await
            .map_err(|_| PageError::FormRefused)?;
        Ok(CheckedUpload { fields, file })
    }
}
