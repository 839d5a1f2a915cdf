DROP TRIGGER people_versions_insert;
DROP TRIGGER people_versions_update;
DROP TRIGGER people_versions_delete;
DROP TABLE people_versions;
