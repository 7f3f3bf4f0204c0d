//! tablets on PostgreSQL.
