-- A destination's queue: its PENDING rows by due time, a partial index that holds only those (a handful at
-- any time): the rows recorded SKIPPED at intake, most of them, cost no entry here. The recent finished
-- deliveries (alerts, bulk replay) likewise: SENT and FAILED only. CONCURRENTLY, outside a transaction
-- (V10__queue_index.sql.conf), so that other instances go on writing meanwhile on a large table.
CREATE INDEX CONCURRENTLY IF NOT EXISTS call_delivery_queue ON call_delivery (channel, due_at)
    WHERE status = 'PENDING';
CREATE INDEX CONCURRENTLY IF NOT EXISTS call_delivery_finished ON call_delivery (status, updated_at)
    WHERE status IN ('SENT', 'FAILED');
DROP INDEX CONCURRENTLY IF EXISTS call_delivery_status_lease;
DROP INDEX CONCURRENTLY IF EXISTS call_delivery_status_updated;
