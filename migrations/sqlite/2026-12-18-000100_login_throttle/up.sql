-- The login throttle: one counter per account (by email) and per client
-- address, each attempt counted before its password is checked. Replaces
-- the list of failed logins, which was read and written apart, so that
-- attempts sent at the same moment did not see each other.
CREATE TABLE login_throttle (
    -- 'email:<email>' or 'address:<ip>'
    subject TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL,
    last_attempt_at TIMESTAMP NOT NULL
);
CREATE INDEX login_throttle_last_attempt ON login_throttle (last_attempt_at);

DROP TABLE login_failures;
