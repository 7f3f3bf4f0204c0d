//! Who is who: passwords and PINs, the second factor, tokens, and the sign-in throttle.
//! The staff pages, the tablet API, the command line and the demo data all use these;
//! none of them knows the others.

pub mod password;
pub mod second_factor;
pub mod throttle;
pub mod tokens;

pub use password::{hash_password, verify_password, Busy};
pub use second_factor::*;
pub use tokens::{random_token, same_secret, secret_hash};
