-- A TOTP code is good once (security issue 12, finding 8): the time step of the last code
-- accepted for a user; a code of that step or an earlier one is refused.
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
