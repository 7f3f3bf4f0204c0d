//! Which pending responses a release makes visible, and with how much detail: a
//! release never lets one visitor stand out among the rows it writes.
//!
//! The station's staff can observe some things about a visitor: the survey language,
//! the survey version, whether the kiosk marked her visit suspect, and the answers a
//! survey marks *observable* (by default who answered, her age band and how long she
//! waited). These are the quasi-identifiers. The rule: in every release (the rows one
//! transaction makes visible for a station) every combination of quasi-identifier
//! values that appears, appears in at least k rows.
//!
//! [`plan`] k-anonymizes a station's pending responses as one set by local recoding
//! along a fixed hierarchy: the observable questions are withheld one after another,
//! the last one of the survey first (by default: waiting time, then age band, then who
//! answered), and the language last. Survey version and suspect flag are never
//! generalized: responses of another version, or suspect ones, form pools of their own.
//! Each response keeps the most detail that the rule allows (the fewest withheld values);
//! one that would lose detail waits for a later release instead, until it has waited
//! the hold limit, after which it is released with what the rule allows. A response
//! that cannot satisfy the rule even with everything withheld keeps waiting, unless
//! responses that would have been released with more detail can give up theirs to
//! complete its pool.

use crate::{ResponseContent, AGE_BAND_KEY, RESPONDENT_KEY};
use std::collections::{BTreeMap, HashMap};

/// What a released row holds in place of a withheld quasi-identifier: "not recorded
/// (privacy)". It cannot be a choice key (those start with a letter or a digit) nor a
/// language code, so it is never mistaken for an answer.
pub const WITHHELD: &str = "_withheld";

/// A pending response as a release sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// What is never generalized: survey version and suspect flag.
    pub pool: (i64, bool),
    /// The quasi-identifiers in the order they are withheld (the first one first); a
    /// skipped question is the empty string.
    pub quasi: Vec<String>,
    /// Whether it has waited the hold limit (or longer): it is then released with what
    /// the rule allows rather than wait for more detail.
    pub held_long_enough: bool,
}

/// A response to release now, with its first `withheld` quasi-identifiers replaced by
/// [`WITHHELD`]; `None` for one that waits.
pub type Decision = Option<usize>;

/// Decides, for each candidate, whether it is released now and how many of its
/// quasi-identifiers are withheld (see the module's documentation). `k` is at least 1.
/// Every combination of (pool, released quasi-identifiers) that the result gives
/// appears at least `k` times.
pub fn plan(candidates: &[Candidate], k: crate::K) -> Vec<Decision> {
    let k = k.rows();
    let k = k.max(1);
    let mut decisions = vec![None; candidates.len()];
    let mut pools: BTreeMap<(i64, bool), Vec<usize>> = BTreeMap::new();
    for (i, c) in candidates.iter().enumerate() {
        pools.entry(c.pool).or_default().push(i);
    }
    for members in pools.values() {
        plan_pool(candidates, members, k, &mut decisions);
    }
    decisions
}

/// [`plan`] for one pool (one survey version and suspect flag). Members differ in the
/// number of quasi-identifiers only if the data is inconsistent; the shortest decides.
fn plan_pool(all: &[Candidate], members: &[usize], k: usize, decisions: &mut [Decision]) {
    let depth = members.iter().map(|&i| all[i].quasi.len()).min().unwrap_or(0);
    let mut active: Vec<usize> = members.to_vec();
    // Responses that would lose detail and may still wait leave the pool; without them
    // others may lose detail too, so decide again until none is left to leave.
    let levels = loop {
        let levels = assign_levels(all, &active, depth, k);
        let before = active.len();
        active.retain(|i| match levels.get(i) {
            Some(&level) => level == 0 || all[*i].held_long_enough,
            None => true,
        });
        if active.len() == before {
            break levels;
        }
    };
    let mut levels = levels;
    // Those left over that have waited long enough: complete their pool (everything
    // withheld) with responses that would have been released with more detail, each
    // taken from a cell that keeps at least k without it.
    let stranded: Vec<usize> =
        active.iter().copied().filter(|i| !levels.contains_key(i) && all[*i].held_long_enough).collect();
    if !stranded.is_empty() && stranded.len() < k {
        let mut cells: HashMap<Vec<&str>, Vec<usize>> = HashMap::new();
        for (&i, &level) in &levels {
            cells.entry(generalized(&all[i].quasi[..depth], level)).or_default().push(i);
        }
        let mut cells: Vec<Vec<usize>> = cells.into_values().filter(|c| c.len() > k).collect();
        // The largest surplus first; ties in a fixed order, so a plan is reproducible.
        cells.iter_mut().for_each(|c| c.sort_unstable());
        cells.sort_by_key(|c| (std::cmp::Reverse(c.len()), c[0]));
        let mut donors = Vec::new();
        for cell in &cells {
            let spare = (cell.len() - k).min(k - stranded.len() - donors.len());
            donors.extend(cell.iter().rev().take(spare).copied());
            if stranded.len() + donors.len() == k {
                break;
            }
        }
        if stranded.len() + donors.len() == k {
            for i in stranded.into_iter().chain(donors) {
                levels.insert(i, depth);
            }
        }
    }
    for (i, level) in levels {
        decisions[i] = Some(level);
    }
}

/// A released response as it is written: its quasi-identifiers as released (a withheld
/// one as [`WITHHELD`], a skipped one as `None` or absent) and its answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleasedRow {
    pub survey_version: i64,
    /// A language code, or [`WITHHELD`].
    pub language: String,
    pub respondent: Option<String>,
    pub age_band: Option<String>,
    pub suspect: bool,
    /// (question, value) for every answer but the two profile items, one per stored
    /// value (a multiple choice answer gives one per choice); a withheld observable
    /// question gives one row of [`WITHHELD`], whether it was answered or skipped.
    pub answers: Vec<(String, String)>,
}

/// The key a released row adds to in the roll-ups, after its station and week: survey
/// version, language, respondent, age band (`""` for one skipped), suspect.
pub type RollupCell<'a> = (i64, &'a str, &'a str, &'a str, bool);

impl ReleasedRow {
    /// The roll-up key of this row ([`RollupCell`]), borrowed from it.
    pub fn rollup_cell(&self) -> RollupCell<'_> {
        (
            self.survey_version,
            &self.language,
            self.respondent.as_deref().unwrap_or_default(),
            self.age_band.as_deref().unwrap_or_default(),
            self.suspect,
        )
    }
}

/// Decides the release of `pending` (each with whether it has waited the hold limit)
/// by [`plan`]: `observable` gives, per survey version, its observable questions in the
/// order they are withheld ([`crate::Survey::observable_in_release_order`]). Returns,
/// for each, the row to write now, or `None` for one that waits.
pub fn release_rows(
    pending: &[(ResponseContent, bool)],
    observable: &BTreeMap<i64, Vec<String>>,
    k: crate::K,
) -> Vec<Option<ReleasedRow>> {
    let none = Vec::new();
    let observable_of = |c: &ResponseContent| observable.get(&c.survey_version()).unwrap_or(&none);
    let candidates: Vec<Candidate> = pending.iter().map(|(c, held)| candidate(c, observable_of(c), *held)).collect();
    plan(&candidates, k)
        .into_iter()
        .zip(pending)
        .map(|(decision, (c, _))| decision.map(|withheld| released_row(c, observable_of(c), withheld)))
        .collect()
}

/// A response as [`plan`] sees it: its quasi-identifiers are the answers to the
/// observable questions (in the order they are withheld), then the language.
pub fn candidate(content: &ResponseContent, observable: &[String], held_long_enough: bool) -> Candidate {
    let quasi = observable
        .iter()
        .map(|q| content.answer(q).map(|a| a.stored_values().join(",")).unwrap_or_default())
        .chain(std::iter::once(content.language().code().to_string()))
        .collect();
    Candidate { pool: (content.survey_version(), content.suspect()), quasi, held_long_enough }
}

/// The row a response is released as, with its first `withheld` quasi-identifiers
/// withheld (the language is the last).
pub fn released_row(content: &ResponseContent, observable: &[String], withheld: usize) -> ReleasedRow {
    let hidden = &observable[..withheld.min(observable.len())];
    let is_hidden = |key: &str| hidden.iter().any(|q| q == key);
    let profile = |key: &str, value: Option<&str>| {
        if is_hidden(key) {
            Some(WITHHELD.to_string())
        } else {
            value.map(str::to_string)
        }
    };
    let mut answers: Vec<(String, String)> = content
        .care_answers()
        .filter(|(q, _)| !is_hidden(q.as_ref()))
        .flat_map(|(q, a)| a.stored_values().into_iter().map(move |v| (q.to_string(), v)))
        .collect();
    answers.extend(
        hidden
            .iter()
            .filter(|q| q.as_str() != RESPONDENT_KEY && q.as_str() != AGE_BAND_KEY)
            .map(|q| (q.clone(), WITHHELD.to_string())),
    );
    ReleasedRow {
        survey_version: content.survey_version(),
        language: if withheld > observable.len() {
            WITHHELD.to_string()
        } else {
            content.language().code().to_string()
        },
        respondent: profile(RESPONDENT_KEY, content.respondent()),
        age_band: profile(AGE_BAND_KEY, content.age_band()),
        suspect: content.suspect(),
        answers,
    }
}

/// Greedy, level by level: at each level (the number of quasi-identifiers withheld),
/// every cell of at least `k` among those not yet placed is released at that level.
fn assign_levels(all: &[Candidate], active: &[usize], depth: usize, k: usize) -> HashMap<usize, usize> {
    let mut placed = HashMap::new();
    let mut left: Vec<usize> = active.to_vec();
    for level in 0..=depth {
        let mut cells: HashMap<Vec<&str>, Vec<usize>> = HashMap::new();
        for &i in &left {
            cells.entry(generalized(&all[i].quasi[..depth], level)).or_default().push(i);
        }
        for cell in cells.into_values().filter(|c| c.len() >= k) {
            for i in cell {
                placed.insert(i, level);
            }
        }
        left.retain(|i| !placed.contains_key(i));
        if left.is_empty() {
            break;
        }
    }
    placed
}

/// The quasi-identifiers with the first `level` of them withheld.
pub fn generalized(quasi: &[String], level: usize) -> Vec<&str> {
    quasi.iter().enumerate().map(|(j, v)| if j < level { WITHHELD } else { v.as_str() }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::K;
    use proptest::prelude::*;
    use std::collections::HashMap;

    fn candidate(quasi: &[&str], old: bool) -> Candidate {
        Candidate { pool: (1, false), quasi: quasi.iter().map(|s| s.to_string()).collect(), held_long_enough: old }
    }

    /// The rule itself: every released combination appears at least k times.
    fn assert_rule(candidates: &[Candidate], decisions: &[Decision], k: usize) {
        let mut cells: HashMap<((i64, bool), Vec<&str>), usize> = HashMap::new();
        for (c, d) in candidates.iter().zip(decisions) {
            if let Some(level) = d {
                *cells.entry((c.pool, generalized(&c.quasi, *level))).or_default() += 1;
            }
        }
        for (cell, n) in cells {
            assert!(n >= k, "{cell:?} released {n} times, fewer than k = {k}");
        }
    }

    // Order: waiting time, age band, respondent, language.
    const ADULT: [&str; 4] = ["15-30", "18-plus", "self", "es"];

    #[test]
    fn a_common_profile_is_released_whole_and_a_lone_rare_one_waits() {
        let mut cs: Vec<Candidate> = (0..6).map(|_| candidate(&ADULT, false)).collect();
        cs.push(candidate(&["15-30", "12-17", "child", "qu"], false));
        let d = plan(&cs, K::new(5));
        assert_eq!(&d[..6], &[Some(0); 6]);
        assert_eq!(d[6], None, "the Quechua-speaking child waits rather than lose detail");
        assert_rule(&cs, &d, 5);
    }

    #[test]
    fn after_the_hold_a_lone_rare_one_is_released_generalized_never_alone() {
        let mut cs: Vec<Candidate> = (0..9).map(|_| candidate(&ADULT, false)).collect();
        cs.push(candidate(&["15-30", "12-17", "child", "qu"], true));
        let d = plan(&cs, K::new(5));
        assert_eq!(d[9], Some(4), "released with everything withheld");
        let top = d.iter().filter(|l| **l == Some(4)).count();
        assert_eq!(top, 5, "her pool was completed to k by responses that gave up detail");
        assert_eq!(d.iter().filter(|l| **l == Some(0)).count(), 5);
        assert_rule(&cs, &d, 5);
        // Too few others to complete it without leaving a cell below k: she waits.
        let mut cs: Vec<Candidate> = (0..7).map(|_| candidate(&ADULT, false)).collect();
        cs.push(candidate(&["15-30", "12-17", "child", "qu"], true));
        let d = plan(&cs, K::new(5));
        assert_eq!(d[7], None);
        assert_rule(&cs, &d, 5);
    }

    #[test]
    fn detail_is_withheld_only_as_far_as_needed() {
        // Five adults who waited differently: the waiting time goes, the rest stays.
        let waits = ["under-15", "15-30", "30-60", "15-30", "over-60"];
        let cs: Vec<Candidate> = waits.iter().map(|w| candidate(&[w, "18-plus", "self", "es"], true)).collect();
        let d = plan(&cs, K::new(5));
        assert_eq!(d, vec![Some(1); 5]);
        // The same while they may still wait: they all wait.
        let young: Vec<Candidate> = cs.iter().map(|c| Candidate { held_long_enough: false, ..c.clone() }).collect();
        assert_eq!(plan(&young, K::new(5)), vec![None; 5]);
    }

    #[test]
    fn versions_and_suspect_responses_are_pools_of_their_own() {
        let mut cs: Vec<Candidate> = (0..5).map(|_| candidate(&ADULT, true)).collect();
        let mut suspect = candidate(&ADULT, true);
        suspect.pool = (1, true);
        cs.extend(std::iter::repeat_n(suspect, 3));
        let d = plan(&cs, K::new(5));
        assert_eq!(&d[..5], &[Some(0); 5]);
        assert_eq!(&d[5..], &[None; 3], "three suspect responses never join the others");
    }

    fn arb_candidate() -> impl Strategy<Value = Candidate> {
        (
            prop_oneof![Just((1i64, false)), Just((1, true)), Just((2, false))],
            prop_oneof![Just(""), Just("under-15"), Just("15-30"), Just("30-60"), Just("over-60")],
            prop_oneof![Just(""), Just("under-12"), Just("12-17"), Just("18-plus")],
            prop_oneof![Just(""), Just("self"), Just("companion"), Just("child")],
            prop_oneof![8 => Just("es"), 1 => Just("qu"), 1 => Just("ay"), 1 => Just("en")],
            any::<bool>(),
        )
            .prop_map(|(pool, wait, age, who, lang, old)| Candidate {
                pool,
                quasi: [wait, age, who, lang].iter().map(|s| s.to_string()).collect(),
                held_long_enough: old,
            })
    }

    proptest! {
        /// Arrivals over several releases with random profiles: every release obeys
        /// the rule, nothing is released twice, nothing is lost, and whatever waits
        /// either may still wait or could not be released even fully generalized.
        #[test]
        fn every_release_obeys_the_rule(
            arrivals in proptest::collection::vec(proptest::collection::vec(arb_candidate(), 0..25), 1..8),
            k in 3usize..7,
        ) {
            let mut waiting: Vec<Candidate> = Vec::new();
            let mut released = 0usize;
            let mut arrived = 0usize;
            for batch in arrivals {
                arrived += batch.len();
                waiting.extend(batch);
                let d = plan(&waiting, K::new(k as u32));
                assert_rule(&waiting, &d, k);
                // Detail is withheld from a response that could still wait only when it
                // completes the pool of one that has waited long enough.
                let completes = waiting.iter().zip(&d).any(|(o, l)| o.held_long_enough && *l == Some(o.quasi.len()));
                for (c, level) in waiting.iter().zip(&d) {
                    if let Some(level) = level {
                        prop_assert!(*level <= c.quasi.len());
                        prop_assert!(*level == 0 || c.held_long_enough || (*level == c.quasi.len() && completes),
                            "detail withheld from a response that could still wait");
                    }
                }
                released += d.iter().filter(|x| x.is_some()).count();
                waiting = waiting.into_iter().zip(&d).filter(|(_, d)| d.is_none()).map(|(c, _)| c).collect();
                // A release later, whatever waits has waited longer.
                for c in &mut waiting { c.held_long_enough = true; }
            }
            prop_assert_eq!(released + waiting.len(), arrived);
            // Of responses that have all waited long enough, fewer than k per pool are
            // left waiting: the rest are released, generalized as far as needed.
            let d = plan(&waiting, K::new(k as u32));
            let mut left: HashMap<(i64, bool), usize> = HashMap::new();
            for (c, level) in waiting.iter().zip(&d) {
                if level.is_none() { *left.entry(c.pool).or_default() += 1; }
            }
            for (pool, n) in left {
                prop_assert!(n < k, "{} responses of pool {:?} left waiting", n, pool);
            }
        }
    }
}
