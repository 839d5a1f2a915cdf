-- People in a society's records: trainees, leaders, supervisors. A login
-- links to one through society_roles.person_id.
CREATE TABLE people (
    id TEXT PRIMARY KEY NOT NULL,
    society_id TEXT NOT NULL REFERENCES societies (id) ON DELETE CASCADE,
    title TEXT,
    given_name TEXT,
    family_name TEXT NOT NULL,
    display_name TEXT,
    -- Lowercased names, kept by the service: a stable order and a search
    -- that behave the same on every database.
    sort_name TEXT NOT NULL,
    search_text TEXT NOT NULL,
    -- JSON array of labels the pathway's branches use.
    backgrounds TEXT NOT NULL,
    city TEXT,
    region TEXT,
    email TEXT,
    public_listing BOOLEAN NOT NULL DEFAULT 0,
    entered_pathway_on DATE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX people_society_order ON people (society_id, sort_name, id);
