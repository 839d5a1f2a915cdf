-- How long a society keeps what it told: events of the outbox once told,
-- and webhook deliveries once finished with their tries, in days (NULL:
-- the server's default, given to `balint-accredit retention`, which keeps
-- them unless set).
ALTER TABLE society_retention ADD COLUMN notifications_days INTEGER;
