-- Accounts run from the browser: an invited account, or one whose password an admin
-- reset, has no usable password (`password_hash` is '') until she chooses one through
-- a one-time link. `password_pending` says which: 'invited' or 'reset'; NULL once she
-- has a password of her own.
ALTER TABLE users ADD COLUMN password_pending TEXT CHECK (password_pending IN ('invited', 'reset'));

-- One-time links that let a person choose her password: an invitation or a reset.
-- Only the SHA-256 of the link's random token is kept, so a copy of the database opens
-- no account. A link works once (`used_at`) and until `expires_at`.
CREATE TABLE account_links (
    token_hash  BLOB PRIMARY KEY CHECK (length(token_hash) = 32),
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     TEXT NOT NULL CHECK (purpose IN ('invite', 'reset')),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    expires_at  TEXT NOT NULL,
    -- When it was used, or replaced by a newer link for the same account.
    used_at     TEXT
) WITHOUT ROWID;

CREATE INDEX account_links_user ON account_links (user_id);
