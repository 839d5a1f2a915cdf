DROP TABLE password_resets;
DROP TABLE disabled_logins;
