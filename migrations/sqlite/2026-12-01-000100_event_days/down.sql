ALTER TABLE activities DROP COLUMN days;
