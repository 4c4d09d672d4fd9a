-- A destination's queue: its PENDING rows by due time. H2 has no partial index: every row is in it.
DROP INDEX call_delivery_status_lease;
CREATE INDEX call_delivery_queue ON call_delivery (channel, status, due_at);
