//! The soak's check of the roll-ups against the released rows.

/// Rows of the roll-ups that a GROUP BY over the released rows does not give, and the
/// other way round; and week_rollups that do not add up to response_rollups.
pub async fn rollup_mismatches(pool: &sqlx::SqlitePool) -> anyhow::Result<i64> {
    let mut mismatches = 0;
    for (a, b) in store_sqlite::maintenance::ROLLUP_CHECKS {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM ({a} EXCEPT {b})")).fetch_one(pool).await?;
        mismatches += n;
    }
    Ok(mismatches)
}
