-- Which entries each move of a society's register version touched, so a
-- server holding the public register in memory as of one version reads
-- only the entries written since and patches its copy in place, instead
-- of reading the whole register again (see `register_versions`). Filled
-- by the same statement triggers that move the version, so every writer
-- (the server, the CLI, another server) is covered.
--
-- No foreign key on the entry: a deleted entry's touch is what tells a
-- copy to drop it. Touches more than 10,000 versions old are pruned every
-- 100 versions; a copy that far behind is read whole again.
CREATE TABLE register_touches (
    society_id TEXT NOT NULL REFERENCES societies (id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    entry_id TEXT NOT NULL,
    PRIMARY KEY (society_id, version, entry_id)
);

-- The entries a statement wrote are in the transition table `written`.
CREATE FUNCTION register_touches_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO register_versions (society_id, version)
    SELECT DISTINCT society_id, 1 FROM written
    ON CONFLICT (society_id) DO UPDATE SET version = register_versions.version + 1;
    INSERT INTO register_touches (society_id, version, entry_id)
    SELECT DISTINCT w.society_id, v.version, w.id
    FROM written w JOIN register_versions v ON v.society_id = w.society_id;
    DELETE FROM register_touches t USING register_versions v
    WHERE v.society_id IN (SELECT society_id FROM written) AND v.version % 100 = 0
        AND t.society_id = v.society_id AND t.version <= v.version - 10000;
    RETURN NULL;
END
$$;

-- The people a statement wrote are in `written`: their entries are touched.
CREATE FUNCTION register_touches_people() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO register_versions (society_id, version)
    SELECT DISTINCT society_id, 1 FROM written
    ON CONFLICT (society_id) DO UPDATE SET version = register_versions.version + 1;
    INSERT INTO register_touches (society_id, version, entry_id)
    SELECT DISTINCT e.society_id, v.version, e.id
    FROM written w
    JOIN register_entries e ON e.person_id = w.id AND e.society_id = w.society_id
    JOIN register_versions v ON v.society_id = e.society_id;
    RETURN NULL;
END
$$;

DROP TRIGGER register_versions_entry_insert ON register_entries;
DROP TRIGGER register_versions_entry_update ON register_entries;
DROP TRIGGER register_versions_entry_delete ON register_entries;
DROP TRIGGER register_versions_person_update ON people;

CREATE TRIGGER register_versions_entry_insert AFTER INSERT ON register_entries
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION register_touches_entries();
CREATE TRIGGER register_versions_entry_update AFTER UPDATE ON register_entries
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION register_touches_entries();
CREATE TRIGGER register_versions_entry_delete AFTER DELETE ON register_entries
    REFERENCING OLD TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION register_touches_entries();
CREATE TRIGGER register_versions_person_update AFTER UPDATE ON people
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION register_touches_people();
