-- Logins a registrar disabled: no sign-in, no token, until enabled again.
CREATE TABLE disabled_logins (
    user_id TEXT PRIMARY KEY REFERENCES users (id),
    disabled_at TIMESTAMP NOT NULL,
    disabled_by TEXT REFERENCES users (id)
);

-- One-time links to set a new password, issued by a registrar: the
-- token's SHA-256 digest only, an expiry, and when it was used.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_by TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX password_resets_user ON password_resets (user_id);
