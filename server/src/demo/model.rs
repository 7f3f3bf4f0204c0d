//! The current survey as the bulk seed needs it, and one generated response.

use super::mix::Mix;
use domain::privacy::release::ReleasedRow;
use domain::{AGE_BAND_KEY, RESPONDENT_KEY};

/// One generated response: indices into the [`Model`].
#[derive(Default)]
pub(super) struct Synthetic {
    pub(super) language: &'static str,
    pub(super) respondent: Option<usize>,
    pub(super) age_band: Option<usize>,
    pub(super) suspect: bool,
    /// (care question, value)
    pub(super) answers: Vec<(usize, usize)>,
}

/// The current survey as the generator needs it.
pub(super) struct Model {
    pub(super) version: i64,
    pub(super) care: Vec<CareQuestion>,
    pub(super) respondent: Profile,
    pub(super) age_band: Profile,
}

pub(super) struct CareQuestion {
    pub(super) key: String,
    pub(super) kind: Kind,
    /// The stored values, by index: "1" … "4" and "rather_not" for a face scale.
    pub(super) values: Vec<String>,
}

pub(super) enum Kind {
    /// How much better or worse than the station's usual this aspect goes.
    Scale {
        aspect: f64,
    },
    /// The waiting time bands, shortest first.
    Waiting,
    Single,
    /// Picks weigh `base + slope × (1 − experience)`.
    Multi {
        base: Vec<f64>,
        slope: Vec<f64>,
    },
}

/// A profile item: its choices and how often each is given.
pub(super) struct Profile {
    choices: Vec<String>,
    weights: Vec<f64>,
    /// Weights when a child answers (for the age band).
    child_weights: Vec<f64>,
    skipped: f64,
}

impl Profile {
    fn new(choices: Vec<String>, known: &[(&str, f64, f64)], skipped: f64) -> Profile {
        let weight =
            |c: &String, pick: fn(&(&str, f64, f64)) -> f64| known.iter().find(|k| k.0 == c.as_str()).map_or(1.0, pick);
        let weights = choices.iter().map(|c| weight(c, |k| k.1)).collect();
        let child_weights = choices.iter().map(|c| weight(c, |k| k.2)).collect();
        Profile { choices, weights, child_weights, skipped }
    }

    pub(super) fn pick(&self, rng: &mut Mix, child: Option<bool>) -> Option<usize> {
        if self.choices.is_empty() || rng.chance(self.skipped) {
            return None;
        }
        let weights = if child == Some(true) { &self.child_weights } else { &self.weights };
        let mut r = rng.unit() * weights.iter().sum::<f64>();
        for (i, w) in weights.iter().enumerate() {
            if r < *w {
                return Some(i);
            }
            r -= w;
        }
        Some(weights.len() - 1)
    }

    pub(super) fn is_child(&self, i: usize) -> bool {
        self.choices.get(i).is_some_and(|c| c == "child")
    }

    pub(super) fn stored(&self, i: Option<usize>) -> &str {
        i.and_then(|i| self.choices.get(i)).map_or("", String::as_str)
    }
}

impl Model {
    pub(super) async fn load(db: &crate::Db) -> anyhow::Result<Model> {
        let version =
            store::Surveys::current_version(db).await?.ok_or_else(|| anyhow::anyhow!("no published survey"))?;
        let survey = store::Surveys::load(db, version).await?.ok_or_else(|| anyhow::anyhow!("no published survey"))?;
        let keys = |key: &str| -> Vec<String> {
            survey.question(key).map(|q| q.choices.iter().map(|c| c.key.clone()).collect()).unwrap_or_default()
        };
        let respondent = Profile::new(
            keys(RESPONDENT_KEY),
            &[("self", 0.67, 0.67), ("companion", 0.22, 0.22), ("child", 0.11, 0.11)],
            0.06,
        );
        let age_band = Profile::new(
            keys(AGE_BAND_KEY),
            &[("18-plus", 0.93, 0.0), ("12-17", 0.06, 0.65), ("under-12", 0.01, 0.35)],
            0.07,
        );
        let mut care = Vec::new();
        for q in survey.questions.iter().filter(|q| q.key != RESPONDENT_KEY && q.key != AGE_BAND_KEY) {
            let choices: Vec<String> = q.choices.iter().map(|c| c.key.clone()).collect();
            let (kind, values) = match q.kind {
                domain::QuestionKind::Scale4 => {
                    let aspect = match q.key.as_str() {
                        "informed" => -0.12,
                        "privacy" => -0.08,
                        "believed" => -0.03,
                        "respect" => 0.03,
                        "language" => 0.08,
                        _ => 0.0,
                    };
                    let values = ["1", "2", "3", "4", domain::RATHER_NOT].map(String::from).to_vec();
                    (Kind::Scale { aspect }, values)
                }
                domain::QuestionKind::Single if choices.is_empty() => continue,
                domain::QuestionKind::Single if q.key == "waiting_time" => (Kind::Waiting, choices),
                domain::QuestionKind::Single => (Kind::Single, choices),
                domain::QuestionKind::Multi if choices.is_empty() => continue,
                domain::QuestionKind::Multi => {
                    let lean = |c: &String| match c.as_str() {
                        "waiting" => (1.0, 2.5),
                        "information" => (1.2, 1.5),
                        "respect" => (0.3, 1.5),
                        "privacy" => (0.6, 1.0),
                        _ => (0.5, 0.3),
                    };
                    let (base, slope) = choices.iter().map(lean).unzip();
                    (Kind::Multi { base, slope }, choices)
                }
            };
            care.push(CareQuestion { key: q.key.clone(), kind, values });
        }
        Ok(Model { version, care, respondent, age_band })
    }

    /// A generated response as a release writes it.
    pub(super) fn released_row(&self, one: &Synthetic) -> ReleasedRow {
        ReleasedRow {
            survey_version: self.version,
            language: one.language.to_string(),
            respondent: one.respondent.map(|r| self.respondent.stored(Some(r)).to_string()),
            age_band: one.age_band.map(|a| self.age_band.stored(Some(a)).to_string()),
            suspect: one.suspect,
            answers: one
                .answers
                .iter()
                .map(|&a| self.answer_key(a))
                .map(|(q, v)| (q.to_string(), v.to_string()))
                .collect(),
        }
    }

    pub(super) fn answer_key(&self, (q, v): (usize, usize)) -> (&str, &str) {
        let q = &self.care[q];
        (q.key.as_str(), q.values[v].as_str())
    }
}
