use super::*;
use proptest::prelude::*;

fn week(s: &str) -> IsoWeek {
    IsoWeek::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn raw(station: &str, region: &str, w: &str, language: &str, respondent: &str, age_band: &str) -> RawKey {
    RawKey {
        station: station.into(),
        region: region.into(),
        week: week(w),
        language: language.into(),
        respondent: respondent.into(),
        age_band: age_band.into(),
        suspect: false,
    }
}

/// A respondent of type "self" at a station of region "North".
fn at(station: &str, w: &str, language: &str, age_band: &str) -> RawKey {
    raw(station, "North", w, language, "self", age_band)
}

fn station(code: &str) -> Place {
    Place::Station { code: code.into(), region: "North".into() }
}

fn month(year: u16, month: u8) -> Period {
    Period::Month { year, month }
}

fn published(place: Place, period: Period, language: &str, age_band: &str) -> PublishedKey {
    PublishedKey {
        place,
        period,
        language: language.into(),
        respondent: "self".into(),
        age_band: age_band.into(),
        suspect: false,
    }
}

fn step_rows(report: &Report) -> [u64; 4] {
    let rows: Vec<u64> = report.steps.iter().map(|s| s.rows).collect();
    rows.try_into().expect("four steps")
}

#[test]
fn month_of_takes_the_month_of_the_thursday() {
    let cases = [
        ("2026-W01", (2026, 1), "Thursday 2026-01-01, the week starts in 2025"),
        ("2020-W53", (2020, 12), "Thursday 2020-12-31, the week ends in 2021"),
        ("2026-W53", (2026, 12), "Thursday 2026-12-31"),
        ("2015-W53", (2015, 12), "Thursday 2015-12-31"),
        ("2004-W53", (2004, 12), "Thursday 2004-12-30"),
        ("2027-W52", (2027, 12), "Thursday 2027-12-30"),
        ("2100-W52", (2100, 12), "Thursday 2100-12-30, 2100 is not a leap year"),
        ("2025-W01", (2025, 1), "Thursday 2025-01-02, the week starts in 2024"),
        ("2000-W01", (2000, 1), "Thursday 2000-01-06"),
        ("2026-W05", (2026, 1), "Thursday 2026-01-29, the week ends in February"),
        ("2026-W06", (2026, 2), "Thursday 2026-02-05"),
        ("2024-W09", (2024, 2), "Thursday 2024-02-29, a leap day"),
        ("2024-W10", (2024, 3), "Thursday 2024-03-07"),
        ("2021-W13", (2021, 4), "Thursday 2021-04-01, though the week starts in March"),
        ("2021-W14", (2021, 4), "Thursday 2021-04-08"),
    ];
    for (w, expected, why) in cases {
        assert_eq!(month_of(week(w)), expected, "{w}: {why}");
    }
}

/// Every week of 2000–2100 against chrono (a test-only dependency: chrono is not in
/// the browser build).
#[test]
fn month_of_agrees_with_chrono_on_every_week() {
    use chrono::{Datelike, NaiveDate, Weekday};
    for w in IsoWeek::range(week("2000-W01"), week("2100-W52")) {
        let thursday = NaiveDate::from_isoywd_opt(i32::from(w.year()), u32::from(w.week()), Weekday::Thu)
            .unwrap_or_else(|| panic!("{w}"));
        let expected = (u16::try_from(thursday.year()).unwrap(), u8::try_from(thursday.month()).unwrap());
        assert_eq!(month_of(w), expected, "{w}");
    }
}

#[test]
fn periods_print_as_the_codebook_says() {
    assert_eq!(Period::Week(week("2026-W05")).to_string(), "2026-W05");
    assert_eq!(month(2026, 3).to_string(), "2026-03");
    assert_eq!(Period::Quarter { year: 2026, q: 1 }.to_string(), "2026-Q1");
    let quarters = [(1, 1), (3, 1), (4, 2), (6, 2), (7, 3), (9, 3), (10, 4), (12, 4)];
    for (m, q) in quarters {
        assert_eq!(month(2026, m).quarter(), Period::Quarter { year: 2026, q }, "month {m}");
    }
    assert_eq!(Period::Week(week("2021-W13")).quarter(), Period::Quarter { year: 2021, q: 2 });
}

#[test]
fn a_small_station_is_merged_into_its_region() {
    let big = at("LP-01", "2026-W10", "es", "30-44");
    let small = at("LP-02", "2026-W10", "es", "30-44");
    let smaller = at("LP-03", "2026-W11", "es", "18-29");
    let (plan, report) = plan(&[(big.clone(), 10), (small.clone(), 3), (smaller.clone(), 2)], K::new(5), Unit::Month);
    assert_eq!(plan.publish(&big), Some(&published(station("LP-01"), month(2026, 3), "es", "30-44")));
    // 3 and 2 are short through steps 1 and 2; together in the region they are 5.
    let region = published(Place::Region("North".into()), month(2026, 3), OTHER, ANY);
    assert_eq!(plan.publish(&small), Some(&region));
    assert_eq!(plan.publish(&smaller), Some(&region));
    assert_eq!(step_rows(&report), [5, 5, 5, 0]);
    assert_eq!((report.rows_in, report.rows_out, report.suppressed_rows), (15, 15, 0));
}

#[test]
fn rare_languages_become_other() {
    let es = at("LP-01", "2026-W10", "es", "30-44");
    let qu = at("LP-01", "2026-W10", "qu", "30-44");
    let ay = at("LP-01", "2026-W11", "ay", "45-59");
    let (plan, report) = plan(&[(es.clone(), 10), (qu.clone(), 2), (ay.clone(), 3)], K::new(5), Unit::Month);
    assert_eq!(plan.publish(&es), Some(&published(station("LP-01"), month(2026, 3), "es", "30-44")));
    let other = published(station("LP-01"), month(2026, 3), OTHER, ANY);
    assert_eq!(plan.publish(&qu), Some(&other));
    assert_eq!(plan.publish(&ay), Some(&other));
    assert_eq!(step_rows(&report), [5, 5, 0, 0]);
}

#[test]
fn short_age_bands_are_merged() {
    let common = at("LP-01", "2026-W10", "es", "30-44");
    let young = at("LP-01", "2026-W10", "es", "18-29");
    let older = at("LP-01", "2026-W11", "es", "45-59");
    let skipped = at("LP-01", "2026-W12", "es", "");
    let counts = [(common.clone(), 10), (young.clone(), 3), (older.clone(), 2), (skipped.clone(), 1)];
    let (plan, report) = plan(&counts, K::new(5), Unit::Month);
    assert_eq!(plan.publish(&common), Some(&published(station("LP-01"), month(2026, 3), "es", "30-44")));
    let any = published(station("LP-01"), month(2026, 3), "es", ANY);
    for key in [&young, &older, &skipped] {
        assert_eq!(plan.publish(key), Some(&any), "{key:?}");
    }
    assert_eq!(step_rows(&report), [6, 0, 0, 0]);
}

#[test]
fn short_months_become_their_quarter() {
    let january = at("LP-01", "2026-W02", "es", "30-44");
    let february = at("LP-01", "2026-W07", "es", "30-44");
    let march = at("LP-01", "2026-W11", "es", "30-44");
    let april = at("LP-01", "2026-W15", "es", "30-44");
    let counts = [(january.clone(), 2), (february.clone(), 3), (march.clone(), 1), (april.clone(), 8)];
    let (plan, report) = plan(&counts, K::new(5), Unit::Month);
    let q1 = published(Place::Region("North".into()), Period::Quarter { year: 2026, q: 1 }, OTHER, ANY);
    for key in [&january, &february, &march] {
        assert_eq!(plan.publish(key), Some(&q1), "{key:?}");
    }
    assert_eq!(plan.publish(&april), Some(&published(station("LP-01"), month(2026, 4), "es", "30-44")));
    assert_eq!(step_rows(&report), [6, 6, 6, 6]);
}

#[test]
fn rows_still_short_after_every_step_are_left_out() {
    let kept = at("LP-01", "2026-W02", "es", "30-44");
    let alone = at("LP-01", "2026-W20", "qu", "60+");
    let (plan, report) = plan(&[(kept.clone(), 10), (alone.clone(), 4)], K::new(5), Unit::Month);
    assert!(plan.publish(&kept).is_some());
    assert_eq!(plan.publish(&alone), None);
    assert_eq!((report.rows_in, report.rows_out, report.suppressed_rows), (14, 10, 4));
    assert_eq!(step_rows(&report), [0, 0, 0, 0], "left-out rows are not counted under a step");
}

#[test]
fn weeks_are_refused_when_a_week_cell_is_short() {
    let first = at("LP-01", "2026-W10", "es", "30-44");
    let second = at("LP-01", "2026-W11", "es", "30-44");
    let (plan, report) = plan(&[(first.clone(), 6), (second.clone(), 4)], K::new(5), Unit::Week);
    assert!(report.weeks_refused);
    assert_eq!(report.unit, Unit::Month);
    // Both weeks lie in March: by month they are one cell of 10.
    let march = published(station("LP-01"), month(2026, 3), "es", "30-44");
    assert_eq!(plan.publish(&first), Some(&march));
    assert_eq!(plan.publish(&second), Some(&march));
    assert_eq!(step_rows(&report), [0, 0, 0, 0]);
}

#[test]
fn weeks_are_granted_when_every_week_cell_holds_k() {
    let first = at("LP-01", "2026-W10", "es", "30-44");
    let second = at("LP-02", "2026-W11", "qu", "");
    let (plan, report) = plan(&[(first.clone(), 5), (second.clone(), 7)], K::new(5), Unit::Week);
    assert!(!report.weeks_refused);
    assert_eq!(report.unit, Unit::Week);
    assert_eq!(plan.publish(&first), Some(&published(station("LP-01"), Period::Week(week("2026-W10")), "es", "30-44")));
    assert_eq!(plan.publish(&second), Some(&published(station("LP-02"), Period::Week(week("2026-W11")), "qu", "")));
    assert_eq!((report.rows_in, report.rows_out, report.suppressed_rows), (12, 12, 0));
}

#[test]
fn months_are_not_refused_and_weeks_are_not_reported_as_refused() {
    let key = at("LP-01", "2026-W10", "es", "30-44");
    let (_, report) = plan(&[(key, 2)], K::new(5), Unit::Month);
    assert!(!report.weeks_refused);
    assert_eq!(report.unit, Unit::Month);
}

#[test]
fn k_is_never_below_the_minimum() {
    let key = at("LP-01", "2026-W10", "es", "30-44");
    let (short, report) = plan(&[(key.clone(), 2)], K::new(1), Unit::Month);
    assert_eq!(report.k, K::MIN);
    assert_eq!(short.publish(&key), None, "a cell of 2 is short even at k = 1");
    let (enough, _) = plan(&[(key.clone(), 3)], K::new(0), Unit::Month);
    assert!(enough.publish(&key).is_some());
}

#[test]
fn repeated_keys_add_up_and_empty_or_unknown_keys_publish_nothing() {
    let key = at("LP-01", "2026-W10", "es", "30-44");
    let empty = at("LP-09", "2026-W10", "es", "30-44");
    let (plan, report) = plan(&[(key.clone(), 2), (key.clone(), 3), (empty.clone(), 0)], K::new(5), Unit::Month);
    assert_eq!(plan.publish(&key), Some(&published(station("LP-01"), month(2026, 3), "es", "30-44")));
    assert_eq!(report.rows_in, 5);
    assert_eq!(plan.publish(&empty), None);
    assert_eq!(plan.publish(&at("LP-01", "2026-W10", "en", "30-44")), None, "not counted: left out");
}

#[test]
fn steps_are_described_in_both_languages() {
    for step in Step::ALL {
        assert!(!step.description_es().is_empty() && !step.description_en().is_empty(), "{step:?}");
        assert_eq!(serde_json::to_string(&step).unwrap(), format!("\"{}\"", step.code()));
    }
}

const REGIONS: [&str; 3] = ["North", "South", "Altiplano"];
const LANGUAGES: [&str; 5] = ["es", "qu", "ay", "en", ""];
const RESPONDENTS: [&str; 3] = ["self", "companion", ""];
const AGE_BANDS: [&str; 7] = ["18-29", "30-44", "45-59", "60+", "<18", "rather_not", ""];

/// Data sets of a few to many stations in 1–3 regions, weeks from late 2025 into 2026
/// (across a year end and quarter ends), Spanish far more common than the rest. Most
/// are sparse (many small cells, every step at work); one in four is dense (a few large
/// cells), so that weeks are sometimes granted.
fn data_set() -> impl Strategy<Value = Vec<(RawKey, u64)>> {
    let shape = (1usize..=3, prop::collection::vec(0usize..3, 1..=12), prop::bool::weighted(0.25));
    shape.prop_flat_map(|(regions, stations, dense)| {
        let stations: Vec<(String, &str)> =
            stations.iter().enumerate().map(|(i, r)| (format!("S{i:02}"), REGIONS[r % regions])).collect();
        let weeks = IsoWeek::range(week("2025-W45"), week("2026-W32"));
        let n = if dense { (3u64..30).boxed() } else { prop_oneof![3 => 1u64..4, 1 => 1u64..30].boxed() };
        let row = (
            prop::sample::select(stations),
            prop::sample::select(weeks),
            prop_oneof![12 => Just(LANGUAGES[0]), 1 => prop::sample::select(&LANGUAGES[1..])],
            prop::sample::select(&RESPONDENTS[..]),
            prop::sample::select(&AGE_BANDS[..]),
            n,
        )
            .prop_map(|((station, region), week, language, respondent, age_band, n)| {
                let (region, language) = (region.to_string(), language.to_string());
                let (respondent, age_band) = (respondent.to_string(), age_band.to_string());
                (RawKey { station, region, week, language, respondent, age_band, suspect: false }, n)
            });
        prop::collection::vec(row, if dense { 1..6 } else { 0..80 })
    })
}

fn unit() -> impl Strategy<Value = Unit> {
    prop_oneof![Just(Unit::Week), Just(Unit::Month)]
}

proptest! {
    #[test]
    fn every_published_combination_holds_k_rows(counts in data_set(), k in 3u64..=10, unit in unit()) {
        let (plan, _) = plan(&counts, K::new(k as u32), unit);
        let mut cells: HashMap<&PublishedKey, u64> = HashMap::new();
        for (key, n) in &counts {
            if let Some(p) = plan.publish(key) {
                *cells.entry(p).or_default() += n;
            }
        }
        for (key, n) in cells {
            prop_assert!(n >= k, "{:?} holds {} rows at k = {}", key, n, k);
        }
    }

    #[test]
    fn the_report_counts_match_the_plan(counts in data_set(), k in 3u64..=10, unit in unit()) {
        let (plan, report) = plan(&counts, K::new(k as u32), unit);
        let sum = |keep: &dyn Fn(Option<&PublishedKey>) -> bool| -> u64 {
            counts.iter().filter(|(key, _)| keep(plan.publish(key))).map(|(_, n)| n).sum()
        };
        prop_assert_eq!(report.rows_in, counts.iter().map(|(_, n)| n).sum::<u64>());
        prop_assert_eq!(report.rows_out, sum(&|p| p.is_some()));
        prop_assert_eq!(report.suppressed_rows, sum(&|p| p.is_none()));
        prop_assert_eq!(report.rows_in, report.rows_out + report.suppressed_rows);
        let steps: Vec<Step> = report.steps.iter().map(|s| s.step).collect();
        prop_assert_eq!(steps, Step::ALL.to_vec());
        for s in &report.steps {
            let shows = |p: &PublishedKey| match s.step {
                Step::AgeBandMerged => p.age_band == ANY,
                Step::LanguageToOther => p.language == OTHER,
                Step::StationToRegion => p.place.is_region(),
                Step::MonthToQuarter => matches!(p.period, Period::Quarter { .. }),
            };
            prop_assert_eq!(s.rows, sum(&|p| p.is_some_and(shows)), "{:?}", s.step);
        }
        let short_week = {
            let mut cells: HashMap<PublishedKey, u64> = HashMap::new();
            for (key, n) in &counts {
                *cells.entry(by_week(key)).or_default() += n;
            }
            cells.values().any(|&n| n < k)
        };
        prop_assert_eq!(report.weeks_refused, unit == Unit::Week && short_week);
        prop_assert_eq!(report.unit, if unit == Unit::Week && !short_week { Unit::Week } else { Unit::Month });
        prop_assert_eq!(report.k, K::new(k as u32));
    }

    #[test]
    fn nothing_is_published_finer_than_it_was(counts in data_set(), k in 3u64..=10, unit in unit()) {
        let (plan, report) = plan(&counts, K::new(k as u32), unit);
        for (key, _) in &counts {
            let Some(p) = plan.publish(key) else { continue };
            let month = Period::month_of(key.week);
            let station = Place::Station { code: key.station.clone(), region: key.region.clone() };
            prop_assert_eq!(&p.respondent, &key.respondent);
            prop_assert!(p.age_band == key.age_band || p.age_band == ANY, "{:?} → {:?}", key, p);
            prop_assert!(p.language == key.language || p.language == OTHER, "{:?} → {:?}", key, p);
            prop_assert!(p.place == station || p.place == Place::Region(key.region.clone()), "{:?} → {:?}", key, p);
            let periods = match report.unit {
                Unit::Week => vec![Period::Week(key.week)],
                Unit::Month => vec![month, month.quarter()],
            };
            prop_assert!(periods.contains(&p.period), "{:?} → {:?}", key, p);
            // Cumulative: each step shows every step before it.
            let shown = [
                p.age_band == ANY,
                p.language == OTHER,
                p.place.is_region(),
                matches!(p.period, Period::Quarter { .. }),
            ];
            prop_assert!(shown.windows(2).all(|w| w[0] || !w[1]), "{:?} → {:?}", key, p);
        }
    }

    /// Local recoding: a row whose combination already held k by month is published
    /// as it is.
    #[test]
    fn rows_in_combinations_of_k_are_left_as_they_are(counts in data_set(), k in 3u64..=10) {
        let (plan, _) = plan(&counts, K::new(k as u32), Unit::Month);
        let mut cells: HashMap<PublishedKey, u64> = HashMap::new();
        for (key, n) in &counts {
            *cells.entry(by_month(key, None)).or_default() += n;
        }
        for (key, _) in &counts {
            let exact = by_month(key, None);
            if cells[&exact] >= k {
                prop_assert_eq!(plan.publish(key), Some(&exact));
            }
        }
    }

    #[test]
    fn the_input_order_does_not_matter(
        (counts, shuffled) in data_set().prop_flat_map(|c| (Just(c.clone()), Just(c).prop_shuffle())),
        k in 3u64..=10,
        unit in unit(),
    ) {
        prop_assert_eq!(plan(&counts, K::new(k as u32), unit), plan(&shuffled, K::new(k as u32), unit));
    }
}
