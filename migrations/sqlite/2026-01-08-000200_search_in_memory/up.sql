-- The public register is searched in the server's memory (see
-- `register_versions`), so the indexes that served its search in SQL are
-- only upkeep now, paid by every write and most by a bulk import: the
-- trigram index of names and its triggers, the listed-people orders, the
-- entries by day of their latest change. The registrar's list of people
-- keeps `people_society_order`.
DROP TRIGGER people_search_delete;
DROP TRIGGER people_search_update;
DROP TRIGGER people_search_insert;
DROP TABLE people_search;
DROP INDEX people_search_text;
DROP INDEX people_listed_order;
DROP INDEX register_entries_latest_change;
