-- One write per event: the routing table runs inside intake, and the event's delivery rows are stored with its
-- audit row in one commit; each destination takes its PENDING rows from this table (the queue), a retry being
-- a row with a due time. The outbox of events still to dispatch is gone.

-- when a PENDING delivery may be sent next: at once for a new one, later for a retry
ALTER TABLE call_delivery ADD COLUMN due_at TIMESTAMP WITH TIME ZONE;
-- the event's size as received: what sending it may hold in memory (the senders' byte budget)
ALTER TABLE call_delivery ADD COLUMN event_bytes INTEGER DEFAULT 0 NOT NULL;
UPDATE call_delivery SET due_at = updated_at WHERE status = 'PENDING';

-- the W3C trace context of the webhook that brought the event (tracing on): its sends continue that trace
ALTER TABLE call_audit ADD COLUMN trace_parent VARCHAR(55);

-- Events stored without their deliveries: the routing table failed on them (the error is kept), they are
-- routed again later; empty in the usual case, so intake writes nothing here.
CREATE TABLE unrouted_event (
    delivery_id VARCHAR(255)             NOT NULL PRIMARY KEY,
    received_at TIMESTAMP WITH TIME ZONE NOT NULL,
    error       VARCHAR(2000)            NOT NULL,
    attempts    INTEGER                  NOT NULL,
    due_at      TIMESTAMP WITH TIME ZONE NOT NULL
);

-- what the previous version had not dispatched yet is routed now
INSERT INTO unrouted_event (delivery_id, received_at, error, attempts, due_at)
SELECT delivery_id, received_at, 'not routed before the upgrade to one write per event', 0, received_at
FROM dispatch_outbox;
DROP TABLE dispatch_outbox;
