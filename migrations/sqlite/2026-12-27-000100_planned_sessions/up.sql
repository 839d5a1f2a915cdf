-- A group's sessions planned ahead: when and where it will meet. A plan
-- holds no clinical content (a place or an online link, and a note such
-- as "room 3", never what will be discussed).
--
-- Times: the leader gives the local day and time where the group meets
-- and that place's offset from UTC on the day (e.g. +13:00); the start is
-- kept in UTC, with the offset to show it back as given.

CREATE TABLE group_planned_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    society_id TEXT NOT NULL REFERENCES societies (id) ON DELETE CASCADE,
    -- The local day it is planned for.
    on_day DATE NOT NULL,
    -- Its start, in UTC.
    starts_at TIMESTAMP NOT NULL,
    -- The offset from UTC of the local time it was given in, in minutes.
    utc_offset_minutes INTEGER NOT NULL,
    minutes INTEGER NOT NULL,
    delivery TEXT NOT NULL CHECK (delivery IN ('in_person', 'online', 'hybrid')),
    -- Where: a place, or the online link's text.
    place TEXT,
    note TEXT,
    status TEXT NOT NULL CHECK (status IN ('planned', 'cancelled', 'held')),
    -- Once held: the session recorded on its day.
    session_id TEXT REFERENCES group_sessions (id) ON DELETE SET NULL,
    -- Bumped on every change, for calendars (RFC 5545 SEQUENCE).
    sequence INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX group_planned_sessions_group ON group_planned_sessions (group_id, on_day);
