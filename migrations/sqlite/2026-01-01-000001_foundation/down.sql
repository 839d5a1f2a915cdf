DROP TABLE audit_log;
DROP TABLE login_failures;
DROP TABLE sessions;
DROP TABLE society_roles;
DROP TABLE societies;
DROP TABLE users;
