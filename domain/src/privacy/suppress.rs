//! Small-cell suppression: what a dashboard may show about few visitors.
//!
//! A figure about fewer than k visitors is hidden ([`suppressed`]). In a breakdown whose
//! cells add up to a total the page shows, hiding one cell is not enough: the total minus
//! the visible cells would give it back, so [`suppress_breakdown`] hides more cells.
//!
//! A hidden figure never leaves the server: a page receives [`Shown::Suppressed`], which
//! carries no number.

use crate::{suppressed, K};
use serde::{Deserialize, Serialize};

/// A count, share, mean or chart point as a page receives it: the value, or the fact
/// that it is hidden.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shown<T> {
    Value(T),
    Suppressed,
}

impl<T> Shown<T> {
    /// `value`, unless `hidden`.
    pub fn unless(hidden: bool, value: T) -> Self {
        if hidden {
            Shown::Suppressed
        } else {
            Shown::Value(value)
        }
    }

    /// `value`, unless it is about fewer than k visitors.
    pub fn based_on(value: T, visitors: i64, k: K) -> Self {
        Shown::unless(suppressed(visitors, k), value)
    }

    pub fn value(self) -> Option<T> {
        match self {
            Shown::Value(v) => Some(v),
            Shown::Suppressed => None,
        }
    }

    pub fn is_suppressed(&self) -> bool {
        matches!(self, Shown::Suppressed)
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Shown<U> {
        match self {
            Shown::Value(v) => Shown::Value(f(v)),
            Shown::Suppressed => Shown::Suppressed,
        }
    }
}

impl Shown<i64> {
    /// A count on its own: shown when it is 0 (nobody to single out) or at least k.
    pub fn count(n: i64, k: K) -> Self {
        Shown::unless(n != 0 && suppressed(n, k), n)
    }
}

/// Which cells of a breakdown to hide (`true` = hidden), for cells that add up to a
/// total the page shows: responses by respondent type, age band or language; answers per
/// value of one question, with a cell for "no answer" so that the cells add up to the
/// responses. Use it only for such breakdowns: multiple-choice counts do not add up to
/// anything and need only [`Shown::count`].
///
/// - A total of 0 hides nothing; a total in 1..k hides every cell (and the caller hides
///   the total: [`suppressed`]).
/// - Every cell of 1..k is hidden.
/// - Zeros stay shown: a zero is about nobody. It also tells the reader that every hidden
///   cell holds at least one visitor, which the next rule accounts for.
/// - Then, while the hidden cells could be worked out from what is shown, the smallest
///   non-zero shown cell is hidden too (the first one on ties). Worked out means: a
///   single hidden cell (the total minus the shown cells gives it); hidden cells that
///   together hold fewer than k visitors (the difference is itself a small figure); or
///   hidden cells of one visitor each (as many visitors as hidden cells, and each holds
///   at least one).
///
/// The last case cannot always be avoided: when every non-zero cell holds one visitor
/// there is no other cell to hide, and the total shown elsewhere on the page gives them
/// away. That takes at least k categories of one visitor each, and says only that each
/// category has one visitor.
pub fn suppress_breakdown(counts: &[i64], k: K) -> Vec<bool> {
    let total: i64 = counts.iter().sum();
    if total != 0 && suppressed(total, k) {
        return vec![true; counts.len()];
    }
    let mut hidden: Vec<bool> = counts.iter().map(|&n| n > 0 && suppressed(n, k)).collect();
    loop {
        let (cells, visitors) = counts
            .iter()
            .zip(&hidden)
            .filter(|(_, &h)| h)
            .fold((0i64, 0i64), |(cells, visitors), (&n, _)| (cells + 1, visitors + n));
        let safe = cells == 0 || (cells >= 2 && !suppressed(visitors, k) && visitors > cells);
        if safe {
            return hidden;
        }
        let next = (0..counts.len()).filter(|&i| !hidden[i] && counts[i] > 0).min_by_key(|&i| (counts[i], i));
        match next {
            Some(i) => hidden[i] = true,
            // Every non-zero cell is hidden already: nothing more to hide (see above).
            None => return hidden,
        }
    }
}

/// Counts with [`suppress_breakdown`] applied, in the same order.
pub fn shown_breakdown(counts: &[i64], k: K) -> Vec<Shown<i64>> {
    counts.iter().zip(suppress_breakdown(counts, k)).map(|(&n, hidden)| Shown::unless(hidden, n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hidden_cells(counts: &[i64], k: K) -> Vec<usize> {
        suppress_breakdown(counts, k).iter().enumerate().filter(|(_, &h)| h).map(|(i, _)| i).collect()
    }

    #[test]
    fn a_count_of_4_is_hidden_and_5_shown_at_k_5() {
        assert_eq!(Shown::count(4, K::new(5)), Shown::Suppressed);
        assert_eq!(Shown::count(5, K::new(5)), Shown::Value(5));
        assert_eq!(Shown::count(0, K::new(5)), Shown::Value(0), "a zero is about nobody");
        assert_eq!(Shown::count(2, K::new(1)), Shown::Suppressed, "k is never below 3");
        assert_eq!(Shown::based_on(71.1, 4, K::new(5)), Shown::Suppressed);
        assert_eq!(Shown::based_on(71.1, 5, K::new(5)), Shown::Value(71.1));
    }

    #[test]
    fn shown_serializes_without_the_hidden_number() {
        assert_eq!(serde_json::to_string(&Shown::Value(7i64)).unwrap(), r#"{"value":7}"#);
        assert_eq!(serde_json::to_string(&Shown::<i64>::based_on(4, 4, K::new(5))).unwrap(), r#""suppressed""#);
        assert_eq!(serde_json::from_str::<Shown<f64>>(r#"{"value":71.1}"#).unwrap(), Shown::Value(71.1));
    }

    #[test]
    fn hides_cells_by_the_rules() {
        let cases: &[(&[i64], i64, &[usize], &str)] = &[
            (&[5, 6, 7], 5, &[], "every cell at least k"),
            (&[4, 5, 9], 5, &[0, 1], "a cell of 4 is hidden; 5 is the next smallest and hides it"),
            (&[4, 4, 9], 5, &[0, 1], "two hidden cells of 8 together: nothing more"),
            (&[4, 0, 9], 5, &[0, 2], "the zero stays shown and does not protect the 4"),
            (&[0, 9, 0], 5, &[], "zeros are shown"),
            (&[1, 1, 20], 5, &[0, 1, 2], "two hidden cells of 2 together: each is 1, hide more"),
            (&[2, 2, 6, 9], 5, &[0, 1, 2], "two hidden cells of 4 together are a small figure"),
            (&[3, 8, 6, 9], 5, &[0, 2], "the smallest shown cell is the complement"),
            (&[3, 6, 6, 9], 5, &[0, 1], "ties go to the first cell"),
            (&[4], 5, &[0], "a total of 4 hides everything"),
            (&[2, 2, 0], 5, &[0, 1, 2], "a total of 4 hides everything, zeros too"),
            (&[5], 5, &[], "a total of 5 in one cell"),
            (&[0, 0], 5, &[], "a total of 0 hides nothing"),
            (&[], 5, &[], "no cells"),
            (&[2, 3, 9], 1, &[0, 1], "k of 1 acts as 3"),
            (&[1, 1, 1, 1, 1], 5, &[0, 1, 2, 3, 4], "nothing left to hide: every cell is one visitor"),
        ];
        for (counts, k, expected, why) in cases {
            assert_eq!(hidden_cells(counts, K::new(*k as u32)), *expected, "{why}: {counts:?} at k={k}");
        }
    }

    #[test]
    fn shown_breakdown_keeps_the_order_and_drops_hidden_numbers() {
        assert_eq!(
            shown_breakdown(&[4, 0, 9, 12], K::new(5)),
            vec![Shown::Suppressed, Shown::Value(0), Shown::Suppressed, Shown::Value(12)]
        );
    }

    proptest! {
        /// What a reader can work out from a suppressed breakdown and its total: the
        /// hidden cells together, and that each holds at least one visitor.
        #[test]
        fn no_hidden_cell_can_be_worked_out(
            counts in prop::collection::vec(prop_oneof![Just(0i64), 1i64..8, 0i64..40], 0..8),
            k in 0i64..9,
        ) {
            let hidden = suppress_breakdown(&counts, K::new(k as u32));
            prop_assert_eq!(hidden.len(), counts.len());
            let total: i64 = counts.iter().sum();
            if total != 0 && suppressed(total, K::new(k as u32)) {
                // The total is hidden too: nothing adds up to anything shown.
                prop_assert!(hidden.iter().all(|&h| h));
                return Ok(());
            }
            let shown: Vec<i64> = counts.iter().zip(&hidden).filter(|(_, &h)| !h).map(|(&n, _)| n).collect();
            let kept: Vec<i64> = counts.iter().zip(&hidden).filter(|(_, &h)| h).map(|(&n, _)| n).collect();
            for n in &shown {
                prop_assert!(*n == 0 || !suppressed(*n, K::new(k as u32)), "a small cell is shown: {:?}", counts);
            }
            prop_assert!(kept.iter().all(|&n| n > 0), "a zero was hidden: {:?}", counts);
            prop_assert!(kept.len() != 1, "one hidden cell is the total minus the rest: {:?}", counts);
            if !kept.is_empty() {
                let together = total - shown.iter().sum::<i64>();
                prop_assert!(!suppressed(together, K::new(k as u32)), "hidden cells hold {} together: {:?}", together, counts);
                let every_non_zero_hidden = shown.iter().all(|&n| n == 0);
                prop_assert!(
                    together > kept.len() as i64 || every_non_zero_hidden,
                    "hidden cells of one visitor each: {:?}", counts
                );
            }
        }
    }
}
