DROP INDEX people_search_trigrams;
DROP INDEX people_listed_order;
ALTER TABLE register_entries DROP COLUMN latest_change_on;
