-- Every session carries the epoch of its account at sign-in; a password reset or change,
-- a disable or a change of second factor advances the epoch, and every session signed in
-- before it ends at its next request.
ALTER TABLE users ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;
