-- The society's own details its public pages show (its name and country,
-- how to reach it, its logo, the names of its pathway's tiers) are held in
-- memory with its public register: writing them moves the register version
-- as an entry's write does, touching no entry, so a server holding the
-- register reads them again at its next check (see `register_versions`
-- and `register_touches`), whoever wrote them. Once per statement.

-- Rows naming their society in `society_id`, in the transition table `written`.
CREATE FUNCTION register_versions_society_details() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO register_versions (society_id, version)
    SELECT DISTINCT society_id, 1 FROM written
    ON CONFLICT (society_id) DO UPDATE SET version = register_versions.version + 1;
    RETURN NULL;
END
$$;

-- The societies themselves (their `id`), in `written`.
CREATE FUNCTION register_versions_society() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO register_versions (society_id, version)
    SELECT DISTINCT id, 1 FROM written
    ON CONFLICT (society_id) DO UPDATE SET version = register_versions.version + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER register_versions_society_update AFTER UPDATE ON societies
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION register_versions_society();
CREATE TRIGGER register_versions_profile_insert AFTER INSERT ON society_profiles
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION register_versions_society_details();
CREATE TRIGGER register_versions_profile_update AFTER UPDATE ON society_profiles
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION register_versions_society_details();
CREATE TRIGGER register_versions_profile_delete AFTER DELETE ON society_profiles
    REFERENCING OLD TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION register_versions_society_details();
CREATE TRIGGER register_versions_pathway_insert AFTER INSERT ON pathway_versions
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION register_versions_society_details();
CREATE TRIGGER register_versions_pathway_update AFTER UPDATE ON pathway_versions
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION register_versions_society_details();
CREATE TRIGGER register_versions_pathway_delete AFTER DELETE ON pathway_versions
    REFERENCING OLD TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION register_versions_society_details();
