//! Roll-up rows written directly, for tests of what the dashboards and notifications read.

use super::{Arg, TestApp};

/// The dimensions of one roll-up row; by default version 1, Spanish, an adult reporting
/// for themselves, not suspect.
#[derive(Clone, Copy)]
pub struct Cell<'a> {
    station: i64,
    week: &'a str,
    version: i64,
    language: &'a str,
    respondent: &'a str,
    age_band: &'a str,
    suspect: bool,
}

impl<'a> Cell<'a> {
    pub fn at(station: i64, week: &'a str) -> Self {
        Cell { station, week, version: 1, language: "es", respondent: "self", age_band: "18-plus", suspect: false }
    }

    pub fn language(self, language: &'a str) -> Self {
        Cell { language, ..self }
    }

    pub fn profile(self, respondent: &'a str, age_band: &'a str) -> Self {
        Cell { respondent, age_band, ..self }
    }

    pub fn version(self, version: i64) -> Self {
        Cell { version, ..self }
    }

    pub fn suspect(self) -> Self {
        Cell { suspect: true, ..self }
    }

    /// Adds `responses` responses and their answers (question, value, how many).
    pub async fn add(self, app: &TestApp, responses: i64, answers: &[(&str, &str, i64)]) {
        app.execute("INSERT INTO response_rollups (station_id, iso_week, survey_version, language, respondent, age_band, suspect, responses)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (station_id, iso_week, survey_version, language, respondent, age_band, suspect)
             DO UPDATE SET responses = response_rollups.responses + excluded.responses", &[Arg::from(self.station), Arg::from(self.week), Arg::from(self.version), Arg::from(self.language), Arg::from(self.respondent), Arg::from(self.age_band), Arg::from(self.suspect), Arg::from(responses)]).await
        .unwrap();
        for (question, value, n) in answers {
            app.execute("INSERT INTO answer_rollups (station_id, iso_week, survey_version, language, respondent, age_band, suspect, question_key, value, answers)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &[Arg::from(self.station), Arg::from(self.week), Arg::from(self.version), Arg::from(self.language), Arg::from(self.respondent), Arg::from(self.age_band), Arg::from(self.suspect), Arg::from(question), Arg::from(value), Arg::from(n)]).await
            .unwrap();
        }
    }
}

impl TestApp {
    /// Releases every station at `now`, as the scheduler would, each release judging its
    /// station's index alert (its accounts by e-mail if `mail`); how many alerts it raised.
    pub async fn release_judging(&self, now: chrono::DateTime<chrono::Utc>, mail: bool) -> usize {
        use server::privacy::release::release_station;
        let watcher = server::notify::index::Watcher::load(&self.db, self.state.release_k, mail).await.unwrap();
        let mut alerted = 0;
        for station in store::Stations::list_all(&self.db).await.unwrap() {
            let rule = self.state.release_rule();
            let released =
                release_station(&self.db, &self.state.seal, station.id, now, rule, None, Some(&watcher)).await.unwrap();
            alerted += usize::from(released.alerted);
        }
        alerted
    }
}
