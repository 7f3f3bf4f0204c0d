//! `store::release`, on whichever database the server runs.

use super::Db;
use store::release::*;

impl store::Releases for Db {
    async fn release_station<T: Send>(
        &self,
        station_id: i64,
        next_at: Option<i64>,
        decide: impl FnOnce(PendingSet) -> (ReleaseWrite, T) + Send,
        watch: Option<Watch<'_>>,
    ) -> Result<Option<Outcome<T>>, store::Error> {
        dispatch!(self, |inner| store::Releases::release_station(inner, station_id, next_at, decide, watch))
    }

    async fn set_next_release(&self, station_id: i64, next_at: i64) -> Result<(), store::Error> {
        dispatch!(self, |inner| store::Releases::set_next_release(inner, station_id, next_at))
    }

    async fn write_released(&self, weeks: &[ReleasedWeek]) -> Result<(), store::Error> {
        dispatch!(self, |inner| store::Releases::write_released(inner, weeks))
    }

    async fn scheduled_stations(&self) -> Result<Vec<ScheduledStation>, store::Error> {
        dispatch!(self, |inner| store::Releases::scheduled_stations(inner))
    }

    async fn scheduled_station(&self, station_id: i64) -> Result<Option<ScheduledStation>, store::Error> {
        dispatch!(self, |inner| store::Releases::scheduled_station(inner, station_id))
    }

    async fn set_schedule(
        &self,
        station_id: i64,
        schedule: Schedule,
        audit: &store::audit::Entry,
    ) -> Result<(), store::Error> {
        dispatch!(self, |inner| store::Releases::set_schedule(inner, station_id, schedule, audit))
    }
}
