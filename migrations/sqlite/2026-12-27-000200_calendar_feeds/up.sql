-- A person's secret calendar feed of their groups' sessions: a random
-- token in the feed's URL, kept only as its SHA-256. Revoked when the
-- person revokes it or makes a new one.

CREATE TABLE calendar_feeds (
    id TEXT PRIMARY KEY NOT NULL,
    society_id TEXT NOT NULL REFERENCES societies (id) ON DELETE CASCADE,
    person_id TEXT NOT NULL REFERENCES people (id),
    token_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE UNIQUE INDEX calendar_feeds_token ON calendar_feeds (token_hash);
CREATE INDEX calendar_feeds_person ON calendar_feeds (society_id, person_id);
