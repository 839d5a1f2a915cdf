-- Certificates of attendance, as issued: what was certified is kept as it
-- was on the day (the ledger may change later), under a verification code
-- that anyone may check. Amounts are thousandths, as in the ledger.
CREATE TABLE attendance_certificates (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    society_id TEXT NOT NULL REFERENCES societies (id) ON DELETE CASCADE,
    person_id TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    person_name TEXT NOT NULL,
    society_name TEXT NOT NULL,
    period_from DATE NOT NULL,
    period_to DATE NOT NULL,
    sessions_in_person BIGINT NOT NULL,
    sessions_online BIGINT NOT NULL,
    minutes_in_person BIGINT NOT NULL,
    minutes_online BIGINT NOT NULL,
    -- The leaders who attested the sessions, by name: a JSON list.
    leaders TEXT NOT NULL,
    scheme_id TEXT,
    scheme_title TEXT,
    scheme_met BOOLEAN,
    issued_by_user_id TEXT REFERENCES users (id),
    issued_at TIMESTAMP NOT NULL
);
CREATE INDEX attendance_certificates_person ON attendance_certificates (person_id, issued_at);
