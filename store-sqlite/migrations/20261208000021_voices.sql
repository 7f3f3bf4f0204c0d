-- Recorded voices (issue 21): a native speaker's recording of a text the kiosk reads
-- aloud, one per language and text key, in Ogg Opus as Digna writes it (no comments, no
-- name or device), with the words it reads and the survey version it was made for (a
-- recording whose words changed needs review), who recorded and approved it, and its
-- content hash. Not visitor data.
CREATE TABLE voice_recordings (
    id              INTEGER PRIMARY KEY,
    language        TEXT NOT NULL CHECK (language IN ('es', 'qu', 'ay', 'en')),
    text_key        TEXT NOT NULL CHECK (length(text_key) BETWEEN 1 AND 200),
    text            TEXT NOT NULL,
    survey_version  INTEGER NOT NULL,
    audio           BLOB NOT NULL CHECK (length(audio) <= 1048576),
    sha256          TEXT NOT NULL CHECK (length(sha256) = 64),
    millis          INTEGER NOT NULL CHECK (millis BETWEEN 1 AND 30000),
    recorded_by     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    recorded_at     INTEGER NOT NULL,
    approved_by     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    approved_at     INTEGER,
    UNIQUE (language, text_key)
);
CREATE INDEX voice_recordings_sha256 ON voice_recordings (sha256);
