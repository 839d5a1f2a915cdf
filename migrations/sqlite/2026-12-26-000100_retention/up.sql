-- How long a society keeps what is not a record: logins never used,
-- and sessions that ended, in days (NULL:
-- the server's default, given to `balint-accredit retention`). Set by
-- its registrar.
CREATE TABLE society_retention (
    society_id TEXT PRIMARY KEY NOT NULL REFERENCES societies (id),
    unused_logins_days INTEGER,
    sessions_days INTEGER,
    updated_at TIMESTAMP NOT NULL
);

-- When a login last signed in, kept on the login itself: sessions are
-- deleted by the retention job, and "never used" must outlive them.
ALTER TABLE users ADD COLUMN last_signed_in_at TIMESTAMP;
UPDATE users SET last_signed_in_at =
    (SELECT MAX(sessions.created_at) FROM sessions WHERE sessions.user_id = users.id);
