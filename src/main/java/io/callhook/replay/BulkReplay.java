package io.callhook.replay;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import io.callhook.db.DatabaseClock;
import io.callhook.delivery.DeliveriesComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * "Send all the Slack failures of the last six hours again": the FAILED deliveries a filter matches become
 * PENDING, due now, in one transaction, recorded as one replay; their destinations take them from the database
 * as they take any delivery (at once here, at their next poll elsewhere). A replay, once answered, is never
 * lost: what it reopened is in the queue.
 *
 * <p>Progress is read from the deliveries' current states, so any instance answers for any replay.
 */
@Component
public class BulkReplay {

    /** The most deliveries one replay reopens by default: a larger filter is refused (narrow it, or replay in parts). */
    public static final int MAX_DELIVERIES = 50_000;

    private static final Logger log = LoggerFactory.getLogger(BulkReplay.class);

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;
    private final DeliveriesComponent queues;
    private final DatabaseClock clock;

    private final int maxDeliveries;

    @Autowired
    public BulkReplay(
            JdbcTemplate jdbc,
            TransactionTemplate transaction,
            DeliveriesComponent queues,
            DatabaseClock clock,
            @Value("${callhook.replay.max-deliveries:" + MAX_DELIVERIES + "}") int maxDeliveries) {
        this.maxDeliveries = maxDeliveries;
        this.jdbc = jdbc;
        this.transaction = transaction;
        this.queues = queues;
        this.clock = clock;
    }

    /** How many FAILED deliveries (of how many events) the filter matches now: what a replay would reopen. */
    public Matching count(ReplayFilter filter) {
        Where where = filter.where();
        return jdbc.queryForObject(
                "SELECT COUNT(*), COUNT(DISTINCT d.delivery_id) " + where.sql(),
                (row, n) -> new Matching(row.getInt(1), row.getInt(2)),
                where.parameters());
    }

    /**
     * Reopens what the filter matches, due now; their destinations take them. Empty when it matches
     * nothing; {@link TooMany} when it matches more than the most one replay reopens. What is reopened is
     * bounded in the same statement that takes it (what fails between a count and the replay is not taken
     * beyond the bound), and nothing is reopened when the bound is passed.
     */
    public Optional<Progress> start(ReplayFilter filter) {
        String id = UUID.randomUUID().toString();
        Where where = filter.where();
        List<String> channels = transaction.execute(status -> {
            OffsetDateTime now = clock.now();
            jdbc.update(
                    "INSERT INTO replay_run (replay_id, created_at, filter, total) VALUES (?, ?, ?, 0)",
                    id,
                    now,
                    filter.json());
            List<Object> parameters = new ArrayList<>(List.of(id));
            parameters.addAll(List.of(where.parameters()));
            int taken = jdbc.update(
                    "INSERT INTO replay_item (replay_id, delivery_id, channel) SELECT ?, d.delivery_id, d.channel "
                            + where.sql() + " FETCH FIRST " + (maxDeliveries + 1) + " ROWS ONLY",
                    parameters.toArray());
            if (taken > maxDeliveries) {
                // rolls the whole transaction back: nothing of this replay is recorded or reopened
                throw new TooMany(maxDeliveries);
            }
            if (taken == 0) {
                status.setRollbackOnly();
                return null;
            }
            // only what is still FAILED: a concurrent replay or a single one may have reopened some already
            int reopened = jdbc.update("""
                    UPDATE call_delivery SET status = 'PENDING', due_at = ?, lease_owner = NULL, lease_token = NULL,
                    lease_until = NULL, updated_at = ? WHERE status = 'FAILED' AND EXISTS (SELECT 1 FROM replay_item r
                    WHERE r.replay_id = ? AND r.delivery_id = call_delivery.delivery_id
                    AND r.channel = call_delivery.channel)""", now, now, id);
            // the replay covers what it reopened and what a concurrent replay reopened of its match meanwhile
            jdbc.update(
                    "UPDATE replay_run SET total = (SELECT COUNT(*) FROM replay_item WHERE replay_id = ?)"
                            + " WHERE replay_id = ?",
                    id,
                    id);
            log.info("Bulk replay {}: {} FAILED delivery(ies) reopened", id, reopened);
            return jdbc.queryForList("SELECT DISTINCT channel FROM replay_item WHERE replay_id = ?", String.class, id);
        });

        if (channels == null) {
            return Optional.empty();
        }
        queues.pending(new java.util.LinkedHashSet<>(channels));
        return progress(id);
    }

    /** The replay's deliveries by their current state; empty for an unknown id. */
    public Optional<Progress> progress(String replayId) {
        List<Map<String, Object>> run =
                jdbc.queryForList("SELECT created_at, filter, total FROM replay_run WHERE replay_id = ?", replayId);
        if (run.isEmpty()) {
            return Optional.empty();
        }
        int pending = 0;
        int sent = 0;
        int failed = 0;
        int skipped = 0;
        for (Map<String, Object> row : jdbc.queryForList("""
                SELECT d.status, COUNT(*) AS n FROM replay_item r JOIN call_delivery d
                ON d.delivery_id = r.delivery_id AND d.channel = r.channel
                WHERE r.replay_id = ? GROUP BY d.status""", replayId)) {
            int n = ((Number) row.get("n")).intValue();
            switch ((String) row.get("status")) {
                case "PENDING" -> pending = n;
                case "SENT" -> sent = n;
                case "FAILED" -> failed = n;
                default -> skipped = n;
            }
        }
        Map<String, Object> first = run.get(0);
        return Optional.of(new Progress(
                replayId,
                instant(first.get("created_at")),
                (String) first.get("filter"),
                ((Number) first.get("total")).intValue(),
                pending,
                sent,
                failed,
                skipped));
    }

    private static String instant(Object value) {
        if (value instanceof OffsetDateTime time) {
            return time.toInstant().toString();
        }
        if (value instanceof java.sql.Timestamp time) {
            return time.toInstant().toString();
        }
        return String.valueOf(value);
    }

    public record Matching(int deliveries, int events) {}

    /** A replay: what it reopened ({@code total}) and where those deliveries stand now. */
    public record Progress(
            String id, String createdAt, String filter, int total, int pending, int sent, int failed, int skipped) {

        public boolean done() {
            return pending == 0;
        }
    }

    /** The filter matches more than one replay may reopen. */
    public static final class TooMany extends RuntimeException {
        public TooMany(int most) {
            super("the filter matches more than the " + most
                    + " FAILED deliveries a replay reopens: narrow it (channel, since, until)");
        }
    }

    record Where(String sql, Object[] parameters) {}
}
