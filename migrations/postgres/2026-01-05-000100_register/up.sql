-- The register: one entry per person per society, its append-only history,
-- and the per-society counter registration numbers are drawn from.

CREATE TABLE register_entries (
    id TEXT PRIMARY KEY NOT NULL,
    society_id TEXT NOT NULL REFERENCES societies (id) ON DELETE CASCADE,
    -- e.g. BSANZ-0042; never reused within the society.
    registration TEXT NOT NULL,
    person_id TEXT NOT NULL REFERENCES people (id),
    first_accredited DATE NOT NULL,
    -- As of the latest recorded change, kept by the service from the
    -- history (the history is the truth): for lists and the lapse job.
    status TEXT NOT NULL,
    tier TEXT NOT NULL,
    valid_until DATE,
    lapses_on DATE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (society_id, registration),
    UNIQUE (society_id, person_id)
);
CREATE INDEX register_entries_lapse ON register_entries (society_id, lapses_on);

-- Append-only: rows are inserted, never updated or deleted. The primary
-- key makes two concurrent appends to one entry conflict.
CREATE TABLE register_changes (
    entry_id TEXT NOT NULL REFERENCES register_entries (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    effective DATE NOT NULL,
    action TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    reason TEXT NOT NULL,
    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'confidential')),
    tier TEXT,
    valid_until DATE,
    grace_days INTEGER,
    recorded_at TIMESTAMP NOT NULL,
    recorded_by TEXT REFERENCES users (id),
    PRIMARY KEY (entry_id, seq)
);

-- The next registration number of each society. Moved on with a
-- compare-and-set update, so concurrent grants never share a number.
CREATE TABLE registration_counters (
    society_id TEXT PRIMARY KEY NOT NULL REFERENCES societies (id) ON DELETE CASCADE,
    next_number BIGINT NOT NULL
);
