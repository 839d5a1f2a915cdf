DROP INDEX register_entries_due;
CREATE INDEX register_entries_due ON register_entries (society_id, status, valid_until);
