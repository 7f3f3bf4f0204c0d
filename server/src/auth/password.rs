//! Passwords and staff PINs: Argon2id, off the async runtime, a few at a time.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use domain::{Password, StaffPin};
use std::time::Duration;

/// Argon2id with its default parameters (19 MiB, 2 passes): one setup for passwords,
/// PINs and the decoy.
fn hash(secret: &[u8]) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Ok(Argon2::default().hash_password(secret, &salt)?.to_string())
}

fn verify(secret: &[u8], hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(secret, &h).is_ok())
}

/// Hashes a staff PIN (slow on purpose: call it off the async runtime).
pub fn hash_pin(pin: &StaffPin) -> Result<String, argon2::password_hash::Error> {
    hash(pin.as_ref().as_bytes())
}

/// Whether `pin` is the PIN hashed as `hash` (slow on purpose: off the async runtime).
pub fn verify_pin(pin: &str, hash: &str) -> bool {
    verify(pin.as_bytes(), hash)
}

/// Hashes a password with Argon2id off the async runtime (it is slow on purpose).
pub async fn hash_password(password: &Password) -> Result<String, super::Error> {
    let password = password.expose().to_string();
    tokio::task::spawn_blocking(move || hash(password.as_bytes()).map_err(|e| super::Error::Hash(e.to_string())))
        .await?
}

/// A hash of no one's password, checked when the email is unknown so that an unknown
/// email takes as long to refuse as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash(b"no account has this password").unwrap_or_default())
}

/// Argon2 checks running at once at most: each takes 19 MiB and a core for a while, so
/// a burst of sign-ins waits its turn rather than exhaust the server.
const ARGON2_AT_ONCE: usize = 2;
/// How long a check waits for its turn before the sign-in is asked to come back.
const ARGON2_QUEUE_WAIT: Duration = Duration::from_secs(3);

/// Too many password checks are running: try again shortly.
#[derive(Debug)]
pub struct Busy;

/// Checks `password` against `hash` (or against a decoy when there is no account)
/// off the async runtime, at most [`ARGON2_AT_ONCE`] at a time.
pub async fn verify_password(password: String, hash: Option<String>) -> Result<bool, Busy> {
    static TURNS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(ARGON2_AT_ONCE);
    let _turn = match tokio::time::timeout(ARGON2_QUEUE_WAIT, TURNS.acquire()).await {
        Ok(Ok(turn)) => turn,
        _ => return Err(Busy),
    };
    Ok(tokio::task::spawn_blocking(move || {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| decoy_hash().to_string());
        verify(password.as_bytes(), &hash) && known
    })
    .await
    .unwrap_or(false))
}
