//! The anonymity pipeline, in one place: every decision that keeps a visitor anonymous
//! once her answers reach the server. The keys (`seal`); her submission sealed in a
//! record of one size and stored exactly once (`pending`, `ingest`); releases on each
//! station's schedule as k-anonymous pools, shuffled under random ids (`release`); and
//! the purge of what is older than the retention period (`retention`). The rules
//! themselves, free of any storage, are in `domain::privacy`; the store only keeps the
//! bytes and rows these decide.

pub mod ingest;
pub mod pending;
pub mod release;
pub mod retention;
pub mod seal;
