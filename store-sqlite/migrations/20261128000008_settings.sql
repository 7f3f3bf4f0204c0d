-- Network-wide settings an administrator changes from the browser; every change is
-- audited. Values are text, parsed by the code that reads them.
CREATE TABLE settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
-- Tablets that delivered nothing for more than this many days are flagged on /admin.
INSERT INTO settings (key, value) VALUES ('silent_tablet_days', '3');
-- Released responses older than this many years are purged; the roll-ups stay.
INSERT INTO settings (key, value) VALUES ('retention_years', '5');
