ALTER TABLE society_retention DROP COLUMN notifications_days;
