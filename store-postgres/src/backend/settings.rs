use super::PgStore;

impl store::NetworkSettings for PgStore {
    async fn get_i64(&self, key: &str, default: i64) -> Result<i64, store::Error> {
        Ok(crate::settings::get_i64(&self.pool, key, default).await?)
    }

    async fn set(
        &self,
        key: &str,
        value: &str,
        audit: impl FnOnce(&Option<String>) -> Option<store::audit::Entry> + Send,
    ) -> Result<Option<String>, store::Error> {
        audited_with!(self, audit, |conn| crate::settings::set(conn, key, value))
    }
}
