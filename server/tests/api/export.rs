//! The researchers' microdata export: what the ZIP holds, that it is k-anonymous and
//! holds nothing finer than allowed, that XLSX and CSV agree, who may export, and that
//! a large export streams.

use crate::helpers::{full_answers, new_id, spawn_app, TestApp};
use chrono::NaiveDate;
use serde_json::json;
use server::export::{self, ExportRequest, Formats, UnitName};
use std::collections::BTreeMap;
use std::io::Read;

pub(crate) fn zip_files(path: &std::path::Path) -> BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).unwrap();
            (f.name().unwrap().to_string(), bytes)
        })
        .collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    export::hex(&sha2::Sha256::digest(bytes))
}

/// Two stations of one region with a batch of 5 each (one all in English), and a big
/// station elsewhere with 10.
pub(crate) async fn stations_with_answers(app: &TestApp) {
    let (_, a) = app.station_with_tablet("LIM-01").await;
    let (_, b) = app.station_with_tablet("LIM-02").await;
    for i in 0..5 {
        assert_eq!(app.submit(&a, &full_answers(&new_id())).await.status(), 201);
        let mut body = full_answers(&new_id());
        body["language"] = json!("en");
        body["answers"]["age_band"] = json!(if i < 2 { "12-17" } else { "18-plus" });
        assert_eq!(app.submit(&b, &body).await.status(), 201);
    }
    release_as_they_are(app).await;
    let sur = {
        let code = domain::StationCode::parse("SUR-01").unwrap();
        let name = domain::Name::parse("name", "Comisaría del Sur", 200).unwrap();
        let region = domain::Name::parse("region", "Lima Sur", 100).unwrap();
        crate::store_fn!(app, stations::insert(conn, &code, &name, &region, "America/Lima")).unwrap().unwrap()
    };
    let enrollment = app.enrollment_code(sur).await;
    let token: serde_json::Value = app.enroll(&enrollment).await.json().await.unwrap();
    let token = token["token"].as_str().unwrap().to_string();
    for _ in 0..10 {
        let mut body = full_answers(&new_id());
        body["answers"]["respect"] = json!("rather_not");
        assert_eq!(app.submit(&token, &body).await.status(), 201);
    }
    release_as_they_are(app).await;
}

/// Releases everything pending as it is, nothing withheld and no pool checked: these
/// tests are about the export's own check of k, a second line behind the release's
/// (`domain::privacy::release`), which would otherwise have shaped the data already. No
/// release of Digna can do this (its k is never below 3): the test decides in its place,
/// through the store's release transaction.
async fn release_as_they_are(app: &TestApp) {
    use server::privacy::pending::{open_pending, OpenedPending};
    let week = domain::time::calendar::iso_week_label(chrono::Utc::now(), "America/Lima");
    for station in crate::store_fn!(app, release::scheduled_stations(pool)).unwrap() {
        crate::store_fn!(
            app,
            release::release_station(
                pool,
                station.id,
                None,
                |set| {
                    let (mut rows, mut released) = (Vec::new(), Vec::new());
                    for (id, sealed) in set.records {
                        let OpenedPending::Opened { content, .. } =
                            open_pending(&app.state.seal, station.id, &id, &sealed)
                        else {
                            panic!("a pending record that does not open")
                        };
                        rows.push(domain::privacy::release::released_row(&content, &[], 0));
                        released.push(id);
                    }
                    let rows = server::privacy::release::unordered(rows);
                    (store_sqlite::release::ReleaseWrite { iso_week: week.clone(), rows, released }, ())
                },
                None
            )
        )
        .unwrap();
    }
}

async fn request(app: &TestApp, formats: Formats) -> (ExportRequest, domain::Survey) {
    let ids = crate::store_fn!(app, accounts::all_station_ids(pool)).unwrap();
    let stations = crate::store_fn!(app, dashboard::stations(conn, &ids)).unwrap();
    let today = chrono::Utc::now().date_naive();
    let survey = crate::store_fn!(app, survey::load(pool, 1)).unwrap().unwrap();
    (
        ExportRequest {
            stations: stations.iter().map(|s| s.code.clone()).collect(),
            station_ids: ids,
            regions: vec![],
            from: domain::time::calendar::month_start(today - chrono::Duration::days(40)),
            to: domain::time::calendar::month_end(today + chrono::Duration::days(10)),
            survey_version: 1,
            unit: UnitName::Month,
            formats,
            include_suspect: false,
            k: domain::K::new(5),
            xlsx_rows_per_sheet: export::XLSX_MAX_ROWS,
        },
        survey,
    )
}

#[tokio::test]
async fn the_zip_holds_every_file_k_anonymous_rows_and_their_hashes() {
    let app = spawn_app().await;
    stations_with_answers(&app).await;
    let (req, survey) = request(&app, Formats::ALL).await;
    let out = app.dir.path().join("export.zip");
    let summary =
        export::export_zip(&app.db, &survey, &req, "test", &out, std::sync::Arc::new(|_, _| {})).await.unwrap();
    let files = zip_files(&out);
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "SUMMARY.md",
            "codebook.json",
            "codebook.md",
            "labels.R",
            "labels.do",
            "labels.sps",
            "responses.csv",
            "responses.json",
            "responses.xlsx"
        ]
    );
    assert_eq!(summary.rows + summary.suppressed, 20);

    // Rows: one per exported response; every quasi-identifier combination holds ≥ k.
    let mut csv = csv::Reader::from_reader(&files["responses.csv"][..]);
    let header: Vec<String> = csv.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(&header[..6], ["station", "region", "period", "survey_language", "respondent", "age_band"]);
    let mut unique = header.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), header.len(), "column names are unique");
    assert!(header.contains(&"respect".to_string()) && header.contains(&"improve_information".to_string()));
    let rows: Vec<Vec<String>> = csv.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect();
    assert_eq!(rows.len() as u64, summary.rows);
    let mut cells: BTreeMap<Vec<String>, usize> = BTreeMap::new();
    for r in &rows {
        *cells.entry(r[..6].to_vec()).or_default() += 1;
    }
    assert!(cells.values().all(|n| *n >= 5), "{cells:?}");
    // Nothing finer than allowed: periods are months, no id, no week, no date.
    for r in &rows {
        assert!(r[2].len() == 7 && r[2].as_bytes()[4] == b'-', "period {}", r[2]);
        for cell in r {
            assert!(uuid::Uuid::parse_str(cell).is_err(), "an id in {r:?}");
            assert!(!cell.contains("-W"), "a week in {r:?}");
        }
    }
    // LIM-02 answered in English with two young visitors: generalized until each cell
    // reaches k; the big station keeps its code and its "rather not" code 9.
    assert!(rows.iter().any(|r| r[0] == "SUR-01" && r[header.iter().position(|h| h == "respect").unwrap()] == "9"));
    let report = &summary.report;
    let any_age = rows.iter().filter(|r| r[5] == domain::ANY).count() as u64;
    assert_eq!(report.steps[0].rows, any_age, "the codebook's count of merged age bands matches the rows");
    let other = rows.iter().filter(|r| r[3] == domain::OTHER).count() as u64;
    assert_eq!(report.steps[1].rows, other);

    // JSON and XLSX hold the same rows as the CSV.
    let json: Vec<serde_json::Value> = serde_json::from_slice(&files["responses.json"]).unwrap();
    assert_eq!(json.len(), rows.len());
    let xlsx_path = app.dir.path().join("check.xlsx");
    std::fs::write(&xlsx_path, &files["responses.xlsx"]).unwrap();
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&xlsx_path).unwrap();
    let range = book.worksheet_range("responses").unwrap();
    let sheet: Vec<Vec<String>> = range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    calamine::Data::Float(f) => format!("{f}"),
                    calamine::Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    assert_eq!(sheet[0], header);
    assert_eq!(&sheet[1..], &rows[..], "the XLSX cells are the CSV cells");
    assert!(book.sheet_names().contains(&"labels".to_string()));

    // The codebook lists every variable and code; the summary lists every file's hash.
    let codebook: serde_json::Value = serde_json::from_slice(&files["codebook.json"]).unwrap();
    let variables: Vec<&str> =
        codebook["variables"].as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap()).collect();
    assert_eq!(variables, header.iter().map(String::as_str).collect::<Vec<_>>());
    let respect = codebook["variables"].as_array().unwrap().iter().find(|v| v["name"] == "respect").unwrap();
    assert_eq!(respect["codes"].as_array().unwrap().len(), 5);
    assert!(respect["description"]["qu"].is_string(), "question texts in every language");
    let summary_md = String::from_utf8(files["SUMMARY.md"].clone()).unwrap();
    for (name, bytes) in files.iter().filter(|(n, _)| *n != "SUMMARY.md") {
        assert!(summary_md.contains(&format!("`{}`  {name}", sha256_hex(bytes))), "{name}'s hash in the summary");
    }
    assert!(String::from_utf8_lossy(&files["labels.sps"]).contains("VALUE LABELS respect"));
    assert!(String::from_utf8_lossy(&files["labels.do"]).contains("label define respect_lbl"));
    assert!(String::from_utf8_lossy(&files["labels.R"]).contains("factor(responses$respect"));

    // The audit record carries the ZIP's hash.
    let audit = crate::store_fn!(app, exports::list_audit(pool, 10)).unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].zip_sha256, sha256_hex(&std::fs::read(&out).unwrap()));
    assert_eq!(audit[0].rows as u64, summary.rows);
}

#[tokio::test]
async fn a_large_export_streams_every_row() {
    let app = spawn_app().await;
    let station = app.add_station("BIG-01").await;
    // 200,000 released responses in one month, written straight to the tables.
    app.execute(
        &format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
         INSERT INTO responses (id, station_id, survey_version, iso_week, language, respondent, age_band)
         SELECT {}, ?, 1, '2026-W10', 'es', 'self', '18-plus' FROM n",
            crate::helpers::random_id_sql()
        ),
        &[crate::helpers::Arg::from(station)],
    )
    .await
    .unwrap();
    app.execute(
        &format!(
            "INSERT INTO answers (response_id, question_key, value) SELECT id, 'respect', {} FROM responses",
            crate::helpers::random_scale_sql()
        ),
        &[],
    )
    .await
    .unwrap();
    let survey = crate::store_fn!(app, survey::load(pool, 1)).unwrap().unwrap();
    let req = ExportRequest {
        stations: vec!["BIG-01".into()],
        station_ids: vec![station],
        regions: vec![],
        from: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        to: NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
        survey_version: 1,
        unit: UnitName::Month,
        formats: Formats::parse("csv").unwrap(),
        include_suspect: false,
        k: domain::K::new(5),
        xlsx_rows_per_sheet: export::XLSX_MAX_ROWS,
    };
    let out = app.dir.path().join("big.zip");
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let progress = {
        let seen = seen.clone();
        move |done: u64, total: u64| seen.lock().unwrap().push((done, total))
    };
    let summary =
        export::export_zip(&app.db, &survey, &req, "test", &out, std::sync::Arc::new(progress)).await.unwrap();
    assert_eq!(summary.rows, 200_000);
    let files = zip_files(&out);
    let mut csv = csv::Reader::from_reader(&files["responses.csv"][..]);
    let header: Vec<String> = csv.headers().unwrap().iter().map(str::to_string).collect();
    let respect = header.iter().position(|h| h == "respect").unwrap();
    let mut n = 0;
    for record in csv.records() {
        let r = record.unwrap();
        assert_eq!(&r[0], "BIG-01");
        assert_eq!(&r[2], "2026-03");
        assert!(["1", "2", "3", "4"].contains(&&r[respect]), "{r:?}");
        n += 1;
    }
    assert_eq!(n, 200_000);
    let seen = seen.lock().unwrap();
    assert!(seen.len() >= 200, "progress reported as it goes");
    assert_eq!(seen.last(), Some(&(200_000, 200_000)));
}

pub(crate) async fn researcher(app: &TestApp, email: &str, regions: &[&str]) -> reqwest::Client {
    let id = app.add_user(email, "researcher", &[], regions).await;
    let secret = server::auth::new_totp_secret();
    crate::store_fn!(app, accounts::enable_totp(conn, id, &secret, &[])).unwrap();
    let client = app.browser();
    assert_eq!(app.sign_in_with(&client, email, crate::helpers::STAFF_PASSWORD).await.status(), 303);
    let code = server::auth::totp(&secret, email).unwrap().generate_current().unwrap();
    assert_eq!(app.second_step(&client, &code).await.status(), 303);
    client
}

pub(crate) fn month_text(days_from_today: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(days_from_today)).format("%Y-%m").to_string()
}

#[tokio::test]
async fn a_researcher_exports_her_region_in_the_background_and_downloads_the_zip() {
    let app = spawn_app().await;
    stations_with_answers(&app).await;
    let client = researcher(&app, "res@digna.test", &["Lima Centro"]).await;
    let csrf = app.csrf_of(&client, "/export").await;
    let (from, to) = (month_text(-40), month_text(0));
    let form = |items: &[&str]| {
        let mut f: Vec<(String, String)> = items.iter().map(|i| ("item".to_string(), i.to_string())).collect();
        f.extend(
            [("csrf", csrf.as_str()), ("from", &from), ("to", &to), ("unit", "month"), ("format", "all")]
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        f
    };
    // A period past this month, or of over 60 months: refused before anything is read.
    for (from, to, says) in [
        ("2000-01", to.as_str(), "como máximo 60 meses"),
        (from.as_str(), "9999-12", "como máximo 60 meses"),
        (to.as_str(), month_text(40).as_str(), "termina después de este mes"),
    ] {
        let mut f = form(&["r:Lima Centro"]);
        f.retain(|(k, _)| k != "from" && k != "to");
        f.extend([("from".to_string(), from.to_string()), ("to".to_string(), to.to_string())]);
        let resp = client.post(app.url("/export")).form(&f).send().await.unwrap();
        assert_eq!(resp.status(), 422, "{from}..{to}");
        assert!(resp.text().await.unwrap().contains(says), "{from}..{to}: {says}");
    }
    // Outside her scope: refused with a reason, no job.
    let resp = client.post(app.url("/export")).form(&form(&["r:Lima Sur"])).send().await.unwrap();
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("No puedes exportar la región «Lima Sur»"));
    let resp = client.post(app.url("/export")).form(&form(&["s:SUR-01"])).send().await.unwrap();
    assert_eq!(resp.status(), 422);
    // Her region: a job, a page with its progress, then the download.
    let resp = client.post(app.url("/export")).form(&form(&["r:Lima Centro"])).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    let job = resp.headers()["location"].to_str().unwrap().to_string();
    let mut html = String::new();
    for _ in 0..100 {
        html = client.get(app.url(&job)).send().await.unwrap().text().await.unwrap();
        if html.contains("export-done") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(html.contains("export-done"), "{html}");
    let path = job.split('?').next().unwrap();
    let resp = client.get(app.url(&format!("{path}/download"))).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/zip");
    let bytes = resp.bytes().await.unwrap();
    let zip_path = app.dir.path().join("dl.zip");
    std::fs::write(&zip_path, &bytes).unwrap();
    let files = zip_files(&zip_path);
    let csv = String::from_utf8(files["responses.csv"].clone()).unwrap();
    assert!(!csv.contains("SUR-01") && !csv.contains("Lima Sur"), "nothing outside her scope");
    // Another account cannot follow her job's link.
    let other = researcher(&app, "res2@digna.test", &["Lima Centro"]).await;
    assert_eq!(other.get(app.url(&format!("{path}/download"))).send().await.unwrap().status(), 404);
    // The audit names her.
    let audit = crate::store_fn!(app, exports::list_audit(pool, 10)).unwrap();
    assert_eq!(audit[0].actor, "res@digna.test");
}

#[tokio::test]
async fn supervisors_cannot_export_and_only_admins_read_the_audit() {
    let app = spawn_app().await;
    app.add_station("LIM-01").await;
    app.add_user("sup@digna.test", "supervisor", &["LIM-01"], &[]).await;
    let sup = app.signed_in("sup@digna.test").await;
    assert_eq!(sup.get(app.url("/export")).send().await.unwrap().status(), 403);
    let csrf = app.csrf_of(&sup, "/dashboard").await;
    let resp = sup
        .post(app.url("/export"))
        .form(&[("csrf", csrf.as_str()), ("item", "s:LIM-01"), ("from", "2026-01"), ("to", "2026-03")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(app.count("SELECT COUNT(*) FROM export_audit").await, 0);
    assert_eq!(sup.get(app.url("/export/audit")).send().await.unwrap().status(), 403);
    let res = researcher(&app, "res@digna.test", &["Lima Centro"]).await;
    assert_eq!(res.get(app.url("/export")).send().await.unwrap().status(), 200);
    assert_eq!(res.get(app.url("/export/audit")).send().await.unwrap().status(), 403);
    let anonymous = app.browser();
    assert_eq!(anonymous.get(app.url("/export")).send().await.unwrap().status(), 303);
}

#[tokio::test]
async fn open_data_is_noisy_on_a_fixed_grid_and_the_budget_cap_refuses() {
    let app = spawn_app().await;
    stations_with_answers(&app).await;
    let client = researcher(&app, "res@digna.test", &["Lima Centro", "Lima Sur"]).await;
    assert_eq!(client.get(app.url("/export/open-data")).send().await.unwrap().status(), 200);
    let csrf = app.csrf_of(&client, "/export/open-data").await;
    let (from, to) = (month_text(-40), month_text(0));
    let release = |epsilon: &'static str| {
        let form: Vec<(&str, String)> = vec![
            ("csrf", csrf.clone()),
            ("region", "Lima Centro".into()),
            ("region", "Lima Sur".into()),
            ("from", from.clone()),
            ("to", to.clone()),
            ("epsilon", epsilon.into()),
        ];
        client.post(app.url("/export/open-data")).form(&form).send()
    };
    // The default cap is 3 per month: 2, then 1, fit; then nothing more does.
    let resp = release("2").await.unwrap();
    assert_eq!(resp.status(), 200);
    let path = app.dir.path().join("open.zip");
    std::fs::write(&path, resp.bytes().await.unwrap()).unwrap();
    let files = zip_files(&path);
    let codebook = String::from_utf8(files["codebook.md"].clone()).unwrap();
    assert!(codebook.contains("ε = 2 for the whole release, δ = 0") && codebook.contains("Canonne"), "{codebook}");
    let mut csv = csv::Reader::from_reader(&files["open-data.csv"][..]);
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    // Fixed grid: 2 regions × months × (1 count table + 7 scales × 5 faces + waiting
    // time's 4 bands + one table per improvement choice), zeros included.
    let survey = crate::store_fn!(app, survey::load(pool, 1)).unwrap().unwrap();
    let improve = survey.question("improve").unwrap().choices.len();
    let months = domain::time::calendar::months(
        chrono::NaiveDate::parse_from_str(&format!("{from}-01"), "%Y-%m-%d").unwrap(),
        chrono::NaiveDate::parse_from_str(&format!("{to}-01"), "%Y-%m-%d").unwrap(),
    )
    .len();
    assert_eq!(rows.len(), 2 * months * (1 + 7 * 5 + 4 + improve));
    assert!(rows.iter().all(|r| r[4].parse::<u64>().is_ok()), "counts are whole and never negative");
    assert!(!String::from_utf8_lossy(&files["open-data.csv"]).contains("LIM-01"), "regions only");

    let resp = release("1.5").await.unwrap();
    assert_eq!(resp.status(), 409);
    assert!(resp.text().await.unwrap().contains("Rechazado"));
    assert_eq!(release("1").await.unwrap().status(), 200);
    assert_eq!(release("0.001").await.unwrap().status(), 409);
    let page = client.get(app.url("/export/open-data")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("2 + 1"), "the budget spent per month is visible");
    assert_eq!(app.count("SELECT COUNT(*) FROM export_audit WHERE kind = 'open_data'").await, 2);
    // A bad ε is explained, and spends nothing.
    assert_eq!(release("0").await.unwrap().status(), 422);
    assert_eq!(release("lots").await.unwrap().status(), 422);
}

#[tokio::test]
async fn suspect_responses_are_left_out_unless_asked_for_and_then_flagged_as_a_quasi_identifier() {
    let app = spawn_app().await;
    stations_with_answers(&app).await;
    // Five of SUR-01's ten alike responses are suspect: a pool of k of their own.
    let mark = |n: i64| {
        let app = &app;
        async move {
            app.execute("UPDATE responses SET suspect = TRUE WHERE id IN (SELECT r.id FROM responses r JOIN stations s ON s.id = r.station_id
                 WHERE s.code = 'SUR-01' AND NOT r.suspect LIMIT ?)", &[crate::helpers::Arg::from(n)]).await
            .unwrap();
        }
    };
    mark(5).await;
    let (mut req, survey) = request(&app, Formats::parse("csv").unwrap()).await;
    let out = app.dir.path().join("a.zip");
    let summary =
        export::export_zip(&app.db, &survey, &req, "test", &out, std::sync::Arc::new(|_, _| {})).await.unwrap();
    assert_eq!(summary.rows + summary.suppressed, 15, "suspect responses are not exported");
    let csv = String::from_utf8(zip_files(&out)["responses.csv"].clone()).unwrap();
    assert!(!csv.lines().next().unwrap().contains("suspect"));

    req.include_suspect = true;
    let summary =
        export::export_zip(&app.db, &survey, &req, "test", &out, std::sync::Arc::new(|_, _| {})).await.unwrap();
    assert_eq!(summary.rows + summary.suppressed, 20);
    let flagged = |files: &BTreeMap<String, Vec<u8>>| {
        let mut reader = csv::Reader::from_reader(&files["responses.csv"][..]);
        let column = reader.headers().unwrap().iter().position(|h| h == "suspect").expect("a suspect column");
        reader.records().filter(|r| &r.as_ref().unwrap()[column] == "1").count()
    };
    let files = zip_files(&out);
    assert_eq!(flagged(&files), 5);
    assert!(String::from_utf8_lossy(&files["codebook.md"]).contains("`suspect`"));
    // A sixth suspect one leaves five alike unflagged and six flagged; one of another
    // station alone would stand out by its flag: it is left out, never published.
    mark(1).await;
    app.execute("UPDATE responses SET suspect = TRUE WHERE id = (SELECT r.id FROM responses r JOIN stations s ON s.id = r.station_id
         WHERE s.code = 'LIM-01' LIMIT 1)", &[]).await
    .unwrap();
    let summary =
        export::export_zip(&app.db, &survey, &req, "test", &out, std::sync::Arc::new(|_, _| {})).await.unwrap();
    assert_eq!(flagged(&zip_files(&out)), 6, "the lone suspect response of LIM-01 is not published");
    assert!(summary.suppressed >= 1);
}

#[tokio::test]
async fn every_exported_answer_is_a_stored_answer() {
    let app = spawn_app().await;
    stations_with_answers(&app).await;
    let (req, survey) = request(&app, Formats::parse("csv").unwrap()).await;
    let out = app.dir.path().join("same.zip");
    let summary =
        export::export_zip(&app.db, &survey, &req, "test", &out, std::sync::Arc::new(|_, _| {})).await.unwrap();
    assert_eq!(summary.suppressed, 0, "this data set needs generalization only");
    let files = zip_files(&out);
    let mut reader = csv::Reader::from_reader(&files["responses.csv"][..]);
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    // Rows cannot be linked back to responses (no ids, by design), so compare each
    // answer column as a multiset with the stored answers.
    for q in survey.questions.iter().filter(|q| q.kind == domain::QuestionKind::Scale4) {
        let column = header.iter().position(|h| *h == q.key).unwrap();
        let mut exported: Vec<String> = rows.iter().map(|r| r[column].to_string()).collect();
        let stored: Vec<Option<String>> = app
            .scalars(
                "SELECT a.value FROM responses r LEFT JOIN answers a ON a.response_id = r.id AND a.question_key = ?",
                &[crate::helpers::Arg::from(&q.key)],
            )
            .await;
        let mut stored: Vec<String> = stored
            .into_iter()
            .map(|v| match v.as_deref() {
                None => String::new(),
                Some("rather_not") => "9".to_string(),
                Some(v) => v.to_string(),
            })
            .collect();
        exported.sort();
        stored.sort();
        assert_eq!(exported, stored, "{}", q.key);
    }
}

#[tokio::test]
async fn the_xlsx_continues_on_a_new_sheet_past_the_row_limit() {
    let app = spawn_app().await;
    stations_with_answers(&app).await;
    let (mut req, survey) = request(&app, Formats::ALL).await;
    req.xlsx_rows_per_sheet = 6;
    let out = app.dir.path().join("sheets.zip");
    let summary =
        export::export_zip(&app.db, &survey, &req, "test", &out, std::sync::Arc::new(|_, _| {})).await.unwrap();
    let files = zip_files(&out);
    let path = app.dir.path().join("sheets.xlsx");
    std::fs::write(&path, &files["responses.xlsx"]).unwrap();
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
    let names = book.sheet_names();
    assert_eq!(names, ["responses", "responses_2", "responses_3", "responses_4", "labels"]);
    let mut rows = 0;
    for name in &names[..4] {
        let range = book.worksheet_range(name).unwrap();
        let first: Vec<String> = range.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
        assert_eq!(first[0], "station", "every sheet starts with the header");
        rows += range.height() - 1;
    }
    assert_eq!(rows as u64, summary.rows);
    // The codebook labels the faces in every language the kiosk speaks.
    let codebook: serde_json::Value = serde_json::from_slice(&files["codebook.json"]).unwrap();
    let respect = codebook["variables"].as_array().unwrap().iter().find(|v| v["name"] == "respect").unwrap();
    assert_eq!(respect["codes"][0]["labels"]["qu"], "Ancha mana allin");
    assert_eq!(respect["codes"][0]["labels"]["es"], "Muy mal");
}

/// Every exported row is one stored response's answers coded as the codebook says (a
/// face by its number, "rather not" as 9, a single choice by its position, a multiple
/// choice as 1 or 0 per option, empty when skipped), and every response is exported
/// once, whatever its id: the export reads ranges of ids at once.
#[tokio::test]
async fn every_row_codes_one_stored_response_and_every_response_is_exported_once() {
    let app = spawn_app().await;
    let (station, token) = app.station_with_tablet("LIM-01").await;
    let waits = ["under-15", "15-30", "30-60", "over-60"];
    for i in 0..15 {
        let mut body = full_answers(&new_id());
        let answers = &mut body["answers"];
        answers["waiting_time"] = json!(waits[i % 4]);
        answers["respect"] = if i % 3 == 0 { json!("rather_not") } else { json!(1 + i % 4) };
        match i % 3 {
            0 => drop(answers.as_object_mut().unwrap().remove("improve")),
            1 => answers["improve"] = json!(["respect", "waiting", "safety"]),
            _ => {}
        }
        if i % 5 == 0 {
            answers.as_object_mut().unwrap().remove("overall");
        }
        if i == 14 {
            // A fully skipped survey but its profile.
            body["answers"] = json!({"respondent": "self", "age_band": "18-plus"});
        }
        assert_eq!(app.submit(&token, &body).await.status(), 201);
    }
    release_as_they_are(&app).await;
    // Ids at the ends and bounds of the ranges, written straight to the tables.
    let week: String = app.scalar("SELECT iso_week FROM responses LIMIT 1", &[]).await;
    for id in [
        "00000000000000000000000000000000",
        "7fffffffffffffffffffffffffffffff",
        "80000000000000000000000000000000",
        "ffffffffffffffffffffffffffffffff",
    ] {
        let id: Vec<u8> = (0..16).map(|i| u8::from_str_radix(&id[2 * i..2 * i + 2], 16).unwrap()).collect();
        app.execute("INSERT INTO responses (id, station_id, survey_version, iso_week, language, respondent, age_band) VALUES (?, ?, 1, ?, 'es', 'self', '18-plus')", &[crate::helpers::Arg::from(&id), crate::helpers::Arg::from(station), crate::helpers::Arg::from(&week)]).await
            .unwrap();
        app.execute("INSERT INTO answers (response_id, question_key, value) VALUES (?, 'respect', '2'), (?, 'improve', 'language')", &[crate::helpers::Arg::from(&id), crate::helpers::Arg::from(&id)]).await
            .unwrap();
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM responses").await, 19);

    let (req, survey) = request(&app, Formats::parse("csv").unwrap()).await;
    let out = app.dir.path().join("coded.zip");
    let summary =
        export::export_zip(&app.db, &survey, &req, "test", &out, std::sync::Arc::new(|_, _| {})).await.unwrap();
    assert_eq!((summary.rows, summary.suppressed), (19, 0));
    let files = zip_files(&out);
    let mut reader = csv::Reader::from_reader(&files["responses.csv"][..]);
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    let first = header.iter().position(|h| h == "survey_version").unwrap() + 1;
    let mut exported: Vec<Vec<String>> =
        reader.records().map(|r| r.unwrap().iter().skip(first).map(str::to_string).collect()).collect();

    let stored: Vec<(Vec<u8>, Option<String>, Option<String>)> = app
        .rows("SELECT r.id, a.question_key, a.value FROM responses r LEFT JOIN answers a ON a.response_id = r.id", &[])
        .await;
    let mut by_response: BTreeMap<Vec<u8>, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for (id, key, value) in stored {
        let answers = by_response.entry(id).or_default();
        if let (Some(k), Some(v)) = (key, value) {
            answers.entry(k).or_default().push(v);
        }
    }
    let improve = survey.question("improve").unwrap();
    let mut expected: Vec<Vec<String>> = by_response
        .values()
        .map(|answers| {
            header[first..]
                .iter()
                .map(|column| {
                    if let Some(choice) = column.strip_prefix("improve_") {
                        let key = &improve.choices.iter().find(|c| c.key.replace('-', "_") == choice).unwrap().key;
                        return match answers.get("improve") {
                            None => String::new(),
                            Some(chosen) => if chosen.contains(key) { "1" } else { "0" }.to_string(),
                        };
                    }
                    let question = survey.question(column).unwrap();
                    match (answers.get(column).and_then(|v| v.first()), question.kind) {
                        (None, _) => String::new(),
                        (Some(v), domain::QuestionKind::Scale4) if v == "rather_not" => "9".to_string(),
                        (Some(v), domain::QuestionKind::Scale4) => v.clone(),
                        (Some(v), _) => (question.choices.iter().position(|c| &c.key == v).unwrap() + 1).to_string(),
                    }
                })
                .collect()
        })
        .collect();
    exported.sort();
    expected.sort();
    assert_eq!(exported, expected);
    assert!(exported.iter().any(|r| r.iter().all(String::is_empty)), "the skipped survey is a row of empty cells");
}

#[tokio::test]
async fn a_waiting_time_the_release_withheld_is_exported_as_not_recorded_never_guessed() {
    let app = spawn_app().await;
    let (_, token) = app.station_with_tablet("LIM-01").await;
    // Five adults who waited differently: released with their waiting time withheld.
    for wait in ["under-15", "15-30", "30-60", "over-60", "15-30"] {
        let mut body = full_answers(&new_id());
        body["answers"]["waiting_time"] = json!(wait);
        assert_eq!(app.submit(&token, &body).await.status(), 201);
    }
    app.release_with(server::privacy::release::ReleaseRule { k: domain::K::new(5), hold_weeks: 0 }).await;
    let (req, survey) = request(&app, Formats::parse("csv").unwrap()).await;
    let out = app.dir.path().join("withheld.zip");
    let summary =
        export::export_zip(&app.db, &survey, &req, "test", &out, std::sync::Arc::new(|_, _| {})).await.unwrap();
    assert_eq!((summary.rows, summary.suppressed), (5, 0));
    let files = zip_files(&out);
    let mut reader = csv::Reader::from_reader(&files["responses.csv"][..]);
    let column = reader.headers().unwrap().iter().position(|h| h == "waiting_time").unwrap();
    let waits: Vec<String> = reader.records().map(|r| r.unwrap()[column].to_string()).collect();
    assert_eq!(waits, vec![export::WITHHELD_CODE.to_string(); 5]);
    for file in ["codebook.md", "codebook.json", "labels.sps", "labels.do", "labels.R"] {
        assert!(String::from_utf8_lossy(&files[file]).contains("No registrado (privacidad)"), "{file}");
    }
}

#[tokio::test]
async fn two_overlapping_exports_differ_by_zero_or_at_least_k_rows_in_every_combination() {
    use rand::{Rng, SeedableRng};
    let app = spawn_app().await;
    let stations = [app.add_station("LIM-01").await, app.add_station("LIM-02").await];
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let rule = server::privacy::release::ReleaseRule { k: domain::K::new(5), hold_weeks: 1 };
    // Five weekly releases up to this week, with the mix of visitors of the dashboards' test.
    for weeks_ago in (0..5).rev() {
        let released = chrono::Utc::now() - chrono::Duration::weeks(weeks_ago);
        for &station in &stations {
            let mut batch = Vec::new();
            for _ in 0..rng.gen_range(15..30) {
                let mut p = crate::responses::pending(&app, station, &crate::differencing::visitor(&mut rng)).await;
                p.iso_week =
                    domain::time::calendar::iso_week_label(released - chrono::Duration::days(3), "America/Lima");
                p.submission.set_suspect(rng.gen_bool(0.1));
                batch.push(p);
            }
            server::privacy::ingest::submit_batch(&app.db, &app.state.seal, &batch).await.unwrap();
            server::privacy::release::release_station(&app.db, &app.state.seal, station, released, rule, None, None)
                .await
                .unwrap();
        }
    }
    /// Rows per combination of the quasi-identifier columns of an export.
    async fn combinations(app: &TestApp, req: &ExportRequest, survey: &domain::Survey) -> BTreeMap<String, i64> {
        let out = app.dir.path().join("overlap.zip");
        let summary =
            export::export_zip(&app.db, survey, req, "test", &out, std::sync::Arc::new(|_, _| {})).await.unwrap();
        assert_eq!(summary.suppressed, 0, "released data needs no suppression");
        let files = zip_files(&out);
        let mut reader = csv::Reader::from_reader(&files["responses.csv"][..]);
        let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
        let quasi = ["station", "region", "period", "survey_language", "respondent", "age_band", "suspect"];
        let columns: Vec<usize> = quasi.iter().filter_map(|q| header.iter().position(|h| h == q)).collect();
        let mut counts = BTreeMap::new();
        for record in reader.records() {
            let record = record.unwrap();
            let key: Vec<&str> = columns.iter().map(|&c| &record[c]).collect();
            *counts.entry(key.join("|")).or_default() += 1;
        }
        counts
    }
    let (mut wide, survey) = request(&app, Formats::parse("csv").unwrap()).await;
    wide.include_suspect = true;
    let mut narrow = wide.clone();
    narrow.stations = vec!["LIM-02".into()];
    narrow.station_ids = vec![stations[1]];
    let mut recent = wide.clone();
    recent.from = domain::time::calendar::month_start(chrono::Utc::now().date_naive());
    let (a, b, c) = (
        combinations(&app, &wide, &survey).await,
        combinations(&app, &narrow, &survey).await,
        combinations(&app, &recent, &survey).await,
    );
    assert!(a.len() > 5, "{a:?}");
    for (other, what) in [(&b, "one station of two"), (&c, "the last month only")] {
        for (key, n) in &a {
            let m = other.get(key).copied().unwrap_or(0);
            assert!(n - m == 0 || n - m >= 5, "{what}: {key} holds {n} and {m}");
        }
        for (key, m) in other {
            assert!(a.contains_key(key), "{what}: {key} ({m} rows) is not in the wider export");
        }
    }
}

#[tokio::test]
async fn names_that_start_like_a_formula_reach_the_csv_files_neutralized() {
    let app = spawn_app().await;
    let region = "=HYPERLINK(\"http://evil.example\",\"x\")";
    let station = {
        let code = domain::StationCode::parse("EQ-01").unwrap();
        let name = domain::Name::parse("name", "Comisaría", 200).unwrap();
        let region = domain::Name::parse("region", region, 100).unwrap();
        crate::store_fn!(app, stations::insert(conn, &code, &name, &region, "America/Lima")).unwrap().unwrap()
    };
    let enrollment = app.enrollment_code(station).await;
    let token: serde_json::Value = app.enroll(&enrollment).await.json().await.unwrap();
    for _ in 0..5 {
        assert_eq!(app.submit(token["token"].as_str().unwrap(), &full_answers(&new_id())).await.status(), 201);
    }
    app.release().await;
    // Microdata.
    let (req, survey) = request(&app, Formats::parse("csv").unwrap()).await;
    let out = app.dir.path().join("formula.zip");
    export::export_zip(&app.db, &survey, &req, "test", &out, std::sync::Arc::new(|_, _| {})).await.unwrap();
    let files = zip_files(&out);
    let mut reader = csv::Reader::from_reader(&files["responses.csv"][..]);
    let column = reader.headers().unwrap().iter().position(|h| h == "region").unwrap();
    for record in reader.records() {
        assert_eq!(&record.unwrap()[column], format!("'{region}"), "a leading apostrophe");
    }
    // Open data.
    let client = researcher(&app, "res@digna.test", &[region]).await;
    let csrf = app.csrf_of(&client, "/export/open-data").await;
    let form: Vec<(&str, String)> = vec![
        ("csrf", csrf),
        ("region", region.into()),
        ("from", month_text(-40)),
        ("to", month_text(0)),
        ("epsilon", "1".into()),
    ];
    let resp = client.post(app.url("/export/open-data")).form(&form).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let path = app.dir.path().join("open.zip");
    std::fs::write(&path, resp.bytes().await.unwrap()).unwrap();
    let files = zip_files(&path);
    let mut reader = csv::Reader::from_reader(&files["open-data.csv"][..]);
    let regions: std::collections::BTreeSet<String> = reader.records().map(|r| r.unwrap()[0].to_string()).collect();
    assert_eq!(regions.into_iter().collect::<Vec<_>>(), [format!("'{region}")]);
}

#[tokio::test]
async fn a_failed_export_says_so_without_its_internal_cause() {
    let app = spawn_app().await;
    stations_with_answers(&app).await;
    let client = researcher(&app, "res@digna.test", &["Lima Centro"]).await;
    let csrf = app.csrf_of(&client, "/export").await;
    // The answers table is gone: the export's read fails with SQLite's words.
    app.execute("ALTER TABLE answers RENAME TO answers_elsewhere", &[]).await.unwrap();
    let form = [
        ("item", "r:Lima Centro"),
        ("csrf", csrf.as_str()),
        ("from", &month_text(-40)),
        ("to", &month_text(0)),
        ("unit", "month"),
        ("format", "csv"),
    ];
    let resp = client.post(app.url("/export")).form(&form).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    let job = resp.headers()["location"].to_str().unwrap().to_string();
    let mut html = String::new();
    for _ in 0..100 {
        html = client.get(app.url(&job)).send().await.unwrap().text().await.unwrap();
        if html.contains("falló") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(html.contains("La exportación falló"), "{html}");
    for internal in ["no such table", "answers", "sqlite", "SQL"] {
        assert!(!html.contains(internal), "the page shows {internal:?}: {html}");
    }
}

#[tokio::test]
async fn zips_left_by_an_earlier_run_are_deleted_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let exports = dir.path().join("exports");
    std::fs::create_dir_all(&exports).unwrap();
    std::fs::write(exports.join("left-over.zip"), b"a researcher's export of last night").unwrap();
    let settings = crate::helpers::test_settings(dir.path()).await;
    let app = server::Application::build(&settings).await.unwrap();
    assert_eq!(app.state().export_dir, exports);
    tokio::spawn(app.run_until_stopped());
    for _ in 0..50 {
        if !exports.join("left-over.zip").exists() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(!exports.join("left-over.zip").exists(), "deleted at start");
    // Later, hourly: files older than an hour go, a fresh one stays.
    std::fs::write(exports.join("fresh.zip"), b"x").unwrap();
    server::web::export::remove_older_than(&exports, std::time::Duration::from_secs(3600));
    assert!(exports.join("fresh.zip").exists());
    server::web::export::remove_older_than(&exports, std::time::Duration::ZERO);
    assert!(!exports.join("fresh.zip").exists());
}
