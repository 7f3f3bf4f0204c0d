-- Researchers' exports: an audit record of each, and the privacy budget that open-data
-- releases spend. Staff actions may carry exact times; visitors' answers never do.

CREATE TABLE export_audit (
    id            INTEGER PRIMARY KEY,
    -- Who: the account's email, or 'command line (user@host)' for `digna export`.
    actor         TEXT NOT NULL,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    kind          TEXT NOT NULL CHECK (kind IN ('microdata', 'open_data')),
    -- The filters as JSON: stations, regions, period, survey version, unit, formats.
    filters       TEXT NOT NULL,
    rows          INTEGER NOT NULL,
    -- What the anonymization did, as JSON: k, each generalization step and its rows.
    anonymization TEXT NOT NULL,
    suppressed    INTEGER NOT NULL,
    -- SHA-256 of each file in the ZIP, as JSON {name: hex}, and of the ZIP itself.
    file_hashes   TEXT NOT NULL,
    zip_sha256    TEXT NOT NULL
);

-- Differential privacy spent on each month of data by open-data releases: one line per
-- release and month, epsilon kept exact as text (such as 0.25 or 1/3).
CREATE TABLE privacy_spend (
    month     TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
    audit_id  INTEGER NOT NULL REFERENCES export_audit (id),
    epsilon   TEXT NOT NULL,
    PRIMARY KEY (month, audit_id)
) WITHOUT ROWID;
