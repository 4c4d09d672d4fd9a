package io.callhook.audit;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;

import io.callhook.db.Database;
import io.callhook.db.DatabaseClock;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.health.Health;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Stores an accepted event with what the routing table decided for it, in one commit shared with whatever
 * else arrives at the same moment (group commit): its audit row and a delivery row per destination (PENDING
 * for each one chosen that is on, SKIPPED with the reason for the others), or, when the routing table failed
 * on it, a mark that it is still to route. Each request waits until the commit that holds its event is done:
 * the 200 goes out only after that, and a burst of concurrent deliveries costs one commit instead of one each.
 *
 * <p>The delivery id is the table's key: an id already stored is reported as a duplicate, and so is one that
 * another instance stored a moment before (the batch then falls back to one event per transaction to tell
 * which). A second copy of an event in the same batch is answered with the first copy's fate: a duplicate
 * once the first is stored, a failure when it is not.
 *
 * <p>On H2 a commit is in memory only; the event is durable once appended to the journal, or once H2 is
 * written through. When neither works the request is answered 503, yet its rows are committed in memory: such
 * an event is remembered as not durable, and the platform's retry is answered {@code duplicate} only once it
 * has been made durable after all (or 503 again). A single thread writes; {@link #health()} says when it
 * stopped or has been stuck on one commit for longer than a request may wait.
 */
@Component("auditLog")
public class AuditLog implements SmartLifecycle {

    /** A column of {@code call_audit} and the {@link AuditRow} parameter bound to it. */
    record Column(String name, String parameter) {}

    /** What the routing table decided for one destination of an event: PENDING, or SKIPPED and why. */
    public record Delivery(String channel, String status, String reason) {}

    /** Told after each commit which destinations got PENDING deliveries in it, so they can take them at once. */
    @FunctionalInterface
    public interface Committed {
        void pending(Set<String> channels);
    }

    static final List<Column> COLUMNS = List.of(
            new Column("delivery_id", "deliveryId"),
            new Column("event", "event"),
            new Column("received_at", "receivedAt"),
            new Column("occurred_at", "occurredAt"),
            new Column("call_id", "callId"),
            new Column("organization_id", "organizationId"),
            new Column("agent_id", "agentId"),
            new Column("agent_name", "agentName"),
            new Column("customer_name", "customerName"),
            new Column("customer_phone", "customerPhone"),
            new Column("from_number", "fromNumber"),
            new Column("direction", "direction"),
            new Column("status", "status"),
            new Column("duration_seconds", "durationSeconds"),
            new Column("disconnection_reason", "disconnectionReason"),
            new Column("sentiment", "sentiment"),
            new Column("summary", "summary"),
            new Column("transcript", "transcript"),
            new Column("call_successful", "callSuccessful"),
            new Column("token_cost", "tokenCost"),
            new Column("started_at", "startedAt"),
            new Column("ended_at", "endedAt"),
            new Column("metadata", "metadata"),
            new Column("payload", "payload"),
            new Column("trace_parent", "traceParent"));

    static final String INSERT = "INSERT INTO call_audit ("
            + String.join(", ", COLUMNS.stream().map(Column::name).toList()) + ") VALUES ("
            + String.join(", ", COLUMNS.stream().map(c -> "?").toList()) + ")";

    static final String INSERT_DELIVERY = "INSERT INTO call_delivery (delivery_id, channel, status, attempts,"
            + " last_error, created_at, updated_at, due_at, event_bytes) VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?)";

    static final String INSERT_UNROUTED = "INSERT INTO unrouted_event (delivery_id, received_at, error, attempts,"
            + " due_at) VALUES (?, ?, ?, 0, ?)";

    static final String KNOWN_IDS = "SELECT delivery_id FROM call_audit WHERE delivery_id = ANY(?)";

    /** A verdict journaled on H2, applied again at start: set to these values unless a later one was. */
    static final String REPLAY_VERDICT = "UPDATE call_delivery SET status = ?, attempts = ?, last_error = ?,"
            + " due_at = ?, updated_at = ?, lease_owner = NULL, lease_token = NULL, lease_until = NULL"
            + " WHERE delivery_id = ? AND channel = ? AND status = 'PENDING' AND attempts < ?";

    static final String REPLAY_ATTEMPT = "INSERT INTO delivery_attempt (delivery_id, channel, attempted_at, took_ms,"
            + " error, template) SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM delivery_attempt"
            + " WHERE delivery_id = ? AND channel = ? AND attempted_at = ?)";

    /** A routing failure is tried again after this long. */
    static final Duration REROUTE_AFTER = Duration.ofMinutes(1);

    private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
    private static final String UNIQUE_VIOLATION = "23505";

    private final DataSource dataSource;
    private final int maxBatch;
    private final Duration timeout;
    private final BlockingQueue<Pending> queue;
    private final DistributionSummary batchSizes;
    private final Duration sealEvery;
    private final Database database;
    private final DatabaseClock clock;
    private final boolean fsync;
    private final ObjectProvider<Committed> listeners;
    private volatile boolean running;
    // when the batch being written was taken from the queue (0: none); read by health()
    private volatile long writingSince;
    private volatile Throwable lastFailure;
    // H2 file databases only
    private volatile AuditJournal journal;
    private long sealedAt;
    private Thread writer;
    // H2: ids committed in memory whose durability failed (answered 503); the writer thread's alone
    private final Set<String> notDurable = new HashSet<>();
    // how journal segments are opened; a test's can fail like a full disk
    private AuditJournal.Segments segments = AuditJournal.FILES;

    public AuditLog(
            DataSource dataSource,
            Database database,
            DatabaseClock clock,
            MeterRegistry registry,
            AuditProperties properties,
            ObjectProvider<Committed> listeners) {
        this.sealEvery = properties.journalSealInterval();
        this.dataSource = dataSource;
        this.database = database;
        this.clock = clock;
        this.fsync = properties.fsync();
        this.listeners = listeners;
        this.batchSizes = DistributionSummary.builder("callhook.audit.batch")
                .description("Events per group commit")
                .register(registry);
        this.maxBatch = properties.maxBatch();
        this.timeout = properties.commitTimeout();
        // the requests in flight are bounded by the webhook listener (its workers, its byte budget): this
        // queue never holds more than they do
        this.queue = new ArrayBlockingQueue<>(maxBatch * 50);
    }

    /**
     * Stores the event on the exchange and returns once it is committed: variable {@code auditRow} (set by the
     * webhook reader), variable {@code deliveries} (what the routing table decided, a list of {@link Delivery}),
     * or variable {@code routingError} when it failed. Sets variable {@code duplicate}. Throws
     * {@link SQLException} when the event could not be stored.
     */
    public void store(Exchange exchange) throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> row = exchange.getVariable("auditRow", Map.class);
        @SuppressWarnings("unchecked")
        List<Delivery> deliveries = exchange.getVariable("deliveries", List.class);
        String routingError = exchange.getVariable("routingError", String.class);
        // on the database's clock, as every instance's: the events of several instances sort by it
        row.put("receivedAt", clock.now());
        row.putIfAbsent("traceParent", exchange.getProperty("traceParent", String.class));
        Pending pending = new Pending(
                row,
                deliveries == null ? List.of() : deliveries,
                routingError != null ? routingError : deliveries == null ? "the routing table decided nothing" : null,
                new CompletableFuture<>());
        if (!running || !queue.offer(pending, timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new SQLException("the audit log is not accepting rows", "08000");
        }
        try {
            exchange.setVariable(
                    "duplicate", pending.stored().get(timeout.toMillis(), TimeUnit.MILLISECONDS) ? "false" : "true");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            // an Error on the writer: the row's fate is unknown, the platform's retry finds out (503)
            throw new SQLException("the audit writer failed: " + e.getCause(), "08000", e.getCause());
        } catch (TimeoutException e) {
            // it may still be committed: the platform's retry then finds a duplicate, which is the safe side
            throw new SQLException("the audit row was not committed within " + timeout.toMillis() + " ms", "08000", e);
        }
    }

    private void writeLoop() {
        List<Pending> batch = new ArrayList<>(maxBatch);
        while (running || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first != null) {
                    writingSince = System.nanoTime();
                    batch.add(first);
                    queue.drainTo(batch, maxBatch - 1);
                    batchSizes.record(batch.size());
                    Set<String> pending = write(batch);
                    if (!pending.isEmpty()) {
                        listeners.forEach(listener -> listener.pending(pending));
                    }
                }
                if (journal != null && System.nanoTime() - sealedAt > sealEvery.toNanos()) {
                    sealJournal();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            } catch (Throwable e) {
                // an Error too: this is the only writer, and a dead one would answer 503 to every webhook while
                // readiness stayed UP (an OutOfMemoryError ends the JVM first under bin/callhook's settings)
                lastFailure = e;
                log.error(
                        "The audit writer failed on a batch of {} row(s), it goes on: {}", batch.size(), e.toString());
                batch.forEach(p -> p.stored().completeExceptionally(e));
            } finally {
                writingSince = 0;
                batch.clear();
            }
        }
    }

    /** Writes the batch; returns the destinations that got PENDING deliveries. */
    private Set<String> write(List<Pending> batch) {
        Set<String> pendingChannels = new HashSet<>();
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            List<Pending> repeats = new ArrayList<>();
            List<Pending> fresh = withoutKnownIds(connection, batch, repeats);
            try {
                insert(connection, fresh);
                connection.commit();
            } catch (SQLException e) {
                connection.rollback();
                if (!isUniqueViolation(e)) {
                    throw e;
                }
                // another instance stored one of these ids in the meantime: find which, event by event
                List<Pending> stored = new ArrayList<>();
                for (Pending pending : fresh) {
                    if (insertAlone(connection, pending)) {
                        stored.add(pending);
                    }
                }
                fresh = stored;
            }
            try {
                makeDurable(connection, fresh, repeats);
            } catch (SQLException e) {
                fresh.forEach(p -> notDurable.add(p.deliveryId()));
                throw e;
            }
            for (Pending pending : fresh) {
                pending.deliveries().stream()
                        .filter(d -> "PENDING".equals(d.status()))
                        .forEach(d -> pendingChannels.add(d.channel()));
                pending.stored().complete(true);
            }
            repeats.forEach(p -> {
                notDurable.remove(p.deliveryId());
                p.stored().complete(false);
            });
        } catch (SQLException e) {
            lastFailure = e;
            log.error("Could not store {} event(s): {}", batch.size(), e.toString());
            batch.forEach(p -> p.stored().completeExceptionally(e));
        }
        return pendingChannels;
    }

    /** The events' audit rows, their delivery rows and the marks of those not routed, batched per table. */
    private void insert(Connection connection, List<Pending> events) throws SQLException {
        if (events.isEmpty()) {
            return;
        }
        try (PreparedStatement audit = connection.prepareStatement(INSERT);
                PreparedStatement deliveries = connection.prepareStatement(INSERT_DELIVERY);
                PreparedStatement unrouted = connection.prepareStatement(INSERT_UNROUTED)) {
            bounded(audit);
            bounded(deliveries);
            bounded(unrouted);
            boolean anyDelivery = false;
            boolean anyUnrouted = false;
            for (Pending pending : events) {
                bind(audit, pending.row());
                audit.addBatch();
                for (Delivery delivery : pending.deliveries()) {
                    bindDelivery(deliveries, pending, delivery);
                    deliveries.addBatch();
                    anyDelivery = true;
                }
                if (pending.routingError() != null) {
                    bindUnrouted(unrouted, pending);
                    unrouted.addBatch();
                    anyUnrouted = true;
                }
            }
            audit.executeBatch();
            if (anyDelivery) {
                deliveries.executeBatch();
            }
            if (anyUnrouted) {
                unrouted.executeBatch();
            }
        }
    }

    /** A statement that cannot keep the writer (and every request waiting on it) longer than a request waits. */
    private void bounded(Statement statement) throws SQLException {
        statement.setQueryTimeout((int) Math.max(1, timeout.toSeconds()));
    }

    /**
     * An acknowledged event must survive a kill -9 before its 200. On an H2 file database its rows go to the
     * journal (one sequential write); should that fail, H2 is written through at once. {@code repeats} are
     * events stored before whose durability failed then: the retry's duplicate answer must rest on durable
     * storage too, so they are journaled again with this batch. PostgreSQL's commit is already durable.
     * Throws when the rows are not durable.
     */
    private void makeDurable(Connection connection, List<Pending> stored, List<Pending> repeats) throws SQLException {
        if (stored.isEmpty() && repeats.isEmpty()) {
            return;
        }
        AuditJournal journaled = journal;
        if (journaled != null) {
            try {
                List<Map<String, Object>> records = new ArrayList<>();
                stored.forEach(p -> p.records(records));
                repeats.forEach(p -> p.records(records));
                journaled.append(records);
                return;
            } catch (IOException e) {
                log.error(
                        "Could not append to the audit journal in {}, writing H2 through instead: {}",
                        journaled.folder(),
                        e.toString());
            }
        }
        database.writeThrough(connection, fsync);
        // everything committed so far is in H2's file now
        notDurable.clear();
    }

    /**
     * On H2, makes a send's verdicts (committed in memory by the caller) survive a kill -9 before the sender
     * goes on: appended to the journal, or H2 written through when that fails. Nothing on PostgreSQL. A record
     * holds a {@code call_delivery} row's new values ({@code deliveryId}, {@code channel}, {@code status},
     * {@code attempts}, {@code lastError}, {@code dueAt}, {@code updatedAt}) and its attempt for the timeline
     * ({@code attemptedAt}, {@code tookMs}, {@code error}, {@code template}).
     */
    public void verdictsCommitted(List<Map<String, Object>> verdicts) throws SQLException {
        // Not forced to the device: a verdict lost to a power cut only sends its message again (at least
        // once), and an fsync per verdict batch held every sender, and intake's appends, behind the disk
        // (bench: 400 sends/s, intake down to 900/s). A killed process loses nothing: the write is the OS's.
        AuditJournal journaled = journal;
        if (journaled == null) {
            if (database.h2File().isPresent()) {
                database.writeThrough(false);
            }
            return;
        }
        List<Map<String, Object>> records = new ArrayList<>(verdicts.size());
        for (Map<String, Object> verdict : verdicts) {
            Map<String, Object> record = new LinkedHashMap<>(verdict);
            record.put("_kind", "verdict");
            records.add(record);
        }
        try {
            journaled.append(records, false);
        } catch (IOException e) {
            log.error("Could not append verdicts to the audit journal, writing H2 through instead: {}", e.toString());
            database.writeThrough(false);
        }
    }

    /**
     * Starts a new journal segment, writes H2 through to the device ({@code CHECKPOINT SYNC}, so a power cut
     * after the deletion cannot take rows that only the deleted segments held), then deletes the older
     * segments. On failure they stay, and are stored again (as duplicates, skipped) at the next start.
     */
    private void sealJournal() {
        sealedAt = System.nanoTime();
        if (journal.size() == 0 && notDurable.isEmpty()) {
            return;
        }
        try {
            List<Path> sealed = journal.seal();
            database.writeThrough(true);
            notDurable.clear();
            journal.delete(sealed);
        } catch (SQLException | IOException e) {
            log.warn(
                    "Could not seal the audit journal in {}, its segments are kept: {}",
                    journal.folder(),
                    e.toString());
        }
    }

    /**
     * UP while the writer runs and is not stuck: DOWN when its thread has ended, or when it has been writing
     * one batch for longer than twice the commit timeout (a database that does not answer). Readiness
     * includes it: a load balancer stops sending webhooks that could only be answered 503.
     */
    public Health health() {
        if (writer == null || !writer.isAlive()) {
            return Health.down()
                    .withDetail("writer", "stopped")
                    .withDetail("lastFailure", String.valueOf(lastFailure))
                    .build();
        }
        long since = writingSince;
        if (since != 0 && System.nanoTime() - since > 2 * timeout.toNanos()) {
            return Health.down()
                    .withDetail(
                            "writer",
                            "stuck on one commit for "
                                    + Duration.ofNanos(System.nanoTime() - since)
                                            .toSeconds() + " s")
                    .build();
        }
        return Health.up().build();
    }

    /**
     * On an H2 file database: stores what a previous run journaled but may not have written to its file (a
     * kill -9, a power cut): its events with their deliveries, then its senders' verdicts; then opens the
     * journal for this run.
     */
    private void openJournal() throws SQLException, IOException {
        Optional<Path> file = database.h2File();
        if (file.isEmpty()) {
            return; // PostgreSQL, or H2 in memory: nothing to journal
        }
        AuditJournal opened = AuditJournal.open(Path.of(file.get() + ".audit-journal"), fsync, segments);
        AuditJournal.Replay replay = opened.replay();
        replay.skipped().forEach(skipped -> log.warn("Audit journal {}: skipped {}", opened.folder(), skipped));
        List<Pending> events = new ArrayList<>();
        List<Map<String, Object>> verdicts = new ArrayList<>();
        Map<String, Pending> byId = new HashMap<>();
        for (Map<String, Object> record : replay.rows()) {
            String kind = String.valueOf(record.getOrDefault("_kind", "event"));
            switch (kind) {
                case "event" -> {
                    // an event of an earlier version has no delivery records: it is routed again
                    Pending event = new Pending(
                            record,
                            new ArrayList<>(),
                            record.containsKey("_kind") ? null : "journaled before deliveries were",
                            new CompletableFuture<>());
                    events.add(event);
                    byId.put(event.deliveryId(), event);
                }
                case "delivery" -> {
                    Pending event = byId.get(String.valueOf(record.get("deliveryId")));
                    if (event != null) {
                        event.deliveries()
                                .add(new Delivery(
                                        (String) record.get("channel"), (String) record.get("status"), (String)
                                                record.get("reason")));
                    }
                }
                case "unrouted" -> {
                    Pending event = byId.get(String.valueOf(record.get("deliveryId")));
                    if (event != null) {
                        byId.put(event.deliveryId(), event.unrouted((String) record.get("error")));
                        events.set(events.indexOf(event), byId.get(event.deliveryId()));
                    }
                }
                case "verdict" -> verdicts.add(record);
                default -> log.warn("Audit journal {}: a record of unknown kind {} is skipped", opened.folder(), kind);
            }
        }
        int stored = 0;
        for (int from = 0; from < events.size(); from += maxBatch) {
            List<Pending> batch = events.subList(from, Math.min(events.size(), from + maxBatch));
            write(batch);
            for (Pending pending : batch) {
                if (pending.stored().join()) {
                    stored++;
                }
            }
        }
        int applied = replayVerdicts(verdicts);
        if (!events.isEmpty() || !verdicts.isEmpty()) {
            log.warn(
                    "Audit journal {}: {} event(s) and {} verdict(s) left by a previous run; {} event(s) and {}"
                            + " verdict(s) were not in the database and are stored now",
                    opened.folder(),
                    events.size(),
                    verdicts.size(),
                    stored,
                    applied);
        }
        database.writeThrough(true);
        opened.delete(opened.seal());
        journal = opened;
        sealedAt = System.nanoTime();
    }

    private int replayVerdicts(List<Map<String, Object>> verdicts) throws SQLException {
        if (verdicts.isEmpty()) {
            return 0;
        }
        int applied = 0;
        try (Connection connection = dataSource.getConnection();
                PreparedStatement update = connection.prepareStatement(REPLAY_VERDICT);
                PreparedStatement attempt = connection.prepareStatement(REPLAY_ATTEMPT)) {
            for (Map<String, Object> v : verdicts) {
                update.setObject(1, v.get("status"));
                update.setObject(2, v.get("attempts"));
                update.setObject(3, v.get("lastError"));
                update.setObject(4, v.get("dueAt"));
                update.setObject(5, v.get("updatedAt"));
                update.setObject(6, v.get("deliveryId"));
                update.setObject(7, v.get("channel"));
                update.setObject(8, v.get("attempts"));
                applied += update.executeUpdate();
                if (v.get("attemptedAt") != null) {
                    attempt.setObject(1, v.get("deliveryId"));
                    attempt.setObject(2, v.get("channel"));
                    attempt.setObject(3, v.get("attemptedAt"));
                    attempt.setObject(4, v.get("tookMs"));
                    attempt.setObject(5, v.get("error"));
                    attempt.setObject(6, v.get("template"));
                    attempt.setObject(7, v.get("deliveryId"));
                    attempt.setObject(8, v.get("channel"));
                    attempt.setObject(9, v.get("attemptedAt"));
                    attempt.executeUpdate();
                }
            }
        }
        return applied;
    }

    /**
     * Completes the pendings whose id is stored already as duplicates, and a second copy in the same batch with
     * its first copy's fate; a stored id whose row is not durable goes to {@code repeats} instead, to be made
     * durable before it is answered.
     */
    private List<Pending> withoutKnownIds(Connection connection, List<Pending> batch, List<Pending> repeats)
            throws SQLException {
        Map<String, Pending> firsts = new HashMap<>();
        List<Pending> candidates = new ArrayList<>();
        for (Pending pending : batch) {
            Pending first = firsts.putIfAbsent(pending.deliveryId(), pending);
            if (first == null) {
                candidates.add(pending);
            } else {
                // not answered before the first copy is written: if its commit fails, so does this answer
                first.stored().whenComplete((stored, failure) -> {
                    if (failure != null) {
                        pending.stored().completeExceptionally(failure);
                    } else {
                        pending.stored().complete(false);
                    }
                });
            }
        }
        Set<String> stored = new HashSet<>();
        // one statement text whatever the batch size, so both databases reuse its plan
        try (PreparedStatement select = connection.prepareStatement(KNOWN_IDS)) {
            bounded(select);
            select.setArray(
                    1,
                    connection.createArrayOf(
                            "VARCHAR",
                            candidates.stream().map(Pending::deliveryId).toArray()));
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    stored.add(rows.getString(1));
                }
            }
        }
        List<Pending> fresh = new ArrayList<>();
        for (Pending pending : candidates) {
            if (stored.contains(pending.deliveryId()) && notDurable.contains(pending.deliveryId())) {
                repeats.add(pending);
            } else if (stored.contains(pending.deliveryId())) {
                pending.stored().complete(false);
            } else {
                fresh.add(pending);
            }
        }
        return fresh;
    }

    /** One event in its own transaction: a duplicate fails alone. Returns whether it was stored. */
    private boolean insertAlone(Connection connection, Pending pending) {
        try {
            insert(connection, List.of(pending));
            connection.commit();
            return true;
        } catch (SQLException e) {
            try {
                connection.rollback();
            } catch (SQLException ignored) {
                // the connection is going back to the pool broken; the pool checks it
            }
            if (isUniqueViolation(e)) {
                pending.stored().complete(false);
            } else {
                pending.stored().completeExceptionally(e);
            }
            return false;
        }
    }

    private static void bind(PreparedStatement insert, Map<String, Object> row) throws SQLException {
        for (int i = 0; i < COLUMNS.size(); i++) {
            insert.setObject(i + 1, row.get(COLUMNS.get(i).parameter()));
        }
    }

    private static void bindDelivery(PreparedStatement insert, Pending event, Delivery delivery) throws SQLException {
        Object receivedAt = event.row().get("receivedAt");
        insert.setString(1, event.deliveryId());
        insert.setString(2, delivery.channel());
        insert.setString(3, delivery.status());
        insert.setString(4, delivery.reason());
        insert.setObject(5, receivedAt);
        insert.setObject(6, receivedAt);
        insert.setObject(7, "PENDING".equals(delivery.status()) ? receivedAt : null);
        insert.setInt(8, event.bytes());
    }

    private static void bindUnrouted(PreparedStatement insert, Pending event) throws SQLException {
        OffsetDateTime receivedAt = (OffsetDateTime) event.row().get("receivedAt");
        insert.setString(1, event.deliveryId());
        insert.setObject(2, receivedAt);
        String error = event.routingError();
        insert.setString(3, error.length() <= 2000 ? error : error.substring(0, 1999) + "…");
        insert.setObject(4, receivedAt.plus(REROUTE_AFTER));
    }

    private static boolean isUniqueViolation(SQLException e) {
        for (SQLException next = e; next != null; next = next.getNextException()) {
            for (Throwable t = next; t != null; t = t.getCause()) {
                if (t instanceof SQLException sql && UNIQUE_VIOLATION.equals(sql.getSQLState())) {
                    return true;
                }
            }
        }
        return false;
    }

    /** For tests, before {@link #start()}: segments opened by {@code opener}, which can fail like a disk. */
    void journalSegments(AuditJournal.Segments opener) {
        this.segments = opener;
    }

    @Override
    public void start() {
        try {
            openJournal();
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("Could not store the rows of the audit journal: " + e, e);
        }
        running = true;
        writer = new Thread(this::writeLoop, "audit-writer");
        writer.setDaemon(true);
        writer.start();
    }

    @Override
    public void stop() {
        running = false;
        try {
            writer.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (journal != null && !writer.isAlive()) {
            sealJournal();
            try {
                journal.close();
            } catch (IOException e) {
                log.warn("Could not close the audit journal: {}", e.toString());
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Starts before the web server and stops after it has drained its requests (which wait on this). */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 4096;
    }

    /** An event waiting for its commit: its row, its deliveries (or why it is not routed) and its answer. */
    private record Pending(
            Map<String, Object> row,
            List<Delivery> deliveries,
            String routingError,
            CompletableFuture<Boolean> stored) {

        String deliveryId() {
            return (String) row.get("deliveryId");
        }

        int bytes() {
            Object bytes = row.get("payloadBytes");
            return bytes instanceof Integer n ? n : 0;
        }

        Pending unrouted(String error) {
            return new Pending(row, deliveries, error, stored);
        }

        /** Its journal records: the event, each delivery, and the mark when it is not routed. */
        void records(List<Map<String, Object>> records) {
            Map<String, Object> event = new LinkedHashMap<>();
            COLUMNS.forEach(column -> event.put(column.parameter(), row.get(column.parameter())));
            event.put("payloadBytes", bytes());
            event.put("_kind", "event");
            records.add(event);
            for (Delivery delivery : deliveries) {
                Map<String, Object> record = new LinkedHashMap<>();
                record.put("_kind", "delivery");
                record.put("deliveryId", deliveryId());
                record.put("channel", delivery.channel());
                record.put("status", delivery.status());
                record.put("reason", delivery.reason());
                records.add(record);
            }
            if (routingError != null) {
                records.add(Map.of("_kind", "unrouted", "deliveryId", deliveryId(), "error", routingError));
            }
        }
    }
}
