-- E-mail: the messages made from the outbox's events (written in the
-- transaction that fans the events out), each try of sending one, and the
-- kinds of message a recipient no longer wants.
CREATE TABLE mail_messages (
    -- 'mail_' and 32 hex digits
    id TEXT PRIMARY KEY NOT NULL,
    society_id TEXT NOT NULL REFERENCES societies (id),
    -- 'attestation_digest', 'renewal_reminder' or 'application_decision'
    kind TEXT NOT NULL,
    -- the person it is sent to, where it is one of the society's people
    person_id TEXT,
    -- the address it is sent to
    recipient TEXT NOT NULL,
    -- the society's contact address, where it has one
    reply_to TEXT,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    -- a digest's lines (JSON), while it gathers and after
    digest TEXT,
    -- the secret of its unsubscribe link
    unsubscribe_token TEXT NOT NULL UNIQUE,
    -- 'pending', 'sent' or 'dead' (tries used up, or refused for good)
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    -- when it is to be sent (a digest gathers until then)
    next_attempt_at TIMESTAMP NOT NULL,
    -- a server is sending it until then; another may take it over after
    leased_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    -- what the last try came to
    last_result TEXT
);
CREATE INDEX mail_messages_due ON mail_messages (next_attempt_at) WHERE state = 'pending';
CREATE INDEX mail_messages_society ON mail_messages (society_id, created_at);
CREATE INDEX mail_messages_gathering ON mail_messages (society_id, person_id, kind) WHERE state = 'pending';

-- Each try of sending a message, and what the mail server said.
CREATE TABLE mail_attempts (
    message_id TEXT NOT NULL REFERENCES mail_messages (id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL,
    tried_at TIMESTAMP NOT NULL,
    sent BOOLEAN NOT NULL,
    -- the server's answer, or why there was none
    result TEXT NOT NULL,
    PRIMARY KEY (message_id, attempt)
);

-- A kind of message an address no longer receives from a society.
CREATE TABLE mail_unsubscribes (
    society_id TEXT NOT NULL REFERENCES societies (id),
    recipient TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (society_id, recipient, kind)
);
