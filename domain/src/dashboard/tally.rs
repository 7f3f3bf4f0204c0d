//! The dashboards' arithmetic over released roll-ups, and its small-cell suppression:
//! the tallies the store fills from grouped queries ([`Scores`], [`IndexTally`],
//! [`Period`], [`Summary`]), and the figures a page receives, every one of them shown
//! or suppressed here ([`Shown`]), so that the index, suppression and the gaps follow
//! one set of rules whatever the store.

use super::{CategoryRow, DashboardFilters, Distribution, OverviewRow, PickList, ReportWeek, StationLabel, ValueCount};
use crate::{shown_breakdown, suppressed, DignityIndex, IsoWeek, Shown, K};
use std::collections::BTreeMap;

/// The scored answers to one question of the index, or to several: their points (a
/// face 1 … 4 is 0 … 3 points) and how many there are. All the index needs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scores {
    pub points: i64,
    pub scored: i64,
}

impl Scores {
    pub fn add(&mut self, other: Scores) {
        self.points += other.points;
        self.scored += other.scored;
    }

    pub fn index(self) -> Option<DignityIndex> {
        // Any answers with these points and this many of them give the same index: as
        // many fours as the points allow, one two or three for the rest, ones after.
        let (fours, rest) = (self.points / 3, self.points % 3);
        let odd = i64::from(rest > 0);
        let counts = [("4", fours), (if rest == 2 { "3" } else { "2" }, odd), ("1", self.scored - fours - odd)];
        if self.points < 0 || self.points > 3 * self.scored {
            return None;
        }
        DignityIndex::from_counts(counts)
    }
}

/// A face's points toward the index; `None` for "rather not" and anything not a face.
pub fn face_points(value: &str) -> Option<i64> {
    if DignityIndex::is_scored(value) {
        value.parse::<i64>().ok().map(|face| face - 1)
    } else {
        None
    }
}

/// Answers to the questions of the index, by question.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IndexTally(BTreeMap<String, Scores>);

impl IndexTally {
    /// `n` answers `value` to `question`; only faces count.
    pub fn add(&mut self, question: &str, value: &str, n: i64) {
        let scores = self.0.entry(question.to_string()).or_default();
        if let Some(points) = face_points(value) {
            scores.add(Scores { points: points * n, scored: n });
        }
    }

    pub fn add_scores(&mut self, question: &str, scores: Scores) {
        match self.0.get_mut(question) {
            Some(s) => s.add(scores),
            None => {
                self.0.insert(question.to_string(), scores);
            }
        }
    }

    pub fn merge(&mut self, other: &IndexTally) {
        for (question, scores) in &other.0 {
            self.add_scores(question, *scores);
        }
    }

    pub fn total(&self) -> Scores {
        let mut total = Scores::default();
        for scores in self.0.values() {
            total.add(*scores);
        }
        total
    }

    pub fn index(&self) -> Option<DignityIndex> {
        self.total().index()
    }

    /// How many visitors the index is about, at least. The roll-ups do not say how many
    /// responses scored any question, but a question is answered once per response, so
    /// the most scored question is a lower bound: an index of 6 responses that all but
    /// one declined to score is about one visitor.
    pub fn visitors(&self) -> i64 {
        self.0.values().map(|s| s.scored).max().unwrap_or(0)
    }

    /// One question's scored answers.
    pub fn question(&self, key: &str) -> Scores {
        self.0.get(key).copied().unwrap_or_default()
    }

    /// The index, unless it is about fewer than k responses or scoring visitors.
    pub fn shown_index(&self, responses: i64, k: K) -> Shown<f64> {
        match self.index() {
            Some(i) if !suppressed(responses, k) && !suppressed(self.visitors(), k) => Shown::Value(i.value()),
            _ => Shown::Suppressed,
        }
    }
}

/// Responses and index answers over some weeks.
#[derive(Clone, Debug, Default)]
pub struct Period {
    pub responses: i64,
    pub tally: IndexTally,
}

impl Period {
    pub fn sum(weeks: &BTreeMap<IsoWeek, Period>, from: IsoWeek, to: IsoWeek) -> Period {
        let mut total = Period::default();
        for week in weeks.range(from..=to).map(|(_, w)| w) {
            total.responses += week.responses;
            total.tally.merge(&week.tally);
        }
        total
    }
}

/// What the overview needs of some responses, without their answers per question: how
/// many, the index, and bounds on the visitors who scored ([`IndexTally::visitors`]).
/// The bounds hold when weeks or filter cells are added: the most scored question of
/// the whole is scored at least as often as that of any part, and at most as often as
/// all the parts' questions together. When they cannot tell whether k visitors scored
/// (rare: a small week split over languages), the station is counted again exactly.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Summary {
    pub responses: i64,
    pub scores: Scores,
    pub fewest_visitors: i64,
    pub most_visitors: i64,
}

impl Summary {
    pub fn exact(p: &Period) -> Summary {
        let visitors = p.tally.visitors();
        Summary { responses: p.responses, scores: p.tally.total(), fewest_visitors: visitors, most_visitors: visitors }
    }

    pub fn add(&mut self, other: &Summary) {
        self.responses += other.responses;
        self.scores.add(other.scores);
        self.fewest_visitors = self.fewest_visitors.max(other.fewest_visitors);
        self.most_visitors += other.most_visitors;
    }

    pub fn sum(weeks: &BTreeMap<IsoWeek, Summary>, from: IsoWeek, to: IsoWeek) -> Summary {
        let mut total = Summary::default();
        for week in weeks.range(from..=to).map(|(_, w)| w) {
            total.add(week);
        }
        total
    }

    /// As [`IndexTally::shown_index`]; `None` when the bounds cannot tell.
    pub fn shown_index(&self, k: K) -> Option<Shown<f64>> {
        match self.scores.index() {
            Some(_) if suppressed(self.responses, k) => Some(Shown::Suppressed),
            Some(i) if !suppressed(self.fewest_visitors, k) => Some(Shown::Value(i.value())),
            Some(_) if !suppressed(self.most_visitors, k) => None,
            _ => Some(Shown::Suppressed),
        }
    }
}

/// The weeks of the period with a release, responses and index hidden together. The
/// weeks add up to the period's responses, so they are suppressed as one breakdown: a
/// small week hides another, and a hidden week hides its index as well (with the
/// period's index shown, one week's index could otherwise be worked back). `None` when
/// a week's bounds cannot tell whether its index may be shown.
pub fn report_weeks(weeks: &BTreeMap<IsoWeek, Summary>, filters: &DashboardFilters, k: K) -> Option<Vec<ReportWeek>> {
    let released: Vec<(&IsoWeek, &Summary)> =
        weeks.range(filters.from()..=filters.to()).filter(|(_, p)| p.responses > 0).collect();
    let counts: Vec<i64> = released.iter().map(|(_, p)| p.responses).collect();
    released
        .iter()
        .zip(shown_breakdown(&counts, k))
        .map(|((week, p), responses)| {
            let index = if responses.is_suppressed() { Shown::Suppressed } else { p.shown_index(k)? };
            Some(ReportWeek { week: **week, index, responses })
        })
        .collect()
}

/// Rows of a breakdown of the responses, suppressed as one: the index of a hidden
/// category is hidden too.
pub fn category_breakdown(cells: Vec<(Option<String>, i64, IndexTally)>, k: K) -> Vec<CategoryRow> {
    let counts: Vec<i64> = cells.iter().map(|(_, n, _)| *n).collect();
    cells
        .into_iter()
        .zip(shown_breakdown(&counts, k))
        .map(|((category, n, tally), responses)| CategoryRow {
            category,
            index: if responses.is_suppressed() { Shown::Suppressed } else { tally.shown_index(n, k) },
            responses,
        })
        .collect()
}

/// The answers to a question with one answer per response, with a cell for the
/// responses without one: the cells add up to the responses, which the page shows.
pub fn distribution(key: &str, values: &[String], given: &BTreeMap<String, i64>, responses: i64, k: K) -> Distribution {
    let mut order: Vec<&String> = values.iter().collect();
    order.extend(given.keys().filter(|v| !values.contains(v)));
    let mut counts: Vec<i64> = order.iter().map(|v| given.get(*v).copied().unwrap_or(0)).collect();
    let answered: i64 = counts.iter().sum();
    counts.push((responses - answered).max(0));
    let mut shown = shown_breakdown(&counts, k);
    let no_answer = shown.pop().unwrap_or(Shown::Suppressed);
    Distribution {
        question_key: key.to_string(),
        values: order.into_iter().zip(shown).map(|(v, count)| ValueCount { value: v.clone(), count }).collect(),
        no_answer,
    }
}

/// A multiple-choice question's counts, each on its own (they add up to nothing shown),
/// all hidden when the responses are.
pub fn pick_list(key: &str, choices: &[String], given: &BTreeMap<String, i64>, responses: i64, k: K) -> PickList {
    let mut order: Vec<&String> = choices.iter().collect();
    order.extend(given.keys().filter(|v| !choices.contains(v)));
    let all_hidden = responses != 0 && suppressed(responses, k);
    let mut counted: Vec<(usize, &String, Shown<i64>)> = order
        .into_iter()
        .enumerate()
        .map(|(position, v)| {
            let n = given.get(v).copied().unwrap_or(0);
            (position, v, if all_hidden { Shown::Suppressed } else { Shown::count(n, k) })
        })
        .collect();
    // Shown counts first, most picked first; hidden ones after, in survey order.
    counted.sort_by_key(|(position, _, count)| match count {
        Shown::Value(n) => (0, -n, *position),
        Shown::Suppressed => (1, 0, *position),
    });
    PickList {
        question_key: key.to_string(),
        choices: counted.into_iter().map(|(_, v, count)| ValueCount { value: v.clone(), count }).collect(),
    }
}

/// A station's line on the overview, or `None` when `now`, `before` or `weeks` cannot
/// tell whether an index is about enough visitors. `period` is the filters and their
/// weeks (worked out once for every station).
pub fn overview_row(
    station: &StationLabel,
    weeks: &BTreeMap<IsoWeek, Summary>,
    now: Summary,
    before: Option<Summary>,
    period: (&DashboardFilters, &[IsoWeek]),
    k: K,
    drop_threshold: f64,
) -> Option<OverviewRow> {
    let (filters, trend_weeks) = period;
    let index = now.shown_index(k)?;
    let previous_index = match before {
        Some(before) => before.shown_index(k)?,
        None => Shown::Suppressed,
    };
    let change = match (index, previous_index) {
        // In tenths, so that 71.1 − 83.3 is −12.2 and not −12.199….
        (Shown::Value(a), Shown::Value(b)) => Shown::Value(((a * 10.0).round() - (b * 10.0).round()) / 10.0),
        _ => Shown::Suppressed,
    };
    let flagged = change.value().is_some_and(|c| c < -drop_threshold);
    let shown: BTreeMap<IsoWeek, Shown<f64>> =
        report_weeks(weeks, filters, k)?.into_iter().map(|w| (w.week, w.index)).collect();
    let trend = trend_weeks.iter().map(|w| shown.get(w).and_then(|i| i.value())).collect();
    Some(OverviewRow {
        station: station.clone(),
        responses: Shown::count(now.responses, k),
        index,
        previous_index,
        change,
        trend,
        flagged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RATHER_NOT;

    fn week(s: &str) -> IsoWeek {
        IsoWeek::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn tally(answers: &[(&str, &str, i64)]) -> IndexTally {
        let mut t = IndexTally::default();
        for (q, v, n) in answers {
            t.add(q, v, *n);
        }
        t
    }

    fn given(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
        pairs.iter().map(|(v, n)| (v.to_string(), *n)).collect()
    }

    fn keys(keys: &[&str]) -> Vec<String> {
        keys.iter().map(|k| k.to_string()).collect()
    }

    #[test]
    fn the_index_is_hidden_when_too_few_visitors_scored() {
        // Seven responses, but only one scored anything: the index would be that one's.
        let one = tally(&[("respect", "4", 1), ("respect", RATHER_NOT, 6), ("overall", RATHER_NOT, 7)]);
        assert_eq!(one.visitors(), 1);
        assert_eq!(one.shown_index(7, K::new(5)), Shown::Suppressed);
        let five = tally(&[("respect", "4", 5), ("overall", "1", 2), ("overall", RATHER_NOT, 5)]);
        assert_eq!(five.visitors(), 5, "the most scored question");
        assert_eq!(five.shown_index(7, K::new(5)), Shown::Value(71.4));
        assert_eq!(five.shown_index(4, K::new(5)), Shown::Suppressed, "four responses");
        assert_eq!(IndexTally::default().shown_index(9, K::new(5)), Shown::Suppressed, "nothing scored");
    }

    #[test]
    fn a_distribution_adds_up_to_the_responses() {
        let faces = keys(&["1", "2", "3", "4", RATHER_NOT]);
        // 0, 4, 0, 8, 5 and 5 without an answer: the 4 and the smallest other cell go.
        let d = distribution("respect", &faces, &given(&[("2", 4), ("4", 8), (RATHER_NOT, 5)]), 22, K::new(5));
        let counts: Vec<Shown<i64>> = d.values.iter().map(|v| v.count).collect();
        use Shown::{Suppressed as S, Value as V};
        assert_eq!(counts, vec![V(0), S, V(0), V(8), S]);
        assert_eq!(d.no_answer, V(5));
        // A value outside the list still counts, after the listed ones.
        let d = distribution("q", &keys(&["a"]), &given(&[("a", 6), ("b", 6)]), 12, K::new(5));
        assert_eq!(d.values.iter().map(|v| v.value.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(d.no_answer, V(0));
        // Fewer than k responses: everything goes.
        let d = distribution("q", &keys(&["a"]), &given(&[("a", 4)]), 4, K::new(5));
        assert_eq!((d.values[0].count, d.no_answer), (S, S));
    }

    #[test]
    fn a_pick_list_ranks_shown_counts_and_hides_the_order_of_hidden_ones() {
        let choices = keys(&["information", "respect", "privacy", "waiting", "children"]);
        let picks = given(&[("information", 8), ("privacy", 5), ("waiting", 4), ("children", 9), ("respect", 1)]);
        let list = pick_list("improve", &choices, &picks, 20, K::new(5));
        let ranked: Vec<(&str, Shown<i64>)> = list.choices.iter().map(|c| (c.value.as_str(), c.count)).collect();
        assert_eq!(
            ranked,
            vec![
                ("children", Shown::Value(9)),
                ("information", Shown::Value(8)),
                ("privacy", Shown::Value(5)),
                // Survey order, not 4 before 1.
                ("respect", Shown::Suppressed),
                ("waiting", Shown::Suppressed),
            ]
        );
        let list = pick_list("improve", &choices, &picks, 4, K::new(5));
        assert!(list.choices.iter().all(|c| c.count.is_suppressed()), "fewer than k responses");
    }

    #[test]
    fn weeks_are_suppressed_as_one_breakdown() {
        let period = |responses, t: &[(&str, &str, i64)]| Summary::exact(&Period { responses, tally: tally(t) });
        let weeks: BTreeMap<IsoWeek, Summary> = [
            (week("2026-W09"), period(50, &[("overall", "1", 50)])), // before the period
            (week("2026-W10"), period(4, &[("overall", "4", 4)])),
            (week("2026-W11"), period(9, &[("overall", "4", 9)])),
            (week("2026-W12"), period(6, &[("overall", "1", 6)])),
            (week("2026-W14"), period(0, &[])), // no release
        ]
        .into_iter()
        .collect();
        let filters = DashboardFilters::parse(week("2026-W10"), week("2026-W14"), None, None, false).unwrap();
        let shown = report_weeks(&weeks, &filters, K::new(5)).expect("exact figures tell");
        let w = |s, responses, index| ReportWeek { week: week(s), responses, index };
        assert_eq!(
            shown,
            vec![
                w("2026-W10", Shown::Suppressed, Shown::Suppressed),
                w("2026-W11", Shown::Value(9), Shown::Value(100.0)),
                // Hidden with W10, or W10 would be the period's 19 minus 9 and 6.
                w("2026-W12", Shown::Suppressed, Shown::Suppressed),
            ]
        );
    }

    #[test]
    fn points_and_scored_answers_give_the_index_of_the_answers() {
        // Every mix of up to six answers per face, "rather not" among them.
        for n1 in 0..6 {
            for n2 in 0..6 {
                for n3 in 0..6 {
                    for n4 in 0..6 {
                        let answers = [("1", n1), ("2", n2), ("3", n3), ("4", n4), (RATHER_NOT, 3)];
                        let t = tally(&answers.map(|(v, n)| ("overall", v, n)));
                        let expected = DignityIndex::from_counts(answers);
                        assert_eq!(t.index(), expected, "{answers:?}");
                        assert_eq!(t.question("overall").scored, n1 + n2 + n3 + n4);
                    }
                }
            }
        }
        assert_eq!(Scores { points: 7, scored: 2 }.index(), None, "more points than answers can have");
    }

    #[test]
    fn bounds_on_the_visitors_tell_or_say_they_cannot() {
        let k = 5;
        // Two filter cells of a week: 4 and 3 visitors scored respect; together 7 ≥ k.
        let cell = |n| Summary {
            responses: n,
            scores: Scores { points: 2 * n, scored: 2 * n },
            fewest_visitors: n,
            most_visitors: 2 * n,
        };
        let mut week = cell(4);
        week.add(&cell(3));
        assert_eq!((week.fewest_visitors, week.most_visitors), (4, 14));
        assert_eq!(week.shown_index(K::new(k as u32)), None, "4 ≤ visitors ≤ 14: cannot tell");
        week.add(&cell(5));
        assert_eq!(week.shown_index(K::new(k as u32)), Some(Shown::Value(33.3)), "one cell alone has 5");
        let few =
            Summary { responses: 9, scores: Scores { points: 3, scored: 4 }, fewest_visitors: 1, most_visitors: 4 };
        assert_eq!(few.shown_index(K::new(k as u32)), Some(Shown::Suppressed), "at most 4 visitors");
        let small = Summary { responses: 4, ..cell(4) };
        assert_eq!(small.shown_index(K::new(k as u32)), Some(Shown::Suppressed), "4 responses");
        // Exact summaries always tell, as the tally would.
        let t = tally(&[("respect", "4", 1), ("respect", RATHER_NOT, 6), ("overall", "3", 6)]);
        let p = Period { responses: 7, tally: t.clone() };
        assert_eq!(Summary::exact(&p).shown_index(K::new(k as u32)), Some(t.shown_index(7, K::new(k as u32))));
        assert_eq!(Summary::exact(&p).shown_index(K::new(k as u32)), Some(Shown::Value(71.4)));
    }
}
