//! Released rows as a release writes them: the rows themselves, and the base roll-ups
//! they add to, one statement per kind of row, for one week or many.

use domain::privacy::release::{ReleasedRow, RollupCell};
use sqlx::PgConnection;
use std::collections::BTreeMap;

/// Writes one station's released rows under one ISO week: [`write_released_weeks`] of
/// one week.
pub async fn write_released_rows(
    conn: &mut PgConnection,
    station_id: i64,
    iso_week: &str,
    rows: &[(Vec<u8>, ReleasedRow)],
) -> Result<(), crate::Error> {
    write_released_weeks(conn, &[(station_id, iso_week, rows)]).await
}

/// Writes released rows, each (station, ISO week) of `weeks` in turn, in the order given
/// and under the ids given (random, and shuffled, by the privacy pipeline), and adds them
/// to the base roll-ups (`response_rollups`, `answer_rollups`; the triggers derive the
/// dashboards' tables from them, once per statement): one statement per kind of row for
/// every week at once, the rows travelling as arrays, since each statement is a round
/// trip to the server and a run of the triggers. `conn` is in the transaction (holding
/// the writer lock) the rows belong to.
pub async fn write_released_weeks(conn: &mut PgConnection, weeks: &[Week<'_>]) -> Result<(), crate::Error> {
    if weeks.iter().all(|(_, _, rows)| rows.is_empty()) {
        return Ok(());
    }
    let mut response_counts: BTreeMap<Dims<'_>, i64> = BTreeMap::new();
    let mut answer_counts: BTreeMap<(Dims<'_>, &str, &str), i64> = BTreeMap::new();
    let mut responses = ResponseColumns::default();
    let (mut answer_ids, mut answer_questions, mut answer_values) = (Vec::new(), Vec::new(), Vec::new());
    for &(station_id, iso_week, rows) in weeks {
        for (id, row) in rows {
            let dims: Dims<'_> = (station_id, iso_week, row.rollup_cell());
            *response_counts.entry(dims).or_default() += 1;
            for (question, value) in &row.answers {
                answer_ids.push(id.as_slice());
                answer_questions.push(question.as_str());
                answer_values.push(value.as_str());
                *answer_counts.entry((dims, question, value)).or_default() += 1;
            }
            responses.push(station_id, iso_week, id, row);
        }
    }
    // WITH ORDINALITY … ORDER BY: written in the order given, whatever the plan.
    sqlx::query!(
        "INSERT INTO responses (id, station_id, survey_version, iso_week, language, respondent, age_band, suspect)
         SELECT id, station_id, survey_version, iso_week, language, respondent, age_band, suspect
         FROM UNNEST($1::BYTEA[], $2::BIGINT[], $3::TEXT[], $4::BIGINT[], $5::TEXT[], $6::TEXT[], $7::TEXT[],
                     $8::BOOLEAN[])
              WITH ORDINALITY AS r (id, station_id, iso_week, survey_version, language, respondent, age_band, suspect, n)
         ORDER BY n",
        &responses.ids as _,
        &responses.stations,
        &responses.weeks as _,
        &responses.versions,
        &responses.languages as _,
        &responses.respondents as _,
        &responses.age_bands as _,
        &responses.suspects
    )
    .execute(&mut *conn)
    .await?;
    if !answer_ids.is_empty() {
        sqlx::query!(
            "INSERT INTO answers (response_id, question_key, value)
             SELECT response_id, question_key, value
             FROM UNNEST($1::BYTEA[], $2::TEXT[], $3::TEXT[]) WITH ORDINALITY AS a (response_id, question_key, value, n)
             ORDER BY n",
            &answer_ids as _,
            &answer_questions as _,
            &answer_values as _
        )
        .execute(&mut *conn)
        .await?;
    }
    let mut counts = RollupColumns::default();
    for (dims, n) in response_counts {
        counts.push(dims, n);
    }
    sqlx::query!(
        "INSERT INTO response_rollups AS t
             (station_id, iso_week, survey_version, language, respondent, age_band, suspect, responses)
         SELECT station_id, iso_week, survey_version, language, respondent, age_band, suspect, responses
         FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::BIGINT[], $4::TEXT[], $5::TEXT[], $6::TEXT[], $7::BOOLEAN[],
                     $8::BIGINT[])
              AS c (station_id, iso_week, survey_version, language, respondent, age_band, suspect, responses)
         ON CONFLICT (station_id, iso_week, survey_version, language, respondent, age_band, suspect)
         DO UPDATE SET responses = t.responses + excluded.responses",
        &counts.stations,
        &counts.weeks as _,
        &counts.versions,
        &counts.languages as _,
        &counts.respondents as _,
        &counts.age_bands as _,
        &counts.suspects,
        &counts.counts
    )
    .execute(&mut *conn)
    .await?;
    if !answer_counts.is_empty() {
        let mut counts = RollupColumns::default();
        let (mut questions, mut values) = (Vec::new(), Vec::new());
        for ((dims, question, value), n) in answer_counts {
            counts.push(dims, n);
            questions.push(question);
            values.push(value);
        }
        sqlx::query!(
            "INSERT INTO answer_rollups AS t
                 (station_id, iso_week, survey_version, language, respondent, age_band, suspect, question_key, value,
                  answers)
             SELECT station_id, iso_week, survey_version, language, respondent, age_band, suspect, question_key, value,
                    answers
             FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::BIGINT[], $4::TEXT[], $5::TEXT[], $6::TEXT[], $7::BOOLEAN[],
                         $8::TEXT[], $9::TEXT[], $10::BIGINT[])
                  AS c (station_id, iso_week, survey_version, language, respondent, age_band, suspect, question_key,
                        value, answers)
             ON CONFLICT (station_id, iso_week, survey_version, language, respondent, age_band, suspect, question_key,
                          value)
             DO UPDATE SET answers = t.answers + excluded.answers",
            &counts.stations,
            &counts.weeks as _,
            &counts.versions,
            &counts.languages as _,
            &counts.respondents as _,
            &counts.age_bands as _,
            &counts.suspects,
            &questions as _,
            &values as _,
            &counts.counts
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// One station's released rows under one ISO week.
pub type Week<'a> = (i64, &'a str, &'a [(Vec<u8>, ReleasedRow)]);

/// A roll-up's key: station, ISO week, and the row's [`RollupCell`] (borrowed from it).
type Dims<'a> = (i64, &'a str, RollupCell<'a>);

/// Released rows as columns, borrowed, for one `INSERT … SELECT FROM UNNEST`.
#[derive(Default)]
struct ResponseColumns<'a> {
    stations: Vec<i64>,
    weeks: Vec<&'a str>,
    ids: Vec<&'a [u8]>,
    versions: Vec<i64>,
    languages: Vec<&'a str>,
    respondents: Vec<Option<&'a str>>,
    age_bands: Vec<Option<&'a str>>,
    suspects: Vec<bool>,
}

impl<'a> ResponseColumns<'a> {
    fn push(&mut self, station_id: i64, iso_week: &'a str, id: &'a [u8], row: &'a ReleasedRow) {
        self.stations.push(station_id);
        self.weeks.push(iso_week);
        self.ids.push(id);
        self.versions.push(row.survey_version);
        self.languages.push(&row.language);
        self.respondents.push(row.respondent.as_deref());
        self.age_bands.push(row.age_band.as_deref());
        self.suspects.push(row.suspect);
    }
}

/// Roll-up keys and counts as columns.
#[derive(Default)]
struct RollupColumns<'a> {
    stations: Vec<i64>,
    weeks: Vec<&'a str>,
    versions: Vec<i64>,
    languages: Vec<&'a str>,
    respondents: Vec<&'a str>,
    age_bands: Vec<&'a str>,
    suspects: Vec<bool>,
    counts: Vec<i64>,
}

impl<'a> RollupColumns<'a> {
    fn push(&mut self, (station_id, iso_week, (version, language, respondent, age_band, suspect)): Dims<'a>, n: i64) {
        self.stations.push(station_id);
        self.weeks.push(iso_week);
        self.versions.push(version);
        self.languages.push(language);
        self.respondents.push(respondent);
        self.age_bands.push(age_band);
        self.suspects.push(suspect);
        self.counts.push(n);
    }
}
