//! Digna's store layer: one trait per area (accounts, stations, tablets, surveys,
//! responses, releases, dashboards, exports, …), the records they exchange, and the
//! errors they fail with. A database backend (`store-sqlite` today) implements every
//! trait; [`Store`] names them all. Each method is a unit of work that owns its
//! transaction. The server holds a store, never a connection pool, so a second backend
//! only has to implement these traits and pass the conformance suite
//! (`store::conformance`, feature `conformance`).
//!
//! What is released, suppressed or sealed is decided by the privacy pipeline
//! (`server::privacy`) and the domain (`domain::privacy`), not here.

pub mod accounts;
pub mod audit;
pub mod backup;
pub mod dashboard;
pub mod exports;
pub mod maintenance;
pub mod notifications;
pub mod release;
pub mod responses;
pub mod settings;
pub mod stations;
pub mod survey;
pub mod tablets;
pub mod transfer;
pub mod voices;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use accounts::Accounts;
pub use audit::AuditLog;
pub use backup::Backups;
pub use dashboard::Dashboards;
pub use exports::Exports;
pub use maintenance::Maintenance;
pub use notifications::Notifications;
pub use release::Releases;
pub use responses::Responses;
pub use settings::NetworkSettings;
pub use stations::Stations;
pub use survey::Surveys;
pub use tablets::Tablets;
pub use voices::Voices;

/// What a store method can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database could not do what was asked (I/O, a constraint, a lock held too
    /// long): the backend's own error.
    #[error(transparent)]
    Backend(Box<dyn std::error::Error + Send + Sync>),
    /// The database holds what Digna never writes: a value that does not parse into its
    /// domain type. Never guessed around.
    #[error("the database holds what Digna never writes: {0}")]
    Corrupt(String),
}

/// Every area of the store: what the server holds. Cheap to clone (a handle on a pool).
pub trait Store:
    Accounts
    + AuditLog
    + Backups
    + Dashboards
    + Exports
    + Maintenance
    + NetworkSettings
    + Notifications
    + Releases
    + Responses
    + Stations
    + Surveys
    + Tablets
    + Voices
    + Clone
    + Send
    + Sync
    + 'static
{
}

impl<S> Store for S where
    S: Accounts
        + AuditLog
        + Backups
        + Dashboards
        + Exports
        + Maintenance
        + NetworkSettings
        + Notifications
        + Releases
        + Responses
        + Stations
        + Surveys
        + Tablets
        + Voices
        + Clone
        + Send
        + Sync
        + 'static
{
}
