-- A version number per society's list of people, moved on by the database
-- itself whenever a person is added, removed or renamed (their place in
-- the list's order), by whoever writes it: this server, another one, or
-- the CLI. A server keeps how many people a society has and where each
-- page of its list begins, and reads them again only when the version
-- has moved, so a page of 100,000 people reads its 50 rows, not a count
-- of them all or the rows before it. Once per statement, so an import
-- moves it once per batch.
CREATE TABLE people_versions (
    society_id TEXT PRIMARY KEY NOT NULL REFERENCES societies (id) ON DELETE CASCADE,
    version BIGINT NOT NULL
);
INSERT INTO people_versions (society_id, version)
SELECT DISTINCT society_id, 1 FROM people;

-- The people a statement wrote are in the transition table `written`; a
-- society deleted with its people has no version left to move.
CREATE FUNCTION people_versions_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO people_versions (society_id, version)
    SELECT DISTINCT w.society_id, 1 FROM written w JOIN societies s ON s.id = w.society_id
    ON CONFLICT (society_id) DO UPDATE SET version = people_versions.version + 1;
    RETURN NULL;
END
$$;

-- An update moves the version only of the societies where someone's
-- place in the order changed (`before` and `after` the statement).
CREATE FUNCTION people_versions_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO people_versions (society_id, version)
    SELECT DISTINCT x.society_id, 1
    FROM after a
    JOIN before b ON b.id = a.id
    CROSS JOIN LATERAL (VALUES (a.society_id), (b.society_id)) AS x (society_id)
    JOIN societies s ON s.id = x.society_id
    WHERE a.sort_name <> b.sort_name OR a.society_id <> b.society_id
    ON CONFLICT (society_id) DO UPDATE SET version = people_versions.version + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER people_versions_insert AFTER INSERT ON people
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION people_versions_bump();
CREATE TRIGGER people_versions_update AFTER UPDATE ON people
    REFERENCING OLD TABLE AS before NEW TABLE AS after
    FOR EACH STATEMENT EXECUTE FUNCTION people_versions_moved();
CREATE TRIGGER people_versions_delete AFTER DELETE ON people
    REFERENCING OLD TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION people_versions_bump();
