-- How many days a multi-day event (a weekend, an intensive) ran, where
-- a rule asks for its length ("one weekend of two days").
ALTER TABLE activities ADD COLUMN days INTEGER;
