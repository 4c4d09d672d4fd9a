package io.callhook.audit;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
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
import io.callhook.db.InstanceId;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.health.Health;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Stores audit rows with group commit: the rows of all deliveries that arrive while the previous commit
 * is being written go into the next transaction together, and each request waits until the commit that
 * holds its row is done. The promise stays the same (the 200 goes out only after this row is committed),
 * but a burst of concurrent deliveries costs one commit instead of one each.
 *
 * <p>The delivery id is the table's key: a row whose id is already stored (or already in the same batch)
 * is reported as a duplicate, and so is one that another instance stored a moment before (the batch then
 * falls back to one insert per row to tell which).
 *
 * <p>On H2 a commit is in memory only; the rows are durable once appended to the journal, or once H2 is
 * written through. When neither works the request is answered 503, yet its row is committed in memory: such a
 * row is remembered as not durable, and the platform's retry is answered {@code duplicate} only once the row
 * has been made durable after all (or 503 again). A single thread writes; {@link #health()} says when it
 * stopped or has been stuck on one commit for longer than a request may wait.
 */
@Component("auditLog")
public class AuditLog implements SmartLifecycle {

    /** A column of {@code call_audit} and the {@link AuditRow} parameter bound to it. */
    record Column(String name, String parameter) {}

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
            new Column("payload", "payload"));

    static final String INSERT = "INSERT INTO call_audit ("
            + String.join(", ", COLUMNS.stream().map(Column::name).toList()) + ") VALUES ("
            + String.join(", ", COLUMNS.stream().map(c -> "?").toList()) + ")";

    static final String KNOWN_IDS = "SELECT delivery_id FROM call_audit WHERE delivery_id = ANY(?)";

    static final String OUTBOX = "INSERT INTO dispatch_outbox (delivery_id, received_at, taken_by) VALUES (?, ?, ?)";

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
    private final String instance;
    private final boolean fsync;
    private volatile boolean running;
    // when the batch being written was taken from the queue (0: none); read by health()
    private volatile long writingSince;
    private volatile Throwable lastFailure;
    // H2 file databases only; used by the writer thread alone
    private AuditJournal journal;
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
            InstanceId instance,
            MeterRegistry registry,
            AuditProperties properties) {
        this.sealEvery = properties.journalSealInterval();
        this.dataSource = dataSource;
        this.database = database;
        this.clock = clock;
        this.instance = instance.id();
        this.fsync = properties.fsync();
        this.batchSizes = DistributionSummary.builder("callhook.audit.batch")
                .description("Audit rows per group commit")
                .register(registry);
        this.maxBatch = properties.maxBatch();
        this.timeout = properties.commitTimeout();
        this.queue = new ArrayBlockingQueue<>(maxBatch * 50);
    }

    /**
     * Stores the row in variable {@code auditRow} (set by the webhook reader) and returns once it
     * is committed; sets variable {@code duplicate}. Throws {@link SQLException} when it could not be stored.
     */
    public void append(Exchange exchange) throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> row = exchange.getVariable("auditRow", Map.class);
        // on the database's clock, as every instance's: the events of several instances sort by it
        row.put("receivedAt", clock.now());
        Pending pending = new Pending(row, new CompletableFuture<>());
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
                    write(batch);
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

    private void write(List<Pending> batch) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            List<Pending> repeats = new ArrayList<>();
            List<Pending> fresh = withoutKnownIds(connection, batch, repeats);
            try (PreparedStatement insert = connection.prepareStatement(INSERT);
                    PreparedStatement owed = connection.prepareStatement(OUTBOX)) {
                bounded(insert);
                bounded(owed);
                for (Pending pending : fresh) {
                    bind(insert, pending.row());
                    insert.addBatch();
                    bindOwed(owed, pending.row());
                    owed.addBatch();
                }
                insert.executeBatch();
                owed.executeBatch();
                connection.commit();
            } catch (SQLException e) {
                connection.rollback();
                if (!isUniqueViolation(e)) {
                    throw e;
                }
                // another instance stored one of these ids in the meantime: find which, row by row
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
            fresh.forEach(p -> p.stored().complete(true));
            repeats.forEach(p -> {
                notDurable.remove(p.deliveryId());
                p.stored().complete(false);
            });
        } catch (SQLException e) {
            lastFailure = e;
            log.error("Could not store {} audit row(s): {}", batch.size(), e.toString());
            batch.forEach(p -> p.stored().completeExceptionally(e));
        }
    }

    /** A statement that cannot keep the writer (and every request waiting on it) longer than a request waits. */
    private void bounded(Statement statement) throws SQLException {
        statement.setQueryTimeout((int) Math.max(1, timeout.toSeconds()));
    }

    /**
     * An acknowledged row must survive a kill -9 before its 200. On an H2 file database the rows go to the
     * journal (one sequential write); should that fail, H2 is written through at once. {@code repeats} are
     * rows stored before whose durability failed then: the retry's duplicate answer must rest on durable
     * storage too, so they are journaled again with this batch. Everything else (delivery states) is written
     * in the background. PostgreSQL's commit is already durable. Throws when the rows are not durable.
     */
    private void makeDurable(Connection connection, List<Pending> stored, List<Pending> repeats) throws SQLException {
        if (stored.isEmpty() && repeats.isEmpty()) {
            return;
        }
        if (journal != null) {
            try {
                List<Map<String, Object>> rows = new ArrayList<>();
                stored.forEach(p -> rows.add(p.row()));
                repeats.forEach(p -> rows.add(p.row()));
                journal.append(rows);
                return;
            } catch (IOException e) {
                log.error(
                        "Could not append to the audit journal in {}, writing H2 through instead: {}",
                        journal.folder(),
                        e.toString());
            }
        }
        database.writeThrough(connection, fsync);
        // everything committed so far is in H2's file now
        notDurable.clear();
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
     * On an H2 file database: stores the rows a previous run journaled but may not have written to its
     * file (a kill -9, a power cut), then opens the journal for this run.
     */
    private void openJournal() throws SQLException, IOException {
        Optional<Path> file = database.h2File();
        if (file.isEmpty()) {
            return; // PostgreSQL, or H2 in memory: nothing to journal
        }
        AuditJournal opened = AuditJournal.open(Path.of(file.get() + ".audit-journal"), fsync, segments);
        AuditJournal.Replay replay = opened.replay();
        replay.skipped().forEach(skipped -> log.warn("Audit journal {}: skipped {}", opened.folder(), skipped));
        List<Map<String, Object>> left = replay.rows();
        if (!left.isEmpty()) {
            int stored = 0;
            for (int from = 0; from < left.size(); from += maxBatch) {
                List<Pending> batch = left.subList(from, Math.min(left.size(), from + maxBatch)).stream()
                        .map(row -> new Pending(row, new CompletableFuture<>()))
                        .toList();
                write(batch);
                for (Pending pending : batch) {
                    if (pending.stored().join()) {
                        stored++;
                    }
                }
            }
            log.warn(
                    "Audit journal {}: {} row(s) left by a previous run, {} of them were not in the database and are"
                            + " stored now (their dispatch is owed)",
                    opened.folder(),
                    left.size(),
                    stored);
        }
        database.writeThrough(true);
        opened.delete(opened.seal());
        journal = opened;
        sealedAt = System.nanoTime();
    }

    /**
     * Completes the pendings whose id is stored already or earlier in the batch as duplicates; a stored id
     * whose row is not durable goes to {@code repeats} instead, to be made durable before it is answered.
     */
    private List<Pending> withoutKnownIds(Connection connection, List<Pending> batch, List<Pending> repeats)
            throws SQLException {
        Set<String> seen = new HashSet<>();
        List<Pending> candidates = new ArrayList<>();
        for (Pending pending : batch) {
            if (seen.add(pending.deliveryId())) {
                candidates.add(pending);
            } else {
                pending.stored().complete(false);
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

    /** One row in its own transaction: a duplicate fails alone. Returns whether it was stored. */
    private boolean insertAlone(Connection connection, Pending pending) {
        try (PreparedStatement insert = connection.prepareStatement(INSERT);
                PreparedStatement owed = connection.prepareStatement(OUTBOX)) {
            bind(insert, pending.row());
            insert.executeUpdate();
            bindOwed(owed, pending.row());
            owed.executeUpdate();
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

    private void bindOwed(PreparedStatement owed, Map<String, Object> row) throws SQLException {
        owed.setObject(1, row.get("deliveryId"));
        owed.setObject(2, row.get("receivedAt"));
        owed.setString(3, instance);
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

    private record Pending(Map<String, Object> row, CompletableFuture<Boolean> stored) {

        String deliveryId() {
            return (String) row.get("deliveryId");
        }
    }
}
