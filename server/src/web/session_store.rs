//! Where staff sessions are kept: in the database, under a hash of the cookie's value.
//!
//! The session table never holds a cookie. A row's id is the SHA-256 (first 128 bits) of
//! the session id that the browser's cookie carries, so a copy of the database (or a
//! backup) lists sessions that no one can present: the cookie would be a preimage.

use crate::db::SessionTable;
use async_trait::async_trait;
use sha2::{Digest, Sha256};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};

/// The session store of the staff pages: the database's session table keyed by [`stored_id`].
#[derive(Clone, Debug)]
pub struct HashedStore(SessionTable);

impl HashedStore {
    /// The store in `db`, its table created if missing.
    pub async fn new(db: &crate::Db) -> anyhow::Result<Self> {
        let table = db.sessions().await.map_err(|e| anyhow::anyhow!("cannot create the session table: {e}"))?;
        Ok(HashedStore(table))
    }
}

/// The id under which the session whose cookie carries `id` is stored.
pub fn stored_id(id: &Id) -> Id {
    let digest = Sha256::digest(id.0.to_le_bytes());
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    Id(i128::from_le_bytes(first))
}

fn stored(record: &Record) -> Record {
    Record { id: stored_id(&record.id), ..record.clone() }
}

#[async_trait]
impl SessionStore for HashedStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        loop {
            let mut row = stored(record);
            let wanted = row.id;
            self.0.create(&mut row).await?;
            if row.id == wanted {
                return Ok(());
            }
            // Another session's hash had this id (2⁻¹²⁸): the inner store saved this one
            // under an id no cookie leads to. Drop it and try again with a new cookie.
            self.0.delete(&row.id).await?;
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.0.save(&stored(record)).await
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        Ok(self.0.load(&stored_id(id)).await?.map(|row| Record { id: *id, ..row }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.0.delete(&stored_id(id)).await
    }
}

#[async_trait]
impl ExpiredDeletion for HashedStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        self.0.delete_expired().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_session_is_stored_under_a_hash_of_its_cookie_and_found_by_the_cookie_only() {
        let db = crate::Db::in_memory().await.unwrap();
        let pool = db.sqlite().expect("SQLite").pool();
        let store = HashedStore::new(&db).await.unwrap();
        let expiry = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
        let mut record = Record { id: Id::default(), data: Default::default(), expiry_date: expiry };
        record.data.insert("user_id".into(), serde_json::json!(7));
        store.create(&mut record).await.unwrap();
        let rows: Vec<String> = sqlx::query_scalar("SELECT id FROM tower_sessions").fetch_all(pool).await.unwrap();
        assert_eq!(rows, vec![stored_id(&record.id).to_string()]);
        assert_ne!(rows[0], record.id.to_string(), "the cookie's value is not in the table");
        let loaded = store.load(&record.id).await.unwrap().expect("found by the cookie");
        assert_eq!(loaded.id, record.id);
        assert_eq!(loaded.data["user_id"], 7);
        let row_as_cookie: Id = rows[0].parse().unwrap();
        assert!(store.load(&row_as_cookie).await.unwrap().is_none(), "a stored id is no cookie");
        store.delete(&record.id).await.unwrap();
        assert!(store.load(&record.id).await.unwrap().is_none());
    }
}
