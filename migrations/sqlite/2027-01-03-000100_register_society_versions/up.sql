-- The society's own details its public pages show (its name and country,
-- how to reach it, its logo, the names of its pathway's tiers) are held in
-- memory with its public register: writing them moves the register version
-- as an entry's write does, touching no entry, so a server holding the
-- register reads them again at its next check (see `register_versions`
-- and `register_touches`), whoever wrote them.
CREATE TRIGGER register_versions_society_update AFTER UPDATE ON societies BEGIN
    UPDATE register_versions SET version = version + 1 WHERE society_id = new.id;
END;
CREATE TRIGGER register_versions_profile_insert AFTER INSERT ON society_profiles BEGIN
    UPDATE register_versions SET version = version + 1 WHERE society_id = new.society_id;
END;
CREATE TRIGGER register_versions_profile_update AFTER UPDATE ON society_profiles BEGIN
    UPDATE register_versions SET version = version + 1 WHERE society_id = new.society_id;
END;
CREATE TRIGGER register_versions_profile_delete AFTER DELETE ON society_profiles BEGIN
    UPDATE register_versions SET version = version + 1 WHERE society_id = old.society_id;
END;
CREATE TRIGGER register_versions_pathway_insert AFTER INSERT ON pathway_versions BEGIN
    UPDATE register_versions SET version = version + 1 WHERE society_id = new.society_id;
END;
CREATE TRIGGER register_versions_pathway_update AFTER UPDATE ON pathway_versions BEGIN
    UPDATE register_versions SET version = version + 1 WHERE society_id = new.society_id;
END;
CREATE TRIGGER register_versions_pathway_delete AFTER DELETE ON pathway_versions BEGIN
    UPDATE register_versions SET version = version + 1 WHERE society_id = old.society_id;
END;
