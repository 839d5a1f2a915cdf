-- A society's Balint groups, who leads them and who belongs to them, and
-- their sessions. Sessions hold counts (cases presented, follow-ups),
-- never case content: what is said in a Balint group stays in the group.

CREATE TABLE groups (
    id TEXT PRIMARY KEY NOT NULL,
    society_id TEXT NOT NULL REFERENCES societies (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    -- Who the group is for, in the society's words (GP trainees, ...).
    audience TEXT,
    term TEXT NOT NULL CHECK (term IN ('ongoing', 'fixed_term')),
    starts_on DATE,
    ends_on DATE,
    delivery TEXT NOT NULL CHECK (delivery IN ('in_person', 'online', 'hybrid')),
    usual_minutes INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX groups_name ON groups (society_id, name);

-- A leader or co-leader of a group from a day, and until a day once ended.
CREATE TABLE group_leaders (
    id TEXT PRIMARY KEY NOT NULL,
    group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    person_id TEXT NOT NULL REFERENCES people (id),
    role TEXT NOT NULL CHECK (role IN ('leader', 'co_leader')),
    from_on DATE NOT NULL,
    to_on DATE
);
CREATE INDEX group_leaders_group ON group_leaders (group_id, from_on);
CREATE INDEX group_leaders_person ON group_leaders (person_id);

-- A member of a group from the day they joined, until the day they left.
CREATE TABLE group_members (
    id TEXT PRIMARY KEY NOT NULL,
    group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    person_id TEXT NOT NULL REFERENCES people (id),
    joined_on DATE NOT NULL,
    left_on DATE
);
CREATE INDEX group_members_group ON group_members (group_id, joined_on);
CREATE INDEX group_members_person ON group_members (person_id);

-- One meeting of a group, as a leader recorded it.
CREATE TABLE group_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    society_id TEXT NOT NULL REFERENCES societies (id) ON DELETE CASCADE,
    held_on DATE NOT NULL,
    minutes INTEGER NOT NULL,
    delivery TEXT NOT NULL CHECK (delivery IN ('in_person', 'online', 'hybrid')),
    cases_presented INTEGER NOT NULL,
    follow_ups INTEGER NOT NULL,
    recorded_by_user_id TEXT REFERENCES users (id),
    recorded_by_person_id TEXT NOT NULL REFERENCES people (id),
    recorded_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX group_sessions_day ON group_sessions (group_id, held_on);

-- Who attended a session (and how) or sent apologies, and how many of its
-- cases each presented.
CREATE TABLE group_session_people (
    session_id TEXT NOT NULL REFERENCES group_sessions (id) ON DELETE CASCADE,
    person_id TEXT NOT NULL REFERENCES people (id),
    attendance TEXT NOT NULL CHECK (attendance IN ('in_person', 'online', 'apologies')),
    presented BOOLEAN NOT NULL,
    PRIMARY KEY (session_id, person_id)
);

-- The ledger record a session stands for, per person: written by it, or
-- the person's own record of the same meeting, linked. A correction of a
-- decided record moves the link to the new record.
CREATE TABLE group_session_records (
    session_id TEXT NOT NULL REFERENCES group_sessions (id) ON DELETE CASCADE,
    person_id TEXT NOT NULL REFERENCES people (id),
    activity_id TEXT NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    -- The person had logged it themself before the session was recorded.
    linked BOOLEAN NOT NULL,
    PRIMARY KEY (session_id, person_id)
);
CREATE INDEX group_session_records_activity ON group_session_records (activity_id);
