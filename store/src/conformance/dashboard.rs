//! Dashboards: the figures of the overview, a station's page and the comparison are
//! what was released, summed from the roll-ups, and a count below k never shows.

use super::station;
use crate::Store;
use domain::privacy::release::ReleasedRow;
use domain::{CategoryRow, CompareGroup, DashboardFilters, IsoWeek, Language, Shown, ValueCount, K, RATHER_NOT};
use Shown::{Suppressed as Hidden, Value as V};

const FIVE: K = K::new(5);

fn week(label: &str) -> IsoWeek {
    IsoWeek::parse(label).expect("a week")
}

fn period(from: &str, to: &str) -> DashboardFilters {
    DashboardFilters::parse(week(from), week(to), None, None, false).expect("a period")
}

/// A released response under version 1 with `answers`: Spanish, profile skipped, not
/// suspect unless changed.
fn answered(answers: &[(&str, &str)]) -> ReleasedRow {
    ReleasedRow {
        survey_version: 1,
        language: "es".into(),
        respondent: None,
        age_band: None,
        suspect: false,
        answers: answers.iter().map(|(q, v)| (q.to_string(), v.to_string())).collect(),
    }
}

/// `n` copies of `row`, each under an id of its own (`seed` keeps writes apart).
fn copies(n: u8, seed: u8, row: &ReleasedRow) -> Vec<(Vec<u8>, ReleasedRow)> {
    (0..n).map(|i| ([vec![seed, i], vec![0x5a; 14]].concat(), row.clone())).collect()
}

pub async fn the_overview_shows_what_was_released_and_hides_small_counts<S: Store>(store: &S) {
    let (a, b, c) = (station(store, "LIM-23").await, station(store, "LIM-21").await, station(store, "LIM-22").await);
    let (all_four, low) = (answered(&[("respect", "4"), ("overall", "4")]), answered(&[("overall", "1")]));
    let ones = ReleasedRow { suspect: true, ..answered(&[("respect", "1"), ("overall", "1")]) };
    store
        .write_released(&[
            // The period before: 100.
            (b, "2026-W08".into(), copies(5, 1, &all_four)),
            // Now: 30 points of 45 in W10 (66.7), 30 of 30 in W11 (100); 60 of 75 in all.
            (b, "2026-W10".into(), [copies(5, 2, &all_four), copies(5, 3, &low)].concat()),
            (b, "2026-W11".into(), copies(5, 4, &all_four)),
            // Suspect: left out unless asked for.
            (b, "2026-W10".into(), copies(4, 5, &ones)),
            // Too few to show.
            (c, "2026-W11".into(), copies(3, 6, &all_four)),
            // Outside both periods.
            (b, "2026-W13".into(), copies(9, 7, &ones)),
        ])
        .await
        .expect("the rows are written");

    let filters = period("2026-W10", "2026-W11");
    let rows = store.overview(&[a, c, b], &filters, FIVE, 10.0).await.expect("the overview");
    let codes: Vec<&str> = rows.iter().map(|r| r.station.code.as_str()).collect();
    assert_eq!(codes, ["LIM-21", "LIM-22", "LIM-23"], "every station asked for, by region then code");
    let r = &rows[0];
    assert_eq!(
        (r.responses, r.index, r.previous_index, r.change),
        (V(15), V(80.0), V(100.0), V(-20.0)),
        "the released responses and their index, now and before"
    );
    assert_eq!(r.trend, [Some(66.7), Some(100.0)], "the index of each week");
    assert!(r.flagged, "fell by 20 points");
    let r = &rows[1];
    assert_eq!((r.responses, r.index, r.trend.clone()), (Hidden, Hidden, vec![None, None]), "three responses");
    assert!(!r.flagged);
    let r = &rows[2];
    assert_eq!((r.responses, r.index, r.previous_index), (V(0), Hidden, Hidden), "a station without responses");

    // Filtered by version or language, the overview reads other roll-ups: the same sums.
    for (version, language) in [(Some(1), None), (None, Some(Language::Es)), (Some(1), Some(Language::Es))] {
        let f = DashboardFilters::parse(week("2026-W10"), week("2026-W11"), version, language, false).unwrap();
        let row = &store.overview(&[b], &f, FIVE, 10.0).await.unwrap()[0];
        assert_eq!((row.responses, row.index, row.trend.clone()), (V(15), V(80.0), vec![Some(66.7), Some(100.0)]));
    }
    let english = DashboardFilters::parse(week("2026-W10"), week("2026-W11"), None, Some(Language::En), false).unwrap();
    let row = &store.overview(&[b], &english, FIVE, 10.0).await.unwrap()[0];
    assert_eq!((row.responses, row.index), (V(0), Hidden), "nothing in English");
    // With the four suspect responses of W10.
    let suspect = DashboardFilters::parse(week("2026-W10"), week("2026-W11"), None, None, true).unwrap();
    let row = &store.overview(&[b], &suspect, FIVE, 10.0).await.unwrap()[0];
    assert_eq!(row.responses, V(19), "suspect responses count when asked for");
    assert_eq!(store.overview(&[], &filters, FIVE, 10.0).await.unwrap(), []);

    // Six visitors scored respect, though neither language alone has five: summed per
    // language, a week cannot tell how many visitors scored, and is counted exactly.
    let d = station(store, "LIM-20").await;
    let english = ReleasedRow { language: "en".into(), ..answered(&[("respect", "3")]) };
    let rows = [copies(3, 8, &answered(&[("respect", "4")])), copies(3, 9, &english)].concat();
    store.write_released(&[(d, "2026-W10".into(), rows)]).await.unwrap();
    let version_1 = DashboardFilters::parse(week("2026-W10"), week("2026-W11"), Some(1), None, false).unwrap();
    for filters in [&filters, &version_1] {
        let row = &store.overview(&[d], filters, FIVE, 10.0).await.unwrap()[0];
        // 15 points of 18.
        assert_eq!((row.responses, row.index, row.trend.clone()), (V(6), V(83.3), vec![Some(83.3), None]));
    }
}

pub async fn a_station_report_shows_what_was_released_and_hides_small_cells<S: Store>(store: &S) {
    let id = station(store, "LIM-24").await;
    let adult = ReleasedRow {
        respondent: Some("self".into()),
        age_band: Some("18-plus".into()),
        ..answered(&[
            ("respect", "4"),
            ("waiting_time", "under-15"),
            ("improve", "information"),
            ("improve", "children"),
        ])
    };
    let companion = ReleasedRow {
        language: "en".into(),
        respondent: Some("companion".into()),
        ..answered(&[("respect", "3"), ("waiting_time", "15-30"), ("improve", "information")])
    };
    let child = ReleasedRow {
        respondent: Some("child".into()),
        age_band: Some("12-17".into()),
        ..answered(&[("respect", RATHER_NOT), ("improve", "children")])
    };
    let rows = [copies(8, 1, &adult), copies(6, 2, &companion), copies(2, 3, &child)].concat();
    store.write_released(&[(id, "2026-W10".into(), rows)]).await.expect("the rows are written");

    let report = store.station_report(id, &period("2026-W09", "2026-W11"), FIVE).await.unwrap().expect("the station");
    assert_eq!(report.station.code, "LIM-24");
    // Respect: 8 × 3 + 6 × 2 points of 14 × 3; "rather not" does not score.
    assert_eq!((report.responses, report.index), (V(16), V(85.7)), "the released responses and their index");
    let weeks: Vec<_> = report.weeks.iter().map(|w| (w.week, w.responses, w.index)).collect();
    assert_eq!(weeks, [(week("2026-W10"), V(16), V(85.7))], "only the week with a release");

    let count = |value: &str, count| ValueCount { value: value.into(), count };
    let respect = &report.scales[0];
    assert_eq!(respect.question_key, "respect", "in survey order");
    // The two who would rather not say are hidden, and so is the smallest other cell.
    assert_eq!(
        respect.values,
        [count("1", V(0)), count("2", V(0)), count("3", Hidden), count("4", V(8)), count(RATHER_NOT, Hidden)]
    );
    assert_eq!(respect.no_answer, V(0));
    let believed = &report.scales[1];
    assert_eq!((believed.question_key.as_str(), believed.no_answer), ("believed", V(16)), "asked of nobody");
    let waiting = &report.single_choices[0];
    assert_eq!(
        (waiting.values.as_slice(), waiting.no_answer),
        (&[count("under-15", V(8)), count("15-30", Hidden), count("30-60", V(0)), count("over-60", V(0))][..], Hidden),
        "two skipped it: hidden, with the smallest cell"
    );
    let improve = &report.pick_lists[0];
    assert_eq!(improve.question_key, "improve");
    assert_eq!(improve.choices[..3], [count("information", V(14)), count("children", V(10)), count("respect", V(0))]);

    let row = |category: Option<&str>, responses, index| CategoryRow {
        category: category.map(String::from),
        responses,
        index,
    };
    assert_eq!(
        report.by_respondent,
        [row(Some("self"), V(8), V(100.0)), row(Some("companion"), Hidden, Hidden), row(Some("child"), Hidden, Hidden)]
    );
    assert_eq!(
        report.by_age_band,
        [
            row(Some("under-12"), V(0), Hidden),
            row(Some("12-17"), Hidden, Hidden),
            row(Some("18-plus"), V(8), V(100.0)),
            row(None, Hidden, Hidden),
        ]
    );
    assert_eq!(report.by_language, [row(Some("en"), V(6), V(66.7)), row(Some("es"), V(10), V(100.0))]);

    let before = store.station_report(id, &period("2026-W01", "2026-W09"), FIVE).await.unwrap().unwrap();
    assert_eq!((before.responses, before.index, before.weeks.len()), (V(0), Hidden, 0), "nothing before W10");
    let small = station(store, "LIM-25").await;
    store.write_released(&[(small, "2026-W10".into(), copies(4, 4, &adult))]).await.unwrap();
    let report = store.station_report(small, &period("2026-W10", "2026-W10"), FIVE).await.unwrap().unwrap();
    assert_eq!((report.responses, report.index), (Hidden, Hidden), "four responses are too few");
    assert_eq!(report.scales[0].values[3].count, Hidden);
    assert_eq!(store.station_report(small + 1000, &period("2026-W10", "2026-W10"), FIVE).await.unwrap(), None);
}

pub async fn a_comparison_sums_what_was_released_and_leaves_small_stations_out<S: Store>(store: &S) {
    let (a, b, c) = (station(store, "LIM-26").await, station(store, "LIM-27").await, station(store, "LIM-28").await);
    let empty = station(store, "LIM-29").await;
    store
        .write_released(&[
            (a, "2026-W10".into(), copies(10, 1, &answered(&[("respect", "4"), ("overall", "4")]))),
            // Three responses: hidden on their own, so left out of every group.
            (b, "2026-W10".into(), copies(3, 2, &answered(&[("respect", "1"), ("overall", "1")]))),
            (c, "2026-W11".into(), copies(6, 3, &answered(&[("respect", "2"), ("overall", RATHER_NOT)]))),
            // Outside the period.
            (c, "2026-W14".into(), copies(7, 4, &answered(&[("respect", "1")]))),
        ])
        .await
        .expect("the rows are written");
    let group = |label: &str, ids: &[i64]| CompareGroup { label: label.into(), station_ids: ids.to_vec() };
    let groups = [group("Lima Centro", &[a, b, c, empty]), group("LIM-27", &[b]), group("LIM-26", &[a])];
    let columns = store.compare(&groups, &period("2026-W09", "2026-W12"), FIVE).await.expect("the comparison");
    let labels: Vec<&str> = columns.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(labels, ["Lima Centro", "LIM-27", "LIM-26"], "in the order asked");
    let mean = |column: &domain::CompareColumn, key: &str| {
        column.questions.iter().find(|q| q.question_key == key).map(|q| q.mean).expect("a question of the index")
    };

    let region = &columns[0];
    assert_eq!((region.stations, region.left_out), (4, 1), "LIM-27 left out");
    // 10 + 6 responses; (30 + 30 + 6) points of (20 + 6) × 3.
    assert_eq!((region.responses, region.index), (V(16), V(84.6)));
    assert_eq!((mean(region, "respect"), mean(region, "overall")), (V(75.0), V(100.0)));
    assert_eq!(mean(region, "safety"), Hidden, "answered by nobody");
    let small = &columns[1];
    assert_eq!((small.stations, small.left_out, small.responses, small.index), (1, 1, Hidden, Hidden));
    assert_eq!(mean(small, "respect"), Hidden);
    let one = &columns[2];
    assert_eq!((one.responses, one.index, mean(one, "respect")), (V(10), V(100.0), V(100.0)));
    let nobody = store.compare(&[group("LIM-29", &[empty])], &period("2026-W09", "2026-W12"), FIVE).await.unwrap();
    assert_eq!((nobody[0].left_out, nobody[0].responses, nobody[0].index), (0, V(0), Hidden));
}

pub async fn the_weekly_index_and_distributions_count_what_was_released<S: Store>(store: &S) {
    let id = station(store, "LIM-30").await;
    let improve = answered(&[("respect", "1"), ("improve", "waiting"), ("improve", "children")]);
    store
        .write_released(&[
            (id, "2026-W10".into(), [copies(3, 1, &answered(&[("respect", "4")])), copies(1, 2, &improve)].concat()),
            (id, "2026-W12".into(), copies(2, 3, &answered(&[("respect", "3"), ("overall", RATHER_NOT)]))),
            (id, "2026-W12".into(), copies(5, 4, &ReleasedRow { suspect: true, ..improve.clone() })),
        ])
        .await
        .expect("the rows are written");
    let weeks = store.weekly_index(id, &week("2026-W09"), &week("2026-W13"), None).await.unwrap();
    let points: Vec<_> = weeks.iter().map(|w| (w.week, w.responses, w.index)).collect();
    // W10: 9 points of 12; W12: 4 of 6. W11 had no release: a gap, not a zero.
    assert_eq!(points, [(week("2026-W10"), 4, Some(75.0)), (week("2026-W12"), 2, Some(66.7))], "not suppressed");
    assert_eq!(store.weekly_index(id, &week("2026-W09"), &week("2026-W13"), Some(2)).await.unwrap(), []);
    let (from, to) = (week("2026-W09"), week("2026-W13"));
    let given = |key: &'static str| store.question_distribution(id, &from, &to, key);
    let pairs = |p: &[(&str, i64)]| p.iter().map(|(v, n)| (v.to_string(), *n)).collect::<Vec<_>>();
    assert_eq!(given("respect").await.unwrap(), pairs(&[("1", 1), ("3", 2), ("4", 3)]), "by value");
    assert_eq!(given("improve").await.unwrap(), pairs(&[("children", 1), ("waiting", 1)]), "suspect left out");
    assert_eq!(given("overall").await.unwrap(), pairs(&[(RATHER_NOT, 2)]));
}
