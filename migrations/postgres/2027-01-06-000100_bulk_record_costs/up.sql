-- What a bulk upload costs the database per record.
--
-- The ledger's version was moved on by joining the statement's records to
-- every person: the planner cannot know a transition table holds a few
-- thousand records of one person, and read the whole people table for
-- each statement (a 40,000-record upload is 20 statements). The people
-- written are now found first and looked up by key.
CREATE OR REPLACE FUNCTION ledger_versions_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ledger_versions (person_id, version)
    SELECT p.id, 1 FROM people p
    WHERE p.id = ANY (ARRAY(SELECT DISTINCT person_id FROM written))
    ON CONFLICT (person_id) DO UPDATE SET version = ledger_versions.version + 1;
    RETURN NULL;
END
$$;

-- Only corrections name the record they correct: the others need no
-- place in its index.
DROP INDEX activities_corrects;
CREATE INDEX activities_corrects ON activities (corrects_id) WHERE corrects_id IS NOT NULL;
