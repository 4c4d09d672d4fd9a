package io.callhook.delivery;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The first dispatch records of concurrent dispatches (each event's channel rows and the removal of its
 * outbox entry), written in one transaction: group commit, as intake does for audit rows. A dispatch queues
 * its record and takes the lock; whoever holds the lock writes every record queued so far, so while one
 * transaction is written the next dispatches' records gather for the next one. Each dispatch returns once
 * the transaction that holds its record is committed (or has failed). No thread of its own: the dispatch
 * threads take turns.
 *
 * <p>A batch that fails (an event recorded before — a duplicate key: recovery, a replay, another instance —
 * or any other failure) is written again one record per transaction, so that only the event concerned is
 * reported as recorded before, or fails.
 */
final class DispatchRecords {

    /** One event's first record: its channel rows (9 values each, in {@code INSERT_CLAIMED}'s order). */
    static final class Record {
        final String deliveryId;
        final List<Object[]> rows;
        private boolean done;
        private boolean recordedBefore;
        private RuntimeException failure;

        Record(String deliveryId, List<Object[]> rows) {
            this.deliveryId = deliveryId;
            this.rows = rows;
        }
    }

    // a batch's statement stays well under any driver's parameter limit (PostgreSQL: 32,767)
    static final int MAX_BATCH = 64;

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;
    private final String insert;
    private final Runnable relaxCommit;
    private final Consumer<Integer> batchSize;
    private final ConcurrentLinkedQueue<Record> queue = new ConcurrentLinkedQueue<>();
    private final ReentrantLock writing = new ReentrantLock();

    DispatchRecords(
            JdbcTemplate jdbc,
            TransactionTemplate transaction,
            String insert,
            Runnable relaxCommit,
            Consumer<Integer> batchSize) {
        this.jdbc = jdbc;
        this.transaction = transaction;
        this.insert = insert;
        this.relaxCommit = relaxCommit;
        this.batchSize = batchSize;
    }

    /**
     * Writes the record with whatever other dispatches queued meanwhile. Returns false when the event had been
     * recorded before (nothing of this record is written); throws what the database threw otherwise.
     */
    boolean write(Record record) {
        queue.add(record);
        while (true) {
            writing.lock();
            try {
                if (!record.done) {
                    writeQueued();
                }
                if (record.done) {
                    if (record.failure != null) {
                        throw record.failure;
                    }
                    return !record.recordedBefore;
                }
            } finally {
                writing.unlock();
            }
        }
    }

    /** Under the lock: the oldest queued records, up to a batch, in one transaction. */
    private void writeQueued() {
        List<Record> batch = new ArrayList<>();
        for (Record next; batch.size() < MAX_BATCH && (next = queue.poll()) != null; ) {
            batch.add(next);
        }
        if (batch.isEmpty()) {
            return;
        }
        try {
            batchSize.accept(batch.size());
            transaction.executeWithoutResult(status -> insertAll(batch));
            batch.forEach(record -> record.done = true);
        } catch (DuplicateKeyException recordedBefore) {
            if (batch.size() == 1) {
                finish(batch.get(0), true, null);
            } else {
                batch.forEach(this::writeAlone);
            }
        } catch (RuntimeException e) {
            // one event's failure (a constraint, a deadlock with another instance) is not the others'
            if (batch.size() == 1) {
                finish(batch.get(0), false, e);
            } else {
                batch.forEach(this::writeAlone);
            }
        } finally {
            // whatever escaped (an Error), no dispatch waits for a record nobody will write
            for (Record record : batch) {
                if (!record.done) {
                    finish(record, false, new IllegalStateException("the dispatch record was not written"));
                }
            }
        }
    }

    private void writeAlone(Record record) {
        try {
            transaction.executeWithoutResult(status -> insertAll(List.of(record)));
            finish(record, false, null);
        } catch (DuplicateKeyException recordedBefore) {
            finish(record, true, null);
        } catch (RuntimeException e) {
            finish(record, false, e);
        }
    }

    private static void finish(Record record, boolean recordedBefore, RuntimeException failure) {
        record.recordedBefore = recordedBefore;
        record.failure = failure;
        record.done = true;
    }

    private void insertAll(List<Record> batch) {
        relaxCommit.run();
        List<Object> values = new ArrayList<>();
        List<String> placeholders = new ArrayList<>();
        for (Record record : batch) {
            for (Object[] row : record.rows) {
                values.addAll(Arrays.asList(row));
                placeholders.add("(?, ?, ?, 0, ?, ?, ?, ?, ?, ?)");
            }
        }
        if (!placeholders.isEmpty()) {
            jdbc.update(insert + " " + String.join(", ", placeholders), values.toArray());
        }
        jdbc.update(
                "DELETE FROM dispatch_outbox WHERE delivery_id IN ("
                        + String.join(", ", batch.stream().map(record -> "?").toList()) + ")",
                batch.stream().map(record -> record.deliveryId).toArray());
    }
}
