//! The roll-up checks: SQL that any backend's roll-up triggers must satisfy.

/// Pairs of queries that give the same rows when the roll-ups equal a GROUP BY over the
/// released rows: `a EXCEPT b` must be empty for every pair, both ways round; and the
/// dashboards' roll-ups that the triggers derive equal what the base roll-ups give
/// (week_rollups, index_rollups, station_weeks, each `top_scored` included). (The pairs
/// that read the raw rows, not after a retention purge: it deletes old raw rows and
/// keeps their roll-ups.) Each backend's tests, the seed test and the soak run them on
/// its own database. Portable SQL, the only SQL outside the backends, for their tests:
/// PostgreSQL's `SUM` of a `BIGINT` is a `NUMERIC`, hence the casts.
pub const ROLLUP_CHECKS: &[(&str, &str)] = {
    const RESPONSES: &str = "SELECT station_id, iso_week, survey_version, language, COALESCE(respondent, ''),
                            COALESCE(age_band, ''), suspect, COUNT(*)
                     FROM responses GROUP BY 1, 2, 3, 4, 5, 6, 7";
    const RESPONSE_ROLLUPS: &str =
        "SELECT station_id, iso_week, survey_version, language, respondent, age_band, suspect,
                                   responses FROM response_rollups";
    const ANSWERS: &str = "SELECT r.station_id, r.iso_week, r.survey_version, r.language, COALESCE(r.respondent, ''),
                          COALESCE(r.age_band, ''), r.suspect, a.question_key, a.value, COUNT(*)
                   FROM responses r JOIN answers a ON a.response_id = r.id GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9";
    const ANSWER_ROLLUPS: &str = "SELECT station_id, iso_week, survey_version, language, respondent, age_band, suspect,
                                 question_key, value, answers FROM answer_rollups";
    const WEEKS: &str = "SELECT station_id, suspect, iso_week, survey_version, language, responses FROM week_rollups
                 WHERE responses > 0";
    const WEEKS_FROM_ROLLUPS: &str = "SELECT station_id, suspect, iso_week, survey_version, language,
                                     CAST(SUM(responses) AS BIGINT)
                              FROM response_rollups GROUP BY 1, 2, 3, 4, 5";
    const INDEX: &str = "SELECT station_id, suspect, iso_week, survey_version, language, question_key, points, scored
                         FROM index_rollups WHERE points <> 0 OR scored <> 0";
    const INDEX_FROM_ANSWERS: &str = "SELECT a.station_id, a.suspect, a.iso_week, a.survey_version, a.language,
                                     a.question_key, CAST(SUM((CAST(a.value AS BIGINT) - 1) * a.answers) AS BIGINT),
                                     CAST(SUM(a.answers) AS BIGINT)
                              FROM answer_rollups a
                              JOIN questions q ON q.survey_version = a.survey_version AND q.key = a.question_key
                                              AND q.in_index
                              WHERE a.value IN ('1', '2', '3', '4') GROUP BY 1, 2, 3, 4, 5, 6";
    const WEEK_INDEX: &str =
        "SELECT station_id, suspect, iso_week, survey_version, language, points, scored, top_scored
                              FROM week_rollups";
    const WEEK_INDEX_FROM_INDEX: &str = "SELECT w.station_id, w.suspect, w.iso_week, w.survey_version, w.language,
                                        CAST(COALESCE(SUM(i.points), 0) AS BIGINT), CAST(COALESCE(SUM(i.scored), 0) AS BIGINT),
                                        COALESCE(MAX(i.scored), 0)
                                 FROM week_rollups w
                                 LEFT JOIN index_rollups i ON i.station_id = w.station_id AND i.suspect = w.suspect
                                      AND i.iso_week = w.iso_week AND i.survey_version = w.survey_version
                                      AND i.language = w.language
                                 GROUP BY 1, 2, 3, 4, 5";
    const STATION_WEEKS: &str = "SELECT station_id, suspect, iso_week, responses, points, scored, top_scored
                                 FROM station_weeks";
    const STATION_WEEKS_FROM_WEEKS: &str =
        "SELECT w.station_id, w.suspect, w.iso_week, CAST(SUM(w.responses) AS BIGINT),
                                           CAST(SUM(w.points) AS BIGINT), CAST(SUM(w.scored) AS BIGINT),
                                           COALESCE((SELECT MAX(t.scored) FROM (SELECT SUM(i.scored) AS scored
                                                     FROM index_rollups i WHERE i.station_id = w.station_id
                                                       AND i.suspect = w.suspect AND i.iso_week = w.iso_week
                                                     GROUP BY i.question_key) AS t), 0)
                                    FROM week_rollups w GROUP BY 1, 2, 3";
    &[
        (RESPONSES, RESPONSE_ROLLUPS),
        (RESPONSE_ROLLUPS, RESPONSES),
        (ANSWERS, ANSWER_ROLLUPS),
        (ANSWER_ROLLUPS, ANSWERS),
        (WEEKS, WEEKS_FROM_ROLLUPS),
        (WEEKS_FROM_ROLLUPS, WEEKS),
        (INDEX, INDEX_FROM_ANSWERS),
        (INDEX_FROM_ANSWERS, INDEX),
        (WEEK_INDEX, WEEK_INDEX_FROM_INDEX),
        (WEEK_INDEX_FROM_INDEX, WEEK_INDEX),
        (STATION_WEEKS, STATION_WEEKS_FROM_WEEKS),
        (STATION_WEEKS_FROM_WEEKS, STATION_WEEKS),
    ]
};
