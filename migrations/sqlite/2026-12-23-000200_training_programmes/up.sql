-- Training programmes (e.g. a deanery's core psychiatry trainees): a named
-- cohort of a society's people with the programme's requirement numbers,
-- whose attendance the registrar follows from the same ledger.
CREATE TABLE training_programmes (
    id TEXT PRIMARY KEY NOT NULL,
    society_id TEXT NOT NULL REFERENCES societies (id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    -- Group sessions each trainee must attend (RCPsych: 30).
    sessions_required INTEGER NOT NULL,
    -- Months between Case-Based Discussion Group Assessments (about 6).
    assessment_months INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (society_id, slug)
);
-- Its trainees, each from the day they joined it.
CREATE TABLE programme_trainees (
    programme_id TEXT NOT NULL REFERENCES training_programmes (id) ON DELETE CASCADE,
    person_id TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    joined_on DATE NOT NULL,
    PRIMARY KEY (programme_id, person_id)
);
