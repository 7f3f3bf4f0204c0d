//! Recorded voices (issue 21): the kiosk's texts read aloud by a native speaker, recorded
//! or uploaded in the admin console, checked ([`audio`]), approved, and served to the
//! kiosk with the survey version.

pub mod audio;
pub mod catalog;
pub mod serve;
