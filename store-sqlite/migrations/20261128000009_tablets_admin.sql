-- The last day a tablet delivered answers (YYYY-MM-DD in its station's timezone; NULL
-- until its first delivery), so that the admin console can flag tablets that fell
-- silent. A day, never a time; and no response names its tablet.
ALTER TABLE tablets ADD COLUMN last_delivery_day TEXT;
