-- Whether each declared alert (routes/alerts.camel.yaml) is firing, and when it last told anyone: several
-- instances check the same alerts, and a conditional update of this row lets one of them send each note.
CREATE TABLE alert_state (
    alert_key   VARCHAR(200)             NOT NULL PRIMARY KEY,
    firing      BOOLEAN                  NOT NULL,
    -- whether anyone was told that it fires now (a condition that comes back within a window of the last
    -- note is told when that window has passed, if it still holds: a flapping destination is no storm)
    announced   BOOLEAN                  NOT NULL,
    changed_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    notified_at TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Recent finished deliveries by state (alerts every minute, bulk replay's "FAILED in the last 6 hours"):
-- a range of this index instead of a scan of every delivery ever kept.
CREATE INDEX call_delivery_status_updated ON call_delivery (status, updated_at);
