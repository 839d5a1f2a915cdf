DROP TRIGGER register_versions_entry_insert ON register_entries;
DROP TRIGGER register_versions_entry_update ON register_entries;
DROP TRIGGER register_versions_entry_delete ON register_entries;
DROP TRIGGER register_versions_person_update ON people;

CREATE TRIGGER register_versions_entry_insert AFTER INSERT ON register_entries
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION register_versions_bump();
CREATE TRIGGER register_versions_entry_update AFTER UPDATE ON register_entries
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION register_versions_bump();
CREATE TRIGGER register_versions_entry_delete AFTER DELETE ON register_entries
    REFERENCING OLD TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION register_versions_bump();
CREATE TRIGGER register_versions_person_update AFTER UPDATE ON people
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION register_versions_bump();

DROP FUNCTION register_touches_people();
DROP FUNCTION register_touches_entries();
DROP TABLE register_touches;
