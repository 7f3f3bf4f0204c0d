-- The time step of the last TOTP code accepted at sign-in: a code is never accepted twice.
ALTER TABLE users ADD COLUMN totp_last_step INTEGER;
