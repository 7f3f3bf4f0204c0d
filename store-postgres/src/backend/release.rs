use super::PgStore;
use store::release::*;

impl store::Releases for PgStore {
    async fn release_station<T: Send>(
        &self,
        station_id: i64,
        next_at: Option<i64>,
        decide: impl FnOnce(PendingSet) -> (ReleaseWrite, T) + Send,
        watch: Option<Watch<'_>>,
    ) -> Result<Option<Outcome<T>>, store::Error> {
        Ok(crate::release::release_station(&self.pool, station_id, next_at, decide, watch).await?)
    }

    async fn set_next_release(&self, station_id: i64, next_at: i64) -> Result<(), store::Error> {
        Ok(crate::release::set_next_release(&self.pool, station_id, next_at).await?)
    }

    async fn write_released(&self, weeks: &[ReleasedWeek]) -> Result<(), store::Error> {
        // Under the writer lock, as a release writes: the roll-ups' triggers read what
        // they add to.
        let mut tx = crate::begin_write(&self.pool).await?;
        let weeks: Vec<_> = weeks
            .iter()
            .map(|(station_id, iso_week, rows)| (*station_id, iso_week.as_str(), rows.as_slice()))
            .collect();
        crate::release::write_released_weeks(&mut tx, &weeks).await?;
        Ok(tx.commit().await.map_err(crate::Error::from)?)
    }

    async fn scheduled_stations(&self) -> Result<Vec<ScheduledStation>, store::Error> {
        Ok(crate::release::scheduled_stations(&self.pool).await?)
    }

    async fn scheduled_station(&self, station_id: i64) -> Result<Option<ScheduledStation>, store::Error> {
        Ok(crate::release::scheduled_station(&self.pool, station_id).await?)
    }

    async fn set_schedule(
        &self,
        station_id: i64,
        schedule: Schedule,
        audit: &store::audit::Entry,
    ) -> Result<(), store::Error> {
        audited!(self, audit, |conn| crate::release::set_schedule(conn, station_id, schedule))
    }
}
