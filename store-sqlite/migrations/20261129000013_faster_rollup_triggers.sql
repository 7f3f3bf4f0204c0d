-- Faster roll-up triggers (issue 7: ingest under load).
--
-- 1. `index_rollups` is keyed question before version and language, so that a station's
--    week sums one question over every version and language by a prefix of its key.
-- 2. The most scored question of a week only grows with the question just counted; it is
--    looked up again among all of the week's questions only when a count falls. Before,
--    every answer counted re-read every index question of the station's week.
-- The figures themselves do not change, so the rows already written stay as they are.

DROP TRIGGER index_rollups_on_answer_insert;
DROP TRIGGER index_rollups_on_answer_update;
DROP TRIGGER index_rollups_on_answer_delete;
DROP TRIGGER week_rollups_on_index_insert;
DROP TRIGGER week_rollups_on_index_update;
DROP TRIGGER station_weeks_on_week_insert;
DROP TRIGGER station_weeks_on_week_update;

CREATE TABLE index_rollups_rekeyed (
    station_id      INTEGER NOT NULL,
    suspect         INTEGER NOT NULL CHECK (suspect IN (0, 1)),
    iso_week        TEXT NOT NULL,
    survey_version  INTEGER NOT NULL,
    language        TEXT NOT NULL,
    question_key    TEXT NOT NULL,
    points          INTEGER NOT NULL DEFAULT 0,
    scored          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (station_id, suspect, iso_week, question_key, survey_version, language)
) WITHOUT ROWID;
INSERT INTO index_rollups_rekeyed (station_id, suspect, iso_week, survey_version, language, question_key, points, scored)
SELECT station_id, suspect, iso_week, survey_version, language, question_key, points, scored FROM index_rollups;
DROP TABLE index_rollups;
ALTER TABLE index_rollups_rekeyed RENAME TO index_rollups;

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

-- A week's index figures follow its questions'. The most scored question grows with the
-- question just counted (in a filter cell: that question; in the station's week: that
-- question over every version and language), and is looked up again among all of the
-- week's questions only when a count falls.
CREATE TRIGGER week_rollups_on_index_insert AFTER INSERT ON index_rollups
BEGIN
    INSERT INTO week_rollups (station_id, suspect, iso_week, survey_version, language, points, scored, top_scored)
    VALUES (NEW.station_id, NEW.suspect, NEW.iso_week, NEW.survey_version, NEW.language, NEW.points, NEW.scored,
            NEW.scored)
    ON CONFLICT DO UPDATE SET points = points + excluded.points, scored = scored + excluded.scored,
                              top_scored = MAX(top_scored, excluded.top_scored);
    UPDATE station_weeks
    SET top_scored = MAX(top_scored, (SELECT SUM(i.scored) FROM index_rollups i
                                      WHERE i.station_id = NEW.station_id AND i.suspect = NEW.suspect
                                        AND i.iso_week = NEW.iso_week AND i.question_key = NEW.question_key))
    WHERE station_id = NEW.station_id AND suspect = NEW.suspect AND iso_week = NEW.iso_week;
END;

CREATE TRIGGER week_rollups_on_index_update AFTER UPDATE ON index_rollups
BEGIN
    UPDATE week_rollups
    SET points = points + NEW.points - OLD.points, scored = scored + NEW.scored - OLD.scored,
        top_scored = CASE
            WHEN NEW.scored >= OLD.scored THEN MAX(top_scored, NEW.scored)
            ELSE (SELECT MAX(i.scored) FROM index_rollups i
                  WHERE i.station_id = NEW.station_id AND i.suspect = NEW.suspect AND i.iso_week = NEW.iso_week
                    AND i.survey_version = NEW.survey_version AND i.language = NEW.language)
            END
    WHERE station_id = NEW.station_id AND suspect = NEW.suspect AND iso_week = NEW.iso_week
      AND survey_version = NEW.survey_version AND language = NEW.language;
    UPDATE station_weeks
    SET top_scored = CASE
        WHEN NEW.scored >= OLD.scored THEN
            MAX(top_scored, (SELECT SUM(i.scored) FROM index_rollups i
                             WHERE i.station_id = NEW.station_id AND i.suspect = NEW.suspect
                               AND i.iso_week = NEW.iso_week AND i.question_key = NEW.question_key))
        ELSE
            COALESCE((SELECT MAX(s) FROM (SELECT SUM(i.scored) AS s FROM index_rollups i
                                          WHERE i.station_id = NEW.station_id AND i.suspect = NEW.suspect
                                            AND i.iso_week = NEW.iso_week
                                          GROUP BY i.question_key)), 0)
        END
    WHERE station_id = NEW.station_id AND suspect = NEW.suspect AND iso_week = NEW.iso_week;
END;

-- A station's week adds up its filter cells.
CREATE TRIGGER station_weeks_on_week_insert AFTER INSERT ON week_rollups
BEGIN
    INSERT INTO station_weeks (station_id, suspect, iso_week, responses, points, scored)
    VALUES (NEW.station_id, NEW.suspect, NEW.iso_week, NEW.responses, NEW.points, NEW.scored)
    ON CONFLICT DO UPDATE SET responses = responses + excluded.responses, points = points + excluded.points,
                              scored = scored + excluded.scored;
END;

CREATE TRIGGER station_weeks_on_week_update AFTER UPDATE ON week_rollups
BEGIN
    UPDATE station_weeks
    SET responses = responses + NEW.responses - OLD.responses, points = points + NEW.points - OLD.points,
        scored = scored + NEW.scored - OLD.scored
    WHERE station_id = NEW.station_id AND suspect = NEW.suspect AND iso_week = NEW.iso_week;
END;
