-- A person's ledger: one row per record of Balint experience. Words
-- (kind, unit, delivery, ...) are stored as balint-core spells them.
CREATE TABLE activities (
    id TEXT PRIMARY KEY NOT NULL,
    society_id TEXT NOT NULL REFERENCES societies (id) ON DELETE CASCADE,
    person_id TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    occurred_on DATE NOT NULL,
    -- Exact amounts: thousandths of the unit.
    amount_thousandths BIGINT NOT NULL,
    unit TEXT NOT NULL,
    duration_minutes INTEGER,
    cases INTEGER,
    delivery TEXT NOT NULL,
    attestor_id TEXT REFERENCES people (id),
    co_leader_id TEXT REFERENCES people (id),
    supervisor_id TEXT REFERENCES people (id),
    group_name TEXT,
    ongoing_group BOOLEAN NOT NULL DEFAULT 0,
    setting TEXT,
    event_type TEXT,
    provider TEXT,
    provider_approved BOOLEAN NOT NULL DEFAULT 0,
    supervision_format TEXT,
    report_type TEXT,
    prerequisite_type TEXT,
    notes TEXT,
    -- A correction points at the decided record it corrects.
    corrects_id TEXT REFERENCES activities (id),
    -- pending, confirmed or rejected; decided once (the decision is an
    -- UPDATE ... WHERE status = 'pending').
    status TEXT NOT NULL,
    decided_by_user_id TEXT REFERENCES users (id),
    decided_by_person_id TEXT,
    decided_at TIMESTAMP,
    decision_comment TEXT,
    recorded_by_user_id TEXT REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX activities_ledger ON activities (person_id, occurred_on, id);
CREATE INDEX activities_waiting ON activities (attestor_id, status, recorded_at);
CREATE INDEX activities_corrects ON activities (corrects_id);
