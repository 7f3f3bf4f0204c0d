//! What the supervisor dashboards show: the dignity index, and the rule that hides any
//! figure about too few visitors.

use crate::{IsoWeek, K};
use serde::{Deserialize, Serialize};
use std::fmt;

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

/// Whether a figure (count, share, mean, chart point) based on `responses` responses
/// must be hidden: any figure about fewer than k visitors could single one out.
pub fn suppressed(responses: i64, k: K) -> bool {
    responses < k.count()
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
            assert_eq!(suppressed(responses, K::new(k as u32)), expected, "{why}");
        }
    }
}
