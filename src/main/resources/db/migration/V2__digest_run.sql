-- One row per digest window that an instance has taken on: several instances fire the same schedule, and
-- the primary key lets exactly one of them send the digest for that window.
CREATE TABLE digest_run (
    window_end   TIMESTAMP WITH TIME ZONE NOT NULL PRIMARY KEY,
    window_start TIMESTAMP WITH TIME ZONE NOT NULL,
    claimed_by   VARCHAR(100)             NOT NULL,
    claimed_at   TIMESTAMP WITH TIME ZONE NOT NULL
);
