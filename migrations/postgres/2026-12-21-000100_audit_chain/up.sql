-- The audit log as a hash chain: each record carries the SHA-256 of the
-- record before it (prev_hash; '' for the first) and of its own content
-- with that (hash), computed by db::audit::record, so that a record
-- changed or removed behind the service's back is found by
-- `balint-accredit check`. One chain for the whole log, in id order.
-- The records already there are chained by the binary right after this
-- migration is applied (db::connection::run_migrations), in the same run.
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
