-- The staff panel's PIN lock belongs to one tablet, and each lock lasts twice as long as
-- the one before (issue 17): wrong PINs typed at one tablet no longer keep staff out of
-- the panel on every tablet of the station, and a tablet locked again and again stays
-- locked longer. A right PIN clears all three. (The station's old columns stay unused.)
ALTER TABLE tablets ADD COLUMN pin_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tablets ADD COLUMN pin_locked_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tablets ADD COLUMN pin_locks INTEGER NOT NULL DEFAULT 0;
