//! backup on PostgreSQL.
