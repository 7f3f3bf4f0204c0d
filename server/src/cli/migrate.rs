//! `digna migrate-db`: a whole database copied into another, empty one.

use crate::command_line_actor;

pub(super) async fn migrate_db(from: &str, to: &str) -> anyhow::Result<()> {
    if from.trim() == to.trim() {
        anyhow::bail!("--from and --to name the same database");
    }
    let source = crate::Db::open(from).await.map_err(|e| anyhow::anyhow!("cannot open the database {from}: {e}"))?;
    let target = crate::Db::open(to).await.map_err(|e| anyhow::anyhow!("cannot open the database {to}: {e}"))?;
    println!("Copying {} into {} …", redact(from), redact(to));
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} [{bar:40}] {human_pos}/{human_len} rows ({per_sec}, {eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let report = crate::transfer::copy(&source, &target, &progress).await;
    bar.finish_and_clear();
    let report = report?;
    print!("{report}");
    let rows: u64 = report.tables.iter().map(|(_, tally, _)| tally.rows).sum();
    let detail =
        format!("from {}; {} tables, {rows} rows, each counted and checksummed", redact(from), report.tables.len());
    store::AuditLog::audit(&target, &command_line_actor(), "database.migrate", &redact(to), &detail).await?;
    println!("Every table has the same rows on both sides. Point DATABASE_URL at {} and start Digna.", redact(to));
    source.close().await;
    target.close().await;
    Ok(())
}

/// `url` without its password, for the terminal and the audit log.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:…{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_password_in_a_url_is_never_shown() {
        assert_eq!(super::redact("postgres://digna:secret@db/digna"), "postgres://digna:…@db/digna");
        assert_eq!(super::redact("postgres://digna@db/digna"), "postgres://digna@db/digna");
        assert_eq!(super::redact("sqlite://data/digna.db"), "sqlite://data/digna.db");
    }
}
