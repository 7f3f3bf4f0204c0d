//! What the soak reads from the database, on SQLite or PostgreSQL: the release schedule,
//! the stored submission keys, each station's rows, and the roll-ups against the released
//! rows. The SQL is the same but for its placeholders and PostgreSQL's alias on a subquery.

use sqlx::{PgPool, SqlitePool};

pub enum Database {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Database {
    /// Connects to `url`, `sqlite://…` or `postgres://…`.
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        Ok(if url.starts_with("postgres") {
            Self::Postgres(store_postgres::connect(url, 4).await?)
        } else {
            Self::Sqlite(store_sqlite::connect(url).await?)
        })
    }

    /// Tables in the PostgreSQL database's public schema (0: fresh); SQLite's is checked
    /// by its file.
    pub async fn tables(&self) -> anyhow::Result<i64> {
        Ok(match self {
            Self::Sqlite(_) => 0,
            Self::Postgres(pool) => {
                sqlx::query_scalar("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'")
                    .fetch_one(pool)
                    .await?
            }
        })
    }

    /// Stations whose next release is after `due` (unix seconds).
    pub async fn releases_after(&self, due: i64) -> anyhow::Result<i64> {
        Ok(match self {
            Self::Sqlite(pool) => {
                sqlx::query_scalar("SELECT COUNT(*) FROM release_schedule WHERE next_at > ?")
                    .bind(due)
                    .fetch_one(pool)
                    .await?
            }
            Self::Postgres(pool) => {
                sqlx::query_scalar("SELECT COUNT(*) FROM release_schedule WHERE next_at > $1")
                    .bind(due)
                    .fetch_one(pool)
                    .await?
            }
        })
    }

    /// Stations whose next release is at `at` (unix seconds).
    pub async fn releases_at(&self, at: i64) -> anyhow::Result<i64> {
        Ok(match self {
            Self::Sqlite(pool) => {
                sqlx::query_scalar("SELECT COUNT(*) FROM release_schedule WHERE next_at = ?")
                    .bind(at)
                    .fetch_one(pool)
                    .await?
            }
            Self::Postgres(pool) => {
                sqlx::query_scalar("SELECT COUNT(*) FROM release_schedule WHERE next_at = $1")
                    .bind(at)
                    .fetch_one(pool)
                    .await?
            }
        })
    }

    /// Every stored submission key (keyed hashes of the submissions' ids).
    pub async fn submission_keys(&self) -> anyhow::Result<Vec<Vec<u8>>> {
        const SQL: &str = "SELECT key_hash FROM submission_keys";
        Ok(match self {
            Self::Sqlite(pool) => sqlx::query_scalar(SQL).fetch_all(pool).await?,
            Self::Postgres(pool) => sqlx::query_scalar(SQL).fetch_all(pool).await?,
        })
    }

    /// The station `code`'s released and pending rows.
    pub async fn station_rows(&self, code: &str) -> anyhow::Result<(i64, i64)> {
        const SQL: &str = "SELECT (SELECT COUNT(*) FROM responses WHERE station_id = s.id),
                                  (SELECT COUNT(*) FROM pending_responses WHERE station_id = s.id)
                           FROM stations s WHERE s.code = ";
        Ok(match self {
            Self::Sqlite(pool) => sqlx::query_as(&format!("{SQL}?")).bind(code).fetch_one(pool).await?,
            Self::Postgres(pool) => sqlx::query_as(&format!("{SQL}$1")).bind(code).fetch_one(pool).await?,
        })
    }

    /// Rows of the roll-ups that a GROUP BY over the released rows does not give, and the
    /// other way round; and week_rollups that do not add up to response_rollups.
    pub async fn rollup_mismatches(&self) -> anyhow::Result<i64> {
        let mut mismatches = 0;
        match self {
            Self::Sqlite(pool) => {
                for (a, b) in store::conformance::ROLLUP_CHECKS {
                    let n: i64 =
                        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM ({a} EXCEPT {b})")).fetch_one(pool).await?;
                    mismatches += n;
                }
            }
            Self::Postgres(pool) => {
                for (a, b) in store::conformance::ROLLUP_CHECKS {
                    let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM ({a} EXCEPT {b}) AS d"))
                        .fetch_one(pool)
                        .await?;
                    mismatches += n;
                }
            }
        }
        Ok(mismatches)
    }

    pub async fn close(self) {
        match self {
            Self::Sqlite(pool) => pool.close().await,
            Self::Postgres(pool) => pool.close().await,
        }
    }
}
