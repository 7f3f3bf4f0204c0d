//! A backup's schema, checked before anything else is read from it: it must be exactly
//! what this release's migrations (up to the backup's version) and the session store
//! create. A planted trigger, view, index or table, one that would run or hide
//! something once the copy is live, is refused by name.

use anyhow::{bail, Context};
use std::collections::BTreeMap;
use store_sqlite::backup::SchemaEntry;

/// The session store's table: created by `digna serve`, so a database only ever used
/// from the command line lacks it.
const SESSION_TABLE: &str = "tower_sessions";

/// Checks a database's migrations and schema against this release's; returns its
/// schema version.
pub async fn check(copy: &store_sqlite::SqliteStore, name: &str) -> anyhow::Result<i64> {
    let applied = copy
        .applied_migrations()
        .await
        .with_context(|| format!("{name} is not a Digna database (it has no migration table)"))?;
    let known: BTreeMap<i64, Vec<u8>> = store_sqlite::known_migrations().into_iter().collect();
    let newest = known.keys().max().copied().unwrap_or(0);
    let version = applied.iter().map(|(v, _, _)| *v).max().unwrap_or(0);
    if version > newest {
        bail!("{name} comes from a newer Digna (schema {version}, this one knows up to {newest}): restore it with that release");
    }
    for (v, checksum, success) in &applied {
        match known.get(v) {
            Some(c) if c == checksum && *success => {}
            _ => bail!("{name}'s migration {v} is not this release's: its schema cannot be trusted"),
        }
    }
    let missing: Vec<_> = known.keys().filter(|v| **v <= version && !applied.iter().any(|(a, _, _)| a == *v)).collect();
    if let Some(v) = missing.first() {
        bail!("{name} lacks migration {v}: its schema cannot be trusted");
    }
    let expected = reference(version).await?;
    let actual = entries(&copy.schema().await?);
    for (key, sql) in &actual {
        match expected.get(key) {
            None => bail!(
                "{name} holds {} {:?} (on {:?}), which Digna's migrations do not create: refused",
                key.0,
                key.1,
                key.2
            ),
            Some(want) if want != sql => {
                bail!("{name}'s {} {:?} differs from what Digna's migrations create: refused", key.0, key.1)
            }
            Some(_) => {}
        }
    }
    for key in expected.keys() {
        if !actual.contains_key(key) && key.2 != SESSION_TABLE {
            bail!("{name} lacks the {} {:?} that Digna's migrations create: refused", key.0, key.1);
        }
    }
    Ok(version)
}

type Key = (String, String, String);

/// Entries keyed by (type, name, table), their SQL with whitespace collapsed. SQLite's
/// statistics tables (`ANALYZE`, `PRAGMA optimize`) hold no code and are left out.
fn entries(schema: &[SchemaEntry]) -> BTreeMap<Key, Option<String>> {
    schema
        .iter()
        .filter(|e| !e.name.starts_with("sqlite_stat"))
        .map(|e| {
            let sql = e.sql.as_deref().map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "));
            ((e.kind.clone(), e.name.clone(), e.tbl_name.clone()), sql)
        })
        .collect()
}

/// The schema of a fresh database migrated to `version`, with the session table.
async fn reference(version: i64) -> anyhow::Result<BTreeMap<Key, Option<String>>> {
    let db = store_sqlite::SqliteStore::reference(version).await.context("cannot build the reference schema")?;
    let schema = entries(&db.schema().await?);
    db.close().await;
    Ok(schema)
}
