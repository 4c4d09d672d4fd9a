package io.callhook.retention;

import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Deletes the events older than {@code CALLHOOK_RETENTION_MAX_AGE}, with their deliveries, oldest first,
 * a small batch per transaction, for at most {@link #BUDGET} a run (the next run goes on). An event that
 * still owes something is kept whatever its age: one not yet routed, or with a PENDING delivery.
 * Several instances may run it at once: they delete the same rows or none.
 */
@Component("retention")
public class Retention {

    /** How long one run may go on: the rest waits for the next run, so a first purge of years stays gentle. */
    static final Duration BUDGET = Duration.ofSeconds(20);

    private static final Logger log = LoggerFactory.getLogger(Retention.class);

    private static final String OLDEST_DONE = """
            SELECT a.delivery_id FROM call_audit a
            WHERE a.received_at < ?
              AND NOT EXISTS (SELECT 1 FROM unrouted_event u WHERE u.delivery_id = a.delivery_id)
              AND NOT EXISTS (SELECT 1 FROM call_delivery d WHERE d.delivery_id = a.delivery_id AND d.status = 'PENDING')
            ORDER BY a.received_at
            LIMIT ?""";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;
    private final RetentionProperties properties;
    private final Clock clock;

    public Retention(JdbcTemplate jdbc, TransactionTemplate transaction, RetentionProperties properties, Clock clock) {
        this.jdbc = jdbc;
        this.transaction = transaction;
        this.properties = properties;
        this.clock = clock;
    }

    /** One run: returns how many events were deleted. */
    public int purge() {
        if (properties.maxAge().isZero()) {
            return 0;
        }
        OffsetDateTime cutoff =
                OffsetDateTime.now(clock.withZone(ZoneOffset.UTC)).minus(properties.maxAge());
        long deadline = System.nanoTime() + BUDGET.toNanos();
        int deleted = 0;
        List<String> batch;
        do {
            batch = jdbc.queryForList(OLDEST_DONE, String.class, cutoff, properties.batchSize());
            if (!batch.isEmpty()) {
                deleted += delete(batch);
            }
        } while (batch.size() == properties.batchSize() && System.nanoTime() < deadline);
        forgetReplays(cutoff);
        if (deleted > 0) {
            log.info(
                    "Retention: deleted {} event(s) received before {} with their deliveries{}",
                    deleted,
                    cutoff,
                    batch.size() == properties.batchSize() ? "; more at the next run" : "");
        }
        return deleted;
    }

    /** Bulk replays (a handful a day) and backlog samples (one a minute) are forgotten with the events. */
    private void forgetReplays(OffsetDateTime cutoff) {
        transaction.executeWithoutResult(status -> {
            jdbc.update(
                    "DELETE FROM replay_item WHERE replay_id IN (SELECT replay_id FROM replay_run WHERE created_at < ?)",
                    cutoff);
            jdbc.update("DELETE FROM replay_run WHERE created_at < ?", cutoff);
            jdbc.update("DELETE FROM backlog_sample WHERE sampled_at < ?", cutoff);
        });
    }

    /**
     * Deletes the events of the batch that still owe nothing. Their delivery rows are locked first and looked
     * at again: a replay may have reopened one since the batch was chosen (it then waits for this transaction
     * and finds nothing to reopen, or went first and its PENDING row keeps the event).
     */
    private int delete(List<String> candidates) {
        Integer deleted = transaction.execute(status -> {
            String in = placeholders(candidates.size());
            Object[] parameters = candidates.toArray();
            // every delivery row of these events, locked (a replay waits), read as it is now
            Set<String> owed = new HashSet<>();
            for (Map<String, Object> row : jdbc.queryForList(
                    "SELECT delivery_id, status FROM call_delivery WHERE delivery_id IN (" + in + ") FOR UPDATE",
                    parameters)) {
                if ("PENDING".equals(row.get("status"))) {
                    owed.add((String) row.get("delivery_id"));
                }
            }
            owed.addAll(jdbc.queryForList(
                    "SELECT delivery_id FROM unrouted_event WHERE delivery_id IN (" + in + ")",
                    String.class,
                    parameters));
            List<String> ids =
                    candidates.stream().filter(id -> !owed.contains(id)).toList();
            if (ids.isEmpty()) {
                return 0;
            }
            String done = placeholders(ids.size());
            Object[] doneIds = ids.toArray();
            jdbc.update("DELETE FROM delivery_attempt WHERE delivery_id IN (" + done + ")", doneIds);
            jdbc.update("DELETE FROM call_delivery WHERE delivery_id IN (" + done + ")", doneIds);
            return jdbc.update("DELETE FROM call_audit WHERE delivery_id IN (" + done + ")", doneIds);
        });
        return deleted == null ? 0 : deleted;
    }

    private static String placeholders(int count) {
        return String.join(",", Collections.nCopies(count, "?"));
    }
}
