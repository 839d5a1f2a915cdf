-- A person in a society's records is linked to at most one login (a login
-- holds one role per society, so one row per login and society).
CREATE UNIQUE INDEX society_roles_one_login_per_person
    ON society_roles (society_id, person_id)
    WHERE person_id IS NOT NULL;
