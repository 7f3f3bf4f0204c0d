//! `store::exports`, on whichever database the server runs.

use super::Db;
use super::Reader;
use store::exports::*;

impl store::Exports for Db {
    type Reader = Reader;

    async fn record_release<E: Send>(
        &self,
        audit: &Audit,
        regions: &[String],
        months: &[String],
        epsilon: &str,
        refuse: impl FnOnce(&[Spent]) -> Option<E> + Send,
    ) -> Result<Result<i64, E>, store::Error> {
        dispatch!(self, |inner| store::Exports::record_release(inner, audit, regions, months, epsilon, refuse))
    }

    async fn open_readers(
        &self,
        selection: &Selection,
        n: usize,
    ) -> Result<(Vec<Self::Reader>, Vec<(i64, String, String)>, i64), store::Error> {
        Ok(match self {
            Db::Sqlite(inner) => {
                let (r, n, t) = store::Exports::open_readers(inner, selection, n).await?;
                (r.into_iter().map(Reader::Sqlite).collect(), n, t)
            }
            Db::Postgres(inner) => {
                let (r, n, t) = store::Exports::open_readers(inner, selection, n).await?;
                (r.into_iter().map(Reader::Postgres).collect(), n, t)
            }
        })
    }

    async fn insert_audit(&self, a: &Audit) -> Result<i64, store::Error> {
        dispatch!(self, |inner| store::Exports::insert_audit(inner, a))
    }

    async fn list_audit(&self, limit: i64) -> Result<Vec<Audit>, store::Error> {
        dispatch!(self, |inner| store::Exports::list_audit(inner, limit))
    }

    async fn region_week_counts(
        &self,
        station_ids: &[i64],
        weeks: &[String],
        survey_version: i64,
    ) -> Result<Vec<(String, String, i64)>, store::Error> {
        dispatch!(self, |inner| store::Exports::region_week_counts(inner, station_ids, weeks, survey_version))
    }

    async fn region_week_answers(
        &self,
        station_ids: &[i64],
        weeks: &[String],
        survey_version: i64,
    ) -> Result<Vec<RegionWeekAnswer>, store::Error> {
        dispatch!(self, |inner| store::Exports::region_week_answers(inner, station_ids, weeks, survey_version))
    }

    async fn privacy_spent(&self, regions: &[String], months: &[String]) -> Result<Vec<Spent>, store::Error> {
        dispatch!(self, |inner| store::Exports::privacy_spent(inner, regions, months))
    }

    async fn privacy_ledger(&self) -> Result<Vec<Spent>, store::Error> {
        dispatch!(self, |inner| store::Exports::privacy_ledger(inner))
    }
}
