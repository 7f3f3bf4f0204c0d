//! The `digna` command line.

use crate::settings::Settings;
use crate::{open_database, telemetry, Application};
use anyhow::Context;
use app::db::accounts::Grants;
use app::domain::{Email, Language, Name, Password, Role, StaffPin, StationCode};
use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "digna", version, about = "Digna: anonymous feedback on dignity and care at police stations")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the kiosk, the API and the pages (the default).
    Serve(ServeArgs),
    /// Add demo data: two stations in two regions, a demo tablet and a few hundred
    /// synthetic responses over the last 12 weeks. With --responses: that many synthetic
    /// released responses over --stations in several regions and --weeks, fast (for
    /// trying the dashboards at scale and for benchmarks).
    SeedDemo(SeedDemoArgs),
    /// Manage stations.
    Station {
        #[command(subcommand)]
        command: StationCommand,
    },
    /// Manage tablets.
    Tablet {
        #[command(subcommand)]
        command: TabletCommand,
    },
    /// Offer a language to visitors, or stop offering it.
    Language {
        #[command(subcommand)]
        command: LanguageCommand,
    },
    /// Manage staff accounts (the first admin comes from here).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Export anonymized microdata (k-anonymous) as one ZIP: CSV, XLSX, JSON, codebook,
    /// label scripts for SPSS, Stata and R, and a summary with SHA-256 hashes.
    #[command(args_conflicts_with_subcommands = true)]
    Export {
        #[command(subcommand)]
        command: Option<ExportCommand>,
        #[command(flatten)]
        args: Box<ExportArgs>,
    },
    /// Release pending responses now, outside the schedule (each station's night, see
    /// `station set --release-at`): every station, or one. Prints, per station, how many
    /// pools of at least k responses were released, never how many responses.
    Release {
        /// Code of the one station to release.
        #[arg(long)]
        station: Option<String>,
    },
    /// Copy the database and its seal key while Digna runs: FILE and FILE with the
    /// extension .key beside it. Keep both together.
    Backup {
        /// Where to write the copy, such as backups/digna-2026-11-29.db (never overwritten).
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Put a backup (FILE and the .key beside it) back as Digna's database and seal key.
    /// Stop Digna first. The backup is checked (integrity, schema, every pending response
    /// opens with its key) before anything is written; an older backup is upgraded by the
    /// migrations of this release.
    Restore {
        /// The backup's database file; its .key must sit beside it.
        #[arg(long)]
        from: std::path::PathBuf,
        /// Only check the backup and say what it holds; change nothing.
        #[arg(long)]
        check: bool,
        /// Replace an existing database; it and its key are kept aside (.before-restore-…).
        #[arg(long)]
        force: bool,
    },
}

/// `digna seed-demo`: without --responses, the small demo of a first run.
#[derive(Args, Debug, Default)]
pub struct SeedDemoArgs {
    /// Generate this many synthetic released responses (at least stations × weeks × k,
    /// so that every station has k in every week) into an empty database.
    #[arg(long)]
    pub responses: Option<u64>,
    /// Stations to add, spread over twelve regions (with --responses; default 100).
    #[arg(long, requires = "responses")]
    pub stations: Option<usize>,
    /// ISO weeks the responses cover, up to last week (with --responses; default 52).
    #[arg(long, requires = "responses")]
    pub weeks: Option<usize>,
    /// Add the synthetic stations and responses to a database that is not empty.
    #[arg(long, requires = "responses")]
    pub add: bool,
    /// The same seed generates the same data (default: a random one, printed).
    #[arg(long, requires = "responses")]
    pub seed: Option<u64>,
}

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

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a staff account. Without --password-stdin a strong password is generated
    /// and printed once.
    Create {
        /// Her email, which she signs in with.
        #[arg(long)]
        email: String,
        /// admin (everything), supervisor (dashboards of her stations and regions) or
        /// researcher (exports and aggregate dashboards of her scope).
        #[arg(long)]
        role: String,
        /// A station she may see, by code (repeatable).
        #[arg(long = "station")]
        stations: Vec<String>,
        /// A region whose stations she may see (repeatable).
        #[arg(long = "region")]
        regions: Vec<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password for an account (generated and printed unless --password-stdin).
    ResetPassword {
        #[arg(long)]
        email: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Args, Debug, Default)]
pub struct ServeArgs {
    /// Serve HTTPS with this PEM certificate chain (service workers and persistent
    /// storage on tablets need a secure context). Needs --tls-key.
    #[arg(long, env = "DIGNA_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<std::path::PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, env = "DIGNA_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<std::path::PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum StationCommand {
    /// Add a station.
    Add {
        /// Short code, such as LIM-01 (A–Z, 0–9, '-').
        #[arg(long)]
        code: String,
        /// Full name, such as "Comisaría de Familia de Lima Cercado".
        #[arg(long)]
        name: String,
        /// Region it belongs to, such as "Lima Centro".
        #[arg(long)]
        region: String,
        /// IANA timezone that sets the week of its responses.
        #[arg(long, default_value = "America/Lima")]
        timezone: String,
    },
    /// Set a station's kiosk settings and staff PIN.
    Set(StationSettingsArgs),
}

#[derive(Args, Debug)]
pub struct StationSettingsArgs {
    /// Code of the station.
    pub code: String,
    /// The staff PIN (4 to 8 digits) that opens the tablet's staff panel.
    #[arg(long)]
    pub pin: Option<String>,
    /// Seconds without a touch mid-survey before the kiosk asks "¿Sigues ahí?" (10–3600).
    #[arg(long)]
    pub inactivity_s: Option<u32>,
    /// Seconds after that question before the answers are discarded (5–600).
    #[arg(long)]
    pub grace_s: Option<u32>,
    /// A survey finished faster than this is marked suspect (0–600).
    #[arg(long)]
    pub min_duration_s: Option<u32>,
    /// A survey finished sooner than this after the previous one on a tablet is marked suspect (0–3600).
    #[arg(long)]
    pub min_gap_s: Option<u32>,
    /// Local time of the station's scheduled release, HH:MM (by default a random minute
    /// between 01:00 and 04:59, chosen when the station is added).
    #[arg(long)]
    pub release_at: Option<String>,
    /// How often the station's pending responses are released: daily, or weekly (the
    /// night to Monday).
    #[arg(long)]
    pub release_every: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum TabletCommand {
    /// Print a one-time enrollment code (valid 24 h) alone on the last line.
    Enroll {
        /// Code of the station the tablet stands in.
        #[arg(long)]
        station: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum LanguageCommand {
    /// Offer a language (es, qu, ay, en) to visitors; every survey text must exist in it.
    Enable { lang: String },
    /// Stop offering a language to visitors.
    Disable { lang: String },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut settings = Settings::from_env()?;
    match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(args) => {
            telemetry::init(std::io::stderr);
            if let (Some(cert), Some(key)) = (args.tls_cert, args.tls_key) {
                settings.tls = Some(crate::settings::TlsFiles { cert, key });
            }
            let app = Application::build(&settings).await?;
            tracing::info!(
                "Digna listening on {}://{}:{} (kiosk at /kiosk)",
                app.scheme(),
                settings.addr.ip(),
                app.port()
            );
            app.run_until_stopped().await.context("server stopped with an error")
        }
        Command::SeedDemo(args) => {
            let pool = open_database(&settings).await?;
            let summary = match args.responses {
                None => crate::demo::seed(&pool, settings.release_k).await?,
                Some(responses) => {
                    let bulk = crate::demo::Bulk {
                        responses,
                        stations: args.stations.unwrap_or(crate::demo::Bulk::DEFAULT_STATIONS),
                        weeks: args.weeks.unwrap_or(crate::demo::Bulk::DEFAULT_WEEKS),
                        add: args.add,
                        seed: args.seed,
                    };
                    let bar = indicatif::ProgressBar::new(0);
                    bar.set_style(
                        indicatif::ProgressStyle::with_template(
                            "{spinner} {msg:18} [{bar:40}] {human_pos}/{human_len} ({per_sec}, {eta})",
                        )
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                        .progress_chars("=> "),
                    );
                    let progress = |phase: &'static str, done: u64, total: u64| {
                        bar.set_message(phase);
                        bar.set_length(total);
                        bar.set_position(done);
                    };
                    let summary = crate::demo::seed_bulk(&pool, &bulk, settings.release_k, &progress).await;
                    bar.finish_and_clear();
                    summary?
                }
            };
            println!("{summary}");
            println!("{}", crate::demo::seed_accounts(&pool).await?);
            Ok(())
        }
        Command::Backup { out } => {
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
        Command::Restore { from, check, force } => {
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
        Command::User { command } => {
            let pool = open_database(&settings).await?;
            run_user(&pool, command).await
        }
        Command::Export { command: Some(ExportCommand::OpenData(args)), .. } => {
            let pool = open_database(&settings).await?;
            run_open_data(&pool, args, settings.dp_cap, settings.dp_epsilon).await
        }
        Command::Export { command: None, args } => {
            let pool = open_database(&settings).await?;
            run_export(&pool, *args, settings.release_k as u64).await
        }
        Command::Station { command: StationCommand::Add { code, name, region, timezone } } => {
            let code = StationCode::parse(&code).map_err(anyhow::Error::msg)?;
            let name = Name::parse("--name", &name, 200).map_err(anyhow::Error::msg)?;
            let region = Name::parse("--region", &region, 100).map_err(anyhow::Error::msg)?;
            timezone
                .parse::<chrono_tz::Tz>()
                .map_err(|_| anyhow::anyhow!("unknown timezone {timezone:?}; use an IANA name such as America/Lima"))?;
            let pool = open_database(&settings).await?;
            match app::db::stations::insert(&pool, &code, &name, &region, &timezone).await? {
                Some(_) => {
                    let detail = format!("{} · {} · {timezone}", name.as_ref(), region.as_ref());
                    app::db::audit::audit(&pool, &command_line_actor(), "station.create", code.as_ref(), &detail)
                        .await?;
                    println!("Station {code} added: {} ({}, {timezone}).", name.as_ref(), region.as_ref());
                    Ok(())
                }
                None => anyhow::bail!("a station with code {code} already exists"),
            }
        }
        Command::Release { station } => {
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
        Command::Station { command: StationCommand::Set(args) } => {
            let pool = open_database(&settings).await?;
            set_station(&pool, args).await
        }
        Command::Tablet { command: TabletCommand::Enroll { station } } => {
            let pool = open_database(&settings).await?;
            let found = app::db::stations::by_code(&pool, station.trim())
                .await?
                .ok_or_else(|| anyhow::anyhow!("no station has code {station:?}; add it with `digna station add`"))?;
            if !found.active {
                anyhow::bail!(
                    "station {} is deactivated: its tablets accept no answers; activate it first",
                    found.code
                );
            }
            let code = crate::api::create_enrollment_code(&pool, found.id).await?;
            let detail = format!("one-time code, valid {} h", crate::api::ENROLLMENT_CODE_HOURS);
            app::db::audit::audit(&pool, &command_line_actor(), "tablet.enroll", &found.code, &detail).await?;
            println!(
                "One-time enrollment code for a tablet at {} ({}), valid {} hours.\n\
                 On the tablet, open /kiosk and type this code:",
                found.code,
                found.name,
                crate::api::ENROLLMENT_CODE_HOURS
            );
            println!("{code}");
            Ok(())
        }
        Command::Language { command } => {
            let (lang, enable) = match command {
                LanguageCommand::Enable { lang } => (lang, true),
                LanguageCommand::Disable { lang } => (lang, false),
            };
            let lang = Language::parse(lang.trim()).map_err(anyhow::Error::msg)?;
            let pool = open_database(&settings).await?;
            set_language(&pool, lang, enable).await
        }
    }
}

/// `--from` and `--to` widened to whole months.
fn whole_months(from: &str, to: &str) -> anyhow::Result<(chrono::NaiveDate, chrono::NaiveDate)> {
    let date = |name: &str, v: &str| {
        chrono::NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
            .map_err(|_| anyhow::anyhow!("{name} {v:?} is not a date such as 2026-01-31"))
    };
    let (start, end) = (crate::export::month_start(date("--from", from)?), crate::export::month_end(date("--to", to)?));
    if start > end {
        anyhow::bail!("--from {from} is after --to {to}");
    }
    Ok((start, end))
}

async fn run_export(pool: &sqlx::SqlitePool, args: ExportArgs, k: u64) -> anyhow::Result<()> {
    use crate::export::{self, ExportRequest, Formats, UnitName};
    let (Some(out), Some(from_text), Some(to_text)) = (args.out.clone(), args.from.clone(), args.to.clone()) else {
        anyhow::bail!("digna export needs --out FILE.zip, --from DATE and --to DATE (or the open-data subcommand)");
    };
    let (from, to) = whole_months(&from_text, &to_text)?;
    let formats = Formats::parse(&args.format).map_err(|e| anyhow::anyhow!("--format: {e}"))?;
    let unit = match args.unit.trim() {
        "month" => UnitName::Month,
        "week" => UnitName::Week,
        other => anyhow::bail!("--unit: {other:?} is not a unit: use month or week"),
    };
    let version = match args.version {
        Some(v) => v,
        None => app::db::survey::current_version(pool).await?.context("no survey version is published")?,
    };
    let survey = app::db::survey::load(pool, version)
        .await?
        .ok_or_else(|| anyhow::anyhow!("--version: survey version {version} is not published"))?;
    let all = app::db::dashboard::stations(pool, &app::db::accounts::all_station_ids(pool).await?).await?;
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
    let progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let actor = format!("command line ({})", std::env::var("USER").unwrap_or_else(|_| "unknown user".into()));
    let summary = export::export_zip(pool, &survey, &request, &actor, &out, &progress).await?;
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

async fn run_open_data(
    pool: &sqlx::SqlitePool,
    args: OpenDataArgs,
    cap: app::dp::Epsilon,
    default_epsilon: app::dp::Epsilon,
) -> anyhow::Result<()> {
    use crate::open_data::{self, OpenDataRequest};
    let (from, to) = whole_months(&args.from, &args.to)?;
    let epsilon: app::dp::Epsilon = match &args.epsilon {
        None => default_epsilon,
        Some(e) => e.parse().map_err(|err| anyhow::anyhow!("--epsilon {e:?}: {err}"))?,
    };
    let version = match args.version {
        Some(v) => v,
        None => app::db::survey::current_version(pool).await?.context("no survey version is published")?,
    };
    let survey = app::db::survey::load(pool, version)
        .await?
        .ok_or_else(|| anyhow::anyhow!("--version: survey version {version} is not published"))?;
    let all = app::db::dashboard::stations(pool, &app::db::accounts::all_station_ids(pool).await?).await?;
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
    let (bytes, summary) = open_data::release(pool, &survey, &request, cap, &actor, &mut rand::rngs::OsRng).await?;
    std::fs::write(&args.out, bytes).with_context(|| format!("cannot write {}", args.out.display()))?;
    println!(
        "Released {} noisy cells in {} tables to {} (ε = {} per month covered, δ = 0).",
        summary.cells,
        summary.tables,
        args.out.display(),
        summary.epsilon
    );
    println!("SHA-256 of the ZIP: {}", summary.zip_sha256);
    println!("Audit record #{}.", summary.audit_id);
    Ok(())
}

/// Who the audit log names for a command-line change.
pub fn command_line_actor() -> String {
    format!("command line ({})", std::env::var("USER").unwrap_or_else(|_| "unknown user".into()))
}

/// The password from standard input, or a new random one to print.
fn password_from(stdin: bool) -> anyhow::Result<(Password, bool)> {
    if stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).context("cannot read the password from standard input")?;
        let line = line.trim_end_matches(['\n', '\r']);
        return Ok((Password::parse(line).map_err(anyhow::Error::msg)?, false));
    }
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    let s: String = (0..20).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect();
    Ok((Password::parse(&s).map_err(anyhow::Error::msg)?, true))
}

async fn run_user(pool: &sqlx::SqlitePool, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Create { email, role, stations, regions, password_stdin } => {
            let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
            let role = Role::parse(&role).map_err(|e| anyhow::anyhow!("--role: {e}"))?;
            if role == Role::Admin && !(stations.is_empty() && regions.is_empty()) {
                anyhow::bail!("an admin sees every station: leave out --station and --region");
            }
            let mut grants = Grants::default();
            for code in &stations {
                let code = StationCode::parse(code).map_err(|e| anyhow::anyhow!("--station: {e}"))?;
                if app::db::stations::by_code(pool, code.as_ref()).await?.is_none() {
                    anyhow::bail!("--station: no station has code {code}; add it with `digna station add`");
                }
                grants.stations.push(code.to_string());
            }
            for region in &regions {
                let region = Name::parse("--region", region, 100).map_err(anyhow::Error::msg)?;
                grants.regions.push(region.as_ref().to_string());
            }
            if role != Role::Admin && grants.stations.is_empty() && grants.regions.is_empty() {
                eprintln!("warning: a {role} with no --station or --region sees no station yet");
            }
            let (password, generated) = password_from(password_stdin)?;
            let hash = crate::web::auth::hash_password(&password).await?;
            if app::db::accounts::create(pool, &email, role, &hash, &grants).await?.is_none() {
                anyhow::bail!("an account with email {email} already exists; use `digna user reset-password`");
            }
            let mut scope: Vec<String> = grants.stations.iter().map(|s| format!("s:{s}")).collect();
            scope.extend(grants.regions.iter().map(|r| format!("r:{r}")));
            let scope = if role == Role::Admin { "all".to_string() } else { scope.join(", ") };
            let detail = format!("role: {role}; scope: {scope}");
            app::db::audit::audit(pool, &command_line_actor(), "account.create", email.as_ref(), &detail).await?;
            println!("Account {email} created ({role}).");
            if role.requires_two_factor() {
                println!("She sets up two-step verification at her first sign-in.");
            }
            if generated {
                println!("Password (shown once):");
                println!("{}", password.expose());
            }
            Ok(())
        }
        UserCommand::ResetPassword { email, password_stdin } => {
            let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
            let (password, generated) = password_from(password_stdin)?;
            let hash = crate::web::auth::hash_password(&password).await?;
            if !app::db::accounts::set_password(pool, &email, &hash).await? {
                anyhow::bail!("no account has email {email}");
            }
            let detail = "password set on the command line";
            app::db::audit::audit(pool, &command_line_actor(), "account.reset", email.as_ref(), detail).await?;
            println!("New password set for {email}.");
            if generated {
                println!("Password (shown once):");
                println!("{}", password.expose());
            }
            Ok(())
        }
    }
}

/// The same check and audit line as the admin console's languages form.
async fn set_language(pool: &sqlx::SqlitePool, lang: Language, enable: bool) -> anyhow::Result<()> {
    use app::db::survey::LanguageChange;
    let outcome = crate::web::admin_survey::change_language(pool, lang, enable, &command_line_actor()).await?;
    if let Some(refusal) = crate::web::admin_survey::language_refusal(crate::web::layout::Lang::En, lang, &outcome) {
        anyhow::bail!("{refusal}");
    }
    if enable {
        let version = app::db::survey::current_version(pool).await?.unwrap_or(0);
        let unreviewed = app::db::survey::texts_needing_review(pool, version, lang).await?;
        if unreviewed > 0 {
            eprintln!(
                "warning: {unreviewed} texts in {} ({lang}) are drafts not yet reviewed by a native speaker",
                lang.native_name()
            );
        }
    }
    let state = if enable { "offered" } else { "not offered" };
    match outcome {
        LanguageChange::Unchanged => println!("{} ({lang}) was already {state} for visitors.", lang.native_name()),
        _ => println!("{} ({lang}) is now {state} for visitors.", lang.native_name()),
    }
    Ok(())
}

async fn set_station(pool: &sqlx::SqlitePool, args: StationSettingsArgs) -> anyhow::Result<()> {
    use app::domain::KioskSetting;
    let station = app::db::stations::by_code(pool, args.code.trim())
        .await?
        .ok_or_else(|| anyhow::anyhow!("no station has code {:?}", args.code))?;
    let pin = args.pin.as_deref().map(StaffPin::parse).transpose().map_err(anyhow::Error::msg)?;
    let mut s = station.settings;
    for (flag, setting, value) in [
        ("--inactivity-s", KioskSetting::Inactivity, args.inactivity_s),
        ("--grace-s", KioskSetting::Grace, args.grace_s),
        ("--min-duration-s", KioskSetting::MinDuration, args.min_duration_s),
        ("--min-gap-s", KioskSetting::MinGap, args.min_gap_s),
    ] {
        if let Some(v) = value {
            s = s.with(setting, v).map_err(|_| {
                let range = setting.range();
                anyhow::anyhow!("{flag} must be between {} and {}, got {v}", range.start(), range.end())
            })?;
        }
    }
    let actor = command_line_actor();
    if args.release_at.is_some() || args.release_every.is_some() {
        let current = app::db::release::scheduled_stations(pool)
            .await?
            .into_iter()
            .find(|x| x.id == station.id)
            .ok_or_else(|| anyhow::anyhow!("no station has code {:?}", args.code))?;
        let schedule = app::db::release::Schedule::parse(
            args.release_at.as_deref(),
            args.release_every.as_deref(),
            current.schedule,
        )
        .map_err(anyhow::Error::msg)?;
        app::db::release::set_schedule(pool, station.id, schedule).await?;
        app::db::audit::audit(pool, &actor, "station.release_schedule", &station.code, &schedule.to_string()).await?;
        println!("Station {}: pending responses are released {schedule} (station time).", station.code);
    }
    let changes = s.changes_from(&station.settings);
    if !changes.is_empty() {
        app::db::stations::set_settings(pool, station.id, &s).await?;
        app::db::audit::audit(pool, &actor, "station.update", &station.code, &changes.join("; ")).await?;
    }
    if let Some(pin) = pin {
        let hash = tokio::task::spawn_blocking(move || crate::api::hash_pin(&pin))
            .await?
            .map_err(|e| anyhow::anyhow!("cannot hash the PIN: {e}"))?;
        app::db::stations::set_staff_pin_hash(pool, station.id, &hash).await?;
        app::db::audit::audit(pool, &actor, "station.pin", &station.code, "set").await?;
    }
    println!(
        "Station {}: inactivity {} s, then {} s to continue; suspect under {} s or within {} s of the previous survey; staff PIN {}.",
        station.code,
        s.inactivity_s,
        s.inactivity_grace_s,
        s.min_duration_s,
        s.min_gap_s,
        if args.pin.is_some() || station.staff_pin_set { "set" } else { "not set" }
    );
    Ok(())
}
