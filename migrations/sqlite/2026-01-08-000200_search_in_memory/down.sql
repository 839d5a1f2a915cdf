CREATE INDEX register_entries_latest_change ON register_entries (society_id, latest_change_on);
CREATE INDEX people_listed_order ON people (society_id, public_listing, sort_name, id);
CREATE INDEX people_search_text ON people (society_id, public_listing, search_text, sort_name);
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
