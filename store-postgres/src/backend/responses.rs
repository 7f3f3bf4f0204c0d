use super::PgStore;
use store::responses::*;

impl store::Responses for PgStore {
    async fn submit_batch(&self, batch: &[SealedPending]) -> Result<Vec<Outcome>, store::Error> {
        Ok(crate::responses::submit_batch(&self.pool, batch).await?)
    }

    async fn has_pending(&self, station_id: i64) -> Result<bool, store::Error> {
        Ok(crate::responses::has_pending(&self.pool, station_id).await?)
    }

    async fn released_count(&self, station_id: i64) -> Result<i64, store::Error> {
        Ok(crate::responses::released_count(&self.pool, station_id).await?)
    }
}
