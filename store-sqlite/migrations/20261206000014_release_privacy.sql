-- Releases that let no visitor stand out (issue 16).
--
-- Observable questions: what the station's staff could see of a visitor for
-- themselves (who answered, her age band, how long she waited). They are
-- quasi-identifiers: a release withholds them rather than let a row stand out. The
-- marking is part of a published version, so the trigger that keeps published
-- questions as they are steps aside once, for this column only.
ALTER TABLE questions ADD COLUMN observable INTEGER NOT NULL DEFAULT 0 CHECK (observable IN (0, 1));
DROP TRIGGER questions_of_published_versions_stay;
UPDATE questions SET observable = 1 WHERE key IN ('respondent', 'age_band', 'waiting_time');
CREATE TRIGGER questions_of_published_versions_stay BEFORE UPDATE ON questions
WHEN EXISTS (SELECT 1 FROM survey_versions WHERE version IN (OLD.survey_version, NEW.survey_version) AND published = 1)
BEGIN
    SELECT RAISE(ABORT, 'the questions of a published survey version cannot change');
END;

-- Releases run on a schedule, never on an arrival: at a minute of the station's night
-- (local time, chosen at random between 01:00 and 04:59 for each station), every day
-- or every week (the night to Monday).
ALTER TABLE stations ADD COLUMN release_minute INTEGER NOT NULL DEFAULT 180 CHECK (release_minute BETWEEN 0 AND 1439);
ALTER TABLE stations ADD COLUMN release_every_days INTEGER NOT NULL DEFAULT 1 CHECK (release_every_days IN (1, 7));
UPDATE stations SET release_minute = 60 + abs(random() % 240);

-- When each station's next release is due (unix seconds, UTC). A release moves it on in
-- its own transaction, so a release is done once, and one due while Digna was stopped
-- runs when it starts.
CREATE TABLE release_schedule (
    station_id  INTEGER PRIMARY KEY REFERENCES stations (id),
    next_at     INTEGER NOT NULL
) WITHOUT ROWID;
