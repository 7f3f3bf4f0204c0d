//! No two views a supervisor can ask for differ by fewer than k responses in any
//! population a figure is about (issue 16, "views that cannot be differenced").
//!
//! Several weeks of scheduled releases at two stations, with a realistic mix of
//! visitors (mostly Spanish-speaking adults, some children, a few Quechua or English
//! speakers, some marked suspect). After every release, every view of the station page
//! and the overview is read: every period of those weeks, every survey version filter,
//! every language filter, suspect responses left out or included. Then for every pair
//! of views where one asks for a subset of what the other does (a shorter period, a
//! filter added, the same view before a later release), every figure shown in both
//! about a population (the responses of the period, of a week, of a category of each
//! breakdown, of each waiting time) differs by 0 or by at least k.

use crate::helpers::{full_answers, new_id, spawn_app, TestApp};
use crate::responses::pending;
use domain::{DashboardFilters, IsoWeek, Language, StationReport};
use rand::{Rng, SeedableRng};
use serde_json::json;
use server::privacy::release::{release_station, ReleaseRule};
use std::collections::BTreeMap;

const K: domain::K = domain::K::new(5);
const RELEASES: i64 = 5;

/// One visitor of the mix: (language, respondent, age band), waiting time, suspect.
pub(crate) fn visitor(rng: &mut impl Rng) -> serde_json::Value {
    let mut body = full_answers(&new_id());
    let (language, respondent, age) = match rng.gen_range(0..100) {
        0..=69 => ("es", "self", "18-plus"),
        70..=74 => ("es", "companion", "18-plus"),
        75..=82 => ("es", "child", "12-17"),
        83..=84 => ("es", "child", "under-12"),
        85..=94 => ("qu", "self", "18-plus"),
        _ => ("en", "self", "18-plus"),
    };
    body["language"] = json!(language);
    body["answers"]["respondent"] = json!(respondent);
    body["answers"]["age_band"] = json!(age);
    let waits = ["under-15", "15-30", "30-60", "over-60"];
    body["answers"]["waiting_time"] = json!(waits[rng.gen_range(0..waits.len())]);
    body["answers"]["respect"] = json!(rng.gen_range(1..=4));
    if rng.gen_bool(0.2) {
        body["answers"].as_object_mut().unwrap().remove("age_band");
    }
    body
}

/// A view: (first week, last week, version, language, suspect included).
type View = (usize, usize, Option<i64>, Option<Language>, bool);

/// Whether everything view `a` counts, view `b` counts too.
fn within(a: &View, b: &View) -> bool {
    b.0 <= a.0 && a.1 <= b.1 && (b.2.is_none() || b.2 == a.2) && (b.3.is_none() || b.3 == a.3) && (b.4 || !a.4)
}

/// Every shown figure of a station page and its overview row about a population, by name.
fn figures(report: &StationReport, overview_responses: Option<i64>) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    let mut put = |name: String, value: Option<i64>| {
        if let Some(v) = value {
            out.insert(name, v);
        }
    };
    put("responses".into(), report.responses.value());
    put("overview responses".into(), overview_responses);
    for w in &report.weeks {
        put(format!("week {}", w.week), w.responses.value());
    }
    for (what, rows) in
        [("respondent", &report.by_respondent), ("age band", &report.by_age_band), ("language", &report.by_language)]
    {
        for row in rows {
            put(format!("{what} {:?}", row.category), row.responses.value());
        }
    }
    for d in report.single_choices.iter().filter(|d| d.question_key == "waiting_time") {
        for v in &d.values {
            put(format!("waiting time {}", v.value), v.count.value());
        }
        put("waiting time not answered".into(), d.no_answer.value());
    }
    out
}

async fn read_views(app: &TestApp, station: i64, weeks: &[IsoWeek]) -> Vec<(View, BTreeMap<String, i64>)> {
    let mut views = Vec::new();
    for from in 0..weeks.len() {
        for to in from..weeks.len() {
            for version in [None, Some(1)] {
                for language in [None, Some(Language::Es), Some(Language::Qu), Some(Language::En)] {
                    for suspect in [false, true] {
                        let filters =
                            DashboardFilters::parse(weeks[from], weeks[to], version, language, suspect).unwrap();
                        let report = crate::store_fn!(app, dashboard::station_report(pool, station, &filters, K))
                            .unwrap()
                            .unwrap();
                        let row =
                            crate::store_fn!(app, dashboard::overview(pool, &[station], &filters, K, 10.0)).unwrap();
                        let overview_responses = row.first().and_then(|r| r.responses.value());
                        views.push(((from, to, version, language, suspect), figures(&report, overview_responses)));
                    }
                }
            }
        }
    }
    views
}

#[tokio::test]
async fn no_two_views_differ_by_fewer_than_k_responses() {
    let app = spawn_app().await;
    let stations = [app.add_station("LIM-01").await, app.add_station("LIM-02").await];
    let mut rng = rand::rngs::StdRng::seed_from_u64(16);
    let rule = ReleaseRule { k: K, hold_weeks: 2 };
    let start = chrono::Utc::now() - chrono::Duration::weeks(RELEASES + 1);
    let weeks: Vec<IsoWeek> = (1..=RELEASES)
        .map(|w| {
            IsoWeek::parse(&domain::time::calendar::iso_week_label(start + chrono::Duration::weeks(w), "America/Lima"))
                .unwrap()
        })
        .collect();
    // (snapshot, view, figures), for the first station's page.
    let mut seen: Vec<(usize, View, BTreeMap<String, i64>)> = Vec::new();
    for release in 1..=RELEASES {
        let arrived = start + chrono::Duration::weeks(release - 1) + chrono::Duration::days(3);
        let released = start + chrono::Duration::weeks(release);
        for &station in &stations {
            let mut batch = Vec::new();
            for _ in 0..rng.gen_range(20..40) {
                let mut p = pending(&app, station, &visitor(&mut rng)).await;
                p.iso_week = domain::time::calendar::iso_week_label(arrived, "America/Lima");
                p.submission.set_suspect(rng.gen_bool(0.1));
                batch.push(p);
            }
            server::privacy::ingest::submit_batch(&app.db, &app.state.seal, &batch).await.unwrap();
            release_station(&app.db, &app.state.seal, station, released, rule, None, None).await.unwrap();
        }
        let snapshot = release as usize;
        for (view, figures) in read_views(&app, stations[0], &weeks).await {
            seen.push((snapshot, view, figures));
        }
    }
    let mut pairs = 0usize;
    let mut compared = 0usize;
    for (i, (snap_a, view_a, figs_a)) in seen.iter().enumerate() {
        for (snap_b, view_b, figs_b) in &seen[i + 1..] {
            // Views are read in order: a is never after b.
            let nested = (snap_a <= snap_b && within(view_a, view_b)) || (snap_a == snap_b && within(view_b, view_a));
            if !nested {
                continue;
            }
            pairs += 1;
            for (name, a) in figs_a {
                let Some(b) = figs_b.get(name) else { continue };
                compared += 1;
                let d = (a - b).abs();
                assert!(
                    d == 0 || d >= K.count(),
                    "{name}: {a} at release {snap_a} under {view_a:?}, {b} at release {snap_b} under {view_b:?}"
                );
            }
        }
    }
    assert!(pairs > 10_000 && compared > 100_000, "{pairs} pairs of views, {compared} figures compared");
    // The data is varied enough for the check to mean something.
    let generalized = app.count("SELECT COUNT(*) FROM responses WHERE language = '_withheld' OR age_band = '_withheld' OR respondent = '_withheld'").await;
    assert!(generalized > 0, "some responses were released with detail withheld");
    assert!(
        app.count("SELECT COUNT(*) FROM responses WHERE language = 'qu'").await >= K.count(),
        "Quechua answers are shown"
    );
    assert!(app.count("SELECT COUNT(*) FROM responses WHERE suspect").await >= K.count());
}
