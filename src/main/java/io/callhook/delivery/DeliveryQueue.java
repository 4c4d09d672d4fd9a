package io.callhook.delivery;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;

import io.callhook.db.Database;
import io.callhook.db.DatabaseClock;
import io.callhook.db.InstanceId;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The database as each destination's queue: its PENDING deliveries that are due and free, taken in batches
 * under a lease. A claim locks the rows it looks at ({@code FOR UPDATE SKIP LOCKED}: another instance's claim
 * at the same moment passes them by), marks them with this instance, a token and the lease's end, and
 * commits; then the events' stored values are read. A killed instance's claims run out and any instance takes
 * them again; a restarted one takes back those of its previous run at once (its own id, another run's token).
 *
 * <p>Why not Camel's {@code sql:} consumer: it holds its pooled connection while the whole batch it read is
 * processed (a paced destination's batch takes seconds, and the pool is the one intake commits through), runs
 * {@code onConsume} as one autocommit statement per row where a batch's outcomes share one commit here, reads
 * without a transaction (so {@code SKIP LOCKED} would guard nothing), and cannot be woken by a commit.
 */
@Component
public class DeliveryQueue {

    private static final String DUE = "SELECT delivery_id, attempts, event_bytes FROM call_delivery"
            + " WHERE channel = ? AND status = 'PENDING' AND due_at <= ? AND (lease_until IS NULL OR lease_until < ?)";
    /** PostgreSQL: oldest first by the partial queue index, locking only the rows it returns. */
    private static final String CANDIDATES = DUE + " ORDER BY due_at FETCH FIRST ? ROWS ONLY FOR UPDATE SKIP LOCKED";
    /**
     * H2 locks every row that matches before it sorts and cuts: with ORDER BY a claim of 50 from 20,000 PENDING
     * rows took 26 ms (0.16 ms without), and the senders spent 40 % of their CPU claiming. Without ORDER BY it
     * walks the queue index (channel, status, due_at), so the rows still come oldest first, and stops at the
     * batch (DeliveryQueueTest holds it to that order).
     */
    private static final String CANDIDATES_H2 = DUE + " FETCH FIRST ? ROWS ONLY FOR UPDATE SKIP LOCKED";

    private static final String CLAIM = "UPDATE call_delivery SET lease_owner = ?, lease_token = ?, lease_until = ?"
            + " WHERE channel = ? AND delivery_id = ANY(?) AND status = 'PENDING'";
    private static final String RENEW = "UPDATE call_delivery SET lease_until = ?"
            + " WHERE channel = ? AND delivery_id = ANY(?) AND status = 'PENDING' AND lease_token = ?";
    private static final String RELEASE = "UPDATE call_delivery SET lease_owner = NULL, lease_token = NULL,"
            + " lease_until = NULL WHERE channel = ? AND delivery_id = ANY(?) AND status = 'PENDING'"
            + " AND lease_token = ?";
    private static final String RELEASE_PREVIOUS_RUN = "UPDATE call_delivery SET lease_owner = NULL,"
            + " lease_token = NULL, lease_until = NULL WHERE channel = ? AND status = 'PENDING' AND lease_owner = ?"
            + " AND (lease_token IS NULL OR lease_token NOT LIKE ?)";
    private static final String BACKLOG = "SELECT COUNT(*) FROM call_delivery WHERE channel = ? AND status = 'PENDING'";

    /** The columns of call_audit a send reads, by the audit row's parameter names, the long ones on request. */
    private static final Map<String, String> COLUMNS = new LinkedHashMap<>();

    static {
        COLUMNS.put("delivery_id", "deliveryId");
        COLUMNS.put("event", "event");
        COLUMNS.put("received_at", "receivedAt");
        COLUMNS.put("occurred_at", "occurredAt");
        COLUMNS.put("call_id", "callId");
        COLUMNS.put("organization_id", "organizationId");
        COLUMNS.put("agent_id", "agentId");
        COLUMNS.put("agent_name", "agentName");
        COLUMNS.put("customer_name", "customerName");
        COLUMNS.put("customer_phone", "customerPhone");
        COLUMNS.put("from_number", "fromNumber");
        COLUMNS.put("direction", "direction");
        COLUMNS.put("status", "status");
        COLUMNS.put("duration_seconds", "durationSeconds");
        COLUMNS.put("disconnection_reason", "disconnectionReason");
        COLUMNS.put("sentiment", "sentiment");
        COLUMNS.put("summary", "summary");
        COLUMNS.put("call_successful", "callSuccessful");
        COLUMNS.put("token_cost", "tokenCost");
        COLUMNS.put("started_at", "startedAt");
        COLUMNS.put("ended_at", "endedAt");
        COLUMNS.put("trace_parent", "traceParent");
    }

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;
    private final Database database;
    private final DatabaseClock clock;
    private final String instance;
    private final String run;

    public DeliveryQueue(
            JdbcTemplate jdbc,
            TransactionTemplate transaction,
            Database database,
            DatabaseClock clock,
            InstanceId instance) {
        this.jdbc = jdbc;
        this.transaction = transaction;
        this.database = database;
        this.clock = clock;
        this.instance = instance.id();
        // every token of this run starts with it: those of a previous run of the same instance are told apart
        this.run = java.util.UUID.randomUUID().toString().substring(0, 8);
    }

    /** A claim's token: this run's prefix and a number of its own. */
    String token(long batch) {
        return run + ":" + batch;
    }

    /**
     * What this instance's previous run claimed of the destination and did not finish (it was killed): freed,
     * so that it is sent now rather than when the lease runs out. Returns how many.
     */
    int releasePreviousRun(String channel) {
        return jdbc.update(RELEASE_PREVIOUS_RUN, channel, instance, run + ":%");
    }

    /**
     * Claims up to {@code most} of the destination's due deliveries, oldest first, as long as {@code fits}
     * accepts the bytes of each next one (the first is always taken when it fits at all), under {@code token}
     * until the lease's end; then reads their events' values ({@code payload} and {@code transcript} when
     * asked). Empty when none is due.
     */
    List<Owed> claim(
            String channel,
            int most,
            LongPredicate fits,
            String token,
            java.time.Duration lease,
            boolean payload,
            boolean transcript) {
        OffsetDateTime now = clock.now();
        List<Owed> claimed = transaction.execute(status -> {
            relaxCommit();
            List<Owed> taken = new ArrayList<>();
            jdbc.query(
                    database.postgres() ? CANDIDATES : CANDIDATES_H2,
                    (ResultSet row) -> {
                        long bytes = row.getLong(3);
                        if (fits.test(bytes)) {
                            taken.add(new Owed(row.getString(1), channel, row.getInt(2), token, bytes, Map.of()));
                        }
                    },
                    channel,
                    now,
                    now,
                    most);
            if (!taken.isEmpty()) {
                jdbc.execute((ConnectionCallback<Integer>) connection -> {
                    try (PreparedStatement claim = connection.prepareStatement(CLAIM)) {
                        claim.setString(1, instance);
                        claim.setString(2, token);
                        claim.setObject(3, now.plus(lease));
                        claim.setString(4, channel);
                        claim.setArray(5, ids(connection, taken));
                        return claim.executeUpdate();
                    }
                });
            }
            return taken;
        });
        if (claimed == null || claimed.isEmpty()) {
            return List.of();
        }
        Map<String, Map<String, Object>> events = events(claimed, payload, transcript);
        List<Owed> owed = new ArrayList<>(claimed.size());
        for (Owed one : claimed) {
            Map<String, Object> event = events.get(one.deliveryId());
            if (event != null) {
                owed.add(new Owed(one.deliveryId(), channel, one.attempts(), token, one.bytes(), event));
            }
        }
        return owed;
    }

    /** The lease of these deliveries, still claimed under {@code token}, lasts {@code lease} from now. */
    int renew(String channel, Collection<String> deliveryIds, String token, java.time.Duration lease) {
        if (deliveryIds.isEmpty()) {
            return 0;
        }
        return jdbc.execute((ConnectionCallback<Integer>) connection -> {
            try (PreparedStatement renew = connection.prepareStatement(RENEW)) {
                renew.setObject(1, clock.now().plus(lease));
                renew.setString(2, channel);
                renew.setArray(3, connection.createArrayOf("VARCHAR", deliveryIds.toArray()));
                renew.setString(4, token);
                return renew.executeUpdate();
            }
        });
    }

    /** These deliveries, claimed under {@code token} and not sent, are free again for any instance at once. */
    int release(String channel, Collection<String> deliveryIds, String token) {
        if (deliveryIds.isEmpty()) {
            return 0;
        }
        return jdbc.execute((ConnectionCallback<Integer>) connection -> {
            try (PreparedStatement release = connection.prepareStatement(RELEASE)) {
                release.setString(1, channel);
                release.setArray(2, connection.createArrayOf("VARCHAR", deliveryIds.toArray()));
                release.setString(3, token);
                return release.executeUpdate();
            }
        });
    }

    /**
     * One event's stored values as a send reads them, its payload included (the console's "what was sent"
     * renders it again), or empty when there is no such event.
     */
    public java.util.Optional<Map<String, Object>> event(String deliveryId) {
        Owed probe = new Owed(deliveryId, "", 0, "", 0, Map.of());
        return java.util.Optional.ofNullable(events(List.of(probe), true, false).get(deliveryId));
    }

    /** How many deliveries of the destination are PENDING. */
    long backlog(String channel) {
        Long count = jdbc.queryForObject(BACKLOG, Long.class, channel);
        return count == null ? 0 : count;
    }

    private Map<String, Map<String, Object>> events(List<Owed> claimed, boolean payload, boolean transcript) {
        StringBuilder select = new StringBuilder("SELECT ");
        select.append(String.join(", ", COLUMNS.keySet()));
        if (payload) {
            select.append(", payload");
        }
        if (transcript) {
            select.append(", transcript");
        }
        select.append(" FROM call_audit WHERE delivery_id = ANY(?)");
        return jdbc.execute((ConnectionCallback<Map<String, Map<String, Object>>>) connection -> {
            Map<String, Map<String, Object>> events = new HashMap<>();
            try (PreparedStatement query = connection.prepareStatement(select.toString())) {
                query.setArray(1, ids(connection, claimed));
                try (ResultSet rows = query.executeQuery()) {
                    while (rows.next()) {
                        Map<String, Object> event = new HashMap<>();
                        int i = 1;
                        for (String parameter : COLUMNS.values()) {
                            event.put(parameter, value(rows.getObject(i++)));
                        }
                        if (payload) {
                            event.put("payload", rows.getString(i++));
                        }
                        if (transcript) {
                            event.put("transcript", rows.getString(i));
                        }
                        events.put((String) event.get("deliveryId"), event);
                    }
                }
            }
            return events;
        });
    }

    /** H2 reads a time as OffsetDateTime, PostgreSQL as Timestamp: the same type whichever database. */
    static Object value(Object column) {
        if (column instanceof Timestamp time) {
            return time.toInstant().atOffset(ZoneOffset.UTC);
        }
        return column;
    }

    private static Array ids(Connection connection, List<Owed> owed) throws SQLException {
        return connection.createArrayOf(
                "VARCHAR", owed.stream().map(Owed::deliveryId).toArray());
    }

    /**
     * A claim is worth nothing after a crash of the database server (its lease would have run out anyway):
     * its commit does not wait for the WAL flush on PostgreSQL.
     */
    private void relaxCommit() {
        if (database.postgres()) {
            jdbc.execute("SET LOCAL synchronous_commit TO OFF");
        }
    }
}
