-- Logins, societies, roles, sessions, login throttling and the audit log.
CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    is_platform_admin BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE societies (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    country TEXT,
    created_at TIMESTAMP NOT NULL
);

-- A login's role in one society; at most one role per society.
CREATE TABLE society_roles (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    society_id TEXT NOT NULL REFERENCES societies (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('registrar', 'member')),
    person_id TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, society_id)
);

-- Bearer tokens, by their SHA-256 only.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX sessions_user_id ON sessions (user_id);

-- Failed logins, kept for the throttling window.
CREATE TABLE login_failures (
    id BIGSERIAL PRIMARY KEY,
    email TEXT NOT NULL,
    failed_at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_email ON login_failures (email, failed_at);

-- Append-only: rows are inserted, never updated or deleted.
CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    occurred_at TIMESTAMP NOT NULL,
    actor_user_id TEXT REFERENCES users (id),
    society_id TEXT REFERENCES societies (id),
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_log_society ON audit_log (society_id, id);
