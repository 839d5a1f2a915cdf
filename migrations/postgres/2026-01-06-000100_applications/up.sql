-- Applications for a tier and the registrar's decision on them. The
-- assessment made when the person applied is frozen here, as JSON, with
-- the number of the pathway version it was made against: later changes to
-- the ledger or the pathway do not rewrite it.

CREATE TABLE applications (
    id TEXT PRIMARY KEY NOT NULL,
    society_id TEXT NOT NULL REFERENCES societies (id) ON DELETE CASCADE,
    person_id TEXT NOT NULL REFERENCES people (id),
    tier TEXT NOT NULL,
    -- eligible, override (not eligible; the registrar recorded a reason) or
    -- conferred (an invitation-only tier the registrar confers).
    basis TEXT NOT NULL CHECK (basis IN ('eligible', 'override', 'conferred')),
    basis_reason TEXT,
    note TEXT,
    pathway_version_number INTEGER NOT NULL,
    eligible BOOLEAN NOT NULL,
    assessment TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'granted', 'declined')),
    applied_at TIMESTAMP NOT NULL,
    applied_by TEXT REFERENCES users (id),
    decided_at TIMESTAMP,
    decided_by TEXT REFERENCES users (id),
    effective DATE,
    decision_reason TEXT,
    decision_visibility TEXT CHECK (decision_visibility IN ('public', 'confidential')),
    registration TEXT,
    valid_until DATE
);

-- One pending application per person and tier, also under concurrent requests.
CREATE UNIQUE INDEX applications_one_pending
    ON applications (person_id, tier) WHERE status = 'pending';
CREATE INDEX applications_queue ON applications (society_id, status, applied_at);
CREATE INDEX applications_person ON applications (person_id, applied_at);
