//! `digna backup`, `digna restore` and `digna release`: the database and its seal key
//! copied and put back, and pending responses released outside the schedule.

use crate::settings::Settings;
use crate::{command_line_actor, open_database};
use anyhow::Context;

pub(super) async fn backup(settings: Settings, out: std::path::PathBuf) -> anyhow::Result<()> {
    let pool = open_database(&settings).await?;
    println!("Copying {} to {} …", settings.database_url, out.display());
    let report = crate::backup::backup(&pool, &settings.key_file, &out).await?;
    // Released responses are public in the roll-ups; pending ones are never counted.
    let detail = format!("backup made; {} released responses", report.contents.responses);
    app::db::audit::audit(&pool, &command_line_actor(), "backup", &out.display().to_string(), &detail).await?;
    println!("{report}");
    println!("Keep both files together: the database alone cannot open its pending responses.");
    Ok(())
}

pub(super) async fn restore(
    settings: Settings,
    from: std::path::PathBuf,
    check: bool,
    force: bool,
) -> anyhow::Result<()> {
    let db = crate::settings::database_file(&settings.database_url)
        .with_context(|| format!("DATABASE_URL {} names no database file", settings.database_url))?;
    let report = crate::backup::restore(crate::backup::Restore {
        from: &from,
        db: &db,
        key: &settings.key_file,
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
    let pool = open_database(&settings).await?;
    let key = app::seal::SealKey::load_or_create(&settings.key_file)
        .map_err(|e| anyhow::anyhow!("cannot open the seal key file {}: {e}", settings.key_file.display()))?;
    let rule = app::db::release::ReleaseRule { k: settings.release_k, hold_weeks: settings.release_hold_weeks };
    let done = crate::release::run_now(&pool, &key, rule, station.as_deref().map(str::trim))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no station has code {:?}", station.unwrap_or_default()))?;
    for (code, released) in &done {
        println!("{}", crate::release::describe(code, released));
    }
    Ok(())
}
