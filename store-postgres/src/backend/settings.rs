//! Stubs, replaced area by area.
#![allow(unused_imports)]
#![allow(unused_variables)]

use super::PgStore;
use store::settings::*;

impl store::NetworkSettings for PgStore {
    async fn get_i64(&self, key: &str, default: i64) -> Result<i64, store::Error> {
        todo!("PostgreSQL")
    }

    async fn set(
        &self,
        key: &str,
        value: &str,
        audit: impl FnOnce(&Option<String>) -> Option<store::audit::Entry> + Send,
    ) -> Result<Option<String>, store::Error> {
        todo!("PostgreSQL")
    }
}
