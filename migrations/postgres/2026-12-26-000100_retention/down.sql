DROP TABLE society_retention;
ALTER TABLE users DROP COLUMN last_signed_in_at;
