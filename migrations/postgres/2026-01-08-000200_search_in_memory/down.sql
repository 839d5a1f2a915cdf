CREATE INDEX register_entries_latest_change ON register_entries (society_id, latest_change_on);
CREATE INDEX people_listed_order ON people (society_id, public_listing, sort_name, id);
CREATE INDEX people_search_trigrams ON people USING gin (search_text gin_trgm_ops);
