-- Watchlists: registration numbers of a society's register watched by an
-- employer or another society, told of a change of status by e-mail (an
-- address confirmed by a link: double opt-in) or by a signed webhook.
CREATE TABLE watchlists (
    -- 'wl_' and 32 hex digits
    id TEXT PRIMARY KEY NOT NULL,
    society_id TEXT NOT NULL REFERENCES societies (id),
    -- the login that made it through the API; none for one made on the
    -- public page
    owner_user_id TEXT REFERENCES users (id),
    -- the address told, for an e-mail watchlist
    email TEXT,
    -- the endpoint told, for a webhook watchlist
    endpoint_id TEXT REFERENCES webhook_endpoints (id),
    -- the secret of its manage link, in every alert
    manage_token TEXT NOT NULL UNIQUE,
    -- the secret of its confirmation link, until confirmed
    confirm_token TEXT UNIQUE,
    -- when its address was confirmed (a webhook's at once); nothing is
    -- sent to an address not confirmed but its one confirmation
    confirmed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX watchlists_society ON watchlists (society_id);
CREATE INDEX watchlists_owner ON watchlists (owner_user_id);

-- The registration numbers a watchlist watches.
CREATE TABLE watchlist_entries (
    watchlist_id TEXT NOT NULL REFERENCES watchlists (id) ON DELETE CASCADE,
    registration TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (watchlist_id, registration)
);
CREATE INDEX watchlist_entries_registration ON watchlist_entries (registration);

-- A webhook watchlist's endpoint: not one of the society's own (its
-- registrar neither lists nor sees it).
ALTER TABLE webhook_endpoints ADD COLUMN watchlist_id TEXT;
-- The secret replaced by a rotation, still signing beside the new one
-- until then.
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret TEXT;
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret_until TIMESTAMP;
-- A delivery's own body (a watchlist's alert), sent instead of its
-- event's.
ALTER TABLE webhook_deliveries ADD COLUMN body TEXT;
