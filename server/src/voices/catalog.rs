//! What there is to record and what is recorded: every prompt of the current survey
//! version in a language (`app::voice_prompts`), each with its recording and whether it
//! is approved for the words the kiosk shows now. A recording is published (listed to the
//! kiosk, served, precached) only when it is approved for exactly those words: a text
//! that changed in a new version needs its recording reviewed.

use app::voice_prompts::{prompts, Prompt};
use domain::Language;
use std::collections::BTreeMap;
use store::voices::Voice;
use store::{Surveys, Voices};

/// Where a prompt stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Missing,
    /// Recorded, not approved yet.
    Unapproved,
    /// Approved for words the kiosk no longer shows.
    Changed,
    Approved,
}

/// One prompt with its recording.
#[derive(Clone, Debug)]
pub struct Line {
    pub prompt: Prompt,
    pub voice: Option<Voice>,
    pub status: Status,
}

/// The current survey version (none before one is published) and the prompts of each
/// language, with their recordings.
pub struct Catalog {
    pub version: Option<i64>,
    pub languages: BTreeMap<Language, Vec<Line>>,
}

impl Catalog {
    pub async fn load(db: &crate::Db) -> Result<Catalog, store::Error> {
        let version = db.current_version().await?;
        let survey = match version {
            Some(v) => db.load_any(v).await?,
            None => None,
        };
        let mut recorded: BTreeMap<(String, String), Voice> =
            db.voices().await?.into_iter().map(|v| ((v.language.clone(), v.text_key.clone()), v)).collect();
        let mut languages = BTreeMap::new();
        for lang in Language::ALL {
            let lines = survey
                .as_ref()
                .map(|s| prompts(s, lang))
                .unwrap_or_default()
                .into_iter()
                .map(|prompt| {
                    let voice = recorded.remove(&(lang.code().to_string(), prompt.key.clone()));
                    let status = match &voice {
                        None => Status::Missing,
                        Some(v) if v.approved_at.is_none() => Status::Unapproved,
                        Some(v) if v.text != prompt.text => Status::Changed,
                        Some(_) => Status::Approved,
                    };
                    Line { prompt, voice, status }
                })
                .collect();
            languages.insert(lang, lines);
        }
        Ok(Catalog { version, languages })
    }

    /// The lines of `lang`.
    pub fn lines(&self, lang: Language) -> &[Line] {
        self.languages.get(&lang).map(Vec::as_slice).unwrap_or_default()
    }

    /// (approved, prompts) in `lang`.
    pub fn coverage(&self, lang: Language) -> (usize, usize) {
        let lines = self.lines(lang);
        (lines.iter().filter(|l| l.status == Status::Approved).count(), lines.len())
    }

    /// What the kiosk plays: per language, each approved prompt's key and its sound's hash.
    pub fn published(&self) -> BTreeMap<Language, BTreeMap<String, String>> {
        self.languages
            .iter()
            .map(|(lang, lines)| {
                let approved = lines
                    .iter()
                    .filter(|l| l.status == Status::Approved)
                    .filter_map(|l| l.voice.as_ref().map(|v| (l.prompt.key.clone(), v.sha256.clone())))
                    .collect();
                (*lang, approved)
            })
            .filter(|(_, keys): &(Language, BTreeMap<String, String>)| !keys.is_empty())
            .collect()
    }

    /// The line of `key` in `lang`.
    pub fn line(&self, lang: Language, key: &str) -> Option<&Line> {
        self.lines(lang).iter().find(|l| l.prompt.key == key)
    }
}
