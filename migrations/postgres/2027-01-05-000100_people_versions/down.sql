DROP TRIGGER people_versions_insert ON people;
DROP TRIGGER people_versions_update ON people;
DROP TRIGGER people_versions_delete ON people;
DROP FUNCTION people_versions_moved();
DROP FUNCTION people_versions_bump();
DROP TABLE people_versions;
