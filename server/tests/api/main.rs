//! HTTP, storage and command-line tests: each test starts the app on port 0 (or runs the
//! binary) with its own SQLite file, or, with `DIGNA_TEST_BACKEND=postgres`, its own
//! database on the PostgreSQL cluster named in `DIGNA_TEST_POSTGRES` (`make test` runs
//! both). Tests about SQLite itself return at once on PostgreSQL (`sqlite_only`).

mod accounts;
mod admin;
mod admin_accounts;
mod admin_audit;
mod admin_release;
mod admin_survey;
mod admin_tablets;
mod authorization;
mod backup;
mod cli;
mod dashboard;
mod dashboard_pages;
mod dashboard_suppression;
mod differencing;
mod enroll;
mod export;
mod export_queue;
mod files;
mod fuzz_corpus;
mod hardening;
mod helpers;
mod keys;
mod kit;
mod mail;
mod notifications;
mod notify_crash;
mod open_data;
mod pages;
mod postgres;
mod privacy;
mod release;
mod responses;
mod route_matrix;
mod sessions;
mod signin_throttle;
mod survey;
mod voices;
