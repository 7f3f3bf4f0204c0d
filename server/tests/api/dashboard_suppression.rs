//! The supervisor pages' figures as the store gives them: overview, station report and
//! comparison, with every figure about fewer than k suppressed, also when two views are
//! subtracted.

use crate::dashboard::week;
use crate::helpers::{spawn_app, Cell, TestApp};
use domain::{CategoryRow, CompareColumn, CompareGroup, DashboardFilters, Distribution, Language, Shown, RATHER_NOT};

// The store's dashboard functions, on whichever database the app runs.

async fn overview(
    app: &TestApp,
    station_ids: &[i64],
    filters: &DashboardFilters,
    k: domain::K,
    drop_threshold: f64,
) -> Result<Vec<domain::OverviewRow>, String> {
    crate::store_fn!(app, dashboard::overview(pool, station_ids, filters, k, drop_threshold))
}

async fn station_report(
    app: &TestApp,
    station_id: i64,
    filters: &DashboardFilters,
    k: domain::K,
) -> Result<Option<domain::StationReport>, String> {
    crate::store_fn!(app, dashboard::station_report(pool, station_id, filters, k))
}

async fn compare(
    app: &TestApp,
    groups: &[CompareGroup],
    filters: &DashboardFilters,
    k: domain::K,
) -> Result<Vec<CompareColumn>, String> {
    crate::store_fn!(app, dashboard::compare(pool, groups, filters, k))
}

fn period(from: &str, to: &str) -> DashboardFilters {
    DashboardFilters::parse(week(from), week(to), None, None, false).expect("valid filters")
}

const K: domain::K = domain::K::new(5);
use Shown::{Suppressed as Hidden, Value as V};
#[tokio::test]
async fn the_overview_compares_each_station_with_the_previous_period() {
    let app = spawn_app().await;
    let pool = &app;
    let (fell, steady, small, silent) = (
        app.add_station("LIM-01").await,
        app.add_station("LIM-02").await,
        app.add_station("LIM-03").await,
        app.add_station("LIM-04").await,
    );
    // LIM-01: 100 before; 66.7 in W10 and 100 in W12 now, 83.3 over the period.
    Cell::at(fell, "2026-W08").add(pool, 10, &[("respect", "4", 10), ("overall", "4", 10)]).await;
    Cell::at(fell, "2026-W10").add(pool, 5, &[("respect", "3", 5), ("overall", "3", 5)]).await;
    Cell::at(fell, "2026-W12").add(pool, 5, &[("respect", "4", 5), ("overall", "4", 5)]).await;
    // LIM-02: 66.7 before, 60.0 now.
    Cell::at(steady, "2026-W09").add(pool, 5, &[("overall", "3", 5)]).await;
    Cell::at(steady, "2026-W11").add(pool, 5, &[("overall", "3", 4), ("overall", "2", 1)]).await;
    // LIM-03: four responses are too few; five the period before are enough.
    Cell::at(small, "2026-W07").add(pool, 5, &[("overall", "4", 5)]).await;
    Cell::at(small, "2026-W10").add(pool, 4, &[("overall", "1", 4)]).await;
    // Outside both periods, and another station not asked for.
    Cell::at(fell, "2026-W14").add(pool, 50, &[("overall", "1", 50)]).await;
    let other = app.add_station("LIM-05").await;
    Cell::at(other, "2026-W10").add(pool, 9, &[("overall", "1", 9)]).await;

    let filters = period("2026-W10", "2026-W13");
    let rows = overview(pool, &[silent, small, steady, fell], &filters, K, 10.0).await.unwrap();
    let codes: Vec<&str> = rows.iter().map(|r| r.station.code.as_str()).collect();
    assert_eq!(codes, ["LIM-01", "LIM-02", "LIM-03", "LIM-04"], "by region, then code; LIM-05 not asked for");

    let r = &rows[0];
    assert_eq!((r.responses, r.index, r.previous_index, r.change), (V(10), V(83.3), V(100.0), V(-16.7)));
    assert_eq!(r.trend, vec![Some(66.7), None, Some(100.0), None], "W11 and W13 had no release");
    assert!(r.flagged, "fell by 16.7 points");

    let r = &rows[1];
    assert_eq!((r.responses, r.index, r.previous_index, r.change), (V(5), V(60.0), V(66.7), V(-6.7)));
    assert_eq!(r.trend, vec![None, Some(60.0), None, None]);
    assert!(!r.flagged, "fell by 6.7 points only");

    let r = &rows[2];
    assert_eq!((r.responses, r.index, r.previous_index, r.change), (Hidden, Hidden, V(100.0), Hidden));
    assert_eq!(r.trend, vec![None; 4], "a week of four responses is hidden");
    assert!(!r.flagged, "nothing to compare");

    let r = &rows[3];
    assert_eq!((r.responses, r.index, r.previous_index, r.change), (V(0), Hidden, Hidden, Hidden));
    assert_eq!((r.trend.clone(), r.flagged), (vec![None; 4], false));

    // A lower threshold flags LIM-02 too.
    let rows = overview(pool, &[fell, steady], &filters, K, 5.0).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.flagged).collect::<Vec<_>>(), [true, true]);
    // A station list of none gives nothing.
    assert_eq!(overview(pool, &[], &filters, K, 10.0).await.unwrap(), vec![]);
}

#[tokio::test]
async fn weeks_of_the_trend_are_suppressed_together() {
    let app = spawn_app().await;
    let pool = &app;
    let station = app.add_station("LIM-01").await;
    Cell::at(station, "2026-W10").add(pool, 4, &[("overall", "4", 4)]).await;
    Cell::at(station, "2026-W11").add(pool, 9, &[("overall", "4", 9)]).await;
    Cell::at(station, "2026-W12").add(pool, 6, &[("overall", "1", 6)]).await;
    let filters = period("2026-W09", "2026-W13");

    let report = station_report(pool, station, &filters, K).await.unwrap().expect("station");
    assert_eq!(report.responses, V(19));
    let weeks: Vec<(String, Shown<i64>, Shown<f64>)> =
        report.weeks.iter().map(|w| (w.week.to_string(), w.responses, w.index)).collect();
    assert_eq!(
        weeks,
        vec![
            ("2026-W10".into(), Hidden, Hidden),
            ("2026-W11".into(), V(9), V(100.0)),
            // Six responses, hidden so that W10 is not 19 − 9 − 6.
            ("2026-W12".into(), Hidden, Hidden),
        ],
        "W09 and W13 had no release: no point at all"
    );
    let rows = overview(pool, &[station], &filters, K, 10.0).await.unwrap();
    assert_eq!(rows[0].trend, vec![None, None, Some(100.0), None, None], "the overview hides the same weeks");

    // At k = 4 every week is shown.
    let report = station_report(pool, station, &filters, domain::K::new(4)).await.unwrap().expect("station");
    assert_eq!(report.weeks.iter().map(|w| w.responses).collect::<Vec<_>>(), [V(4), V(9), V(6)]);
    assert_eq!(station_report(pool, station + 100, &filters, K).await.unwrap(), None, "no such station");
}

#[tokio::test]
async fn a_station_report_suppresses_small_cells_and_their_complements() {
    let app = spawn_app().await;
    let pool = &app;
    let station = app.add_station("LIM-01").await;
    let w10 = Cell::at(station, "2026-W10");
    let w11 = Cell::at(station, "2026-W11");
    w10.add(
        pool,
        8,
        &[
            ("respect", "4", 8),
            ("overall", "4", 8),
            ("waiting_time", "under-15", 8),
            ("improve", "information", 8),
            ("improve", "privacy", 3),
        ],
    )
    .await;
    w10.profile("companion", "18-plus")
        .add(
            pool,
            4,
            &[("respect", "2", 4), ("overall", "1", 4), ("waiting_time", "over-60", 4), ("improve", "waiting", 4)],
        )
        .await;
    w11.language("en")
        .profile("child", "12-17")
        .add(
            pool,
            5,
            &[
                ("respect", RATHER_NOT, 5),
                ("overall", "3", 5),
                ("waiting_time", "15-30", 5),
                ("improve", "children", 5),
                ("improve", "privacy", 2),
            ],
        )
        .await;
    // Skipped the age band, and the respect question.
    w11.profile("self", "").add(pool, 5, &[("overall", "4", 5), ("waiting_time", "under-15", 5)]).await;

    let report = station_report(pool, station, &period("2026-W09", "2026-W12"), K).await.unwrap().expect("station");
    assert_eq!(report.station.code, "LIM-01");
    assert_eq!(report.responses, V(22));
    // (8·3 + 8·3 + 4·1 + 0 + 5·2 + 5·3) points of 3 × 34 answers.
    assert_eq!(report.index, V(75.5));
    let weeks: Vec<(String, Shown<i64>, Shown<f64>)> =
        report.weeks.iter().map(|w| (w.week.to_string(), w.responses, w.index)).collect();
    assert_eq!(weeks, vec![("2026-W10".into(), V(12), V(72.2)), ("2026-W11".into(), V(10), V(83.3))]);

    let values = |d: &Distribution| d.values.iter().map(|v| (v.value.clone(), v.count)).collect::<Vec<_>>();
    let pairs = |p: &[(&str, Shown<i64>)]| p.iter().map(|(v, n)| (v.to_string(), *n)).collect::<Vec<_>>();
    let scale_keys: Vec<&str> = report.scales.iter().map(|d| d.question_key.as_str()).collect();
    assert_eq!(scale_keys, ["respect", "believed", "informed", "privacy", "language", "safety", "overall"]);
    // 0, 4, 0, 8, 5 and 5 without an answer: the 4 is hidden, and the first 5 with it.
    let respect = &report.scales[0];
    assert_eq!(values(respect), pairs(&[("1", V(0)), ("2", Hidden), ("3", V(0)), ("4", V(8)), (RATHER_NOT, Hidden)]));
    assert_eq!(respect.no_answer, V(5));
    let believed = &report.scales[1];
    assert_eq!(believed.no_answer, V(22), "nobody answered it");

    assert_eq!(report.single_choices.len(), 1);
    let waiting = &report.single_choices[0];
    assert_eq!(waiting.question_key, "waiting_time");
    assert_eq!(values(waiting), pairs(&[("under-15", V(13)), ("15-30", Hidden), ("30-60", V(0)), ("over-60", Hidden)]));
    assert_eq!(waiting.no_answer, V(0));

    assert_eq!(report.pick_lists.len(), 1);
    let improve: Vec<(String, Shown<i64>)> =
        report.pick_lists[0].choices.iter().map(|c| (c.value.clone(), c.count)).collect();
    assert_eq!(
        improve,
        pairs(&[
            ("information", V(8)),
            ("privacy", V(5)),
            ("children", V(5)),
            ("respect", V(0)),
            ("language", V(0)),
            ("safety", V(0)),
            ("waiting", Hidden),
        ])
    );

    let rows =
        |rows: &[CategoryRow]| rows.iter().map(|r| (r.category.clone(), r.responses, r.index)).collect::<Vec<_>>();
    let some = |s: &str| Some(s.to_string());
    // 13, 4 and 5: the 4 is hidden, and the 5 with it (22 − 13 would give the 4 back).
    assert_eq!(
        rows(&report.by_respondent),
        vec![(some("self"), V(13), V(100.0)), (some("companion"), Hidden, Hidden), (some("child"), Hidden, Hidden)]
    );
    // 0, 5, 12 and 5 who skipped: a cell of 5 is shown.
    assert_eq!(
        rows(&report.by_age_band),
        vec![
            (some("under-12"), V(0), Hidden),
            (some("12-17"), V(5), V(66.7)),
            (some("18-plus"), V(12), V(72.2)),
            (None, V(5), V(100.0)),
        ]
    );
    assert_eq!(rows(&report.by_language), vec![(some("en"), V(5), V(66.7)), (some("es"), V(17), V(77.0))]);
}

#[tokio::test]
async fn suspect_responses_count_only_when_asked_for() {
    let app = spawn_app().await;
    let pool = &app;
    let station = app.add_station("LIM-01").await;
    Cell::at(station, "2026-W10").add(pool, 5, &[("overall", "4", 5)]).await;
    Cell::at(station, "2026-W10").suspect().add(pool, 3, &[("overall", "1", 3)]).await;
    let filters = period("2026-W10", "2026-W10");
    let with_suspect = DashboardFilters::parse(week("2026-W10"), week("2026-W10"), None, None, true).unwrap();

    let row = &overview(pool, &[station], &filters, K, 10.0).await.unwrap()[0];
    assert_eq!((row.responses, row.index), (V(5), V(100.0)));
    let row = &overview(pool, &[station], &with_suspect, K, 10.0).await.unwrap()[0];
    assert_eq!((row.responses, row.index), (V(8), V(62.5)));

    let report = station_report(pool, station, &filters, K).await.unwrap().unwrap();
    assert_eq!((report.responses, report.scales.last().map(|d| d.values[0].count)), (V(5), Some(V(0))));
    let report = station_report(pool, station, &with_suspect, K).await.unwrap().unwrap();
    // Three answers of 1 among eight: hidden with their complement.
    assert_eq!((report.responses, report.scales.last().map(|d| d.values[0].count)), (V(8), Some(Hidden)));
    assert_eq!(report.by_respondent[0].responses, V(8));

    let group = [CompareGroup { label: "LIM-01".into(), station_ids: vec![station] }];
    assert_eq!(compare(pool, &group, &filters, K).await.unwrap()[0].responses, V(5));
    assert_eq!(compare(pool, &group, &with_suspect, K).await.unwrap()[0].responses, V(8));
}

#[tokio::test]
async fn the_version_and_language_filters_narrow_every_figure() {
    let app = spawn_app().await;
    let pool = &app;
    let station = app.add_station("LIM-01").await;
    // A published version 2 in which only overall counts.
    app.execute("INSERT INTO survey_versions (version, published) VALUES (2, TRUE)", &[]).await.unwrap();
    app.execute(
        "INSERT INTO questions (survey_version, key, position, kind, in_index) VALUES
             (2, 'respect', 1, 'scale4', FALSE), (2, 'overall', 2, 'scale4', TRUE)",
        &[],
    )
    .await
    .unwrap();
    let w10 = Cell::at(station, "2026-W10");
    w10.add(pool, 5, &[("overall", "4", 5)]).await;
    w10.language("en").add(pool, 6, &[("overall", "1", 6)]).await;
    w10.version(2).add(pool, 7, &[("overall", "2", 7), ("respect", "1", 7)]).await;
    let filters = |version, language| {
        DashboardFilters::parse(week("2026-W10"), week("2026-W10"), version, language, false).unwrap()
    };
    let cases = [
        (None, None, V(18), V(40.7), "all: 15 + 0 + 7 points of 54; respect does not count under version 2"),
        (Some(1), None, V(11), V(45.5), "version 1"),
        (Some(2), None, V(7), V(33.3), "version 2"),
        (None, Some(Language::En), V(6), V(0.0), "English"),
        (Some(1), Some(Language::Es), V(5), V(100.0), "version 1 in Spanish"),
        (Some(2), Some(Language::En), V(0), Hidden, "nothing"),
    ];
    for (version, language, responses, index, why) in cases {
        let f = filters(version, language);
        let row = &overview(pool, &[station], &f, K, 10.0).await.unwrap()[0];
        assert_eq!((row.responses, row.index), (responses, index), "overview: {why}");
        let report = station_report(pool, station, &f, K).await.unwrap().unwrap();
        assert_eq!((report.responses, report.index), (responses, index), "report: {why}");
    }
    // Version 2 asks two questions; its report shows only those.
    let report = station_report(pool, station, &filters(Some(2), None), K).await.unwrap().unwrap();
    let keys: Vec<&str> = report.scales.iter().map(|d| d.question_key.as_str()).collect();
    assert_eq!(keys, ["respect", "overall"]);
    assert!(report.single_choices.is_empty() && report.pick_lists.is_empty());
    let report = station_report(pool, station, &filters(None, Some(Language::En)), K).await.unwrap().unwrap();
    assert_eq!(report.by_language, vec![CategoryRow { category: Some("en".into()), responses: V(6), index: V(0.0) }]);
    // By group too, respect counts towards the index only where its version says so:
    // Spanish is 15 + 7 points of 36 (version 2's answers of 1 to respect are left out).
    let report = station_report(pool, station, &filters(None, None), K).await.unwrap().unwrap();
    assert_eq!(
        report.by_language,
        vec![
            CategoryRow { category: Some("en".into()), responses: V(6), index: V(0.0) },
            CategoryRow { category: Some("es".into()), responses: V(12), index: V(61.1) },
        ]
    );
}

#[tokio::test]
async fn a_comparison_leaves_out_stations_too_small_to_show() {
    let app = spawn_app().await;
    let pool = &app;
    let (a, b, c) = (app.add_station("LIM-01").await, app.add_station("LIM-02").await, app.add_station("LIM-03").await);
    let empty = app.add_station("LIM-04").await;
    Cell::at(a, "2026-W10").add(pool, 10, &[("overall", "4", 10), ("privacy", "4", 10)]).await;
    // Three responses: on its own it is hidden, so the region must not give it away.
    Cell::at(b, "2026-W10").add(pool, 3, &[("overall", "1", 3), ("privacy", "1", 3)]).await;
    // Six responses, of which only two scored privacy.
    Cell::at(c, "2026-W11").add(pool, 6, &[("overall", "2", 6), ("privacy", "1", 2), ("privacy", RATHER_NOT, 4)]).await;
    let group = |label: &str, ids: &[i64]| CompareGroup { label: label.into(), station_ids: ids.to_vec() };
    let groups =
        [group("Lima Centro", &[a, b, c, empty]), group("LIM-01", &[a]), group("LIM-02", &[b]), group("LIM-03", &[c])];
    let columns = compare(pool, &groups, &period("2026-W09", "2026-W12"), K).await.unwrap();
    assert_eq!(
        columns.iter().map(|c| c.label.as_str()).collect::<Vec<_>>(),
        ["Lima Centro", "LIM-01", "LIM-02", "LIM-03"]
    );
    let means = |c: &CompareColumn| c.questions.iter().map(|q| (q.question_key.clone(), q.mean)).collect::<Vec<_>>();
    let in_index = ["respect", "believed", "informed", "privacy", "language", "safety", "overall"];
    let expect_means = |privacy, overall| {
        in_index
            .iter()
            .map(|k| {
                let mean = match *k {
                    "privacy" => privacy,
                    "overall" => overall,
                    _ => Hidden,
                };
                (k.to_string(), mean)
            })
            .collect::<Vec<_>>()
    };

    let region = &columns[0];
    assert_eq!((region.stations, region.left_out), (4, 1));
    // LIM-01 and LIM-03: 16 responses; (60 + 6) points of 3 × 28 answers.
    assert_eq!((region.responses, region.index), (V(16), V(78.6)));
    // Overall (30 + 6) of 48; privacy only LIM-01's, as LIM-03 had two scored answers.
    assert_eq!(means(region), expect_means(V(100.0), V(75.0)));

    assert_eq!((columns[1].responses, columns[1].index), (V(10), V(100.0)));
    assert_eq!(means(&columns[1]), expect_means(V(100.0), V(100.0)));
    let small = &columns[2];
    assert_eq!((small.stations, small.left_out, small.responses, small.index), (1, 1, Hidden, Hidden));
    assert_eq!(means(small), expect_means(Hidden, Hidden));
    let c = &columns[3];
    assert_eq!((c.responses, c.index), (V(6), V(25.0)), "its own index counts its two privacy answers");
    assert_eq!(means(c), expect_means(Hidden, V(33.3)));

    let nobody = compare(pool, &[group("LIM-04", &[empty])], &period("2026-W09", "2026-W12"), K).await.unwrap();
    assert_eq!((nobody[0].stations, nobody[0].left_out, nobody[0].responses, nobody[0].index), (1, 0, V(0), Hidden));
}

#[tokio::test]
async fn an_index_about_too_few_scoring_visitors_is_hidden() {
    let app = spawn_app().await;
    let pool = &app;
    let station = app.add_station("LIM-01").await;
    // Six responses, but only one scored anything: the index would be that visitor's.
    Cell::at(station, "2026-W10")
        .add(pool, 6, &[("overall", "4", 1), ("overall", RATHER_NOT, 5), ("respect", RATHER_NOT, 6)])
        .await;
    let filters = period("2026-W10", "2026-W11");
    let row = &overview(pool, &[station], &filters, K, 10.0).await.unwrap()[0];
    assert_eq!((row.responses, row.index, row.trend.clone()), (V(6), Hidden, vec![None, None]));
    let report = station_report(pool, station, &filters, K).await.unwrap().unwrap();
    assert_eq!((report.responses, report.index), (V(6), Hidden));
    assert_eq!((report.weeks[0].responses, report.weeks[0].index), (V(6), Hidden));
    assert_eq!(report.by_respondent[0], CategoryRow { category: Some("self".into()), responses: V(6), index: Hidden });
    let group = [CompareGroup { label: "LIM-01".into(), station_ids: vec![station] }];
    let column = &compare(pool, &group, &filters, K).await.unwrap()[0];
    assert_eq!((column.responses, column.index), (V(6), Hidden));
}

#[tokio::test]
async fn the_overview_counts_exactly_when_its_week_summaries_cannot_tell() {
    // The overview reads one summary per station and week, which bounds how many
    // visitors scored; a week split over languages can leave it unsure, and then the
    // station is counted question by question, as the station page does.
    let app = spawn_app().await;
    let pool = &app;
    let station = app.add_station("LIM-01").await;
    // Six visitors scored respect, though neither language alone has five.
    Cell::at(station, "2026-W10").add(pool, 3, &[("respect", "4", 3)]).await;
    Cell::at(station, "2026-W10").language("en").add(pool, 3, &[("respect", "3", 3)]).await;
    // Three scored respect and three others overall: three visitors at least, too few.
    Cell::at(station, "2026-W11").add(pool, 3, &[("respect", "4", 3)]).await;
    Cell::at(station, "2026-W11").language("en").add(pool, 3, &[("overall", "4", 3)]).await;
    // Unfiltered, the overview reads each week as a whole; filtered by version, it adds
    // up the week's languages, which leaves it unsure.
    for version in [None, Some(1)] {
        let filters = DashboardFilters::parse(week("2026-W10"), week("2026-W11"), version, None, false).unwrap();
        let row = &overview(pool, &[station], &filters, K, 10.0).await.unwrap()[0];
        // 15 points of 18 in W10; 18 of 18 in W11; respect scored 9 times in all.
        assert_eq!((row.responses, row.index), (V(12), V(91.7)), "{version:?}");
        assert_eq!(row.trend, vec![Some(83.3), None], "W11's index is about three visitors");
        let report = station_report(pool, station, &filters, K).await.unwrap().unwrap();
        assert_eq!((report.responses, report.index), (row.responses, row.index));
        let weeks: Vec<Option<f64>> = report.weeks.iter().map(|w| w.index.value()).collect();
        assert_eq!(weeks, row.trend);
    }
}
