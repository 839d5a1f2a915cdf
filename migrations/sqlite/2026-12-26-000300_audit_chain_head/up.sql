-- The audit chain's newest record, kept beside the log and moved on in the
-- same transaction as every audit record written: the newest records
-- removed from the log behind the service's back leave the log ending
-- before its head, which `balint-accredit check` names. One row.
-- Filled from the log as it stands by the service right after this
-- migration (`db::audit::anchor_head`), once the log is chained.
CREATE TABLE audit_chain_head (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    last_id BIGINT NOT NULL,
    hash TEXT NOT NULL
);
