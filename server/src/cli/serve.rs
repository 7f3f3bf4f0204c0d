//! `digna serve` (the default) and `digna seed-demo`.

use crate::settings::Settings;
use crate::{open_database, telemetry, Application};
use anyhow::Context;
use clap::Args;

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

pub(super) async fn serve(mut settings: Settings, args: ServeArgs) -> anyhow::Result<()> {
    telemetry::init(std::io::stderr);
    if let (Some(cert), Some(key)) = (args.tls_cert, args.tls_key) {
        settings.tls = Some(crate::settings::TlsFiles { cert, key });
    }
    let app = Application::build(&settings).await?;
    tracing::info!("Digna listening on {}://{}:{} (kiosk at /kiosk)", app.scheme(), settings.addr.ip(), app.port());
    app.run_until_stopped().await.context("server stopped with an error")
}

/// The page cache of a bulk demo seed, in MiB.
const BULK_CACHE_MIB: u32 = 512;

pub(super) async fn seed_demo(settings: Settings, args: SeedDemoArgs) -> anyhow::Result<()> {
    let mut db = open_database(&settings).await?;
    let summary = match args.responses {
        None => crate::demo::seed(&db, settings.release_k).await?,
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
            // Random ids land all over the tables: a large page cache for the load only.
            db.close().await;
            db = crate::Db::open_bulk(&settings.database_url, BULK_CACHE_MIB)
                .await
                .map_err(|e| anyhow::anyhow!("cannot open the database {}: {e}", settings.database_url))?;
            let summary = crate::demo::seed_bulk(&db, &bulk, settings.release_k, &progress).await;
            bar.finish_and_clear();
            summary?
        }
    };
    println!("{summary}");
    println!("{}", crate::demo::seed_accounts(&db).await?);
    Ok(())
}
