//! `digna station add`, `digna station set` and `digna tablet enroll`.

use crate::settings::Settings;
use crate::{command_line_actor, open_database};
use clap::{Args, Subcommand};
use domain::{Name, StaffPin, StationCode};
use store::audit::Entry;

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

pub(super) async fn add_station(
    settings: Settings,
    code: String,
    name: String,
    region: String,
    timezone: String,
) -> anyhow::Result<()> {
    let code = StationCode::parse(&code).map_err(anyhow::Error::msg)?;
    let name = Name::parse("--name", &name, 200).map_err(anyhow::Error::msg)?;
    let region = Name::parse("--region", &region, 100).map_err(anyhow::Error::msg)?;
    timezone
        .parse::<chrono_tz::Tz>()
        .map_err(|_| anyhow::anyhow!("unknown timezone {timezone:?}; use an IANA name such as America/Lima"))?;
    let db = open_database(&settings).await?;
    let detail = format!("{} · {} · {timezone}", name.as_ref(), region.as_ref());
    let audit = Entry::new(command_line_actor(), "station.create", code.as_ref(), detail);
    match store::Stations::insert(&db, &code, &name, &region, &timezone, &audit).await? {
        Some(_) => {
            println!("Station {code} added: {} ({}, {timezone}).", name.as_ref(), region.as_ref());
            Ok(())
        }
        None => anyhow::bail!("a station with code {code} already exists"),
    }
}

pub(super) async fn set_station(db: &crate::Db, args: StationSettingsArgs) -> anyhow::Result<()> {
    use domain::KioskSetting;
    let station = store::Stations::by_code(db, args.code.trim())
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
        let current = store::Releases::scheduled_station(db, station.id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no station has code {:?}", args.code))?;
        let schedule = store::release::Schedule::parse(
            args.release_at.as_deref(),
            args.release_every.as_deref(),
            current.schedule,
        )
        .map_err(anyhow::Error::msg)?;
        let audit = Entry::new(&actor, "station.release_schedule", &station.code, schedule.to_string());
        store::Releases::set_schedule(db, station.id, schedule, &audit).await?;
        println!("Station {}: pending responses are released {schedule} (station time).", station.code);
    }
    let changes = s.changes_from(&station.settings);
    if !changes.is_empty() {
        let audit = Entry::new(&actor, "station.update", &station.code, changes.join("; "));
        store::Stations::set_settings(db, station.id, &s, &audit).await?;
    }
    if let Some(pin) = pin {
        let hash = tokio::task::spawn_blocking(move || crate::auth::password::hash_pin(&pin))
            .await?
            .map_err(|e| anyhow::anyhow!("cannot hash the PIN: {e}"))?;
        let audit = Entry::new(&actor, "station.pin", &station.code, "set");
        store::Stations::set_staff_pin_hash(db, station.id, &hash, &audit).await?;
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

pub(super) async fn enroll_tablet(settings: Settings, station: String) -> anyhow::Result<()> {
    let db = open_database(&settings).await?;
    let found = store::Stations::by_code(&db, station.trim())
        .await?
        .ok_or_else(|| anyhow::anyhow!("no station has code {station:?}; add it with `digna station add`"))?;
    if !found.active {
        anyhow::bail!("station {} is deactivated: its tablets accept no answers; activate it first", found.code);
    }
    let detail = format!("one-time code, valid {} h", crate::api::ENROLLMENT_CODE_HOURS);
    let audit = Entry::new(command_line_actor(), "tablet.enroll", &found.code, detail);
    let code = crate::api::create_enrollment_code(&db, found.id, &audit).await?;
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
