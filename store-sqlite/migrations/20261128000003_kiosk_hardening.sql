-- Kiosk settings per station, the staff PIN, and the suspect flag on responses.

ALTER TABLE stations ADD COLUMN inactivity_s INTEGER NOT NULL DEFAULT 60 CHECK (inactivity_s BETWEEN 10 AND 3600);
ALTER TABLE stations ADD COLUMN inactivity_grace_s INTEGER NOT NULL DEFAULT 20 CHECK (inactivity_grace_s BETWEEN 5 AND 600);
ALTER TABLE stations ADD COLUMN min_duration_s INTEGER NOT NULL DEFAULT 8 CHECK (min_duration_s BETWEEN 0 AND 600);
ALTER TABLE stations ADD COLUMN min_gap_s INTEGER NOT NULL DEFAULT 20 CHECK (min_gap_s BETWEEN 0 AND 3600);
-- Argon2id hash (PHC string) of the staff PIN; NULL until the administrator sets one.
ALTER TABLE stations ADD COLUMN staff_pin_hash TEXT;
-- Wrong PINs in a row, and until when (unix seconds) the panel is locked after five.
ALTER TABLE stations ADD COLUMN staff_pin_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stations ADD COLUMN staff_pin_locked_until INTEGER NOT NULL DEFAULT 0;

-- A response completed implausibly fast, or too soon after the previous one on the same
-- tablet, is kept but flagged; dashboards and exports leave it out by default. The
-- durations it was derived from are never stored.
ALTER TABLE responses ADD COLUMN suspect INTEGER NOT NULL DEFAULT 0 CHECK (suspect IN (0, 1));

-- The roll-ups gain the suspect flag as a dimension (a primary key cannot be altered in
-- place: rebuild both tables).
CREATE TABLE response_rollups_new (
    station_id      INTEGER NOT NULL,
    iso_week        TEXT NOT NULL,
    survey_version  INTEGER NOT NULL,
    language        TEXT NOT NULL,
    respondent      TEXT NOT NULL,
    age_band        TEXT NOT NULL,
    suspect         INTEGER NOT NULL CHECK (suspect IN (0, 1)),
    responses       INTEGER NOT NULL,
    PRIMARY KEY (station_id, iso_week, survey_version, language, respondent, age_band, suspect)
) WITHOUT ROWID;
INSERT INTO response_rollups_new
    SELECT station_id, iso_week, survey_version, language, respondent, age_band, 0, responses FROM response_rollups;
DROP TABLE response_rollups;
ALTER TABLE response_rollups_new RENAME TO response_rollups;

CREATE TABLE answer_rollups_new (
    station_id      INTEGER NOT NULL,
    iso_week        TEXT NOT NULL,
    survey_version  INTEGER NOT NULL,
    language        TEXT NOT NULL,
    respondent      TEXT NOT NULL,
    age_band        TEXT NOT NULL,
    suspect         INTEGER NOT NULL CHECK (suspect IN (0, 1)),
    question_key    TEXT NOT NULL,
    value           TEXT NOT NULL,
    answers         INTEGER NOT NULL,
    PRIMARY KEY (station_id, iso_week, survey_version, language, respondent, age_band, suspect, question_key, value)
) WITHOUT ROWID;
INSERT INTO answer_rollups_new
    SELECT station_id, iso_week, survey_version, language, respondent, age_band, 0, question_key, value, answers
    FROM answer_rollups;
DROP TABLE answer_rollups;
ALTER TABLE answer_rollups_new RENAME TO answer_rollups;
