//! Scratch: time the dashboard data functions alone (deleted before hand-off).
use std::time::Instant;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let db = std::env::args().nth(1).unwrap();
    let pool = app::db::connect(&format!("sqlite://{db}")).await?;
    let ids = app::db::accounts::all_station_ids(&pool).await?;
    let label = app::db::responses::iso_week_label(chrono::Utc::now(), "America/Lima");
    let filters = app::domain::DashboardFilters::last_weeks(app::domain::IsoWeek::parse(&label).unwrap());
    for _ in 0..8 {
        let t = Instant::now();
        let rows = app::db::dashboard::overview(&pool, &ids, &filters, 5, 10.0).await?;
        let a = t.elapsed().as_secs_f64() * 1e3;
        let t = Instant::now();
        let st = app::db::dashboard::stations(&pool, &ids).await?;
        let b = t.elapsed().as_secs_f64() * 1e3;
        let t = Instant::now();
        let _ = app::db::accounts::visible_station_ids(&pool, 1, app::domain::Role::Supervisor).await?;
        let c = t.elapsed().as_secs_f64() * 1e3;
        println!("overview {a:.1} ms ({} rows), stations {b:.1} ms ({}), visible ids {c:.1} ms", rows.len(), st.len());
    }
    Ok(())
}
