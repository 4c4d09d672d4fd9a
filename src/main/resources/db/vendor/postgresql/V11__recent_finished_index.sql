-- A destination's recent finished deliveries, newest first: the alerts ask every minute for a destination's last
-- few FAILED and its last SENT. Without the channel in the index they read every finished row of the window to
-- find one destination's. Partial like call_delivery_finished: the SKIPPED rows of intake cost nothing here.
-- CONCURRENTLY, outside a transaction (V11__recent_finished_index.sql.conf): other instances go on writing.
CREATE INDEX CONCURRENTLY IF NOT EXISTS call_delivery_recent ON call_delivery (channel, status, updated_at DESC)
    WHERE status IN ('SENT', 'FAILED');
