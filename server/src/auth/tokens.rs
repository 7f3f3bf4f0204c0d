//! Random tokens and the comparison of secrets.

use sha2::{Digest, Sha256};

/// A random token (32 bytes, URL-safe base64): form tokens, links, job ids. The same as
/// the tablets' tokens.
pub use app::seal::new_token as random_token;

/// Compares two secrets in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
