//! Researchers' exports on PostgreSQL.

/// One of the readers an export reads its rows with, all in one snapshot.
pub struct Reader {
    pub(crate) tx: sqlx::Transaction<'static, sqlx::Postgres>,
}

impl store::exports::ExportReader for Reader {
    async fn page(&mut self, after: &[u8], upto: &[u8], limit: i64) -> Result<store::exports::Page, store::Error> {
        let _ = (&mut self.tx, after, upto, limit);
        todo!("PostgreSQL")
    }
}
