//! A whole database copied to another, of either backend (`digna migrate-db`, and the
//! backup of a PostgreSQL database into one SQLite file): every table read in one
//! snapshot of the source, written in one transaction of an empty target, then counted
//! and summed on both sides (`store::transfer`).

use store::transfer::{Load, Snapshot, Table, Tally, Transfer, Value, DERIVED, TABLES};

/// Rows read and written at a time.
const PAGE: i64 = 5_000;

/// What a copy did, table by table: the source's tally and the target's, equal when the
/// copy is whole.
#[derive(Debug, Default)]
pub struct Report {
    pub tables: Vec<(&'static str, Tally, Tally)>,
}

impl Report {
    /// The tables whose rows or sums differ.
    pub fn differences(&self) -> Vec<&'static str> {
        self.tables.iter().filter(|(_, a, b)| a != b).map(|(name, _, _)| *name).collect()
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{:<20} {:>12}  {:<16}  check", "table", "rows", "sum")?;
        for (name, source, target) in &self.tables {
            let check = if source == target { "same" } else { "DIFFERENT" };
            writeln!(f, "{name:<20} {:>12}  {:<16}  {check}", source.rows, &source.hex()[..16])?;
        }
        Ok(())
    }
}

/// Why a copy did not happen or did not check out.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    NotEmpty(String),
    #[error(transparent)]
    Store(#[from] store::Error),
    #[error(
        "the copy differs from the source in {0:?}: the target holds it as it is; empty the target before trying again"
    )]
    Differs(Vec<&'static str>),
}

/// Copies every table of `from` into `to` (which must be empty: `to`'s migrations' own
/// survey and settings are replaced), in one snapshot of `from` and one transaction of
/// `to`, then tallies both. `progress` is told the rows copied so far and the total.
pub async fn copy<A, B>(from: &A, to: &B, progress: &(dyn Fn(u64, u64) + Send + Sync)) -> Result<Report, Error>
where
    A: Transfer + Sync,
    B: Transfer + Sync,
{
    let mut load = match to.load().await? {
        Ok(load) => load,
        Err(why) => return Err(Error::NotEmpty(why)),
    };
    let mut source = from.snapshot().await?;
    let total = count(&mut source).await?;
    let mut report = Report::default();
    let mut done = 0u64;
    progress(done, total);
    for table in TABLES {
        let mut tally = Tally::default();
        let mut after: Option<Vec<Value>> = None;
        loop {
            let rows = source.page(table, after.as_deref(), PAGE).await?;
            if rows.is_empty() {
                break;
            }
            load.write(table, &rows).await?;
            rows.iter().for_each(|row| tally.add(row));
            done += rows.len() as u64;
            progress(done, total);
            after = next_after(table, &rows);
            if after.is_none() {
                break;
            }
        }
        report.tables.push((table.name, tally, Tally::default()));
    }
    load.finish().await?;
    for table in DERIVED {
        report.tables.push((table.name, tally(&mut source, table).await?, Tally::default()));
    }
    drop(source);
    let mut target = to.snapshot().await?;
    for (name, _, copied) in &mut report.tables {
        let table = store::transfer::table(name).expect("a known table");
        *copied = tally(&mut target, table).await?;
    }
    let differences = report.differences();
    if !differences.is_empty() {
        return Err(Error::Differs(differences));
    }
    Ok(report)
}

/// The key of the last of `rows`, to read the next page after; `None` when the table has
/// no key (read whole in one page).
fn next_after(table: &Table, rows: &[Vec<Value>]) -> Option<Vec<Value>> {
    let last = rows.last()?;
    (!table.key.is_empty()).then(|| table.key_positions().into_iter().map(|i| last[i].clone()).collect())
}

/// Every row of `table` in `snapshot`, tallied.
async fn tally<S: Snapshot>(snapshot: &mut S, table: &'static Table) -> Result<Tally, store::Error> {
    let mut tally = Tally::default();
    let mut after: Option<Vec<Value>> = None;
    loop {
        let rows = snapshot.page(table, after.as_deref(), PAGE).await?;
        rows.iter().for_each(|row| tally.add(row));
        after = next_after(table, &rows);
        if rows.is_empty() || after.is_none() {
            return Ok(tally);
        }
    }
}

/// How many rows the tables to copy hold, for the progress bar.
async fn count<S: Snapshot>(snapshot: &mut S) -> Result<u64, store::Error> {
    let mut total = 0;
    for table in TABLES {
        total += snapshot.rows(table).await?;
    }
    Ok(total)
}
