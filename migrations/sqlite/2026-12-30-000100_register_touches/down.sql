DROP TRIGGER register_touches_prune;
DROP TRIGGER register_versions_entry_insert;
DROP TRIGGER register_versions_entry_update;
DROP TRIGGER register_versions_entry_delete;
DROP TRIGGER register_versions_person_update;

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

DROP TABLE register_touches;
