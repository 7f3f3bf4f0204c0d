//! `store::maintenance`, on whichever database the server runs.

use super::Db;
use chrono::NaiveDate;
use store::maintenance::*;

impl store::Maintenance for Db {
    async fn purge_responses_before(
        &self,
        cutoff: &str,
        audit: impl FnOnce(&u64) -> Option<store::audit::Entry> + Send,
    ) -> Result<u64, store::Error> {
        dispatch!(self, |inner| store::Maintenance::purge_responses_before(inner, cutoff, audit))
    }

    async fn first_release_day(&self) -> Result<Option<NaiveDate>, store::Error> {
        dispatch!(self, |inner| store::Maintenance::first_release_day(inner))
    }

    async fn responses_before(&self, cutoff: &str) -> Result<i64, store::Error> {
        dispatch!(self, |inner| store::Maintenance::responses_before(inner, cutoff))
    }

    async fn inspect(&self) -> Result<Contents, store::Error> {
        dispatch!(self, |inner| store::Maintenance::inspect(inner))
    }

    async fn holdings(&self) -> Result<(i64, i64, bool), store::Error> {
        dispatch!(self, |inner| store::Maintenance::holdings(inner))
    }

    async fn rollup_rows(&self, ids: &[i64]) -> Result<(i64, i64), store::Error> {
        dispatch!(self, |inner| store::Maintenance::rollup_rows(inner, ids))
    }

    async fn pending_records(&self) -> Result<Vec<PendingRecord>, store::Error> {
        dispatch!(self, |inner| store::Maintenance::pending_records(inner))
    }

    async fn scrub_deleted(&self) -> Result<(), store::Error> {
        dispatch!(self, |inner| store::Maintenance::scrub_deleted(inner))
    }
}
