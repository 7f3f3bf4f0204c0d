-- Notifications (issue 20). Nothing here is about a visitor: endpoints are the network's,
-- messages are raised by scheduled checks (a tablet that stopped delivering), never by a
-- submission, and the outbox keeps no content a dashboard would not show.

-- Where messages are posted, each signed with its endpoint's secret.
CREATE TABLE webhook_endpoints (
    id          INTEGER PRIMARY KEY,
    label       TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
    url         TEXT NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
    secret      TEXT NOT NULL,
    region      TEXT,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- Messages, written in the transaction that raised them; sent, retried and given up by
-- the sender. Removing an endpoint removes its messages.
CREATE TABLE notification_outbox (
    id               INTEGER PRIMARY KEY,
    idempotency_key  TEXT NOT NULL UNIQUE,
    endpoint_id      INTEGER NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL,
    body             TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    next_attempt_at  INTEGER NOT NULL,
    last_attempt_at  INTEGER,
    last_status      INTEGER
);
CREATE INDEX notification_outbox_due ON notification_outbox (state, next_attempt_at);
CREATE INDEX notification_outbox_endpoint ON notification_outbox (endpoint_id);

-- Each alert's current episode (a tablet's silence, the fall of a station's index), so
-- that it is announced once: `kind` names the alert, `subject_id` the tablet or station.
CREATE TABLE alert_episodes (
    kind        TEXT NOT NULL,
    subject_id  INTEGER NOT NULL,
    since       TEXT NOT NULL,
    PRIMARY KEY (kind, subject_id)
);
