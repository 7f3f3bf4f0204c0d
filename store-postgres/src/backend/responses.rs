//! Stubs, replaced area by area.
#![allow(unused_imports)]
#![allow(unused_variables)]

use super::PgStore;
use store::responses::*;

impl store::Responses for PgStore {
    async fn submit_batch(&self, batch: &[SealedPending]) -> Result<Vec<Outcome>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn has_pending(&self, station_id: i64) -> Result<bool, store::Error> {
        todo!("PostgreSQL")
    }

    async fn released_count(&self, station_id: i64) -> Result<i64, store::Error> {
        todo!("PostgreSQL")
    }
}
