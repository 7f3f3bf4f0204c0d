//! `digna backup` and `digna restore`: a consistent copy of the live database and of the
//! key that seals pending responses, and the checked way back.
//!
//! A backup is two files: `FILE` (the database, written with `VACUUM INTO` from one
//! snapshot while Digna keeps serving) and `FILE` with the extension `.key` (the seal
//! key). Without the key the pending (not yet released) responses in the copy cannot be
//! opened, and retries of answers already received could be stored twice; so both are
//! always written, checked and restored together.

use anyhow::{bail, Context};
use app::db::maintenance::{self, Contents};
use app::seal::SealKey;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::SqlitePool;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The key file that travels with a backup: `digna-2026-11-29.db` → `digna-2026-11-29.key`.
pub fn key_beside(db: &Path) -> PathBuf {
    db.with_extension("key")
}

/// What a backup or a restore wrote and what the copy holds.
#[derive(Debug)]
pub struct Report {
    pub db: PathBuf,
    pub key: PathBuf,
    pub contents: Contents,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.contents;
        writeln!(f, "database: {}", self.db.display())?;
        writeln!(f, "seal key: {}", self.key.display())?;
        writeln!(f, "integrity check: {}", c.integrity)?;
        writeln!(f, "schema version: {}", c.schema_version)?;
        writeln!(f, "stations: {}", c.stations)?;
        writeln!(f, "released responses: {}", c.responses)?;
        // Pending responses are never counted, not even here: only the key's verdict.
        write!(f, "seal key check: every pending response opens with this key")
    }
}

/// Opens a database file read-only, without creating or migrating anything.
async fn open_read_only(path: &Path) -> anyhow::Result<SqlitePool> {
    let options = SqliteConnectOptions::new().filename(path).read_only(true).create_if_missing(false);
    SqlitePool::connect_with(options).await.with_context(|| format!("cannot open {} as a database", path.display()))
}

/// Checks a backup (database and key): intact, from a schema this build knows, and every
/// pending response opens with the key.
async fn check(db: &Path, key: &Path) -> anyhow::Result<Contents> {
    if !db.is_file() {
        bail!("{} does not exist or is not a file", db.display());
    }
    let seal = match SealKey::load(key) {
        Ok(k) => k,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "the seal key {} must sit beside the backup: without it its pending responses cannot be opened",
            key.display()
        ),
        Err(e) => bail!("cannot read the seal key {}: {e}", key.display()),
    };
    let pool = open_read_only(db).await?;
    let contents = maintenance::inspect(&pool, &seal)
        .await
        .with_context(|| format!("{} is not a Digna database", db.display()))?;
    pool.close().await;
    if contents.integrity != "ok" {
        bail!("{} fails SQLite's integrity check: {}", db.display(), contents.integrity);
    }
    if !contents.pending_open {
        bail!(
            "some pending responses in {} do not open with the key {}: it is not the key this backup was taken with",
            db.display(),
            key.display()
        );
    }
    let newest = app::db::newest_migration();
    if contents.schema_version > newest {
        bail!(
            "{} comes from a newer Digna (schema {}, this one knows up to {newest}): restore it with that release",
            db.display(),
            contents.schema_version
        );
    }
    Ok(contents)
}

/// Copies the key file to `to` (mode 0600), refusing to overwrite anything.
fn copy_key(from: &Path, to: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(from).with_context(|| {
        format!("cannot read the seal key {}: is DIGNA_KEY_FILE the same as the server's?", from.display())
    })?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut file = opts.open(to).with_context(|| format!("cannot create {}", to.display()))?;
    file.write_all(&bytes)?;
    file.sync_all()?;
    Ok(())
}

/// Takes a backup of the live database behind `pool` into `out` and its key beside it,
/// then checks the copy. Safe while Digna serves: the copy is one snapshot, and answers
/// acknowledged before it began are in it.
pub async fn backup(pool: &SqlitePool, key_file: &Path, out: &Path) -> anyhow::Result<Report> {
    let key_out = key_beside(out);
    if key_out == out {
        bail!("{} ends in .key, the name its seal key would take: choose another name", out.display());
    }
    for path in [out, key_out.as_path()] {
        if path.exists() {
            bail!("{} already exists: a backup never overwrites a file, choose a new name", path.display());
        }
    }
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    // Written under a temporary name and renamed once checked: a half-written backup
    // never carries the name of a good one.
    let partial = out.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    let partial_str = partial.to_str().with_context(|| format!("{} is not valid UTF-8", partial.display()))?;
    copy_key(key_file, &key_out)?;
    if let Err(e) = maintenance::vacuum_into(pool, partial_str).await {
        let _ = std::fs::remove_file(&partial);
        let _ = std::fs::remove_file(&key_out);
        return Err(anyhow::Error::new(e).context(format!("cannot write {}", partial.display())));
    }
    let contents = match check(&partial, &key_out).await {
        Ok(c) => c,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            let _ = std::fs::remove_file(&key_out);
            return Err(e.context("the backup failed its check and was removed"));
        }
    };
    std::fs::rename(&partial, out)
        .with_context(|| format!("cannot rename {} to {}", partial.display(), out.display()))?;
    Ok(Report { db: out.to_path_buf(), key: key_out, contents })
}

/// What `restore` should do.
#[derive(Debug)]
pub struct Restore<'a> {
    /// The backup's database file (its key beside it).
    pub from: &'a Path,
    /// Where Digna's database and seal key live (from `DATABASE_URL` and `DIGNA_KEY_FILE`).
    pub db: &'a Path,
    pub key: &'a Path,
    /// Only check the backup; write nothing.
    pub check_only: bool,
    /// Replace an existing database, keeping it (and its key) aside.
    pub force: bool,
}

/// Checks a backup and, unless only asked to check, puts it in place of Digna's database
/// and key. Digna must be stopped first. An existing database is never overwritten: with
/// `force` it and its key are renamed with a `.before-restore-…` suffix.
pub async fn restore(r: Restore<'_>) -> anyhow::Result<Report> {
    let from_key = key_beside(r.from);
    let contents = check(r.from, &from_key).await?;
    if r.check_only {
        return Ok(Report { db: r.from.to_path_buf(), key: from_key, contents });
    }
    if r.db.exists() && !r.force {
        bail!(
            "{} already exists. Stop Digna, then run again with --force: the current database and key are kept \
             beside it with a .before-restore suffix",
            r.db.display()
        );
    }
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let mut kept = Vec::new();
    let wal = |p: &Path, suffix: &str| PathBuf::from(format!("{}{suffix}", p.display()));
    for path in [r.db.to_path_buf(), wal(r.db, "-wal"), wal(r.db, "-shm"), r.key.to_path_buf()] {
        if path.exists() {
            let aside = PathBuf::from(format!("{}.before-restore-{stamp}", path.display()));
            std::fs::rename(&path, &aside).with_context(|| format!("cannot move {} aside", path.display()))?;
            kept.push(aside);
        }
    }
    if let Some(dir) = r.db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::copy(r.from, r.db).with_context(|| format!("cannot copy {} to {}", r.from.display(), r.db.display()))?;
    copy_key(&from_key, r.key)?;
    // Opening it migrates it: a backup from an older release is upgraded here.
    let url = format!("sqlite://{}", r.db.display());
    let pool = app::db::connect(&url).await?;
    app::db::migrate(&pool).await.context("cannot bring the restored database up to this release's schema")?;
    let seal = SealKey::load(r.key)?;
    let contents = maintenance::inspect(&pool, &seal).await?;
    let detail = format!(
        "from {}; {} released responses; every pending response opens with its key{}",
        r.from.display(),
        contents.responses,
        if kept.is_empty() { String::new() } else { format!("; previous files kept as {}", list(&kept)) }
    );
    app::db::audit::audit(&pool, &crate::command_line_actor(), "restore", &r.db.display().to_string(), &detail).await?;
    pool.close().await;
    Ok(Report { db: r.db.to_path_buf(), key: r.key.to_path_buf(), contents })
}

fn list(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}
