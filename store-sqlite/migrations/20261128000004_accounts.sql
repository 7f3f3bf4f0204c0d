-- Staff accounts: supervisors, researchers and admins who sign in to the dashboards.
-- Visitors never have an account; nothing here links to a response.

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    email           TEXT NOT NULL UNIQUE CHECK (length(email) BETWEEN 3 AND 254),
    role            TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'researcher')),
    -- An argon2id hash in PHC string format.
    password_hash   TEXT NOT NULL,
    -- The base32 TOTP secret once two-factor sign-in is set up; NULL before.
    totp_secret     TEXT,
    disabled        INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- What a supervisor or researcher may see: stations by code and whole regions.
-- Admins see everything and need no rows here.
CREATE TABLE user_scopes (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('station', 'region')),
    value       TEXT NOT NULL,
    PRIMARY KEY (user_id, kind, value)
) WITHOUT ROWID;

-- One-time recovery codes for two-factor sign-in; only their SHA-256 is kept.
CREATE TABLE recovery_codes (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash   BLOB NOT NULL,
    PRIMARY KEY (user_id, code_hash)
) WITHOUT ROWID;
