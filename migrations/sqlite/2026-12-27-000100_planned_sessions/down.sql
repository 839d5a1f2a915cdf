DROP TABLE group_planned_sessions;
