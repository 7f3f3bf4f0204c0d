//! The calendar around ISO weeks, for the server: a station's week and day in its
//! timezone, whole months and the weeks whose Thursday they hold, the retention cutoff.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

/// The ISO week (`2026-W48`) of `now` in the station's timezone; UTC if the zone is unknown.
pub fn iso_week_label(now: DateTime<Utc>, timezone: &str) -> String {
    let week = match timezone.parse::<chrono_tz::Tz>() {
        Ok(tz) => now.with_timezone(&tz).iso_week(),
        Err(_) => now.iso_week(),
    };
    format!("{:04}-W{:02}", week.year(), week.week())
}

/// The ISO week the dashboards' default period ends with at `now`: the week in Lima,
/// where the network's day is reckoned.
pub fn dashboards_week(now: DateTime<Utc>) -> crate::IsoWeek {
    crate::IsoWeek::parse(&iso_week_label(now, "America/Lima")).expect("chrono's ISO weeks are valid weeks")
}

/// The Monday that starts an ISO week label (`2026-W48`); `None` for a label that is not
/// one ([`crate::IsoWeek`]'s rules).
pub fn iso_week_monday(week: &str) -> Option<chrono::NaiveDate> {
    let week = crate::IsoWeek::parse(week).ok()?;
    chrono::NaiveDate::from_isoywd_opt(i32::from(week.year()), u32::from(week.week()), chrono::Weekday::Mon)
}

/// Whole weeks from ISO week `from` to ISO week `to` (0 when `to` is not later, or
/// either is malformed).
pub fn whole_weeks(from: &str, to: &str) -> u32 {
    match (iso_week_monday(from), iso_week_monday(to)) {
        (Some(a), Some(b)) if b > a => ((b - a).num_days() / 7) as u32,
        _ => 0,
    }
}

/// The calendar day of `at` in `timezone` (UTC if the name is unknown).
pub fn local_day(at: DateTime<Utc>, timezone: &str) -> NaiveDate {
    match timezone.parse::<chrono_tz::Tz>() {
        Ok(tz) => at.with_timezone(&tz).date_naive(),
        Err(_) => at.date_naive(),
    }
}

/// Whole days from `day` to `today` (a tablet is silent when this exceeds the setting).
pub fn days_since(day: NaiveDate, today: NaiveDate) -> i64 {
    (today - day).num_days()
}

/// The first day of `date`'s month.
pub fn month_start(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

/// The last day of `date`'s month.
pub fn month_end(date: NaiveDate) -> NaiveDate {
    let (y, m) = (date.year(), date.month());
    let next = if m == 12 { NaiveDate::from_ymd_opt(y + 1, 1, 1) } else { NaiveDate::from_ymd_opt(y, m + 1, 1) };
    next.and_then(|d| d.pred_opt()).unwrap_or(date)
}

/// The ISO weeks whose Thursday falls from `from` to `to`: a week belongs to the month
/// of its Thursday, so whole months hold whole weeks.
pub fn weeks_between(from: NaiveDate, to: NaiveDate) -> Vec<String> {
    let mut weeks = Vec::new();
    let mut day = from;
    while day <= to {
        if day.weekday() == chrono::Weekday::Thu {
            let w = day.iso_week();
            weeks.push(format!("{:04}-W{:02}", w.year(), w.week()));
        }
        match day.succ_opt() {
            Some(d) => day = d,
            None => break,
        }
    }
    weeks
}

/// The months from `from` to `to` as "YYYY-MM".
pub fn months(from: NaiveDate, to: NaiveDate) -> Vec<String> {
    month_starts(from, to).iter().map(|d| d.format("%Y-%m").to_string()).collect()
}

/// The first day of every month from `from` to `to`.
pub fn month_starts(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut d = month_start(from);
    while d <= to {
        out.push(d);
        match month_end(d).succ_opt() {
            Some(next) => d = next,
            None => break,
        }
    }
    out
}

/// The ISO week (`YYYY-Www`) of the day `years` years before `today`: released responses
/// labelled with an earlier week are older than the retention period.
pub fn retention_cutoff(today: NaiveDate, years: i64) -> String {
    let year = today.year() - i32::try_from(years).unwrap_or(i32::MAX).min(today.year());
    // 29 February has no twin in most years: the day before is the same age or older.
    let then = today.with_year(year).or_else(|| today.pred_opt()?.with_year(year)).unwrap_or(today);
    let week = then.iso_week();
    format!("{:04}-W{:02}", week.year(), week.week())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn day(s: &str) -> NaiveDate {
        d(s)
    }

    #[test]
    fn iso_week_follows_the_station_timezone() {
        // Monday 2026-11-30 03:00 UTC is still Sunday 2026-11-29 22:00 in Lima (week 48).
        let t = Utc.with_ymd_and_hms(2026, 11, 30, 3, 0, 0).unwrap();
        assert_eq!(iso_week_label(t, "America/Lima"), "2026-W48");
        assert_eq!(iso_week_label(t, "UTC"), "2026-W49");
        // ISO years differ from calendar years around New Year.
        let t = Utc.with_ymd_and_hms(2027, 1, 1, 12, 0, 0).unwrap();
        assert_eq!(iso_week_label(t, "America/Lima"), "2026-W53");
    }

    #[test]
    fn whole_months_hold_the_weeks_whose_thursday_they_hold() {
        assert_eq!(month_start(d("2026-02-17")), d("2026-02-01"));
        assert_eq!(month_end(d("2026-02-17")), d("2026-02-28"));
        assert_eq!(month_end(d("2024-02-01")), d("2024-02-29"));
        assert_eq!(month_end(d("2026-12-05")), d("2026-12-31"));
        // January 2026: Thursdays 1, 8, 15, 22, 29 → W01…W05.
        assert_eq!(
            weeks_between(d("2026-01-01"), d("2026-01-31")),
            ["2026-W01", "2026-W02", "2026-W03", "2026-W04", "2026-W05"]
        );
        // December 2020: Thursday 31 is in 2020-W53.
        assert_eq!(weeks_between(d("2020-12-01"), d("2020-12-31")).last().unwrap(), "2020-W53");
    }

    #[test]
    fn the_cutoff_is_the_iso_week_of_the_same_day_years_before() {
        assert_eq!(retention_cutoff(day("2026-11-29"), 5), "2021-W48");
        // 2021-01-03 is a Sunday in ISO week 53 of 2020.
        assert_eq!(retention_cutoff(day("2026-01-03"), 5), "2020-W53");
        // A leap day falls back to the 28th.
        assert_eq!(retention_cutoff(day("2028-02-29"), 1), "2027-W08");
        assert_eq!(retention_cutoff(day("2026-11-29"), 1), "2025-W48");
    }
}
