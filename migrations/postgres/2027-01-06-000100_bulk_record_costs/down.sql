DROP INDEX activities_corrects;
CREATE INDEX activities_corrects ON activities (corrects_id);

CREATE OR REPLACE FUNCTION ledger_versions_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ledger_versions (person_id, version)
    SELECT DISTINCT w.person_id, 1 FROM written w JOIN people p ON p.id = w.person_id
    ON CONFLICT (person_id) DO UPDATE SET version = ledger_versions.version + 1;
    RETURN NULL;
END
$$;
