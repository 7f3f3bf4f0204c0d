-- Notifications by e-mail (issue 20): each account's own choices, and an outbox that holds
-- messages to accounts beside messages to webhook endpoints. A message to an account keeps
-- the figures it is about, never a visitor; the account's scope and choices are checked
-- again when it is sent.

-- What an account chose to receive, in which language, and when her weekly digest comes
-- (an ISO weekday and an hour in her timezone). `unsubscribe_key` signs the one-click
-- unsubscribe links of her messages.
CREATE TABLE notification_subscriptions (
    account_id       INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    index_alerts     INTEGER NOT NULL CHECK (index_alerts IN (0, 1)),
    silence_alerts   INTEGER NOT NULL CHECK (silence_alerts IN (0, 1)),
    digest           INTEGER NOT NULL CHECK (digest IN (0, 1)),
    digest_weekday   INTEGER NOT NULL CHECK (digest_weekday BETWEEN 1 AND 7),
    digest_hour      INTEGER NOT NULL CHECK (digest_hour BETWEEN 0 AND 23),
    timezone         TEXT NOT NULL CHECK (length(timezone) BETWEEN 1 AND 64),
    language         TEXT NOT NULL CHECK (language IN ('es', 'en')),
    unsubscribe_key  BLOB NOT NULL CHECK (length(unsubscribe_key) = 32)
);

-- The outbox, rebuilt so that a message goes either to an endpoint or to an account.
CREATE TABLE notification_outbox_new (
    id               INTEGER PRIMARY KEY,
    idempotency_key  TEXT NOT NULL UNIQUE,
    endpoint_id      INTEGER REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    account_id       INTEGER REFERENCES users (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL,
    body             TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'sent', 'failed', 'cancelled')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    next_attempt_at  INTEGER NOT NULL,
    last_attempt_at  INTEGER,
    last_status      INTEGER,
    CHECK ((endpoint_id IS NULL) <> (account_id IS NULL))
);
INSERT INTO notification_outbox_new
    (id, idempotency_key, endpoint_id, kind, body, state, attempts, created_at, next_attempt_at,
     last_attempt_at, last_status)
SELECT id, idempotency_key, endpoint_id, kind, body, state, attempts, created_at, next_attempt_at,
       last_attempt_at, last_status
FROM notification_outbox;
DROP TABLE notification_outbox;
ALTER TABLE notification_outbox_new RENAME TO notification_outbox;
CREATE INDEX notification_outbox_due ON notification_outbox (state, next_attempt_at);
CREATE INDEX notification_outbox_endpoint ON notification_outbox (endpoint_id);
CREATE INDEX notification_outbox_account ON notification_outbox (account_id);

-- A station's own rule for the index alert: the points its index may fall against the
-- weeks before (the overview's flag uses 10), and a floor it may not fall below. No row:
-- 10 points and no floor.
CREATE TABLE station_alert_rules (
    station_id   INTEGER PRIMARY KEY REFERENCES stations (id) ON DELETE CASCADE,
    drop_points  INTEGER NOT NULL CHECK (drop_points BETWEEN 1 AND 100),
    floor        INTEGER CHECK (floor BETWEEN 1 AND 100)
);

-- Which server's sender runs, until when: with several servers on one database, one
-- sends at a time (the others take over when its lease runs out).
CREATE TABLE notification_sender (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    holder  TEXT NOT NULL,
    until   INTEGER NOT NULL
);
