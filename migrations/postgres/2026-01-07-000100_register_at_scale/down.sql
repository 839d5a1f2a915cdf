DROP INDEX people_search_trigrams;
DROP INDEX people_listed_order;
DROP INDEX register_entries_latest_change;
ALTER TABLE register_entries DROP COLUMN latest_change_on;
