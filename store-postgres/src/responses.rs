//! responses on PostgreSQL.
