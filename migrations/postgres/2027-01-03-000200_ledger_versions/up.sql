-- A version number per person's ledger, moved on by the database itself
-- whenever one of their records is written (recorded, attested, changed,
-- withdrawn, deleted), by whoever writes it: this server, another one, or
-- the CLI. A server keeps the ledgers it evaluated in memory and reads a
-- ledger again only when its version has moved, so a trainee's progress
-- reads one row, not their thousands of records, while nothing changed.
-- Once per statement, so a bulk upload moves it once per batch.
CREATE TABLE ledger_versions (
    person_id TEXT PRIMARY KEY NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    version BIGINT NOT NULL
);
INSERT INTO ledger_versions (person_id, version)
SELECT DISTINCT person_id, 1 FROM activities;

-- The records a statement wrote are in the transition table `written`; a
-- person deleted with their records has no version left to move.
CREATE FUNCTION ledger_versions_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ledger_versions (person_id, version)
    SELECT DISTINCT w.person_id, 1 FROM written w JOIN people p ON p.id = w.person_id
    ON CONFLICT (person_id) DO UPDATE SET version = ledger_versions.version + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER ledger_versions_insert AFTER INSERT ON activities
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION ledger_versions_bump();
CREATE TRIGGER ledger_versions_update_new AFTER UPDATE ON activities
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION ledger_versions_bump();
CREATE TRIGGER ledger_versions_update_old AFTER UPDATE ON activities
    REFERENCING OLD TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION ledger_versions_bump();
CREATE TRIGGER ledger_versions_delete AFTER DELETE ON activities
    REFERENCING OLD TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION ledger_versions_bump();
