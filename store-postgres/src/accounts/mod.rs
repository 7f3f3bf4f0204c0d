//! accounts on PostgreSQL.
