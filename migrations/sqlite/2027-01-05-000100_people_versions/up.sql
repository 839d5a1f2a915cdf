-- A version number per society's list of people, moved on by the database
-- itself whenever a person is added, removed or renamed (their place in
-- the list's order), by whoever writes it: this server, another one, or
-- the CLI. A server keeps how many people a society has and where each
-- page of its list begins, and reads them again only when the version
-- has moved, so a page of 100,000 people reads its 50 rows, not a count
-- of them all or the rows before it.
CREATE TABLE people_versions (
    society_id TEXT PRIMARY KEY NOT NULL REFERENCES societies (id) ON DELETE CASCADE,
    version BIGINT NOT NULL
);
INSERT INTO people_versions (society_id, version)
SELECT DISTINCT society_id, 1 FROM people WHERE true;

CREATE TRIGGER people_versions_insert AFTER INSERT ON people BEGIN
    INSERT INTO people_versions (society_id, version) VALUES (new.society_id, 1)
    ON CONFLICT (society_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER people_versions_update AFTER UPDATE OF society_id, sort_name ON people
WHEN old.sort_name IS NOT new.sort_name OR old.society_id IS NOT new.society_id BEGIN
    INSERT INTO people_versions (society_id, version) VALUES (new.society_id, 1)
    ON CONFLICT (society_id) DO UPDATE SET version = version + 1;
    UPDATE people_versions SET version = version + 1
    WHERE society_id = old.society_id AND old.society_id <> new.society_id;
END;
CREATE TRIGGER people_versions_delete AFTER DELETE ON people BEGIN
    UPDATE people_versions SET version = version + 1 WHERE society_id = old.society_id;
END;
