-- One row per accepted delivery. The same SQL runs on H2 and PostgreSQL: keep to types both know.
CREATE TABLE call_audit (
    delivery_id          VARCHAR(255)             NOT NULL PRIMARY KEY,
    event                VARCHAR(100)             NOT NULL,
    received_at          TIMESTAMP WITH TIME ZONE NOT NULL,
    occurred_at          TIMESTAMP WITH TIME ZONE,
    call_id              TEXT,
    organization_id      TEXT,
    agent_id             TEXT,
    agent_name           TEXT,
    customer_name        TEXT,
    customer_phone       TEXT,
    from_number          TEXT,
    direction            TEXT,
    status               TEXT,
    duration_seconds     INTEGER,
    disconnection_reason TEXT,
    sentiment            TEXT,
    summary              TEXT,
    transcript           TEXT,
    call_successful      BOOLEAN,
    token_cost           NUMERIC(18, 6),
    started_at           TIMESTAMP WITH TIME ZONE,
    ended_at             TIMESTAMP WITH TIME ZONE,
    metadata             TEXT,
    payload              TEXT                     NOT NULL
);
-- Written once and never updated: state that changes lives in the small tables below, so a change does
-- not rewrite the pages that hold payloads.

CREATE INDEX call_audit_received_at ON call_audit (received_at);

-- The events whose dispatch is still owed: inserted with the audit row, deleted when the routing table
-- has recorded the event's deliveries. Recovery hands what stays here too long to dispatch again.
CREATE TABLE dispatch_outbox (
    delivery_id VARCHAR(255)             NOT NULL PRIMARY KEY REFERENCES call_audit (delivery_id),
    received_at TIMESTAMP WITH TIME ZONE NOT NULL,
    -- recovery's claim on re-dispatching the event, so two instances do not both do it
    lease_until TIMESTAMP WITH TIME ZONE
);

CREATE INDEX dispatch_outbox_received_at ON dispatch_outbox (received_at);

-- One row per channel of each event: what it owes and what became of it.
CREATE TABLE call_delivery (
    delivery_id VARCHAR(255)             NOT NULL REFERENCES call_audit (delivery_id),
    channel     VARCHAR(64)              NOT NULL,
    status      VARCHAR(16)              NOT NULL,
    attempts    INTEGER                  NOT NULL DEFAULT 0,
    last_error  VARCHAR(2000),
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    -- a PENDING row is worked on by whoever holds its lease: the instance (renewed while it lives) and
    -- the claim (token) whose queued send may go out; an expired lease is recovered by any instance
    lease_owner VARCHAR(100),
    lease_token VARCHAR(36),
    lease_until TIMESTAMP WITH TIME ZONE,
    PRIMARY KEY (delivery_id, channel),
    CONSTRAINT call_delivery_status CHECK (status IN ('PENDING', 'SENT', 'FAILED', 'SKIPPED'))
);

-- Renewing leases asks for one owner's PENDING rows, which this index already narrows to a handful: no
-- index on lease_owner, which would cost every delivery row (three per event) one more B-tree insert.
CREATE INDEX call_delivery_status_lease ON call_delivery (status, lease_until);
