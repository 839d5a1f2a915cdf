-- The register at scale: what a search needs, in columns it can filter on.
--
-- latest_change_on: the day the latest change of the entry's history takes
-- effect, kept by the service in the same transaction as each change. Once
-- it has passed, the entry's status, tier and valid_until columns are its
-- standing today, so the public search filters, counts and pages in SQL;
-- an entry with a change dated ahead is read from its history instead.
ALTER TABLE register_entries ADD COLUMN latest_change_on DATE;
UPDATE register_entries SET latest_change_on = (
    SELECT MAX(effective) FROM register_changes
    WHERE register_changes.entry_id = register_entries.id
);

-- The few entries with a change dated ahead, found without a scan.
CREATE INDEX register_entries_latest_change ON register_entries (society_id, latest_change_on);

-- The public register in its order: listed people by name.
CREATE INDEX people_listed_order ON people (society_id, public_listing, sort_name, id);
-- Searching by part of a name reads this narrow index, not the table.
CREATE INDEX people_search_text ON people (society_id, public_listing, search_text, sort_name);

-- Searching by part of a name: an FTS5 trigram index answers LIKE '%...%'
-- from an index (PostgreSQL's pg_trgm does the same there). Kept by
-- triggers, so every way a person is written keeps it in step; keyed by
-- the person's id (people's rowids are not stable across VACUUM).
CREATE VIRTUAL TABLE people_search USING fts5(person_id UNINDEXED, search_text, tokenize = 'trigram');
INSERT INTO people_search (person_id, search_text) SELECT id, search_text FROM people;
CREATE TRIGGER people_search_insert AFTER INSERT ON people BEGIN
    INSERT INTO people_search (person_id, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER people_search_update AFTER UPDATE OF search_text ON people
WHEN old.search_text IS NOT new.search_text BEGIN
    DELETE FROM people_search WHERE person_id = old.id;
    INSERT INTO people_search (person_id, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER people_search_delete AFTER DELETE ON people BEGIN
    DELETE FROM people_search WHERE person_id = old.id;
END;
