//! What the supervisor dashboards show: ISO weeks, the dignity index, and the rule that
//! hides any figure about too few visitors.

use serde::{Deserialize, Serialize};
use std::fmt;

const FIRST_YEAR: u16 = 2000;
const LAST_YEAR: u16 = 2100;

/// An ISO week such as `2026-W48`, the only time label a released response carries.
/// Years 2000–2100; the week exists in its ISO year (week 53 only in long years).
/// Ordered by time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IsoWeek {
    // Field order matters: the derived `Ord` compares the year first.
    year: u16,
    week: u8,
}

impl IsoWeek {
    pub fn parse(s: &str) -> Result<Self, String> {
        let b = s.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        if b.len() != 8 || &b[4..6] != b"-W" || !digits(0..4) || !digits(6..8) {
            return Err(format!("{s:?} is not an ISO week such as 2026-W48"));
        }
        // Four and two ASCII digits: these cannot fail.
        let year: u16 = s[0..4].parse().map_err(|_| format!("{s:?} has no year"))?;
        let week: u8 = s[6..8].parse().map_err(|_| format!("{s:?} has no week"))?;
        if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
            return Err(format!("{s:?}: the year must be between {FIRST_YEAR} and {LAST_YEAR}"));
        }
        let last = weeks_in_year(year);
        if !(1..=last).contains(&week) {
            return Err(format!("{s:?}: {year} has weeks 1 to {last}"));
        }
        Ok(IsoWeek { year, week })
    }

    pub fn year(self) -> u16 {
        self.year
    }

    pub fn week(self) -> u8 {
        self.week
    }

    /// The week after this one; `None` past the last supported year.
    pub fn next(self) -> Option<Self> {
        if self.week < weeks_in_year(self.year) {
            Some(IsoWeek { week: self.week + 1, ..self })
        } else if self.year < LAST_YEAR {
            Some(IsoWeek { year: self.year + 1, week: 1 })
        } else {
            None
        }
    }

    /// The week before this one; `None` before the first supported year.
    pub fn prev(self) -> Option<Self> {
        if self.week > 1 {
            Some(IsoWeek { week: self.week - 1, ..self })
        } else if self.year > FIRST_YEAR {
            Some(IsoWeek { year: self.year - 1, week: weeks_in_year(self.year - 1) })
        } else {
            None
        }
    }

    /// Every week from `from` to `to`, both included; empty when `from` is after `to`.
    pub fn range(from: IsoWeek, to: IsoWeek) -> Vec<IsoWeek> {
        let mut weeks = Vec::new();
        let mut week = Some(from);
        while let Some(w) = week.filter(|w| *w <= to) {
            weeks.push(w);
            week = w.next();
        }
        weeks
    }
}

/// 52 or 53: an ISO year is long when it starts on a Thursday, or on a Wednesday in a
/// leap year. Computed here because chrono is not part of the browser build.
fn weeks_in_year(year: u16) -> u8 {
    let jan1 = jan1_weekday(year);
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    if jan1 == THURSDAY || (leap && jan1 == WEDNESDAY) {
        53
    } else {
        52
    }
}

const WEDNESDAY: u32 = 3;
const THURSDAY: u32 = 4;

/// The weekday of 1 January (0 = Sunday … 6 = Saturday), by Gauss's formula.
fn jan1_weekday(year: u16) -> u32 {
    let y = u32::from(year) - 1;
    (1 + 5 * (y % 4) + 4 * (y % 100) + 6 * (y % 400)) % 7
}

impl TryFrom<String> for IsoWeek {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        IsoWeek::parse(&s)
    }
}

impl From<IsoWeek> for String {
    fn from(w: IsoWeek) -> String {
        w.to_string()
    }
}

impl fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-W{:02}", self.year, self.week)
    }
}

/// The dignity index, 0–100 with one decimal: the mean over every scored answer to the
/// questions that count toward it, each 4-point answer mapped to (value − 1) / 3 × 100.
/// "I'd rather not answer" is left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DignityIndex {
    tenths: u16,
}

impl DignityIndex {
    /// From counts of answers per stored value ("1" … "4", "rather_not") over the
    /// questions with [`Question::in_index`](super::Question::in_index); `None` when no
    /// answer was scored. Any other value, and a count below one, is left out.
    pub fn from_counts<'a>(counts: impl IntoIterator<Item = (&'a str, i64)>) -> Option<Self> {
        let (mut points, mut answers) = (0i128, 0i128);
        for (value, n) in counts {
            // "rather_not", and anything that is not a face, is left out.
            let Some(score) = face_points(value) else { continue };
            if n > 0 {
                points += score * i128::from(n);
                answers += i128::from(n);
            }
        }
        if answers == 0 {
            return None;
        }
        // points / (3 · answers) · 100, in tenths, rounded half up, in whole numbers so
        // that 77.75 never becomes 77.7 through a binary fraction.
        let tenths = (2 * points * 1000 + 3 * answers) / (6 * answers);
        Some(DignityIndex { tenths: u16::try_from(tenths).ok()? })
    }

    pub fn value(self) -> f64 {
        f64::from(self.tenths) / 10.0
    }

    /// Whether an answer stored as `value` is scored (a face "1" … "4"), as opposed to
    /// "I'd rather not answer": a figure on the index is about the visitors who scored.
    pub fn is_scored(value: &str) -> bool {
        face_points(value).is_some()
    }
}

fn face_points(value: &str) -> Option<i128> {
    match value {
        "1" => Some(0),
        "2" => Some(1),
        "3" => Some(2),
        "4" => Some(3),
        _ => None,
    }
}

impl fmt::Display for DignityIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.tenths / 10, self.tenths % 10)
    }
}

/// The smallest k the release and the dashboards ever use, whatever the settings say.
pub const MIN_K: i64 = 3;

/// Whether a figure (count, share, mean, chart point) based on `responses` responses
/// must be hidden: any figure about fewer than k visitors could single one out.
pub fn suppressed(responses: i64, k: i64) -> bool {
    responses < k.max(MIN_K)
}

/// One point of a station's weekly dignity index: only weeks with released responses
/// have one, so a week without a release is a gap, never a zero.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WeekPoint {
    pub week: IsoWeek,
    pub responses: i64,
    /// `None` when no answer in the week was scored.
    pub index: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RATHER_NOT;

    fn week(s: &str) -> IsoWeek {
        IsoWeek::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parses_valid_weeks_and_prints_them_back() {
        for s in ["2000-W01", "2026-W01", "2026-W48", "2026-W53", "2020-W53", "2015-W53", "2100-W52", "2004-W53"] {
            assert_eq!(week(s).to_string(), s);
        }
        assert_eq!((week("2026-W48").year(), week("2026-W48").week()), (2026, 48));
    }

    #[test]
    fn refuses_invalid_weeks() {
        let cases = [
            ("", "empty"),
            ("2026-W4", "one-digit week"),
            ("2026-W048", "three-digit week"),
            ("2026W48", "no hyphen"),
            ("2026-w48", "lower-case w"),
            ("2026-48", "no W"),
            (" 2026-W48", "leading space"),
            ("2026-W48 ", "trailing space"),
            ("26-W48", "two-digit year"),
            ("+026-W48", "sign in the year"),
            ("2026-W+8", "sign in the week"),
            ("２０２６-W48", "non-ASCII digits"),
            ("2026-W00", "week zero"),
            ("2026-W54", "week 54"),
            ("2025-W53", "week 53 of a short year (starts on a Wednesday, not leap)"),
            ("2021-W53", "week 53 of a short year (starts on a Friday)"),
            ("2100-W53", "week 53 of 2100 (starts on a Friday)"),
            ("1999-W10", "year before 2000"),
            ("2101-W01", "year after 2100"),
        ];
        for (input, why) in cases {
            assert!(IsoWeek::parse(input).is_err(), "{why}: {input:?} was accepted");
        }
    }

    #[test]
    fn counts_53_weeks_only_in_long_years() {
        // Long years between 2000 and 2040, from the ISO calendar.
        let long = [2004, 2009, 2015, 2020, 2026, 2032, 2037];
        for year in 2000..=2040u16 {
            let expected = if long.contains(&year) { 53 } else { 52 };
            assert_eq!(weeks_in_year(year), expected, "{year}");
        }
    }

    #[test]
    fn orders_by_time_and_steps_across_years() {
        assert!(week("2025-W52") < week("2026-W01"));
        assert!(week("2026-W09") < week("2026-W10"));
        let cases = [
            ("2026-W48", "2026-W49"),
            ("2026-W52", "2026-W53"),
            ("2026-W53", "2027-W01"),
            ("2025-W52", "2026-W01"),
            ("2020-W53", "2021-W01"),
        ];
        for (before, after) in cases {
            assert_eq!(week(before).next(), Some(week(after)), "after {before}");
            assert_eq!(week(after).prev(), Some(week(before)), "before {after}");
        }
        assert_eq!(week("2100-W52").next(), None);
        assert_eq!(week("2000-W01").prev(), None);
    }

    #[test]
    fn range_includes_both_ends_and_crosses_years() {
        let weeks: Vec<String> =
            IsoWeek::range(week("2026-W52"), week("2027-W02")).iter().map(|w| w.to_string()).collect();
        assert_eq!(weeks, ["2026-W52", "2026-W53", "2027-W01", "2027-W02"]);
        assert_eq!(IsoWeek::range(week("2026-W10"), week("2026-W10")), vec![week("2026-W10")]);
        assert!(IsoWeek::range(week("2026-W11"), week("2026-W10")).is_empty());
        assert_eq!(IsoWeek::range(week("2100-W51"), week("2100-W52")).len(), 2);
    }

    #[test]
    fn serde_goes_through_parse() {
        assert_eq!(serde_json::to_string(&week("2026-W05")).unwrap(), "\"2026-W05\"");
        assert_eq!(serde_json::from_str::<IsoWeek>("\"2026-W05\"").unwrap(), week("2026-W05"));
        assert!(serde_json::from_str::<IsoWeek>("\"2025-W53\"").is_err());
    }

    type Counts = &'static [(&'static str, i64)];

    fn index(counts: Counts) -> Option<f64> {
        DignityIndex::from_counts(counts.iter().copied()).map(DignityIndex::value)
    }

    #[test]
    fn dignity_index_maps_the_scale_to_0_100() {
        let cases: [(&str, Counts, Option<f64>); 11] = [
            ("all 4s", &[("4", 7)], Some(100.0)),
            ("all 1s", &[("1", 3)], Some(0.0)),
            ("all 2s", &[("2", 5)], Some(33.3)),
            ("all 3s", &[("3", 5)], Some(66.7)),
            ("one of each", &[("1", 1), ("2", 1), ("3", 1), ("4", 1)], Some(50.0)),
            // 4, 3, 2, 4, 3, 4: 14 points of 18.
            ("mix", &[("4", 3), ("3", 2), ("2", 1), (RATHER_NOT, 1)], Some(77.8)),
            // 1 point of 24: 4.1666… → 4.2.
            ("rounds half up", &[("2", 1), ("1", 7)], Some(4.2)),
            ("rather_not left out", &[("4", 2), (RATHER_NOT, 40)], Some(100.0)),
            ("only rather_not", &[(RATHER_NOT, 5)], None),
            ("nothing", &[], None),
            ("unknown values and empty counts left out", &[("5", 9), ("0", 9), ("1", 0), ("4", 1)], Some(100.0)),
        ];
        for (name, counts, expected) in cases {
            assert_eq!(index(counts), expected, "{name}");
        }
    }

    #[test]
    fn dignity_index_prints_one_decimal() {
        let i = DignityIndex::from_counts([("4", 3), ("3", 2), ("2", 1)]).unwrap();
        assert_eq!(i.to_string(), "77.8");
        assert_eq!(DignityIndex::from_counts([("4", 1)]).unwrap().to_string(), "100.0");
    }

    #[test]
    fn figures_about_fewer_than_k_responses_are_suppressed() {
        let cases = [
            (0, 5, true, "nothing"),
            (4, 5, true, "one short of k"),
            (5, 5, false, "exactly k"),
            (6, 5, false, "more than k"),
            (2, 1, true, "k never below 3"),
            (3, 1, false, "k of 1 acts as 3"),
        ];
        for (responses, k, expected, why) in cases {
            assert_eq!(suppressed(responses, k), expected, "{why}");
        }
    }
}
