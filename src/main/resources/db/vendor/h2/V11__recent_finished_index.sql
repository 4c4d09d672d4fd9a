-- A destination's recent finished deliveries, newest first: the alerts ask every minute for a destination's last
-- few FAILED and its last SENT. Without the channel in the index they read every finished row of the window to
-- find one destination's (a quarter of the CPU at a sustained 1,300 sends a second, bench/profile.sh). H2 walks
-- an index in its own order only: updated_at DESC here, and the queries ORDER BY channel, status, updated_at DESC.
CREATE INDEX call_delivery_recent ON call_delivery (channel, status, updated_at DESC);
