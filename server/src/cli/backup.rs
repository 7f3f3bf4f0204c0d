//! `digna backup`, `digna restore` and `digna release`: the database copied (its pending
//! responses sealed to the recovery key) and put back, and pending responses released
//! outside the schedule.

use crate::settings::Settings;
use crate::{command_line_actor, open_database};
use anyhow::Context;
use std::io::IsTerminal;

pub(super) async fn backup(settings: Settings, out: std::path::PathBuf) -> anyhow::Result<()> {
    let db = open_database(&settings).await?;
    let seal = crate::privacy::seal::SealKey::load(&settings.key_file).map_err(|e| {
        anyhow::anyhow!(
            "cannot read the seal key {} ({e}): is DIGNA_KEY_FILE the same as the server's?",
            settings.key_file.display()
        )
    })?;
    println!("Copying {} to {} …", settings.database_url, out.display());
    let report = crate::backup::backup(&db, &seal, &out).await?;
    // Released responses are public in the roll-ups; pending ones are never counted.
    let detail = format!("backup made; {} released responses", report.contents.responses);
    store::AuditLog::audit(&db, &command_line_actor(), "backup", &out.display().to_string(), &detail).await?;
    println!("{report}");
    println!(
        "No key file is written: the pending responses in the copy open only with the recovery key's secret, \
         which `digna restore` asks for."
    );
    Ok(())
}

/// Where `digna restore` takes the recovery secret from.
pub(super) struct RecoverySource {
    pub file: Option<std::path::PathBuf>,
    pub stdin: bool,
}

impl RecoverySource {
    /// The secret from the file, from standard input, or typed at a prompt when
    /// standard input is a terminal; `None` when none is given.
    fn read(&self) -> anyhow::Result<Option<age::x25519::Identity>> {
        let text = match (&self.file, self.stdin) {
            (Some(path), _) => std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the recovery key file {}", path.display()))?,
            (None, true) => {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).context("cannot read the recovery key from standard input")?;
                line
            }
            (None, false) if std::io::stdin().is_terminal() => {
                eprintln!(
                    "The backup's pending responses open only with the recovery key (AGE-SECRET-KEY-1…).\n\
                     Type it, or press Enter to restore without them (they are then dropped):"
                );
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).context("cannot read the recovery key")?;
                if line.trim().is_empty() {
                    return Ok(None);
                }
                line
            }
            (None, false) => return Ok(None),
        };
        crate::backup::recovery::parse_identity(&text).map(Some).map_err(anyhow::Error::msg)
    }
}

pub(super) async fn restore(
    settings: Settings,
    from: std::path::PathBuf,
    recovery: RecoverySource,
    check: bool,
    force: bool,
) -> anyhow::Result<()> {
    let postgres = crate::db::Backend::of(&settings.database_url)? == crate::db::Backend::Postgres;
    if postgres && force {
        anyhow::bail!("on PostgreSQL a backup is restored into a new, empty database: --force is for SQLite's file");
    }
    if postgres && !check {
        let identity = recovery.read()?;
        let target = open_database(&settings).await?;
        let report = crate::backup::restore_to_postgres(&from, &settings.key_file, identity.as_ref(), &target).await;
        target.close().await;
        println!("Restored.\n{}\nStart Digna again with `digna serve`.", report?);
        return Ok(());
    }
    // Checking a backup reads only the backup.
    let db = match postgres {
        true => std::path::PathBuf::new(),
        false => crate::settings::database_file(&settings.database_url)
            .with_context(|| format!("DATABASE_URL {} names no database file", settings.database_url))?,
    };
    let identity = recovery.read()?;
    let report = crate::backup::restore(crate::backup::Restore {
        from: &from,
        db: &db,
        key: &settings.key_file,
        recovery: identity.as_ref(),
        check_only: check,
        force,
    })
    .await?;
    if check {
        println!("The backup is sound; nothing was changed.\n{report}");
    } else {
        println!("Restored.\n{report}\nStart Digna again with `digna serve`.");
    }
    Ok(())
}

pub(super) async fn release(settings: Settings, station: Option<String>) -> anyhow::Result<()> {
    let db = open_database(&settings).await?;
    let key = crate::privacy::seal::SealKey::load_or_create(&settings.key_file)
        .map_err(|e| anyhow::anyhow!("cannot open the seal key file {}: {e}", settings.key_file.display()))?;
    let rule = crate::privacy::release::ReleaseRule { k: settings.release_k, hold_weeks: settings.release_hold_weeks };
    let mail = settings.mail.is_some();
    let done = crate::privacy::release::run_now(&db, &key, rule, station.as_deref().map(str::trim), mail)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no station has code {:?}", station.unwrap_or_default()))?;
    for (code, released) in &done {
        println!("{}", crate::privacy::release::describe(code, released));
    }
    Ok(())
}
