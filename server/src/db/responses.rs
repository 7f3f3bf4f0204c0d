//! `store::responses`, on whichever database the server runs.

use super::Db;
use store::responses::*;

impl store::Responses for Db {
    async fn submit_batch(&self, batch: &[SealedPending]) -> Result<Vec<Outcome>, store::Error> {
        dispatch!(self, |inner| store::Responses::submit_batch(inner, batch))
    }

    async fn has_pending(&self, station_id: i64) -> Result<bool, store::Error> {
        dispatch!(self, |inner| store::Responses::has_pending(inner, station_id))
    }

    async fn released_count(&self, station_id: i64) -> Result<i64, store::Error> {
        dispatch!(self, |inner| store::Responses::released_count(inner, station_id))
    }
}
