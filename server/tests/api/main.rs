//! HTTP and storage tests: each test starts the app on port 0 with its own SQLite file.

mod accounts;
mod admin;
mod authorization;
mod dashboard;
mod dashboard_pages;
mod enroll;
mod export;
mod hardening;
mod helpers;
mod pages;
mod privacy;
mod release;
mod responses;
mod survey;
