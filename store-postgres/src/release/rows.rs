//! Released rows as a release writes them: the rows themselves, and the base roll-ups
//! they add to, one statement per kind of row.

use domain::privacy::release::ReleasedRow;
use sqlx::PgConnection;
use std::collections::BTreeMap;

/// Writes one station's released rows under one ISO week, in the order given and under
/// the ids given (random, and shuffled, by the privacy pipeline), and adds them to the
/// base roll-ups (`response_rollups`, `answer_rollups`; the triggers derive the
/// dashboards' tables from them): one statement per kind of row, the rows travelling as
/// arrays, since each statement is a round trip to the server. `conn` is in the
/// transaction (holding the writer lock) the rows belong to.
pub async fn write_released_rows(
    conn: &mut PgConnection,
    station_id: i64,
    iso_week: &str,
    rows: &[(Vec<u8>, ReleasedRow)],
) -> Result<(), crate::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    // Survey version, language, respondent, age band, suspect: borrowed from the rows.
    type Dims<'a> = (i64, &'a str, &'a str, &'a str, bool);
    let mut response_counts: BTreeMap<Dims<'_>, i64> = BTreeMap::new();
    let mut answer_counts: BTreeMap<(Dims<'_>, &str, &str), i64> = BTreeMap::new();
    let mut responses = ResponseColumns::with_capacity(rows.len());
    let (mut answer_ids, mut answer_questions, mut answer_values) = (Vec::new(), Vec::new(), Vec::new());
    for (id, row) in rows {
        let dims: Dims<'_> = (
            row.survey_version,
            &row.language,
            row.respondent.as_deref().unwrap_or_default(),
            row.age_band.as_deref().unwrap_or_default(),
            row.suspect,
        );
        *response_counts.entry(dims).or_default() += 1;
        for (question, value) in &row.answers {
            answer_ids.push(id.as_slice());
            answer_questions.push(question.as_str());
            answer_values.push(value.as_str());
            *answer_counts.entry((dims, question, value)).or_default() += 1;
        }
        responses.push(id, row);
    }
    // WITH ORDINALITY … ORDER BY: written in the order given, whatever the plan.
    sqlx::query!(
        "INSERT INTO responses (id, station_id, survey_version, iso_week, language, respondent, age_band, suspect)
         SELECT id, $1, survey_version, $2, language, respondent, age_band, suspect
         FROM UNNEST($3::BYTEA[], $4::BIGINT[], $5::TEXT[], $6::TEXT[], $7::TEXT[], $8::BOOLEAN[])
              WITH ORDINALITY AS r (id, survey_version, language, respondent, age_band, suspect, n)
         ORDER BY n",
        station_id,
        iso_week,
        &responses.ids as _,
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
    for ((version, language, respondent, age_band, suspect), n) in response_counts {
        counts.push((version, language, respondent, age_band, suspect), n);
    }
    sqlx::query!(
        "INSERT INTO response_rollups AS t
             (station_id, iso_week, survey_version, language, respondent, age_band, suspect, responses)
         SELECT $1, $2, survey_version, language, respondent, age_band, suspect, responses
         FROM UNNEST($3::BIGINT[], $4::TEXT[], $5::TEXT[], $6::TEXT[], $7::BOOLEAN[], $8::BIGINT[])
              AS c (survey_version, language, respondent, age_band, suspect, responses)
         ON CONFLICT (station_id, iso_week, survey_version, language, respondent, age_band, suspect)
         DO UPDATE SET responses = t.responses + excluded.responses",
        station_id,
        iso_week,
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
             SELECT $1, $2, survey_version, language, respondent, age_band, suspect, question_key, value, answers
             FROM UNNEST($3::BIGINT[], $4::TEXT[], $5::TEXT[], $6::TEXT[], $7::BOOLEAN[], $8::TEXT[], $9::TEXT[],
                         $10::BIGINT[])
                  AS c (survey_version, language, respondent, age_band, suspect, question_key, value, answers)
             ON CONFLICT (station_id, iso_week, survey_version, language, respondent, age_band, suspect, question_key,
                          value)
             DO UPDATE SET answers = t.answers + excluded.answers",
            station_id,
            iso_week,
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

/// Released rows as columns, borrowed, for one `INSERT … SELECT FROM UNNEST`.
struct ResponseColumns<'a> {
    ids: Vec<&'a [u8]>,
    versions: Vec<i64>,
    languages: Vec<&'a str>,
    respondents: Vec<Option<&'a str>>,
    age_bands: Vec<Option<&'a str>>,
    suspects: Vec<bool>,
}

impl<'a> ResponseColumns<'a> {
    fn with_capacity(n: usize) -> Self {
        ResponseColumns {
            ids: Vec::with_capacity(n),
            versions: Vec::with_capacity(n),
            languages: Vec::with_capacity(n),
            respondents: Vec::with_capacity(n),
            age_bands: Vec::with_capacity(n),
            suspects: Vec::with_capacity(n),
        }
    }

    fn push(&mut self, id: &'a [u8], row: &'a ReleasedRow) {
        self.ids.push(id);
        self.versions.push(row.survey_version);
        self.languages.push(&row.language);
        self.respondents.push(row.respondent.as_deref());
        self.age_bands.push(row.age_band.as_deref());
        self.suspects.push(row.suspect);
    }
}

/// Roll-up keys (after the station and week) and counts as columns.
#[derive(Default)]
struct RollupColumns<'a> {
    versions: Vec<i64>,
    languages: Vec<&'a str>,
    respondents: Vec<&'a str>,
    age_bands: Vec<&'a str>,
    suspects: Vec<bool>,
    counts: Vec<i64>,
}

impl<'a> RollupColumns<'a> {
    fn push(
        &mut self,
        (version, language, respondent, age_band, suspect): (i64, &'a str, &'a str, &'a str, bool),
        n: i64,
    ) {
        self.versions.push(version);
        self.languages.push(language);
        self.respondents.push(respondent);
        self.age_bands.push(age_band);
        self.suspects.push(suspect);
        self.counts.push(n);
    }
}
