-- A version number per society's register, moved on by the database itself
-- whenever anything the public register shows may have changed: an entry
-- written, a change appended to a history, a person's listed fields or
-- consent edited. The server keeps the public register's search in memory
-- and rebuilds it when this number moves, so every writer (the server, the
-- CLI's import and lapse, another server on the same database) is seen at
-- the next request. Triggers, so no way of writing can forget it.
CREATE TABLE register_versions (
    society_id TEXT PRIMARY KEY NOT NULL REFERENCES societies (id) ON DELETE CASCADE,
    version BIGINT NOT NULL
);
INSERT INTO register_versions (society_id, version)
SELECT DISTINCT society_id, 1 FROM register_entries WHERE true;

CREATE TRIGGER register_versions_entry_insert AFTER INSERT ON register_entries BEGIN
    INSERT INTO register_versions (society_id, version) VALUES (new.society_id, 1)
    ON CONFLICT (society_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER register_versions_entry_update AFTER UPDATE ON register_entries BEGIN
    INSERT INTO register_versions (society_id, version) VALUES (new.society_id, 1)
    ON CONFLICT (society_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER register_versions_entry_delete AFTER DELETE ON register_entries BEGIN
    INSERT INTO register_versions (society_id, version) VALUES (old.society_id, 1)
    ON CONFLICT (society_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER register_versions_change_insert AFTER INSERT ON register_changes BEGIN
    INSERT INTO register_versions (society_id, version)
    SELECT society_id, 1 FROM register_entries WHERE id = new.entry_id
    ON CONFLICT (society_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER register_versions_person_update AFTER UPDATE OF
    title, given_name, family_name, display_name, sort_name, search_text, city, region, public_listing
ON people BEGIN
    INSERT INTO register_versions (society_id, version) VALUES (new.society_id, 1)
    ON CONFLICT (society_id) DO UPDATE SET version = version + 1;
END;
