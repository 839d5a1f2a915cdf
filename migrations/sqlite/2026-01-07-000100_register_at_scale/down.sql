DROP TRIGGER people_search_delete;
DROP TRIGGER people_search_update;
DROP TRIGGER people_search_insert;
DROP TABLE people_search;
DROP INDEX people_search_text;
DROP INDEX people_listed_order;
DROP INDEX register_entries_latest_change;
ALTER TABLE register_entries DROP COLUMN latest_change_on;
