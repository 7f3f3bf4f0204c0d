//! Which periods may be exported: whole months, bounded; their months and ISO weeks.

use chrono::{Datelike, NaiveDate};

/// The longest period an export or an open-data release may cover.
pub const MAX_PERIOD_MONTHS: i32 = 60;

/// Why a period of whole months (`from` the first day of a month, `to` the last day of
/// one) cannot be exported, in Spanish and in English; `None` when it can. It must end
/// no later than this month, not before the first release (`first_release`, the day
/// the first released week starts; `None` before any), and span at most
/// [`MAX_PERIOD_MONTHS`]. Checked before anything is read: a period is walked week by
/// week.
pub fn period_problem(
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
    first_release: Option<NaiveDate>,
) -> Option<(String, String)> {
    let months = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32 + 1;
    if months > MAX_PERIOD_MONTHS {
        return Some((
            format!("Un periodo abarca como máximo {MAX_PERIOD_MONTHS} meses; este abarca {months}."),
            format!("A period spans at most {MAX_PERIOD_MONTHS} months; this one spans {months}."),
        ));
    }
    if to > month_end(today) {
        return Some(("El periodo termina después de este mes.".into(), "The period ends after this month.".into()));
    }
    match first_release {
        None => {
            Some(("Todavía no se ha publicado ninguna respuesta.".into(), "No answers have been released yet.".into()))
        }
        Some(first) if to < first => {
            let month = first.format("%Y-%m");
            Some((
                format!("El periodo termina antes de la primera publicación de respuestas ({month})."),
                format!("The period ends before the first answers were released ({month})."),
            ))
        }
        Some(_) => None,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
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
    fn a_period_must_end_by_this_month_after_the_first_release_and_span_sixty_months_at_most() {
        let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let today = day("2026-12-06");
        let first = Some(day("2025-03-03"));
        let problem = |from: &str, to: &str, first| super::period_problem(day(from), day(to), today, first);
        assert_eq!(problem("2026-01-01", "2026-12-31", first), None);
        assert_eq!(
            problem("2000-01-01", "2026-12-31", first).map(|p| p.1).unwrap(),
            "A period spans at most 60 months; this one spans 324."
        );
        assert_eq!(problem("2022-01-01", "2026-12-31", first), None, "exactly 60 months");
        assert!(problem("2021-12-01", "2026-12-31", first).is_some(), "61 months");
        assert_eq!(
            problem("2026-12-01", "2027-01-31", first).map(|p| p.1).unwrap(),
            "The period ends after this month."
        );
        assert!(problem("0001-01-01", "9999-12-31", first).is_some(), "the years chrono accepts");
        let before = problem("2024-01-01", "2025-02-28", first).map(|p| p.1).unwrap();
        assert_eq!(before, "The period ends before the first answers were released (2025-03).");
        assert_eq!(problem("2024-01-01", "2025-03-31", first), None, "it reaches the first release");
        assert_eq!(
            problem("2026-01-01", "2026-12-31", None).map(|p| p.1).unwrap(),
            "No answers have been released yet."
        );
    }
}
