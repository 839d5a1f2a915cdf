-- Every pathway document a society uploads, numbered 1, 2, 3... per
-- society; old versions stay, since people are held to the version in force
-- when they entered the pathway.
CREATE TABLE pathway_versions (
    id TEXT PRIMARY KEY NOT NULL,
    society_id TEXT NOT NULL REFERENCES societies (id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    pathway_id TEXT NOT NULL,
    title TEXT NOT NULL,
    version_label TEXT NOT NULL,
    effective_from DATE NOT NULL,
    -- The validated document, as JSON.
    document TEXT NOT NULL,
    -- The preset adopted, if the document came from one.
    preset TEXT,
    uploaded_at TIMESTAMP NOT NULL,
    uploaded_by TEXT REFERENCES users (id),
    UNIQUE (society_id, number)
);
