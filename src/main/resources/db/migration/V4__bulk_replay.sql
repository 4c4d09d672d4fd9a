-- A bulk replay (POST /api/replays): the filter it was asked with and the FAILED deliveries it reopened.
-- Its progress is read from those deliveries' current states, so any instance can answer it.
CREATE TABLE replay_run (
    replay_id  VARCHAR(36)              NOT NULL PRIMARY KEY,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    filter     VARCHAR(2000)            NOT NULL,
    total      INTEGER                  NOT NULL
);

CREATE TABLE replay_item (
    replay_id   VARCHAR(36)  NOT NULL REFERENCES replay_run (replay_id),
    delivery_id VARCHAR(255) NOT NULL,
    channel     VARCHAR(64)  NOT NULL,
    PRIMARY KEY (replay_id, delivery_id, channel)
);
