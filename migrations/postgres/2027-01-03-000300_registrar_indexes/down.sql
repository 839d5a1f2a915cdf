DROP INDEX register_entries_due;
DROP INDEX audit_log_actor;
