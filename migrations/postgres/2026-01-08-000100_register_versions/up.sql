-- A version number per society's register, moved on by the database itself
-- whenever anything the public register shows may have changed: an entry
-- written or a person's listed fields or consent edited. The server keeps
-- the public register's search in memory and rebuilds it when this number
-- moves, so every writer (the server, the CLI's import and lapse, another
-- server on the same database) is seen at the next request. Triggers, so
-- no way of writing can forget it; once per statement, so a bulk import
-- moves it once per batch, not once per row.
--
-- A change is never appended to a history without its entry's row being
-- rewritten in the same transaction (the row's status, tier, cycle and
-- latest_change_on follow the history), so the entry's triggers see every
-- change too.
CREATE TABLE register_versions (
    society_id TEXT PRIMARY KEY NOT NULL REFERENCES societies (id) ON DELETE CASCADE,
    version BIGINT NOT NULL
);
INSERT INTO register_versions (society_id, version)
SELECT DISTINCT society_id, 1 FROM register_entries;

-- The societies of the rows a statement wrote, in the transition table
-- every trigger below names `written`.
CREATE FUNCTION register_versions_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO register_versions (society_id, version)
    SELECT DISTINCT society_id, 1 FROM written
    ON CONFLICT (society_id) DO UPDATE SET version = register_versions.version + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER register_versions_entry_insert AFTER INSERT ON register_entries
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION register_versions_bump();
CREATE TRIGGER register_versions_entry_update AFTER UPDATE ON register_entries
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION register_versions_bump();
CREATE TRIGGER register_versions_entry_delete AFTER DELETE ON register_entries
    REFERENCING OLD TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION register_versions_bump();
CREATE TRIGGER register_versions_person_update AFTER UPDATE ON people
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION register_versions_bump();
