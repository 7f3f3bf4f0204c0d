//! The staff forms: the body read once, its token and origin checked before any field
//! is used, then parsed by axum's `Form` (serde_urlencoded) into the handler's type.

use super::PageError;
use crate::web::session::check_form;
use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::response::IntoResponse;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::collections::BTreeMap;
use tower_sessions::Session;

/// A form sent from Digna's own pages with this session's token, parsed into `T`: a
/// struct of its fields, or [`Pairs`] for a form with repeated names. A wrong token or
/// origin is refused (403) before anything else; a body that does not parse into `T`
/// gets axum's own rejection (415 or 422).
pub struct CheckedForm<T>(pub T);

/// A form's fields in the order sent, repeated names kept.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct Pairs(pub Vec<(String, String)>);

impl Pairs {
    /// The fields of a form body or query string; nothing if it does not parse.
    pub fn parse(encoded: &str) -> Pairs {
        Pairs(serde_urlencoded::from_str(encoded).unwrap_or_default())
    }

    /// The first value of `name`, if sent.
    pub fn first(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The first value of `name`, empty if not sent.
    pub fn value(&self, name: &str) -> String {
        self.first(name).unwrap_or_default().to_string()
    }

    /// Every value of `name`, in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The fields by name, the last value of a repeated name winning.
    pub fn into_map(self) -> BTreeMap<String, String> {
        self.0.into_iter().collect()
    }
}

impl<T, S> FromRequest<S> for CheckedForm<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, PageError> {
        let (mut parts, body) = req.into_parts();
        let session = Session::from_request_parts(&mut parts, state).await.map_err(|e| e.into_response())?;
        let (method, headers) = (parts.method.clone(), parts.headers.clone());
        // Within the router's body limit, and UTF-8, as any `String` body.
        let body =
            String::from_request(Request::from_parts(parts, body), state).await.map_err(|e| e.into_response())?;
        let token = Pairs::parse(&body).first("csrf").unwrap_or_default().to_string();
        check_form(&session, &headers, &token).await.map_err(|_| PageError::FormRefused)?;
        let mut typed = Request::new(Body::from(body));
        *typed.method_mut() = method;
        *typed.headers_mut() = headers;
        let axum::Form(value) = axum::Form::<T>::from_request(typed, state).await.map_err(|e| e.into_response())?;
        Ok(CheckedForm(value))
    }
}
