-- The public register is searched in the server's memory (see
-- `register_versions`), so the indexes that served its search in SQL are
-- only upkeep now, paid by every write and most by a bulk import: the
-- trigram index of names, the listed-people order, the entries by day of
-- their latest change. The registrar's list of people keeps
-- `people_society_order`. (The pg_trgm extension is left installed: other
-- databases' objects may use it.)
DROP INDEX people_search_trigrams;
DROP INDEX people_listed_order;
DROP INDEX register_entries_latest_change;
