//! Who is who: passwords and PINs, the second factor, tokens, and the sign-in throttle.
//! The staff pages, the tablet API, the command line and the demo data all use these;
//! none of them knows the others.

pub mod password;
pub mod second_factor;
pub mod throttle;
pub mod tokens;

pub use password::{hash_password, verify_password, Busy};

/// What signing in and its secrets can fail with (never a wrong password or code: those
/// are answers, not errors).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot hash the password: {0}")]
    Hash(String),
    #[error("bad TOTP secret: {0}")]
    Totp(String),
    #[error("cannot draw the QR code: {0}")]
    Qr(#[from] qrcode::types::QrError),
    #[error("a hashing task stopped: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error(transparent)]
    Store(#[from] store::Error),
}
pub use second_factor::*;
pub use tokens::{random_token, same_secret, secret_hash};
