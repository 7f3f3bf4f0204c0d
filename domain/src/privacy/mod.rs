//! Every rule that keeps a visitor anonymous once her answers are in: which pools a release
//! may publish (`release`), the coarsening and
//! k-check of exports (`anonymize`), the suppression of small cells (`suppress`), and the
//! differential privacy of open data (`dp`, server builds only).

pub mod anonymize;
#[cfg(feature = "server")]
pub mod dp;
pub mod k;
pub mod release;
pub mod suppress;
