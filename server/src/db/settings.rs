//! `store::settings`, on whichever database the server runs.

use super::Db;

impl store::NetworkSettings for Db {
    async fn get_i64(&self, key: &str, default: i64) -> Result<i64, store::Error> {
        dispatch!(self, |inner| store::NetworkSettings::get_i64(inner, key, default))
    }

    async fn set(
        &self,
        key: &str,
        value: &str,
        audit: impl FnOnce(&Option<String>) -> Option<store::audit::Entry> + Send,
    ) -> Result<Option<String>, store::Error> {
        dispatch!(self, |inner| store::NetworkSettings::set(inner, key, value, audit))
    }
}
