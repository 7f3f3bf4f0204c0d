//! Which periods may be exported: whole months, bounded (their months and ISO weeks are
//! `domain::time::calendar`'s).

use chrono::{Datelike, NaiveDate};
use domain::time::calendar::month_end;

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

#[cfg(test)]
mod tests {
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
