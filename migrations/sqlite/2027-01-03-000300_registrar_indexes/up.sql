-- The registrar's pages on a register of 100,000 entries: the renewals due
-- (accredited, the cycle ending soon) found by an index instead of reading
-- every entry, and the logins that acted in a society's audit log (its
-- filter) from an index instead of the log's rows.
CREATE INDEX register_entries_due ON register_entries (society_id, status, valid_until);
CREATE INDEX audit_log_actor ON audit_log (society_id, actor_user_id);
