ALTER TABLE audit_log DROP COLUMN content_hash;
