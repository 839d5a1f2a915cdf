-- A version number per person's ledger, moved on by the database itself
-- whenever one of their records is written (recorded, attested, changed,
-- withdrawn, deleted), by whoever writes it: this server, another one, or
-- the CLI. A server keeps the ledgers it evaluated in memory and reads a
-- ledger again only when its version has moved, so a trainee's progress
-- reads one row, not their thousands of records, while nothing changed.
CREATE TABLE ledger_versions (
    person_id TEXT PRIMARY KEY NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    version BIGINT NOT NULL
);
INSERT INTO ledger_versions (person_id, version)
SELECT DISTINCT person_id, 1 FROM activities WHERE true;

CREATE TRIGGER ledger_versions_insert AFTER INSERT ON activities BEGIN
    INSERT INTO ledger_versions (person_id, version) VALUES (new.person_id, 1)
    ON CONFLICT (person_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER ledger_versions_update AFTER UPDATE ON activities BEGIN
    UPDATE ledger_versions SET version = version + 1
    WHERE person_id = new.person_id OR person_id = old.person_id;
END;
CREATE TRIGGER ledger_versions_delete AFTER DELETE ON activities BEGIN
    UPDATE ledger_versions SET version = version + 1 WHERE person_id = old.person_id;
END;
