-- The outbox: every event worth telling, written in the same transaction
-- as the change it tells of, and the webhooks it is delivered to.
CREATE TABLE outbox_events (
    -- 'evt_' and 32 hex digits
    id TEXT PRIMARY KEY NOT NULL,
    society_id TEXT NOT NULL REFERENCES societies (id),
    -- e.g. 'register_entry.suspended'
    event_type TEXT NOT NULL,
    -- the person it is about, where there is one (the data export)
    person_id TEXT,
    -- the event's data, thin: ids, statuses and dates (JSON)
    payload TEXT NOT NULL,
    -- what makes a reminder once only (entry, cycle end, threshold)
    dedup_key TEXT UNIQUE,
    created_at TIMESTAMP NOT NULL,
    -- when its deliveries were made (one per endpoint subscribed)
    fanned_out_at TIMESTAMP
);
CREATE INDEX outbox_events_waiting ON outbox_events (created_at) WHERE fanned_out_at IS NULL;
CREATE INDEX outbox_events_society ON outbox_events (society_id, created_at);

-- A society's webhook endpoints, set by its registrar.
CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY NOT NULL,
    society_id TEXT NOT NULL REFERENCES societies (id),
    url TEXT NOT NULL,
    description TEXT NOT NULL,
    -- the event types it is subscribed to, space-separated
    event_types TEXT NOT NULL,
    -- 'whsec_' and the base64 of 24 random bytes
    secret TEXT NOT NULL,
    disabled_at TIMESTAMP,
    disabled_reason TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX webhook_endpoints_society ON webhook_endpoints (society_id);

-- One event to one endpoint: its webhook-id, and where it stands.
CREATE TABLE webhook_deliveries (
    -- 'msg_' and 32 hex digits: the webhook-id, the same on every try
    id TEXT PRIMARY KEY NOT NULL,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id TEXT NOT NULL REFERENCES outbox_events (id),
    society_id TEXT NOT NULL REFERENCES societies (id),
    -- 'pending', 'delivered', 'dead' (tries used up, or the endpoint gone)
    -- or 'dropped' (by the operator)
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    -- a server is sending it until then; another may take it over after
    leased_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_society ON webhook_deliveries (society_id, created_at);

-- Each try of a delivery and the endpoint's answer.
CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL,
    tried_at TIMESTAMP NOT NULL,
    -- the HTTP status answered; none when there was no answer
    status INTEGER,
    -- why there was no answer, or the start of the answer's body
    response TEXT NOT NULL,
    duration_ms BIGINT NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
