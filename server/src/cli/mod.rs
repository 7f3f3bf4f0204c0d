//! The `digna` command line: its commands as clap parses them, and `run`, which hands
//! each to its part, one concern a file:
//! - serve.rs: `digna serve` (the default) and `digna seed-demo`;
//! - stations.rs: `digna station add`, `digna station set` and `digna tablet enroll`;
//! - languages.rs: `digna language enable` and `digna language disable`;
//! - users.rs: `digna user create` and `digna user reset-password`;
//! - export.rs: `digna export` (microdata) and `digna export open-data`;
//! - backup.rs: `digna backup`, `digna restore` and `digna release`;
//! - keys.rs: `digna recovery-key new` and `digna key rotate`.

mod backup;
mod export;
mod keys;
mod languages;
mod migrate;
mod serve;
mod stations;
mod users;
mod voices;

use crate::open_database;
use crate::settings::Settings;
use clap::{Parser, Subcommand};
use export::{run_export, run_open_data};
use stations::set_station;
use users::run_user;

pub use crate::command_line_actor;
pub use export::{ExportArgs, ExportCommand, OpenDataArgs};
pub use keys::{KeyCommand, RecoveryKeyCommand};
pub use languages::LanguageCommand;
pub use serve::{SeedDemoArgs, ServeArgs};
pub use stations::{StationCommand, StationSettingsArgs, TabletCommand};
pub use users::UserCommand;
pub use voices::VoicesCommand;

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
    /// Copy the database while Digna runs, its pending responses sealed to the
    /// recovery key (`digna recovery-key new`, needed first): the copy carries no key,
    /// and no key file is written beside it. Files 0600; a missing folder is made 0700.
    Backup {
        /// Where to write the copy, such as backups/digna-2026-11-29.db (never overwritten).
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Put a backup back as Digna's database. Stop Digna first. The backup is checked
    /// (schema exactly Digna's, integrity, every pending response sealed to the recovery
    /// key, and with its secret that each opens) before anything is written; an older
    /// backup is upgraded by the migrations of this release. With the recovery key the
    /// pending responses come back, re-sealed under this server's key; without it they
    /// are dropped and the released data alone is restored.
    Restore {
        /// The backup's database file.
        #[arg(long)]
        from: std::path::PathBuf,
        /// A file holding the recovery key's secret (AGE-SECRET-KEY-1…).
        #[arg(long, conflicts_with = "recovery_key_stdin")]
        recovery_key_file: Option<std::path::PathBuf>,
        /// Read the recovery key's secret from standard input (one line). Without either
        /// option it is asked for when standard input is a terminal.
        #[arg(long)]
        recovery_key_stdin: bool,
        /// Only check the backup and say what it holds; change nothing.
        #[arg(long)]
        check: bool,
        /// Replace an existing database; it is kept aside (.before-restore-…).
        #[arg(long)]
        force: bool,
    },
    /// Copy every table of one database into another, empty one: SQLite to PostgreSQL
    /// (moving a network to PostgreSQL), or back. One consistent pass over the source
    /// with a progress bar, in one transaction of the target, then every table counted
    /// and checksummed on both sides. Stop Digna first: what arrives after the copy began
    /// stays behind. Staff sign in again afterwards (sessions are not copied).
    MigrateDb {
        /// The database to copy, such as sqlite://data/digna.db.
        #[arg(long)]
        from: String,
        /// The empty database to fill, such as postgres://digna@db.internal/digna.
        #[arg(long)]
        to: String,
    },
    /// The offline recovery key backups seal pending responses to.
    RecoveryKey {
        #[command(subcommand)]
        command: RecoveryKeyCommand,
    },
    /// The server's keys.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Move recorded voices between installations (record once, import everywhere).
    Voices {
        #[command(subcommand)]
        command: VoicesCommand,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(args) => serve::serve(settings, args).await,
        Command::SeedDemo(args) => serve::seed_demo(settings, args).await,
        Command::Backup { out } => backup::backup(settings, out).await,
        Command::Restore { from, recovery_key_file, recovery_key_stdin, check, force } => {
            let recovery = backup::RecoverySource { file: recovery_key_file, stdin: recovery_key_stdin };
            backup::restore(settings, from, recovery, check, force).await
        }
        Command::MigrateDb { from, to } => migrate::migrate_db(&from, &to).await,
        Command::RecoveryKey { command } => keys::recovery_key(settings, command).await,
        Command::Key { command } => keys::key(settings, command).await,
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
            run_export(&pool, *args, settings.release_k).await
        }
        Command::Station { command: StationCommand::Add { code, name, region, timezone } } => {
            stations::add_station(settings, code, name, region, timezone).await
        }
        Command::Release { station } => backup::release(settings, station).await,
        Command::Station { command: StationCommand::Set(args) } => {
            let pool = open_database(&settings).await?;
            set_station(&pool, args).await
        }
        Command::Tablet { command: TabletCommand::Enroll { station } } => {
            stations::enroll_tablet(settings, station).await
        }
        Command::Language { command } => languages::language(settings, command).await,
        Command::Voices { command } => voices::voices(settings, command).await,
    }
}
