-- Digna's schema. Tables about visitors' answers deliberately carry no time, no
-- device and no insertion order: see README, "Anonymous by construction".

-- A police station. Its timezone sets the ISO week its released responses carry.
CREATE TABLE stations (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 2 AND 32),
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    region      TEXT NOT NULL CHECK (length(region) BETWEEN 1 AND 100),
    timezone    TEXT NOT NULL DEFAULT 'America/Lima',
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- A one-time code that enrolls a tablet at a station. Only its hash is kept.
CREATE TABLE enrollment_codes (
    code_hash   BLOB PRIMARY KEY,
    station_id  INTEGER NOT NULL REFERENCES stations (id),
    expires_at  INTEGER NOT NULL, -- unix seconds
    used        INTEGER NOT NULL DEFAULT 0 CHECK (used IN (0, 1)),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- An enrolled tablet. Only the hash of its device token is kept. A tablet is never
-- linked to an answer: responses name the station only.
CREATE TABLE tablets (
    id          INTEGER PRIMARY KEY,
    station_id  INTEGER NOT NULL REFERENCES stations (id),
    token_hash  BLOB NOT NULL UNIQUE,
    revoked     INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX tablets_station ON tablets (station_id);

-- Languages a survey can be given in; visitors are offered the enabled ones that
-- are complete in the current version.
CREATE TABLE languages (
    code        TEXT PRIMARY KEY CHECK (code IN ('es', 'qu', 'ay', 'en')),
    enabled     INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
INSERT INTO languages (code, enabled) VALUES ('es', 1), ('en', 1), ('qu', 0), ('ay', 0);

-- Survey definitions are data. A published version never changes; every answer
-- refers to the version it was given under.
CREATE TABLE survey_versions (
    version      INTEGER PRIMARY KEY,
    published    INTEGER NOT NULL DEFAULT 0 CHECK (published IN (0, 1)),
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE questions (
    survey_version  INTEGER NOT NULL REFERENCES survey_versions (version),
    key             TEXT NOT NULL,
    position        INTEGER NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('scale4', 'single', 'multi')),
    in_index        INTEGER NOT NULL CHECK (in_index IN (0, 1)),
    profile         INTEGER NOT NULL DEFAULT 0 CHECK (profile IN (0, 1)),
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (survey_version, key),
    UNIQUE (survey_version, position)
);

CREATE TABLE choices (
    survey_version  INTEGER NOT NULL,
    question_key    TEXT NOT NULL,
    key             TEXT NOT NULL,
    position        INTEGER NOT NULL,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (survey_version, question_key, key),
    FOREIGN KEY (survey_version, question_key) REFERENCES questions (survey_version, key)
);

-- The text catalog: a question's text (choice_key = '') or a choice's label, per
-- language, with a simpler wording for children and its review state.
CREATE TABLE texts (
    survey_version  INTEGER NOT NULL,
    question_key    TEXT NOT NULL,
    choice_key      TEXT NOT NULL DEFAULT '',
    language        TEXT NOT NULL REFERENCES languages (code),
    text            TEXT NOT NULL,
    child_text      TEXT NOT NULL,
    review          TEXT NOT NULL CHECK (review IN ('machine_draft', 'needs_review', 'reviewed')),
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (survey_version, question_key, choice_key, language)
);

-- A response waiting for release: sealed (authenticated encryption under a key kept
-- outside the database), keyed by a random id, with no time and no rowid.
CREATE TABLE pending_responses (
    id          BLOB PRIMARY KEY,
    station_id  INTEGER NOT NULL REFERENCES stations (id),
    sealed      BLOB NOT NULL
) WITHOUT ROWID;

-- Released responses: random id, station (never the tablet), the ISO week of the
-- batch release as the only time label, no rowid.
CREATE TABLE responses (
    id              BLOB PRIMARY KEY,
    station_id      INTEGER NOT NULL REFERENCES stations (id),
    survey_version  INTEGER NOT NULL REFERENCES survey_versions (version),
    iso_week        TEXT NOT NULL CHECK (iso_week GLOB '[0-9][0-9][0-9][0-9]-W[0-9][0-9]'),
    language        TEXT NOT NULL,
    respondent      TEXT,
    age_band        TEXT
) WITHOUT ROWID;

-- One row per answered question (per chosen option for multiple choice).
CREATE TABLE answers (
    response_id   BLOB NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    question_key  TEXT NOT NULL,
    value         TEXT NOT NULL,
    PRIMARY KEY (response_id, question_key, value)
) WITHOUT ROWID;

-- Keyed hashes (HMAC-SHA-256) of client UUIDs already received: they make retries
-- safe and link to nothing.
CREATE TABLE submission_keys (
    key_hash  BLOB PRIMARY KEY
) WITHOUT ROWID;

-- Roll-ups, written in the release transaction, keyed by every dimension a
-- dashboard filters or breaks down by. '' stands for a skipped profile item.
CREATE TABLE response_rollups (
    station_id      INTEGER NOT NULL,
    iso_week        TEXT NOT NULL,
    survey_version  INTEGER NOT NULL,
    language        TEXT NOT NULL,
    respondent      TEXT NOT NULL,
    age_band        TEXT NOT NULL,
    responses       INTEGER NOT NULL,
    PRIMARY KEY (station_id, iso_week, survey_version, language, respondent, age_band)
) WITHOUT ROWID;

CREATE TABLE answer_rollups (
    station_id      INTEGER NOT NULL,
    iso_week        TEXT NOT NULL,
    survey_version  INTEGER NOT NULL,
    language        TEXT NOT NULL,
    respondent      TEXT NOT NULL,
    age_band        TEXT NOT NULL,
    question_key    TEXT NOT NULL,
    value           TEXT NOT NULL,
    answers         INTEGER NOT NULL,
    PRIMARY KEY (station_id, iso_week, survey_version, language, respondent, age_band, question_key, value)
) WITHOUT ROWID;
