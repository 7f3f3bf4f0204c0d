//! Stubs, replaced area by area.
#![allow(unused_imports)]
#![allow(unused_variables)]

use super::PgStore;
use chrono::{DateTime, Datelike, TimeZone, Utc, Weekday};
use domain::privacy::release::ReleasedRow;
use std::collections::BTreeMap;
use store::release::*;

impl store::Releases for PgStore {
    async fn release_station<T: Send>(
        &self,
        station_id: i64,
        next_at: Option<i64>,
        decide: impl FnOnce(PendingSet) -> (ReleaseWrite, T) + Send,
    ) -> Result<Option<T>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn set_next_release(&self, station_id: i64, next_at: i64) -> Result<(), store::Error> {
        todo!("PostgreSQL")
    }

    async fn write_released(&self, weeks: &[ReleasedWeek]) -> Result<(), store::Error> {
        todo!("PostgreSQL")
    }

    async fn scheduled_stations(&self) -> Result<Vec<ScheduledStation>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn scheduled_station(&self, station_id: i64) -> Result<Option<ScheduledStation>, store::Error> {
        todo!("PostgreSQL")
    }

    async fn set_schedule(
        &self,
        station_id: i64,
        schedule: Schedule,
        audit: &store::audit::Entry,
    ) -> Result<(), store::Error> {
        todo!("PostgreSQL")
    }
}
