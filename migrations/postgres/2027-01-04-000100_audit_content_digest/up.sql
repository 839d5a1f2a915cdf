-- Each audit record's content digest: the SHA-256 of its content (time,
-- actor, society, action, entity, before and after values), computed by
-- db::audit::record. The chain's hash is now taken over the previous
-- record's hash, the record's id and this digest, not over the content
-- itself, so that an erasure can redact a person's details from a record
-- while the chain still links (the erasure's own record names what it
-- redacted). The records already there are chained anew by the binary
-- right after this migration is applied (db::connection::run_migrations),
-- in the same run.
ALTER TABLE audit_log ADD COLUMN content_hash TEXT;
