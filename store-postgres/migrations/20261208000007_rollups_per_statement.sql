-- The dashboards' roll-ups are derived once per statement, not once per row. A release
-- (or demo data, or `migrate-db`) writes each base roll-up table with one statement; the
-- row triggers of the first schema then ran a PL/pgSQL cascade of three levels for every
-- row of it (about 11 ms a station-week in a profile). These read the rows a statement
-- changed as a transition table and write each derived table with one statement, summed
-- by its key. What each derived table holds is unchanged:
--   index_rollups  (station, suspect, week, version, language, question): points and
--                  scored, from the answer_rollups of the index's questions, values 1–4;
--   week_rollups   (station, suspect, week, version, language): responses, from
--                  response_rollups; points and scored, from index_rollups; top_scored,
--                  the most answers on the index's scale that any one question got;
--   station_weeks  (station, suspect, week): the sums of its week_rollups; top_scored,
--                  the same over every version and language.
-- top_scored is read again from index_rollups for the keys a statement touched, after
-- the change: exact, never patched.
--
-- PostgreSQL gives a transition table only to a trigger of one event. Each function
-- below adds the rows of its transition table `changed`, times the sign its trigger
-- passes: an INSERT adds its new rows, a DELETE subtracts its old ones, and an UPDATE
-- fires two triggers, one adding the new rows and one subtracting the old.

DROP TRIGGER week_rollups_on_response ON response_rollups;
DROP TRIGGER index_rollups_on_answer ON answer_rollups;
DROP TRIGGER week_rollups_on_index ON index_rollups;
DROP TRIGGER station_weeks_on_week ON week_rollups;
DROP FUNCTION week_rollups_on_response();
DROP FUNCTION index_rollups_on_answer();
DROP FUNCTION week_rollups_on_index();
DROP FUNCTION station_weeks_on_week();

-- response_rollups → week_rollups.responses
CREATE FUNCTION week_rollups_from_responses() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO week_rollups AS w (station_id, suspect, iso_week, survey_version, language, responses)
    SELECT station_id, suspect, iso_week, survey_version, language, TG_ARGV[0]::BIGINT * SUM(responses)
    FROM changed
    GROUP BY station_id, suspect, iso_week, survey_version, language
    ON CONFLICT (station_id, suspect, iso_week, survey_version, language)
    DO UPDATE SET responses = w.responses + excluded.responses;
    RETURN NULL;
END $$;
CREATE TRIGGER week_rollups_from_inserted_responses AFTER INSERT ON response_rollups
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION week_rollups_from_responses('1');
CREATE TRIGGER week_rollups_from_updated_responses_new AFTER UPDATE ON response_rollups
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION week_rollups_from_responses('1');
CREATE TRIGGER week_rollups_from_updated_responses_old AFTER UPDATE ON response_rollups
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION week_rollups_from_responses('-1');
CREATE TRIGGER week_rollups_from_deleted_responses AFTER DELETE ON response_rollups
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION week_rollups_from_responses('-1');

-- answer_rollups → index_rollups, for the answers on the index's scale.
CREATE FUNCTION index_rollups_from_answers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO index_rollups AS i
        (station_id, suspect, iso_week, survey_version, language, question_key, points, scored)
    SELECT c.station_id, c.suspect, c.iso_week, c.survey_version, c.language, c.question_key,
           TG_ARGV[0]::BIGINT * SUM((c.value::BIGINT - 1) * c.answers), TG_ARGV[0]::BIGINT * SUM(c.answers)
    FROM changed c
    JOIN questions q ON q.survey_version = c.survey_version AND q.key = c.question_key AND q.in_index
    WHERE c.value IN ('1', '2', '3', '4')
    GROUP BY c.station_id, c.suspect, c.iso_week, c.survey_version, c.language, c.question_key
    ON CONFLICT (station_id, suspect, iso_week, question_key, survey_version, language)
    DO UPDATE SET points = i.points + excluded.points, scored = i.scored + excluded.scored;
    RETURN NULL;
END $$;
CREATE TRIGGER index_rollups_from_inserted_answers AFTER INSERT ON answer_rollups
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION index_rollups_from_answers('1');
CREATE TRIGGER index_rollups_from_updated_answers_new AFTER UPDATE ON answer_rollups
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION index_rollups_from_answers('1');
CREATE TRIGGER index_rollups_from_updated_answers_old AFTER UPDATE ON answer_rollups
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION index_rollups_from_answers('-1');
CREATE TRIGGER index_rollups_from_deleted_answers AFTER DELETE ON answer_rollups
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION index_rollups_from_answers('-1');

-- index_rollups → week_rollups (points, scored, top_scored)
CREATE FUNCTION week_rollups_from_index() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO week_rollups AS w
        (station_id, suspect, iso_week, survey_version, language, points, scored, top_scored)
    SELECT c.station_id, c.suspect, c.iso_week, c.survey_version, c.language,
           TG_ARGV[0]::BIGINT * SUM(c.points), TG_ARGV[0]::BIGINT * SUM(c.scored),
           (SELECT COALESCE(MAX(i.scored), 0) FROM index_rollups i
            WHERE i.station_id = c.station_id AND i.suspect = c.suspect AND i.iso_week = c.iso_week
              AND i.survey_version = c.survey_version AND i.language = c.language)
    FROM changed c
    GROUP BY c.station_id, c.suspect, c.iso_week, c.survey_version, c.language
    ON CONFLICT (station_id, suspect, iso_week, survey_version, language)
    DO UPDATE SET points = w.points + excluded.points, scored = w.scored + excluded.scored,
                  top_scored = excluded.top_scored;
    RETURN NULL;
END $$;
CREATE TRIGGER week_rollups_from_inserted_index AFTER INSERT ON index_rollups
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION week_rollups_from_index('1');
CREATE TRIGGER week_rollups_from_updated_index_new AFTER UPDATE ON index_rollups
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION week_rollups_from_index('1');
CREATE TRIGGER week_rollups_from_updated_index_old AFTER UPDATE ON index_rollups
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION week_rollups_from_index('-1');

-- week_rollups → station_weeks (responses, points, scored; top_scored from index_rollups)
CREATE FUNCTION station_weeks_from_weeks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO station_weeks AS s (station_id, suspect, iso_week, responses, points, scored, top_scored)
    SELECT c.station_id, c.suspect, c.iso_week, TG_ARGV[0]::BIGINT * SUM(c.responses),
           TG_ARGV[0]::BIGINT * SUM(c.points), TG_ARGV[0]::BIGINT * SUM(c.scored),
           (SELECT COALESCE(MAX(per_question.scored), 0)
            FROM (SELECT SUM(i.scored) AS scored FROM index_rollups i
                  WHERE i.station_id = c.station_id AND i.suspect = c.suspect AND i.iso_week = c.iso_week
                  GROUP BY i.question_key) AS per_question)
    FROM changed c
    GROUP BY c.station_id, c.suspect, c.iso_week
    ON CONFLICT (station_id, suspect, iso_week)
    DO UPDATE SET responses = s.responses + excluded.responses, points = s.points + excluded.points,
                  scored = s.scored + excluded.scored, top_scored = excluded.top_scored;
    RETURN NULL;
END $$;
CREATE TRIGGER station_weeks_from_inserted_weeks AFTER INSERT ON week_rollups
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION station_weeks_from_weeks('1');
CREATE TRIGGER station_weeks_from_updated_weeks_new AFTER UPDATE ON week_rollups
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION station_weeks_from_weeks('1');
CREATE TRIGGER station_weeks_from_updated_weeks_old AFTER UPDATE ON week_rollups
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION station_weeks_from_weeks('-1');
