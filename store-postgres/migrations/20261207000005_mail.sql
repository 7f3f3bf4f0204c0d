-- Notifications by e-mail (issue 20), as on SQLite (store-sqlite's migration 20).

CREATE TABLE notification_subscriptions (
    account_id       BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    index_alerts     BOOLEAN NOT NULL,
    silence_alerts   BOOLEAN NOT NULL,
    digest           BOOLEAN NOT NULL,
    digest_weekday   BIGINT NOT NULL CHECK (digest_weekday BETWEEN 1 AND 7),
    digest_hour      BIGINT NOT NULL CHECK (digest_hour BETWEEN 0 AND 23),
    timezone         TEXT NOT NULL CHECK (length(timezone) BETWEEN 1 AND 64),
    language         TEXT NOT NULL CHECK (language IN ('es', 'en')),
    unsubscribe_key  BYTEA NOT NULL CHECK (length(unsubscribe_key) = 32)
);

ALTER TABLE notification_outbox
    ALTER COLUMN endpoint_id DROP NOT NULL,
    ADD COLUMN account_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    DROP CONSTRAINT notification_outbox_state_check,
    ADD CONSTRAINT notification_outbox_state_check
        CHECK (state IN ('pending', 'sent', 'failed', 'cancelled')),
    ADD CONSTRAINT notification_outbox_one_recipient
        CHECK ((endpoint_id IS NULL) <> (account_id IS NULL));
CREATE INDEX notification_outbox_account ON notification_outbox (account_id);

CREATE TABLE station_alert_rules (
    station_id   BIGINT PRIMARY KEY REFERENCES stations (id) ON DELETE CASCADE,
    drop_points  BIGINT NOT NULL CHECK (drop_points BETWEEN 1 AND 100),
    floor        BIGINT CHECK (floor BETWEEN 1 AND 100)
);

CREATE TABLE notification_sender (
    id      BIGINT PRIMARY KEY CHECK (id = 1),
    holder  TEXT NOT NULL,
    until   BIGINT NOT NULL
);
