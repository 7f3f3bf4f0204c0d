//! Open data's privacy budget, kept per region and month: a researcher spends only her
//! regions' budget, a release over several regions needs every one of them to allow it,
//! the check and the record are one step, month-only spending from before counts against
//! every region, and a release is written to a file, never left behind when refused.

use crate::export::{month_text, researcher, stations_with_answers, zip_files};
use crate::helpers::{spawn_app, TestApp};
use domain::privacy::dp::Epsilon;
use rand::SeedableRng;
use server::open_data::{self, OpenDataError, OpenDataRequest};
use store_sqlite::exports::{self as store, Audit, Spent};

fn eps(s: &str) -> Epsilon {
    s.parse().unwrap()
}

fn month_start(text: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").unwrap()
}

/// A release of `regions` over the last two months, as the web form makes it.
async fn request(app: &TestApp, regions: &[&str], epsilon: &str) -> OpenDataRequest {
    let ids = crate::store_fn!(app, accounts::all_station_ids(pool)).unwrap();
    let stations = crate::store_fn!(app, dashboard::stations(conn, &ids)).unwrap();
    let regions: Vec<String> = regions.iter().map(|r| r.to_string()).collect();
    OpenDataRequest {
        station_ids: stations.iter().filter(|s| regions.contains(&s.region)).map(|s| s.id).collect(),
        regions,
        from: month_start(&month_text(-40)),
        to: domain::time::calendar::month_end(month_start(&month_text(0))),
        survey_version: 1,
        epsilon: eps(epsilon),
    }
}

async fn release(app: &TestApp, req: &OpenDataRequest, out: &std::path::Path) -> Result<(), OpenDataError> {
    let survey = crate::store_fn!(app, survey::load(pool, 1)).unwrap().unwrap();
    let rng = rand::rngs::StdRng::seed_from_u64(7);
    open_data::release(&app.db, &survey, req, eps("3"), "test", out, rng).await.map(|_| ())
}

/// What the ledger holds for `region` (spending on every region included), as "ε + ε" per month.
async fn spent_on(app: &TestApp, region: &str) -> Vec<(String, String)> {
    let mut by_month: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for s in crate::store_fn!(app, exports::privacy_ledger(pool)).unwrap() {
        if s.region.as_deref().is_none_or(|r| r == region) {
            by_month.entry(s.month).or_default().push(s.epsilon);
        }
    }
    by_month.into_iter().map(|(m, es)| (m, es.join(" + "))).collect()
}

#[tokio::test]
async fn researchers_of_two_regions_each_spend_their_own_full_budget() {
    let app = spawn_app().await;
    stations_with_answers(&app).await;
    let centro = researcher(&app, "centro@digna.test", &["Lima Centro"]).await;
    let sur = researcher(&app, "sur@digna.test", &["Lima Sur"]).await;
    let (from, to) = (month_text(-40), month_text(0));
    let release = async |client: &reqwest::Client, region: &str, epsilon: &str| {
        let csrf = app.csrf_of(client, "/export/open-data").await;
        let form = [("csrf", csrf.as_str()), ("region", region), ("from", &from), ("to", &to), ("epsilon", epsilon)];
        client.post(app.url("/export/open-data")).form(&form).send().await.unwrap()
    };
    // The whole cap (3) on her region, then nothing more there.
    let resp = release(&centro, "Lima Centro", "3").await;
    assert_eq!(resp.status(), 200);
    assert!(zip_files_of(&app, resp).await.contains_key("open-data.csv"));
    let resp = release(&centro, "Lima Centro", "0.001").await;
    assert_eq!(resp.status(), 409);
    assert!(resp.text().await.unwrap().contains("la región «Lima Centro»"));
    // The other region's researcher still has all of hers.
    assert_eq!(release(&sur, "Lima Sur", "3").await.status(), 200);
    assert_eq!(release(&sur, "Lima Sur", "0.001").await.status(), 409);
    let months = domain::time::calendar::months(month_start(&from), month_start(&to));
    let all_three: Vec<(String, String)> = months.iter().map(|m| (m.clone(), "3".to_string())).collect();
    assert_eq!(spent_on(&app, "Lima Centro").await, all_three);
    assert_eq!(spent_on(&app, "Lima Sur").await, all_three);
    assert_eq!(app.count("SELECT COUNT(*) FROM privacy_spend").await, 2 * months.len() as i64);
    // Her page shows her region's spending, not the other's.
    let page = sur.get(app.url("/export/open-data")).send().await.unwrap().text().await.unwrap();
    let table = &page[page.find("budget-table").unwrap()..];
    assert!(table.contains("Lima Sur") && !table.contains("Lima Centro"), "{table}");
}

async fn zip_files_of(app: &TestApp, resp: reqwest::Response) -> std::collections::BTreeMap<String, Vec<u8>> {
    let path = app.dir.path().join(format!("{}.zip", crate::helpers::new_id()));
    std::fs::write(&path, resp.bytes().await.unwrap()).unwrap();
    zip_files(&path)
}

#[tokio::test]
async fn a_national_release_is_refused_when_any_region_in_it_is_spent_and_leaves_no_file() {
    let app = spawn_app().await;
    stations_with_answers(&app).await;
    let out = app.dir.path().join("open").join("national.zip");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    release(&app, &request(&app, &["Lima Sur"], "2.5").await, &out).await.unwrap();
    std::fs::remove_file(&out).unwrap();
    let audits = app.count("SELECT COUNT(*) FROM export_audit").await;
    match release(&app, &request(&app, &["Lima Centro", "Lima Sur"], "1").await, &out).await {
        Err(OpenDataError::OverBudget { region, spent, .. }) => {
            assert_eq!((region.as_str(), spent.as_str()), ("Lima Sur", "2.5"))
        }
        other => panic!("a national release past Lima Sur's cap: {other:?}"),
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM export_audit").await, audits, "nothing recorded");
    assert!(spent_on(&app, "Lima Centro").await.is_empty(), "Lima Centro spent nothing");
    assert_eq!(std::fs::read_dir(out.parent().unwrap()).unwrap().count(), 0, "no file, no work file");
    // What fits every region is released, spent on each, and its file is what was recorded.
    release(&app, &request(&app, &["Lima Centro", "Lima Sur"], "0.5").await, &out).await.unwrap();
    let audit = &crate::store_fn!(app, exports::list_audit(pool, 1)).unwrap()[0];
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(audit.zip_sha256, server::export::hex(&<sha2::Sha256 as sha2::Digest>::digest(&bytes)));
    assert!(spent_on(&app, "Lima Sur").await.iter().all(|(_, e)| e == "2.5 + 0.5"));
    assert!(spent_on(&app, "Lima Centro").await.iter().all(|(_, e)| e == "0.5"));
}

#[tokio::test]
async fn the_budget_is_checked_again_when_a_release_is_recorded() {
    let app = spawn_app().await;
    let (regions, months) = (vec!["Lima Sur".to_string()], vec!["2026-03".to_string()]);
    let audit = Audit {
        id: 0,
        actor: "test".into(),
        created_at: String::new(),
        kind: "open_data".into(),
        filters: "{}".into(),
        rows: 0,
        anonymization: "{}".into(),
        suppressed: 0,
        file_hashes: "{}".into(),
        zip_sha256: String::new(),
    };
    let record = |epsilon: &'static str| {
        let (audit, regions, months) = (audit.clone(), regions.clone(), months.clone());
        let app = &app;
        async move {
            crate::store_fn!(
                app,
                exports::record_release(pool, &audit, &regions, &months, epsilon, |spent: &[Spent]| {
                    open_data::over_budget(spent, &regions, &months, eps(epsilon), eps("3"))
                })
            )
            .unwrap()
        }
    };
    // Two releases that each fit an empty ledger, recorded at once: one only.
    let (a, b) = tokio::join!(record("2"), record("2"));
    assert_eq!(usize::from(a.is_ok()) + usize::from(b.is_ok()), 1, "{a:?} {b:?}");
    assert!(record("1").await.is_ok());
    assert!(matches!(record("0.001").await, Err(OpenDataError::OverBudget { .. })));
    assert_eq!(spent_on(&app, "Lima Sur").await, [("2026-03".to_string(), "2 + 1".to_string())]);
}

#[tokio::test]
async fn month_only_spending_from_before_counts_against_every_region() {
    if crate::helpers::sqlite_only(
        "an SQLite database from before migration 17 (region-less spending), migrated by SQLite's migrations",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    let pool = store_sqlite::connect(&url).await.unwrap();
    let all = sqlx::migrate!("../store-sqlite/migrations");
    let before = sqlx::migrate::Migrator {
        migrations: all.migrations.iter().filter(|m| m.version < 20261207000017).cloned().collect::<Vec<_>>().into(),
        ..sqlx::migrate::Migrator::DEFAULT
    };
    before.run(&pool).await.unwrap();
    for (id, month, epsilon) in [(1, "2026-02", "1"), (1, "2026-03", "1"), (2, "2026-03", "1/2")] {
        sqlx::query(
            "INSERT OR IGNORE INTO export_audit (id, actor, kind, filters, rows, anonymization, suppressed, file_hashes, zip_sha256)
             VALUES (?, 'old', 'open_data', '{}', 0, '{}', 0, '{}', '')",
        )
        .bind(id)
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query("INSERT INTO privacy_spend (month, audit_id, epsilon) VALUES (?, ?, ?)")
            .bind(month)
            .bind(id)
            .bind(epsilon)
            .execute(&pool)
            .await
            .unwrap();
    }
    store_sqlite::migrate(&pool).await.unwrap();
    let ledger = store::privacy_ledger(&pool).await.unwrap();
    let spent = |month: &str, epsilon: &str| Spent { region: None, month: month.into(), epsilon: epsilon.into() };
    assert_eq!(ledger, [spent("2026-03", "1"), spent("2026-03", "1/2"), spent("2026-02", "1")]);
    // Every region, whatever its name, has spent 1.5 on March.
    let months = vec!["2026-03".to_string()];
    for region in ["Lima Centro", "Cusco", "a region added later"] {
        let regions = vec![region.to_string()];
        let spent = store::privacy_spent(&pool, &regions, &months).await.unwrap();
        assert_eq!(spent.len(), 2, "{region}");
        assert!(open_data::over_budget(&spent, &regions, &months, eps("1.5"), eps("3")).is_none());
        match open_data::over_budget(&spent, &regions, &months, eps("1.6"), eps("3")) {
            Some(OpenDataError::OverBudget { spent, .. }) => assert_eq!(spent, "1 + 1/2"),
            other => panic!("{region}: {other:?}"),
        }
    }
}
