-- Coarser roll-ups for the dashboards, so that a page reads a few rows per station and
-- week however many responses there are (issue 7, "Dashboards at scale").
--
-- The roll-ups of the schema are keyed by every dimension a dashboard filters or breaks
-- down by, the profile included: with a few dozen responses a week, a station's week is
-- hundreds of answer_rollups rows, and an overview of a thousand stations read millions.
-- These two tables hold what the overview and the comparison need, derived from those
-- roll-ups by the triggers below (so every writer of the roll-ups keeps them exact):
--
-- index_rollups: per station, suspect flag, week, version, language and question of the
--   dignity index, the points of its scored answers (a face 1 … 4 is 0 … 3 points) and
--   how many were scored. A question is in the index if the version it was given under
--   says so (a published version never changes).
-- week_rollups: the same without the question: the responses, the points and scored
--   answers of every index question together, and the most scored index question's
--   count (`top_scored`), a lower bound of how many visitors scored anything.
-- station_weeks: week_rollups of every version and language together, what the overview
--   reads unless it is filtered by version or language: one row per station, week and
--   suspect flag, and its figures already written out as text (`summary`, "2026-W10 12
--   40 66 11"), so that an overview of a thousand stations over 24 weeks only joins
--   strings. Its `top_scored` is exact: the most scored question over all versions and
--   languages.
--
-- Like the roll-ups they come from: no time but the ISO week, no rowid.

CREATE TABLE index_rollups (
    station_id      INTEGER NOT NULL,
    suspect         INTEGER NOT NULL CHECK (suspect IN (0, 1)),
    iso_week        TEXT NOT NULL,
    survey_version  INTEGER NOT NULL,
    language        TEXT NOT NULL,
    question_key    TEXT NOT NULL,
    points          INTEGER NOT NULL DEFAULT 0,
    scored          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (station_id, suspect, iso_week, survey_version, language, question_key)
) WITHOUT ROWID;

CREATE TABLE week_rollups (
    station_id      INTEGER NOT NULL,
    suspect         INTEGER NOT NULL CHECK (suspect IN (0, 1)),
    iso_week        TEXT NOT NULL,
    survey_version  INTEGER NOT NULL,
    language        TEXT NOT NULL,
    responses       INTEGER NOT NULL DEFAULT 0,
    points          INTEGER NOT NULL DEFAULT 0,
    scored          INTEGER NOT NULL DEFAULT 0,
    top_scored      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (station_id, suspect, iso_week, survey_version, language)
) WITHOUT ROWID;

CREATE TABLE station_weeks (
    station_id      INTEGER NOT NULL,
    suspect         INTEGER NOT NULL CHECK (suspect IN (0, 1)),
    iso_week        TEXT NOT NULL,
    responses       INTEGER NOT NULL DEFAULT 0,
    points          INTEGER NOT NULL DEFAULT 0,
    scored          INTEGER NOT NULL DEFAULT 0,
    top_scored      INTEGER NOT NULL DEFAULT 0,
    summary         TEXT NOT NULL
        GENERATED ALWAYS AS (iso_week || ' ' || responses || ' ' || points || ' ' || scored || ' ' || top_scored) STORED,
    PRIMARY KEY (station_id, suspect, iso_week)
) WITHOUT ROWID;

-- What the roll-ups hold so far.
INSERT INTO index_rollups (station_id, suspect, iso_week, survey_version, language, question_key, points, scored)
SELECT a.station_id, a.suspect, a.iso_week, a.survey_version, a.language, a.question_key,
       SUM((CAST(a.value AS INTEGER) - 1) * a.answers), SUM(a.answers)
FROM answer_rollups a
JOIN questions q ON q.survey_version = a.survey_version AND q.key = a.question_key AND q.in_index = 1
WHERE a.value IN ('1', '2', '3', '4')
GROUP BY a.station_id, a.suspect, a.iso_week, a.survey_version, a.language, a.question_key;

INSERT INTO week_rollups (station_id, suspect, iso_week, survey_version, language, responses)
SELECT station_id, suspect, iso_week, survey_version, language, SUM(responses)
FROM response_rollups
GROUP BY station_id, suspect, iso_week, survey_version, language;

INSERT INTO week_rollups (station_id, suspect, iso_week, survey_version, language, points, scored, top_scored)
SELECT station_id, suspect, iso_week, survey_version, language, SUM(points), SUM(scored), MAX(scored)
FROM index_rollups
GROUP BY station_id, suspect, iso_week, survey_version, language
ON CONFLICT DO UPDATE SET points = excluded.points, scored = excluded.scored, top_scored = excluded.top_scored;

INSERT INTO station_weeks (station_id, suspect, iso_week, responses, points, scored, top_scored)
SELECT w.station_id, w.suspect, w.iso_week, w.responses, w.points, w.scored, COALESCE(t.top, 0)
FROM (SELECT station_id, suspect, iso_week, SUM(responses) AS responses, SUM(points) AS points, SUM(scored) AS scored
      FROM week_rollups GROUP BY station_id, suspect, iso_week) w
LEFT JOIN (SELECT station_id, suspect, iso_week, MAX(scored) AS top
           FROM (SELECT station_id, suspect, iso_week, SUM(scored) AS scored FROM index_rollups
                 GROUP BY station_id, suspect, iso_week, question_key)
           GROUP BY station_id, suspect, iso_week) t
  USING (station_id, suspect, iso_week);

-- Kept exact from now on, in the same transaction as every write of the roll-ups.
CREATE TRIGGER week_rollups_on_response_insert AFTER INSERT ON response_rollups
BEGIN
    INSERT INTO week_rollups (station_id, suspect, iso_week, survey_version, language, responses)
    VALUES (NEW.station_id, NEW.suspect, NEW.iso_week, NEW.survey_version, NEW.language, NEW.responses)
    ON CONFLICT DO UPDATE SET responses = responses + excluded.responses;
END;

CREATE TRIGGER week_rollups_on_response_update AFTER UPDATE ON response_rollups
BEGIN
    UPDATE week_rollups SET responses = responses - OLD.responses
    WHERE station_id = OLD.station_id AND suspect = OLD.suspect AND iso_week = OLD.iso_week
      AND survey_version = OLD.survey_version AND language = OLD.language;
    INSERT INTO week_rollups (station_id, suspect, iso_week, survey_version, language, responses)
    VALUES (NEW.station_id, NEW.suspect, NEW.iso_week, NEW.survey_version, NEW.language, NEW.responses)
    ON CONFLICT DO UPDATE SET responses = responses + excluded.responses;
END;

CREATE TRIGGER week_rollups_on_response_delete AFTER DELETE ON response_rollups
BEGIN
    UPDATE week_rollups SET responses = responses - OLD.responses
    WHERE station_id = OLD.station_id AND suspect = OLD.suspect AND iso_week = OLD.iso_week
      AND survey_version = OLD.survey_version AND language = OLD.language;
END;

CREATE TRIGGER index_rollups_on_answer_insert AFTER INSERT ON answer_rollups
WHEN NEW.value IN ('1', '2', '3', '4') AND EXISTS (
    SELECT 1 FROM questions q WHERE q.survey_version = NEW.survey_version AND q.key = NEW.question_key AND q.in_index = 1)
BEGIN
    INSERT INTO index_rollups (station_id, suspect, iso_week, survey_version, language, question_key, points, scored)
    VALUES (NEW.station_id, NEW.suspect, NEW.iso_week, NEW.survey_version, NEW.language, NEW.question_key,
            (CAST(NEW.value AS INTEGER) - 1) * NEW.answers, NEW.answers)
    ON CONFLICT DO UPDATE SET points = points + excluded.points, scored = scored + excluded.scored;
END;

CREATE TRIGGER index_rollups_on_answer_update AFTER UPDATE ON answer_rollups
WHEN NEW.value IN ('1', '2', '3', '4') AND EXISTS (
    SELECT 1 FROM questions q WHERE q.survey_version = NEW.survey_version AND q.key = NEW.question_key AND q.in_index = 1)
BEGIN
    -- The roll-ups' keys never change; a count does.
    INSERT INTO index_rollups (station_id, suspect, iso_week, survey_version, language, question_key, points, scored)
    VALUES (NEW.station_id, NEW.suspect, NEW.iso_week, NEW.survey_version, NEW.language, NEW.question_key,
            (CAST(NEW.value AS INTEGER) - 1) * (NEW.answers - OLD.answers), NEW.answers - OLD.answers)
    ON CONFLICT DO UPDATE SET points = points + excluded.points, scored = scored + excluded.scored;
END;

CREATE TRIGGER index_rollups_on_answer_delete AFTER DELETE ON answer_rollups
WHEN OLD.value IN ('1', '2', '3', '4') AND EXISTS (
    SELECT 1 FROM questions q WHERE q.survey_version = OLD.survey_version AND q.key = OLD.question_key AND q.in_index = 1)
BEGIN
    UPDATE index_rollups
    SET points = points - (CAST(OLD.value AS INTEGER) - 1) * OLD.answers, scored = scored - OLD.answers
    WHERE station_id = OLD.station_id AND suspect = OLD.suspect AND iso_week = OLD.iso_week
      AND survey_version = OLD.survey_version AND language = OLD.language AND question_key = OLD.question_key;
END;

-- A week's index figures follow its questions'; the most scored question is looked up
-- again among the week's few index questions.
CREATE TRIGGER week_rollups_on_index_insert AFTER INSERT ON index_rollups
BEGIN
    INSERT INTO week_rollups (station_id, suspect, iso_week, survey_version, language, points, scored, top_scored)
    VALUES (NEW.station_id, NEW.suspect, NEW.iso_week, NEW.survey_version, NEW.language, NEW.points, NEW.scored,
            NEW.scored)
    ON CONFLICT DO UPDATE SET points = points + excluded.points, scored = scored + excluded.scored,
                              top_scored = MAX(top_scored, excluded.top_scored);
END;

CREATE TRIGGER week_rollups_on_index_update AFTER UPDATE ON index_rollups
BEGIN
    UPDATE week_rollups
    SET points = points + NEW.points - OLD.points, scored = scored + NEW.scored - OLD.scored,
        top_scored = (SELECT MAX(i.scored) FROM index_rollups i
                      WHERE i.station_id = NEW.station_id AND i.suspect = NEW.suspect AND i.iso_week = NEW.iso_week
                        AND i.survey_version = NEW.survey_version AND i.language = NEW.language)
    WHERE station_id = NEW.station_id AND suspect = NEW.suspect AND iso_week = NEW.iso_week
      AND survey_version = NEW.survey_version AND language = NEW.language;
END;

-- A station's week follows its filter cells; its most scored question is looked up again
-- among the week's index questions of every version and language (a few dozen rows).
CREATE TRIGGER station_weeks_on_week_insert AFTER INSERT ON week_rollups
BEGIN
    INSERT INTO station_weeks (station_id, suspect, iso_week, responses, points, scored)
    VALUES (NEW.station_id, NEW.suspect, NEW.iso_week, NEW.responses, NEW.points, NEW.scored)
    ON CONFLICT DO UPDATE SET responses = responses + excluded.responses, points = points + excluded.points,
                              scored = scored + excluded.scored;
    UPDATE station_weeks
    SET top_scored = COALESCE((SELECT MAX(s) FROM (SELECT SUM(i.scored) AS s FROM index_rollups i
                                                   WHERE i.station_id = NEW.station_id AND i.suspect = NEW.suspect
                                                     AND i.iso_week = NEW.iso_week
                                                   GROUP BY i.question_key)), 0)
    WHERE station_id = NEW.station_id AND suspect = NEW.suspect AND iso_week = NEW.iso_week;
END;

CREATE TRIGGER station_weeks_on_week_update AFTER UPDATE ON week_rollups
BEGIN
    UPDATE station_weeks
    SET responses = responses + NEW.responses - OLD.responses, points = points + NEW.points - OLD.points,
        scored = scored + NEW.scored - OLD.scored,
        top_scored = COALESCE((SELECT MAX(s) FROM (SELECT SUM(i.scored) AS s FROM index_rollups i
                                                   WHERE i.station_id = NEW.station_id AND i.suspect = NEW.suspect
                                                     AND i.iso_week = NEW.iso_week
                                                   GROUP BY i.question_key)), 0)
    WHERE station_id = NEW.station_id AND suspect = NEW.suspect AND iso_week = NEW.iso_week;
END;
