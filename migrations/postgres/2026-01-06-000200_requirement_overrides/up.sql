-- Recorded overrides of a person's requirements (recognition of prior
-- learning, committee discretion): a credit in the requirement's unit, or a
-- waiver, always with a reason. Append-only: never a silent edit; every
-- assessment shows the overrides it applied.

CREATE TABLE requirement_overrides (
    id TEXT PRIMARY KEY NOT NULL,
    society_id TEXT NOT NULL REFERENCES societies (id) ON DELETE CASCADE,
    person_id TEXT NOT NULL REFERENCES people (id),
    tier TEXT NOT NULL,
    requirement TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('recognition_of_prior_learning', 'committee_discretion')),
    -- The credit in thousandths of the requirement's unit; NULL: waived.
    credit_thousandths BIGINT,
    reason TEXT NOT NULL,
    recorded_on DATE NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    recorded_by TEXT REFERENCES users (id)
);
CREATE INDEX requirement_overrides_person ON requirement_overrides (person_id, tier, recorded_at);
