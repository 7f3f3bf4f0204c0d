//! Time as Digna labels it: the ISO week (`2026-W48`), the only time a released response
//! carries, and the calendar around it. What the browser needs is computed here without
//! chrono (it is not part of the kiosk's build); the helpers that need a timezone or a
//! date are in `calendar` (server builds only).

#[cfg(feature = "server")]
pub mod calendar;

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

/// The (year, month) containing a week's Thursday. An ISO week belongs to the year of its
/// Thursday, so a week that starts in one month and ends in the next is counted once, in
/// the month that holds most of its days. Computed here because chrono is not part of
/// the browser build.
pub fn month_of(week: IsoWeek) -> (u16, u8) {
    let year = week.year();
    // 4 January always lies in week 1; its weekday, Monday = 1 … Sunday = 7.
    let jan4 = (jan1_weekday(year) + 3) % 7;
    let jan4 = if jan4 == 0 { 7 } else { jan4 };
    // Day of the year of week 1's Thursday is 8 - jan4 (1 … 7); weeks follow 7 days apart.
    // Always within the year, for the year is the Thursday's.
    let mut day = 7 * u32::from(week.week()) + 1 - jan4;
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let lengths = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    for (month, length) in (1u8..).zip(lengths) {
        if day <= length {
            return (year, month);
        }
        day -= length;
    }
    // Unreachable for a valid IsoWeek: week 53 exists only when its Thursday is in the year.
    (year, 12)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
