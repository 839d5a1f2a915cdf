-- A version number per society's register, moved on by the database itself
-- whenever anything the public register shows may have changed: an entry
-- written or a person's listed fields or consent edited. The server keeps
-- the public register's search in memory and rebuilds it when this number
-- moves, so every writer (the server, the CLI's import and lapse, another
-- server on the same database) is seen at the next request. Triggers, so
-- no way of writing can forget it.
--
-- A change is never appended to a history without its entry's row being
-- rewritten in the same transaction (the row's status, tier, cycle and
-- latest_change_on follow the history), so the entry's triggers see every
-- change too, and a bulk import pays no trigger per history row.
--
-- Every society has its row from its creation on, so a trigger only ever
-- updates one row by its key (cheaper than an upsert: a bulk import fires
-- it once per entry).
CREATE TABLE register_versions (
    society_id TEXT PRIMARY KEY NOT NULL REFERENCES societies (id) ON DELETE CASCADE,
    version BIGINT NOT NULL
);
INSERT INTO register_versions (society_id, version) SELECT id, 1 FROM societies;
CREATE TRIGGER register_versions_society_insert AFTER INSERT ON societies BEGIN
    INSERT INTO register_versions (society_id, version) VALUES (new.id, 0);
END;

CREATE TRIGGER register_versions_entry_insert AFTER INSERT ON register_entries BEGIN
    UPDATE register_versions SET version = version + 1 WHERE society_id = new.society_id;
END;
CREATE TRIGGER register_versions_entry_update AFTER UPDATE ON register_entries BEGIN
    UPDATE register_versions SET version = version + 1 WHERE society_id = new.society_id;
END;
CREATE TRIGGER register_versions_entry_delete AFTER DELETE ON register_entries BEGIN
    UPDATE register_versions SET version = version + 1 WHERE society_id = old.society_id;
END;
CREATE TRIGGER register_versions_person_update AFTER UPDATE OF
    title, given_name, family_name, display_name, sort_name, search_text, city, region, public_listing
ON people BEGIN
    UPDATE register_versions SET version = version + 1 WHERE society_id = new.society_id;
END;
