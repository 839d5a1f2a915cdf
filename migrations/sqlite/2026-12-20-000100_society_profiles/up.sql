-- A society's own details, set by its registrar and shown on its public
-- pages: how to reach it, and its logo (PNG or JPEG, kept as it was sent).
CREATE TABLE society_profiles (
    society_id TEXT PRIMARY KEY NOT NULL REFERENCES societies (id),
    contact_email TEXT,
    website TEXT,
    phone TEXT,
    logo BLOB,
    logo_type TEXT,
    updated_at TIMESTAMP NOT NULL
);
