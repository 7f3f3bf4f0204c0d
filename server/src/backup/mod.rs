//! `digna backup` and `digna restore`: a consistent copy of the live database that
//! carries no key, and the checked way back.
//!
//! A backup is one file, written with `VACUUM INTO` from one snapshot while Digna keeps
//! serving. In the copy every pending (not yet released) response is re-sealed from the
//! server's key to the offline recovery key (`digna recovery-key new`, [`recovery`]):
//! whoever holds the copy alone, or the copy and a server's key file, opens none of
//! them. Restoring brings them back only with the recovery secret; without it the
//! released data comes back and the pending responses are dropped.
//!
//! On PostgreSQL a backup is the same one file: the database is copied table by table
//! from one snapshot into a new SQLite file ([`postgres`]), then re-sealed and checked
//! as any backup; it is restored into an empty PostgreSQL database the same way back.
//!
//! Backups made before recovery keys (a `.key` file beside the copy) still restore as
//! they did, their key put in place with them ([`restore`] says so).

mod postgres;
pub mod recovery;
pub mod schema;

pub use postgres::restore_to_postgres;

use crate::privacy::seal::SealKey;
use anyhow::{bail, Context};
use std::io::Write;
use std::path::{Path, PathBuf};
use store::maintenance::Contents;
use store::AuditLog;
use store::{Backups, Maintenance};
// A backup is an SQLite file: it is opened, checked and re-sealed as the SQLite store.
use store_sqlite::SqliteStore as Db;

/// The key file that travelled with a backup made before recovery keys:
/// `digna-2026-11-29.db` → `digna-2026-11-29.key`. Backups never write one now.
pub fn key_beside(db: &Path) -> PathBuf {
    db.with_extension("key")
}

/// Pending rows are re-sealed (or checked) this many at a time.
const PAGE: i64 = 256;

/// What became of the pending responses of a backup or a restore. Never how many.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pending {
    /// The copy's pending responses are sealed to the recovery key only.
    SealedToRecovery,
    /// Checked with the recovery secret: every one opens.
    Recoverable,
    /// Restored: re-sealed under this server's key, to be released as usual.
    Resealed,
    /// Restored without the recovery secret: those of this many stations were dropped.
    Dropped { stations: i64 },
    /// A backup made before recovery keys: every one opens with the key beside it.
    OpenWithKeyBeside,
}

impl std::fmt::Display for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Pending::SealedToRecovery => write!(f, "sealed to the recovery key only (no key file travels with it)"),
            Pending::Recoverable => write!(f, "every one opens with the recovery key given"),
            Pending::Resealed => write!(f, "every one recovered and re-sealed under this server's key"),
            Pending::Dropped { stations: 0 } => write!(f, "none to recover"),
            Pending::Dropped { stations } => write!(
                f,
                "NOT RECOVERED: the pending pools of {stations} station(s) were dropped (no recovery key given); \
                 restore again with --recovery-key-file to bring them back"
            ),
            Pending::OpenWithKeyBeside => write!(f, "every one opens with the .key beside the backup"),
        }
    }
}

/// What a backup or a restore wrote and what the copy holds.
#[derive(Debug)]
pub struct Report {
    pub db: PathBuf,
    pub contents: Contents,
    pub pending: Pending,
    /// What the operator should know (a folder others can read, an old backup's key).
    pub warnings: Vec<String>,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.contents;
        writeln!(f, "database: {}", self.db.display())?;
        writeln!(f, "integrity check: {}", c.integrity)?;
        writeln!(f, "schema check: exactly what Digna's migrations create")?;
        writeln!(f, "schema version: {}", c.schema_version)?;
        writeln!(f, "stations: {}", c.stations)?;
        writeln!(f, "released responses: {}", c.responses)?;
        // Pending responses are never counted, not even here.
        write!(f, "pending responses: {}", self.pending)?;
        for w in &self.warnings {
            write!(f, "\nwarning: {w}")?;
        }
        Ok(())
    }
}

/// Opens a database file read-only, without creating or migrating anything.
async fn open_read_only(path: &Path) -> anyhow::Result<Db> {
    Db::open_read_only(path).await.with_context(|| format!("cannot open {} as a database", path.display()))
}

/// Checks a copy's schema (first: nothing else is read from a copy whose schema is not
/// Digna's), integrity and contents.
async fn check_copy(db: &Db, name: &Path) -> anyhow::Result<Contents> {
    let label = name.display().to_string();
    let version = schema::check(db, &label).await?;
    let contents = db.inspect().await.with_context(|| format!("{label} is not a Digna database"))?;
    if contents.integrity != "ok" {
        bail!("{label} fails SQLite's integrity check: {}", contents.integrity);
    }
    debug_assert_eq!(version, contents.schema_version);
    Ok(contents)
}

/// The next page of pending rows after those already seen (`after`, moved on).
async fn next_page(db: &Db, after: &mut Vec<u8>) -> anyhow::Result<Vec<store::backup::PendingRow>> {
    let rows = db.pending_rows_after(after, PAGE).await?;
    if let Some(last) = rows.last() {
        after.clone_from(&last.id);
    }
    Ok(rows)
}

/// Creates `dir` (mode 0700) if missing; a folder that exists is left as its owner set
/// it, with a warning if its group or others may read it.
fn private_folder(dir: &Path, warnings: &mut Vec<String>) -> anyhow::Result<()> {
    if !dir.exists() {
        store_sqlite::create_private_dirs(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        return Ok(());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir)?.permissions().mode();
        if mode & 0o077 != 0 {
            warnings.push(format!(
                "the folder {} is open to its group or others (mode {:o}): chmod 700 it",
                dir.display(),
                mode & 0o777
            ));
        }
    }
    Ok(())
}

/// Creates an empty file with mode 0600, refusing to overwrite anything.
fn create_private(path: &Path) -> anyhow::Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(path).with_context(|| format!("cannot create {}", path.display()))
}

/// Takes a backup of the live database behind `db` into `out`, its pending responses
/// re-sealed from the server's key `seal` to the recovery key, then checks the copy.
/// Safe while Digna serves: the copy is one snapshot, and answers acknowledged before it
/// began are in it. Refused without a recovery key: the copy could not keep them.
pub async fn backup(db: &crate::Db, seal: &SealKey, out: &Path) -> anyhow::Result<Report> {
    let Some(recipient) = db.recovery_recipient().await? else {
        bail!(
            "no recovery key yet: a backup seals its pending responses to it and carries no key. Run \
             `digna recovery-key new` once, keep the secret it prints on paper, then back up again"
        );
    };
    let recipient = recovery::parse_recipient(&recipient).map_err(anyhow::Error::msg)?;
    if out.exists() {
        bail!("{} already exists: a backup never overwrites a file, choose a new name", out.display());
    }
    let mut warnings = Vec::new();
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        private_folder(dir, &mut warnings)?;
    }
    // Written under a temporary name and renamed once checked: a half-written backup
    // never carries the name of a good one.
    let partial = out.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    let result = write_copy(db, seal, &recipient, &partial).await;
    let contents = match result {
        Ok(c) => c,
        Err(e) => {
            for p in [partial.clone(), PathBuf::from(format!("{}-journal", partial.display()))] {
                let _ = std::fs::remove_file(p);
            }
            return Err(e.context("the backup failed and was removed"));
        }
    };
    std::fs::rename(&partial, out)
        .with_context(|| format!("cannot rename {} to {}", partial.display(), out.display()))?;
    Ok(Report { db: out.to_path_buf(), contents, pending: Pending::SealedToRecovery, warnings })
}

/// Writes the copy to `partial`, re-seals its pending responses and checks it.
async fn write_copy(
    db: &crate::Db,
    seal: &SealKey,
    recipient: &age::x25519::Recipient,
    partial: &Path,
) -> anyhow::Result<Contents> {
    // Made empty, mode 0600, before SQLite fills it (its journal takes the same mode).
    drop(create_private(partial)?);
    let partial_str = partial.to_str().with_context(|| format!("{} is not valid UTF-8", partial.display()))?;
    match db {
        crate::Db::Sqlite(db) => {
            db.vacuum_into(partial_str).await.with_context(|| format!("cannot write {}", partial.display()))?
        }
        crate::Db::Postgres(db) => postgres::copy_into(db, partial).await?,
    }
    // The server-sealed records it replaces are overwritten, not left in free pages.
    let copy = Db::open_copy(partial).await?;
    let done = reseal_to_recovery(&copy, seal, recipient).await;
    let checked = match done {
        Ok(()) => check_backup(&copy, partial, None).await,
        Err(e) => Err(e),
    };
    copy.close().await;
    checked
}

async fn reseal_to_recovery(copy: &Db, seal: &SealKey, recipient: &age::x25519::Recipient) -> anyhow::Result<()> {
    let mut after = Vec::new();
    loop {
        let rows = next_page(copy, &mut after).await?;
        if rows.is_empty() {
            break;
        }
        let mut page = Vec::with_capacity(rows.len());
        for r in rows {
            let context = crate::privacy::pending::seal_context(r.station_id, &r.id);
            let plain = seal
                .open(&context, &r.sealed)
                .context("a pending response does not open with the server's key: is DIGNA_KEY_FILE the server's?")?;
            let resealed = recovery::seal(recipient, r.station_id, &r.id, &plain).map_err(anyhow::Error::msg)?;
            page.push((r.id, resealed));
        }
        copy.replace_sealed(&page).await?;
    }
    // Rewrites the file: no page keeps a trace of what was replaced.
    copy.vacuum().await?;
    Ok(())
}

/// Checks a backup made by [`backup`]: schema, integrity, and every pending record
/// re-sealed to a recovery key and well formed; with the recovery secret, that every
/// one opens.
async fn check_backup(copy: &Db, name: &Path, identity: Option<&age::x25519::Identity>) -> anyhow::Result<Contents> {
    let contents = check_copy(copy, name).await?;
    let mut after = Vec::new();
    loop {
        let rows = next_page(copy, &mut after).await?;
        if rows.is_empty() {
            return Ok(contents);
        }
        for r in rows {
            if !recovery::is_well_formed(&r.sealed) {
                bail!(
                    "a pending response in {} is not sealed to a recovery key (a backup made before recovery \
                     keys needs its .key file beside it)",
                    name.display()
                );
            }
            if let Some(identity) = identity {
                if recovery::open(identity, r.station_id, &r.id, &r.sealed).is_none() {
                    bail!(
                        "a pending response in {} does not open with this recovery key: is it the one printed by \
                         `digna recovery-key new` before this backup was made?",
                        name.display()
                    );
                }
            }
        }
    }
}

/// What `restore` should do.
pub struct Restore<'a> {
    /// The backup's database file.
    pub from: &'a Path,
    /// Where Digna's database and key file live (from `DATABASE_URL` and `DIGNA_KEY_FILE`).
    pub db: &'a Path,
    pub key: &'a Path,
    /// The recovery secret, which brings the pending responses back; without it they
    /// are dropped and the released data alone is restored.
    pub recovery: Option<&'a age::x25519::Identity>,
    /// Only check the backup; write nothing.
    pub check_only: bool,
    /// Replace an existing database, keeping it aside.
    pub force: bool,
}

/// Checks a backup and, unless only asked to check, puts it in place of Digna's
/// database. Digna must be stopped first. An existing database is never overwritten:
/// with `force` it is renamed with a `.before-restore-…` suffix. The server's key file
/// stays (it is created if missing): with the recovery secret the pending responses are
/// re-sealed under it, without it they are dropped and the report says of how many
/// stations.
pub async fn restore(r: Restore<'_>) -> anyhow::Result<Report> {
    if !r.from.is_file() {
        bail!("{} does not exist or is not a file", r.from.display());
    }
    let old_key = key_beside(r.from);
    if old_key.is_file() {
        return legacy::restore(r, &old_key).await;
    }
    let db = open_read_only(r.from).await?;
    let checked = check_backup(&db, r.from, r.recovery).await;
    db.close().await;
    let contents = checked?;
    if r.check_only {
        let pending = if r.recovery.is_some() { Pending::Recoverable } else { Pending::SealedToRecovery };
        return Ok(Report { db: r.from.to_path_buf(), contents, pending, warnings: Vec::new() });
    }
    let kept = put_in_place(r.from, r.db, r.force, &[])?;
    let seal = SealKey::load_or_create(r.key)
        .map_err(|e| anyhow::anyhow!("cannot open the key file {}: {e}", r.key.display()))?;
    // Opening it migrates it: a backup from an older release is upgraded here.
    let db = Db::open(&format!("sqlite://{}", r.db.display()))
        .await
        .context("cannot bring the restored database up to this release's schema")?;
    let pending = match r.recovery {
        Some(identity) => {
            reseal_from_recovery(&db, &seal, identity).await?;
            Pending::Resealed
        }
        None => Pending::Dropped { stations: db.drop_pending().await? },
    };
    let contents = Contents { schema_version: store_sqlite::newest_migration(), ..contents };
    let detail = format!(
        "from {}; {} released responses; pending responses: {pending}{}",
        r.from.display(),
        contents.responses,
        if kept.is_empty() { String::new() } else { format!("; previous files kept as {}", list(&kept)) }
    );
    db.audit(&crate::command_line_actor(), "restore", &r.db.display().to_string(), &detail).await?;
    db.close().await;
    Ok(Report { db: r.db.to_path_buf(), contents, pending, warnings: Vec::new() })
}

/// Opens every re-sealed pending record with the recovery secret and seals it again
/// under the server's key, as the server stores them.
async fn reseal_from_recovery(db: &Db, seal: &SealKey, identity: &age::x25519::Identity) -> anyhow::Result<()> {
    let mut after = Vec::new();
    loop {
        let rows = next_page(db, &mut after).await?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut page = Vec::with_capacity(rows.len());
        for r in rows {
            let plain = recovery::open(identity, r.station_id, &r.id, &r.sealed)
                .context("a pending response does not open with the recovery key")?;
            let context = crate::privacy::pending::seal_context(r.station_id, &r.id);
            page.push((r.id, seal.seal(&context, &plain)));
        }
        db.replace_sealed(&page).await?;
    }
}

/// Moves Digna's database (with its -wal and -shm) and `also` aside (with `force`), then
/// copies the backup in its place, mode 0600. Returns what was kept aside.
fn put_in_place(from: &Path, db: &Path, force: bool, also: &[&Path]) -> anyhow::Result<Vec<PathBuf>> {
    if db.exists() && !force {
        bail!(
            "{} already exists. Stop Digna, then run again with --force: the current database is kept beside it \
             with a .before-restore suffix",
            db.display()
        );
    }
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let mut kept = Vec::new();
    let wal = |p: &Path, suffix: &str| PathBuf::from(format!("{}{suffix}", p.display()));
    let mut paths = vec![db.to_path_buf(), wal(db, "-wal"), wal(db, "-shm")];
    paths.extend(also.iter().map(|p| p.to_path_buf()));
    for path in paths {
        if path.exists() {
            let aside = PathBuf::from(format!("{}.before-restore-{stamp}", path.display()));
            std::fs::rename(&path, &aside).with_context(|| format!("cannot move {} aside", path.display()))?;
            kept.push(aside);
        }
    }
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        store_sqlite::create_private_dirs(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    copy_private(from, db)?;
    Ok(kept)
}

/// Copies `from` to a new file `to`, mode 0600.
fn copy_private(from: &Path, to: &Path) -> anyhow::Result<()> {
    let mut source = std::fs::File::open(from).with_context(|| format!("cannot read {}", from.display()))?;
    let mut file = create_private(to)?;
    std::io::copy(&mut source, &mut file)
        .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
    file.flush()?;
    file.sync_all()?;
    Ok(())
}

fn list(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}

/// Backups made before recovery keys: the database and its key file beside it.
mod legacy {
    use super::*;

    /// Restores an old backup as it always was restored, its key put in place of the
    /// server's (kept aside), after the same schema and integrity checks, and says why
    /// it should be replaced.
    pub(super) async fn restore(r: Restore<'_>, key: &Path) -> anyhow::Result<Report> {
        let seal =
            SealKey::load(key).with_context(|| format!("cannot read the key {} beside the backup", key.display()))?;
        let db = open_read_only(r.from).await?;
        let checked = async {
            let contents = check_copy(&db, r.from).await?;
            let open = crate::privacy::pending::all_open(&seal, &db.pending_records().await?);
            Ok::<_, anyhow::Error>((contents, open))
        }
        .await;
        db.close().await;
        let (contents, open) = checked?;
        if !open {
            bail!(
                "some pending responses in {} do not open with the key {}: it is not the key this backup was taken with",
                r.from.display(),
                key.display()
            );
        }
        let warnings = vec![format!(
            "{} was made before recovery keys: the key beside it opens its pending responses. Once restored, make a \
             recovery key if there is none, take a new backup and destroy this one and its .key",
            r.from.display()
        )];
        if r.check_only {
            return Ok(Report { db: r.from.to_path_buf(), contents, pending: Pending::OpenWithKeyBeside, warnings });
        }
        let kept = put_in_place(r.from, r.db, r.force, &[r.key])?;
        copy_private(key, r.key)?;
        let db = Db::open(&format!("sqlite://{}", r.db.display()))
            .await
            .context("cannot bring the restored database up to this release's schema")?;
        let contents = Contents { schema_version: store_sqlite::newest_migration(), ..contents };
        let detail = format!(
            "from {} (an old backup, with its key); {} released responses; every pending response opens with its key{}",
            r.from.display(),
            contents.responses,
            if kept.is_empty() { String::new() } else { format!("; previous files kept as {}", list(&kept)) }
        );
        db.audit(&crate::command_line_actor(), "restore", &r.db.display().to_string(), &detail).await?;
        db.close().await;
        Ok(Report { db: r.db.to_path_buf(), contents, pending: Pending::OpenWithKeyBeside, warnings })
    }
}
