//! The staff panel's side of the JSON API. Browser-only: compiled with `hydrate`.
use gloo_net::http::Request;
use serde::{Deserialize, Serialize};

/// Why the panel stays locked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnlockError {
    /// 403: not this station's PIN.
    WrongPin,
    /// 423: too many wrong PINs; try again after this many seconds.
    Locked { retry_after_s: u64 },
    /// 409: the administrator has not set a PIN for this station.
    NoPin,
    /// 401: the tablet's token is unknown or revoked.
    Unauthorized,
    /// The server could not be reached.
    Network,
    /// Anything else.
    Server,
}

#[derive(Serialize)]
struct UnlockRequest<'a> {
    pin: &'a str,
}

#[derive(Deserialize)]
struct LockedBody {
    retry_after_s: Option<u64>,
}

/// The lock lasts five minutes when the server does not say how long is left.
const DEFAULT_LOCK_S: u64 = 300;

/// Checks the staff PIN of this tablet's station (`POST /api/v1/staff/unlock`).
pub async fn unlock(token: &str, pin: &str) -> Result<(), UnlockError> {
    let resp = Request::post("/api/v1/staff/unlock")
        .header("Authorization", &format!("Bearer {token}"))
        .json(&UnlockRequest { pin })
        .map_err(|_| UnlockError::Server)?
        .send()
        .await
        .map_err(|_| UnlockError::Network)?;
    match resp.status() {
        200 | 204 => Ok(()),
        403 => Err(UnlockError::WrongPin),
        409 => Err(UnlockError::NoPin),
        401 => Err(UnlockError::Unauthorized),
        423 => {
            let from_header = resp.headers().get("retry-after").and_then(|s| s.trim().parse().ok());
            let from_body = resp.json::<LockedBody>().await.ok().and_then(|b| b.retry_after_s);
            Err(UnlockError::Locked { retry_after_s: from_body.or(from_header).unwrap_or(DEFAULT_LOCK_S) })
        }
        _ => Err(UnlockError::Server),
    }
}
