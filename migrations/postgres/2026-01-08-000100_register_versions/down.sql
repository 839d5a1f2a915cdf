DROP TRIGGER register_versions_person_update ON people;
DROP TRIGGER register_versions_entry_delete ON register_entries;
DROP TRIGGER register_versions_entry_update ON register_entries;
DROP TRIGGER register_versions_entry_insert ON register_entries;
DROP FUNCTION register_versions_bump();
DROP TABLE register_versions;
