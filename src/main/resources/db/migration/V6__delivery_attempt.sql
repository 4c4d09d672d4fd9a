-- Every send attempt of a delivery, with its error (NULL: accepted): the console's timeline of a channel.
-- Written once, after the attempt; no foreign key, so that a slow attempt never waits on another table.
CREATE TABLE delivery_attempt (
    delivery_id  VARCHAR(255)             NOT NULL,
    channel      VARCHAR(64)              NOT NULL,
    attempted_at TIMESTAMP WITH TIME ZONE NOT NULL,
    took_ms      INTEGER                  NOT NULL,
    error        VARCHAR(2000),
    -- the template the message was rendered from (the name a destination's template expression chose)
    template     VARCHAR(255)
);

CREATE INDEX delivery_attempt_delivery ON delivery_attempt (delivery_id, channel, attempted_at);

-- The backlog each minute (deliveries PENDING, events not yet dispatched): the dashboard's chart of it over
-- time. One row a minute whichever instance counts first; deleted with the events (retention).
CREATE TABLE backlog_sample (
    sampled_at   TIMESTAMP WITH TIME ZONE NOT NULL PRIMARY KEY,
    pending      BIGINT                   NOT NULL,
    undispatched BIGINT                   NOT NULL
);
