DROP TRIGGER ledger_versions_insert;
DROP TRIGGER ledger_versions_update;
DROP TRIGGER ledger_versions_delete;
DROP TABLE ledger_versions;
