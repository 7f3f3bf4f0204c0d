//! The network's settings that an administrator changes at run time.

use std::future::Future;

/// Days without a delivery after which a tablet is flagged as silent.
pub const SILENT_TABLET_DAYS: &str = "silent_tablet_days";

/// Years after which released responses are purged (the roll-ups stay).
pub const RETENTION_YEARS: &str = "retention_years";

/// The network's settings that an administrator changes at run time.
pub trait NetworkSettings {
    /// The setting as an integer, or `default` when it is missing or not a number.
    fn get_i64(&self, key: &str, default: i64) -> impl Future<Output = Result<i64, crate::Error>> + Send;

    /// Stores a setting, returning its previous value (if any).
    fn set(
        &self,
        key: &str,
        value: &str,
        audit: impl FnOnce(&Option<String>) -> Option<crate::audit::Entry> + Send,
    ) -> impl Future<Output = Result<Option<String>, crate::Error>> + Send;
}
