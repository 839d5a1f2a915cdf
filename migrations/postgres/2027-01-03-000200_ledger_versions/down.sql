DROP TRIGGER ledger_versions_insert ON activities;
DROP TRIGGER ledger_versions_update_new ON activities;
DROP TRIGGER ledger_versions_update_old ON activities;
DROP TRIGGER ledger_versions_delete ON activities;
DROP FUNCTION ledger_versions_bump();
DROP TABLE ledger_versions;
