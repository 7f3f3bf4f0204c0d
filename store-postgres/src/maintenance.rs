//! maintenance on PostgreSQL.
