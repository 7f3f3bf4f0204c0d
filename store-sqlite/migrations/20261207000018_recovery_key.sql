-- The offline recovery key's public half (an age X25519 recipient, `age1…`): backups
-- re-seal pending responses to it, so a backup carries no key that opens them. Its
-- secret is printed once by `digna recovery-key new`, kept on paper, never stored.
-- At most one row.
CREATE TABLE recovery_key (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    recipient   TEXT NOT NULL CHECK (recipient GLOB 'age1*'),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
