-- The privacy budget is kept per region and month (issue 17): an open-data release spends
-- its epsilon on every region and month it covers, so a researcher of one region spends
-- only her regions' budget and leaves every other region's untouched.
--
-- Spending recorded before, per month only, does not say which regions it covered: it
-- counts against every region (region NULL), the safe reading, which also holds for a
-- region whose stations are added later.
ALTER TABLE privacy_spend RENAME TO privacy_spend_per_month;

CREATE TABLE privacy_spend (
    -- The region's name as the stations carry it; NULL: every region.
    region    TEXT,
    month     TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
    audit_id  INTEGER NOT NULL REFERENCES export_audit (id),
    -- Kept exact as text (such as 0.25 or 1/3).
    epsilon   TEXT NOT NULL,
    UNIQUE (region, month, audit_id)
);

CREATE INDEX privacy_spend_by_month ON privacy_spend (month, region);

INSERT INTO privacy_spend (region, month, audit_id, epsilon)
SELECT NULL, month, audit_id, epsilon FROM privacy_spend_per_month;

DROP TABLE privacy_spend_per_month;
