use super::SqliteStore;

impl store::NetworkSettings for SqliteStore {
    async fn get_i64(&self, key: &str, default: i64) -> Result<i64, store::Error> {
        Ok(crate::settings::get_i64(&self.pool, key, default).await?)
    }

    async fn set(&self, key: &str, value: &str) -> Result<Option<String>, store::Error> {
        Ok(crate::settings::set(&self.pool, key, value).await?)
    }
}
