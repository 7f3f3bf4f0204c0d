//! Backups of a PostgreSQL database, in the same one-file form as SQLite's: the database
//! copied table by table, from one snapshot, into a new SQLite file that is then
//! re-sealed to the recovery key and checked like any backup; and such a file restored
//! into an empty PostgreSQL database, its pending responses re-sealed under the server's
//! key on the way. The operators' own PostgreSQL backups (base backups, WAL archiving)
//! stay theirs; this one is the copy that carries no key.

use super::{check_backup, copy_private, open_read_only, reseal_from_recovery, Pending, Report};
use crate::privacy::seal::SealKey;
use anyhow::{bail, Context};
use std::path::Path;
use store::{AuditLog, Backups};
use store_postgres::PgStore;
use store_sqlite::SqliteStore;

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// Copies the PostgreSQL database `db` into the new SQLite file `partial` (made empty,
/// mode 0600, beforehand), in one snapshot of `db`, counted and summed table by table.
pub(super) async fn copy_into(db: &PgStore, partial: &Path) -> anyhow::Result<()> {
    // Without a write-ahead log, as a copy written by VACUUM INTO is (what follows
    // re-seals and checks it as one).
    let file = SqliteStore::open_copy(partial).await.context("cannot start the backup file")?;
    store_sqlite::migrate(file.pool()).await.context("cannot start the backup file")?;
    let copied = crate::transfer::copy(db, &file, &|_, _| {}).await;
    file.close().await;
    copied.map(drop).context("cannot copy the database into the backup file")
}

/// Restores the backup `from` into the empty PostgreSQL database `target`: the backup is
/// checked (as for SQLite), copied to a private temporary file beside `key` (the server's
/// key file, created if missing), brought to this release's schema, its pending responses
/// re-sealed from the recovery key (`recovery`) to the server's key or, without it,
/// dropped; then copied table by table into `target`, which must be empty.
pub async fn restore_to_postgres(
    from: &Path,
    key: &Path,
    recovery: Option<&age::x25519::Identity>,
    target: &crate::Db,
) -> anyhow::Result<Report> {
    let crate::Db::Postgres(target) = target else { bail!("restore_to_postgres needs a PostgreSQL database") };
    if !from.is_file() {
        bail!("{} does not exist or is not a file", from.display());
    }
    if super::key_beside(from).is_file() {
        bail!(
            "{} was made before recovery keys: restore it onto SQLite (DATABASE_URL=sqlite://…), then move it with \
             `digna migrate-db`",
            from.display()
        );
    }
    let backup = open_read_only(from).await?;
    let checked = check_backup(&backup, from, recovery).await;
    backup.close().await;
    let contents = checked?;
    let seal =
        SealKey::load_or_create(key).map_err(|e| anyhow::anyhow!("cannot open the key file {}: {e}", key.display()))?;
    let temp = key.with_file_name(format!(".digna-restore-{}.db", std::process::id()));
    copy_private(from, &temp)?;
    let restored = into_postgres(&temp, &seal, recovery, target).await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", temp.display()));
    }
    let pending = restored?;
    let contents = store::maintenance::Contents { schema_version: store_postgres::newest_migration(), ..contents };
    let detail =
        format!("from {}; {} released responses; pending responses: {pending}", from.display(), contents.responses);
    AuditLog::audit(target, &crate::command_line_actor(), "restore", "PostgreSQL", &detail).await?;
    Ok(Report { db: "the PostgreSQL database".into(), contents, pending, warnings: Vec::new() })
}

async fn into_postgres(
    temp: &Path,
    seal: &SealKey,
    recovery: Option<&age::x25519::Identity>,
    target: &PgStore,
) -> anyhow::Result<Pending> {
    // Opening it migrates it: a backup from an older release is upgraded here.
    let file =
        SqliteStore::open(&sqlite_url(temp)).await.context("cannot bring the backup up to this release's schema")?;
    let pending = match recovery {
        Some(identity) => reseal_from_recovery(&file, seal, identity).await.map(|()| Pending::Resealed),
        None => file.drop_pending().await.map(|stations| Pending::Dropped { stations }).map_err(Into::into),
    };
    let copied = match pending {
        Ok(pending) => crate::transfer::copy(&file, target, &|_, _| {}).await.map(|_| pending).map_err(|e| match e {
            crate::transfer::Error::NotEmpty(why) => {
                anyhow::anyhow!("{why}: restore into a new, empty database (createdb), then point DATABASE_URL at it")
            }
            e => e.into(),
        }),
        Err(e) => Err(e),
    };
    file.close().await;
    copied
}
