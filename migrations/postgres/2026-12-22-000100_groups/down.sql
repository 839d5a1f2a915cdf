DROP TABLE group_session_records;
DROP TABLE group_session_people;
DROP TABLE group_sessions;
DROP TABLE group_members;
DROP TABLE group_leaders;
DROP TABLE groups;
