//! `digna export` (anonymized microdata, k-anonymous) and `digna export open-data`
//! (differential privacy).

use anyhow::Context;
use clap::{Args, Subcommand};

#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// Open data with differential privacy: per region and month, the count of responses
    /// and each question's distribution, with discrete Laplace noise.
    OpenData(OpenDataArgs),
}

#[derive(Args, Debug)]
pub struct OpenDataArgs {
    /// The ZIP file to write.
    #[arg(long)]
    pub out: std::path::PathBuf,
    /// A region to release (repeatable). Without --region: every region.
    #[arg(long = "region")]
    pub regions: Vec<String>,
    /// First day of the period (YYYY-MM-DD); the release starts with its whole month.
    #[arg(long)]
    pub from: String,
    /// Last day of the period (YYYY-MM-DD); the release ends with its whole month.
    #[arg(long)]
    pub to: String,
    /// Privacy budget this release spends on each month it covers (default
    /// DIGNA_DP_EPSILON, else 1.0).
    #[arg(long)]
    pub epsilon: Option<String>,
    /// Survey version; default the current one.
    #[arg(long)]
    pub version: Option<i64>,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The ZIP file to write.
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
    /// A station to export, by code (repeatable). Without --station or --region: all.
    #[arg(long = "station")]
    pub stations: Vec<String>,
    /// A region whose stations to export (repeatable).
    #[arg(long = "region")]
    pub regions: Vec<String>,
    /// First day of the period (YYYY-MM-DD); the export starts with its whole month.
    #[arg(long)]
    pub from: Option<String>,
    /// Last day of the period (YYYY-MM-DD); the export ends with its whole month.
    #[arg(long)]
    pub to: Option<String>,
    /// csv, xlsx, json or all.
    #[arg(long, default_value = "all")]
    pub format: String,
    /// month, or week (used only if every week-cell holds at least k responses).
    #[arg(long, default_value = "month")]
    pub unit: String,
    /// Survey version; default the current one.
    #[arg(long)]
    pub version: Option<i64>,
    /// Include the responses the kiosk marked suspect, flagged in a `suspect` column.
    #[arg(long)]
    pub include_suspect: bool,
}

/// `--from` and `--to` widened to whole months.
fn whole_months(from: &str, to: &str) -> anyhow::Result<(chrono::NaiveDate, chrono::NaiveDate)> {
    let date = |name: &str, v: &str| {
        chrono::NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
            .map_err(|_| anyhow::anyhow!("{name} {v:?} is not a date such as 2026-01-31"))
    };
    let (start, end) = (
        domain::time::calendar::month_start(date("--from", from)?),
        domain::time::calendar::month_end(date("--to", to)?),
    );
    if start > end {
        anyhow::bail!("--from {from} is after --to {to}");
    }
    Ok((start, end))
}

/// Refuses a period that `export::period_problem` refuses, before anything is read.
async fn period_allowed(db: &crate::Db, from: chrono::NaiveDate, to: chrono::NaiveDate) -> anyhow::Result<()> {
    let first = store::Maintenance::first_release_day(db).await?;
    match crate::export::period_problem(from, to, chrono::Utc::now().date_naive(), first) {
        Some((_, english)) => anyhow::bail!("--from/--to: {english}"),
        None => Ok(()),
    }
}

pub(super) async fn run_export(db: &crate::Db, args: ExportArgs, k: domain::K) -> anyhow::Result<()> {
    use crate::export::{self, ExportRequest, Formats, UnitName};
    let (Some(out), Some(from_text), Some(to_text)) = (args.out.clone(), args.from.clone(), args.to.clone()) else {
        anyhow::bail!("digna export needs --out FILE.zip, --from DATE and --to DATE (or the open-data subcommand)");
    };
    let (from, to) = whole_months(&from_text, &to_text)?;
    period_allowed(db, from, to).await?;
    let formats = Formats::parse(&args.format).map_err(|e| anyhow::anyhow!("--format: {e}"))?;
    let unit = match args.unit.trim() {
        "month" => UnitName::Month,
        "week" => UnitName::Week,
        other => anyhow::bail!("--unit: {other:?} is not a unit: use month or week"),
    };
    let version = match args.version {
        Some(v) => v,
        None => store::Surveys::current_version(db).await?.context("no survey version is published")?,
    };
    let survey = store::Surveys::load(db, version)
        .await?
        .ok_or_else(|| anyhow::anyhow!("--version: survey version {version} is not published"))?;
    let all = store::Dashboards::stations(db, &store::Accounts::all_station_ids(db).await?).await?;
    let mut chosen = Vec::new();
    for code in &args.stations {
        let s = all
            .iter()
            .find(|s| &s.code == code)
            .ok_or_else(|| anyhow::anyhow!("--station: no station has code {code:?}"))?;
        chosen.push(s.clone());
    }
    for region in &args.regions {
        let in_region: Vec<_> = all.iter().filter(|s| &s.region == region).cloned().collect();
        if in_region.is_empty() {
            anyhow::bail!("--region: no station is in region {region:?}");
        }
        chosen.extend(in_region);
    }
    if args.stations.is_empty() && args.regions.is_empty() {
        chosen = all.clone();
    }
    chosen.sort_by(|a, b| a.code.cmp(&b.code));
    chosen.dedup_by(|a, b| a.id == b.id);
    let request = ExportRequest {
        stations: chosen.iter().map(|s| s.code.clone()).collect(),
        station_ids: chosen.iter().map(|s| s.id).collect(),
        regions: args.regions.clone(),
        from,
        to,
        survey_version: version,
        unit,
        formats,
        include_suspect: args.include_suspect,
        k,
        xlsx_rows_per_sheet: export::XLSX_MAX_ROWS,
    };
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} [{bar:40}] {pos}/{len} responses ({per_sec}, {eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message("Exporting");
    let progress = {
        let bar = bar.clone();
        move |done: u64, total: u64| {
            bar.set_length(total);
            bar.set_position(done);
        }
    };
    let actor = format!("command line ({})", std::env::var("USER").unwrap_or_else(|_| "unknown user".into()));
    let summary = export::export_zip(db, &survey, &request, &actor, &out, std::sync::Arc::new(progress)).await?;
    bar.finish_and_clear();
    println!(
        "Exported {} responses to {} ({} suppressed to keep every combination at k = {} or more).",
        summary.rows,
        out.display(),
        summary.suppressed,
        k
    );
    for step in &summary.report.steps {
        if step.rows > 0 {
            println!("  {}: {} rows", step.step.description_en(), step.rows);
        }
    }
    println!("SHA-256 of the ZIP: {}", summary.zip_sha256);
    println!("Audit record #{}.", summary.audit_id);
    Ok(())
}

pub(super) async fn run_open_data(
    db: &crate::Db,
    args: OpenDataArgs,
    cap: domain::privacy::dp::Epsilon,
    default_epsilon: domain::privacy::dp::Epsilon,
) -> anyhow::Result<()> {
    use crate::open_data::{self, OpenDataRequest};
    let (from, to) = whole_months(&args.from, &args.to)?;
    period_allowed(db, from, to).await?;
    let epsilon: domain::privacy::dp::Epsilon = match &args.epsilon {
        None => default_epsilon,
        Some(e) => e.parse().map_err(|err| anyhow::anyhow!("--epsilon {e:?}: {err}"))?,
    };
    let version = match args.version {
        Some(v) => v,
        None => store::Surveys::current_version(db).await?.context("no survey version is published")?,
    };
    let survey = store::Surveys::load(db, version)
        .await?
        .ok_or_else(|| anyhow::anyhow!("--version: survey version {version} is not published"))?;
    let all = store::Dashboards::stations(db, &store::Accounts::all_station_ids(db).await?).await?;
    let mut regions: Vec<String> =
        if args.regions.is_empty() { all.iter().map(|s| s.region.clone()).collect() } else { args.regions.clone() };
    regions.sort();
    regions.dedup();
    for r in &regions {
        if !all.iter().any(|s| &s.region == r) {
            anyhow::bail!("--region: no station is in region {r:?}");
        }
    }
    let station_ids = all.iter().filter(|s| regions.contains(&s.region)).map(|s| s.id).collect();
    let request = OpenDataRequest { regions, station_ids, from, to, survey_version: version, epsilon };
    let actor = format!("command line ({})", std::env::var("USER").unwrap_or_else(|_| "unknown user".into()));
    let summary = open_data::release(db, &survey, &request, cap, &actor, &args.out, rand::rngs::OsRng).await?;
    println!(
        "Released {} noisy cells in {} tables to {} (ε = {} per region and month covered, δ = 0).",
        summary.cells,
        summary.tables,
        args.out.display(),
        summary.epsilon
    );
    println!("SHA-256 of the ZIP: {}", summary.zip_sha256);
    println!("Audit record #{}.", summary.audit_id);
    Ok(())
}
