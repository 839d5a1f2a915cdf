DROP TABLE credentials;
DROP TABLE credential_statuses;
DROP TABLE issuer_keys;
