DROP TABLE registration_counters;
DROP TABLE register_changes;
DROP TABLE register_entries;
