-- Verifiable credentials. Each society issues as a did:web identity with
-- Ed25519 keys: the newest signs, the older ones stay in its DID document
-- so what they signed still verifies. The private half is kept sealed
-- (ChaCha20-Poly1305) under the credential key of the settings, never in
-- the clear.
CREATE TABLE issuer_keys (
    society_id TEXT NOT NULL REFERENCES societies (id),
    number INTEGER NOT NULL,
    public_key BYTEA NOT NULL,
    sealed_secret BYTEA NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (society_id, number)
);

-- A register entry's place in its society's two status lists (revocation
-- and suspension): one index, drawn at random, and the two bits, changed in
-- the same transaction as the entry's status.
CREATE TABLE credential_statuses (
    entry_id TEXT PRIMARY KEY NOT NULL REFERENCES register_entries (id),
    society_id TEXT NOT NULL REFERENCES societies (id),
    status_index INTEGER NOT NULL,
    suspended BOOLEAN NOT NULL DEFAULT FALSE,
    revoked BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (society_id, status_index)
);

-- Every credential issued (on a grant and on a renewal), signed, as it was
-- handed out.
CREATE TABLE credentials (
    id TEXT PRIMARY KEY NOT NULL,
    society_id TEXT NOT NULL REFERENCES societies (id),
    entry_id TEXT NOT NULL REFERENCES register_entries (id),
    tier TEXT NOT NULL,
    key_number INTEGER NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    document TEXT NOT NULL
);
CREATE INDEX credentials_by_entry ON credentials (entry_id, issued_at);
