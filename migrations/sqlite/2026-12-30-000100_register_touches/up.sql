-- Which entries each move of a society's register version touched, so a
-- server holding the public register in memory as of one version reads
-- only the entries written since and patches its copy in place, instead
-- of reading the whole register again (see `register_versions`). Filled
-- by the same triggers that move the version, so every writer (the
-- server, the CLI, another server) is covered.
--
-- No foreign key on the entry: a deleted entry's touch is what tells a
-- copy to drop it. Touches more than 10,000 versions old are pruned every
-- 1,000 versions; a copy that far behind is read whole again.
CREATE TABLE register_touches (
    society_id TEXT NOT NULL REFERENCES societies (id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    entry_id TEXT NOT NULL,
    PRIMARY KEY (society_id, version, entry_id)
);

DROP TRIGGER register_versions_entry_insert;
DROP TRIGGER register_versions_entry_update;
DROP TRIGGER register_versions_entry_delete;
DROP TRIGGER register_versions_person_update;

CREATE TRIGGER register_versions_entry_insert AFTER INSERT ON register_entries BEGIN
    UPDATE register_versions SET version = version + 1 WHERE society_id = new.society_id;
    INSERT INTO register_touches (society_id, version, entry_id)
    SELECT society_id, version, new.id FROM register_versions WHERE society_id = new.society_id;
END;
CREATE TRIGGER register_versions_entry_update AFTER UPDATE ON register_entries BEGIN
    UPDATE register_versions SET version = version + 1 WHERE society_id = new.society_id;
    INSERT INTO register_touches (society_id, version, entry_id)
    SELECT society_id, version, new.id FROM register_versions WHERE society_id = new.society_id;
END;
CREATE TRIGGER register_versions_entry_delete AFTER DELETE ON register_entries BEGIN
    UPDATE register_versions SET version = version + 1 WHERE society_id = old.society_id;
    INSERT INTO register_touches (society_id, version, entry_id)
    SELECT society_id, version, old.id FROM register_versions WHERE society_id = old.society_id;
END;
CREATE TRIGGER register_versions_person_update AFTER UPDATE OF
    title, given_name, family_name, display_name, sort_name, search_text, city, region, public_listing
ON people BEGIN
    UPDATE register_versions SET version = version + 1 WHERE society_id = new.society_id;
    INSERT INTO register_touches (society_id, version, entry_id)
    SELECT v.society_id, v.version, e.id
    FROM register_versions v JOIN register_entries e
        ON e.society_id = v.society_id AND e.person_id = new.id
    WHERE v.society_id = new.society_id;
END;
CREATE TRIGGER register_touches_prune AFTER INSERT ON register_touches
WHEN new.version % 1000 = 0 BEGIN
    DELETE FROM register_touches
    WHERE society_id = new.society_id AND version <= new.version - 10000;
END;
