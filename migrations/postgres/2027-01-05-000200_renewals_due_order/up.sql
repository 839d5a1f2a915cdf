-- The renewals due, a page at a time, in their order (the cycle's end,
-- then the registration number) straight from the index, the lapse day
-- read from it too: a page reads its 50 entries, not every entry whose
-- cycle ends the same day to sort them, nor the rows of entries past
-- their lapse day; their count reads the index alone.
DROP INDEX register_entries_due;
CREATE INDEX register_entries_due
    ON register_entries (society_id, status, valid_until, registration, lapses_on);
