package io.callhook.audit;

import java.math.BigDecimal;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.callhook.db.Database;
import io.callhook.db.DatabaseClock;
import io.callhook.testing.Databases;
import io.callhook.testing.Samples;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * H2 writes its file in the background; an acknowledged audit row must survive a crash that comes before.
 * A crash is H2's {@code SHUTDOWN IMMEDIATELY}: the file is closed without writing what is only in memory
 * (and H2's own background write is held off for an hour, so only the journal can keep the rows).
 */
class AuditJournalTest {

    @TempDir
    Path dir;

    final DefaultCamelContext camel = new DefaultCamelContext();
    final List<AuditLog> logs = new ArrayList<>();

    @AfterEach
    void stop() {
        logs.forEach(AuditLog::stop);
    }

    @Test
    void acknowledgedRowsThatH2HasNotWrittenAreStoredAgainAtTheNextStart() throws Exception {
        JdbcDataSource database = database();
        AuditLog first = start(database, Duration.ofHours(1));
        List<String> ids = List.of("journal-1", "journal-2", "journal-3");
        for (String id : ids) {
            assertThat(append(first, id)).as("duplicate").isEqualTo("false");
        }

        crash(database);
        assertThat(count(database, "call_audit"))
                .as("rows in H2's file after the crash, before the journal is read")
                .isZero();

        AuditLog second = start(database, Duration.ofHours(1));
        assertThat(count(database, "call_audit")).isEqualTo(3);
        assertThat(count(database, "call_delivery WHERE status = 'PENDING' AND channel = 'slack'"))
                .as("their deliveries are owed")
                .isEqualTo(3);
        assertThat(count(database, "call_delivery WHERE status = 'SKIPPED' AND last_error = 'off'"))
                .isEqualTo(3);
        try (Connection connection = database.getConnection();
                Statement query = connection.createStatement();
                ResultSet row = query.executeQuery("SELECT customer_name, duration_seconds, call_successful,"
                        + " token_cost, started_at, payload FROM call_audit WHERE delivery_id = 'journal-2'")) {
            assertThat(row.next()).isTrue();
            assertThat(row.getString(1)).isEqualTo("John Doe");
            assertThat(row.getInt(2)).isEqualTo(240);
            assertThat(row.getBoolean(3)).isTrue();
            assertThat(row.getBigDecimal(4)).isEqualByComparingTo(new BigDecimal("12.50"));
            assertThat(row.getObject(5, OffsetDateTime.class)).isEqualTo(OffsetDateTime.parse("2026-04-05T14:00:00Z"));
            assertThat(row.getString(6)).contains("\"id\":\"journal-2\"");
        }
        assertThat(append(second, "journal-2")).as("a retry after the restart").isEqualTo("true");
        assertThat(segments())
                .as("the journal is emptied once its rows are in H2's file")
                .isEmpty();
    }

    /**
     * A send's verdict, committed in H2's memory only, is journaled before the sender goes on: after a crash it
     * is applied again (once), so the message is not sent a second time, and its try is on the timeline once.
     */
    @Test
    void verdictsThatH2HasNotWrittenAreAppliedAgainAtTheNextStart() throws Exception {
        JdbcDataSource database = database();
        AuditLog first = start(database, Duration.ofHours(1));
        assertThat(append(first, "verdict-1")).isEqualTo("false");
        OffsetDateTime at = OffsetDateTime.now(java.time.ZoneOffset.UTC).withNano(0);
        try (Connection connection = database.getConnection();
                Statement sent = connection.createStatement()) {
            sent.executeUpdate("UPDATE call_delivery SET status = 'SENT', attempts = 1 WHERE delivery_id = 'verdict-1'"
                    + " AND channel = 'slack'");
        }
        Map<String, Object> verdict = new java.util.LinkedHashMap<>();
        verdict.put("deliveryId", "verdict-1");
        verdict.put("channel", "slack");
        verdict.put("status", "SENT");
        verdict.put("attempts", 1);
        verdict.put("lastError", null);
        verdict.put("dueAt", null);
        verdict.put("updatedAt", at);
        verdict.put("attemptedAt", at);
        verdict.put("tookMs", 12);
        verdict.put("error", null);
        verdict.put("template", "slack-successful.json.ftl");
        first.verdictsCommitted(List.of(verdict));

        crash(database);
        start(database, Duration.ofHours(1));
        start(database, Duration.ofHours(1)); // a second start reads nothing again

        assertThat(count(
                        database,
                        "call_delivery WHERE delivery_id = 'verdict-1' AND channel = 'slack'"
                                + " AND status = 'SENT' AND attempts = 1"))
                .isEqualTo(1);
        assertThat(count(database, "delivery_attempt WHERE delivery_id = 'verdict-1'"))
                .isEqualTo(1);
    }

    /**
     * Two copies of one delivery in the same group commit: the second is answered with the first's fate, never
     * before it is written. When that commit fails, both fail (503: the platform retries); before, the second
     * was answered 200 duplicate while the first was still being written.
     */
    @Test
    void aSecondCopyInTheSameCommitSharesTheFirstCopysFate() throws Exception {
        JdbcDataSource database = database();
        FailingCheckpoints h2 = new FailingCheckpoints(database);
        FaultyFileChannel.Disk disk = new FaultyFileChannel.Disk();
        AuditLog log = start(database, h2, disk, Duration.ofHours(1));
        disk.failWrites = true;
        h2.failing = true;
        java.util.concurrent.ExecutorService twins = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
            List<java.util.concurrent.Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                answers.add(twins.submit(() -> {
                    together.await();
                    try {
                        return append(log, "twin");
                    } catch (SQLException refused) {
                        return "503";
                    }
                }));
            }
            for (java.util.concurrent.Future<String> answer : answers) {
                assertThat(answer.get(10, java.util.concurrent.TimeUnit.SECONDS))
                        .as("no 200 for an event that is not stored")
                        .isEqualTo("503");
            }
        } finally {
            twins.shutdownNow();
        }
    }

    @Test
    void sealedSegmentsAreDeletedOnceH2HasWrittenTheirRows() throws Exception {
        JdbcDataSource database = database();
        AuditLog log = start(database, Duration.ofMillis(50));
        append(log, "sealed-1");
        append(log, "sealed-2");

        await().atMost(Duration.ofSeconds(10)).until(() -> segments().isEmpty());
        crash(database);
        assertThat(count(database, "call_audit")).isEqualTo(2);
    }

    @Test
    void aRecordCutShortByACrashEndsTheReadingOfItsSegment() throws Exception {
        AuditJournal journal = AuditJournal.open(dir.resolve("cut"));
        Map<String, Object> first = row("cut-1");
        journal.append(List.of(first, row("cut-2")));
        journal.append(List.of(row("cut-3")));
        journal.close();
        Path segment = journal.seal().get(0);
        try (FileChannel file = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            file.truncate(file.size() - 10);
        }

        List<Map<String, Object>> rows = AuditJournal.open(dir.resolve("cut")).rows();

        assertThat(rows).extracting(r -> r.get("deliveryId")).containsExactly("cut-1", "cut-2");
        assertThat(rows.get(0)).isEqualTo(first);
    }

    /**
     * Journal and write-through both fail (a full disk): the request gets 503, yet H2 holds the row in memory.
     * The platform's retry must not be told {@code duplicate} while nothing durable holds the row; once the
     * disk works again, the retry makes it durable and is answered {@code duplicate}, and a crash keeps it.
     */
    @Test
    void aRowNotMadeDurableIsNotAcknowledgedAsADuplicateUntilItIs() throws Exception {
        JdbcDataSource database = database();
        FailingCheckpoints h2 = new FailingCheckpoints(database);
        FaultyFileChannel.Disk disk = new FaultyFileChannel.Disk();
        AuditLog log = start(database, h2, disk, Duration.ofHours(1));
        assertThat(append(log, "before-the-fault")).isEqualTo("false");

        disk.failWrites = true;
        h2.failing = true;
        assertThatThrownBy(() -> append(log, "during-the-fault")).isInstanceOf(SQLException.class);
        assertThatThrownBy(() -> append(log, "during-the-fault"))
                .as("the platform's retry while the disk is still full")
                .isInstanceOf(SQLException.class);
        assertThat(append(log, "before-the-fault")).as("a durable row's retry").isEqualTo("true");

        disk.failWrites = false;
        h2.failing = false;
        assertThat(append(log, "during-the-fault"))
                .as("the retry once the disk works again")
                .isEqualTo("true");

        crash(database);
        start(database, Duration.ofHours(1));
        assertThat(ids(database)).containsExactlyInAnyOrder("before-the-fault", "during-the-fault");
    }

    /** A write that fails part-way is cut off the segment again: the records appended after it are read. */
    @Test
    void anAppendThatFailsPartWayDoesNotHideTheRecordsAfterIt() throws Exception {
        FaultyFileChannel.Disk disk = new FaultyFileChannel.Disk();
        AuditJournal journal = AuditJournal.open(dir.resolve("partial"), false, disk);
        journal.append(List.of(row("partial-1")));
        disk.failPartWay = true;
        assertThatThrownBy(() -> journal.append(List.of(row("partial-2"), row("partial-3"))))
                .isInstanceOf(java.io.IOException.class);
        journal.append(List.of(row("partial-4")));
        journal.close();

        AuditJournal.Replay replay = AuditJournal.open(dir.resolve("partial")).replay();

        assertThat(replay.rows()).extracting(r -> r.get("deliveryId")).containsExactly("partial-1", "partial-4");
        assertThat(replay.skipped()).isEmpty();
    }

    /**
     * When the failed write cannot even be cut off, the segment is closed: the next records go to a new one,
     * and replay reads them, saying what it skipped in the broken segment.
     */
    @Test
    void anAppendThatCannotBeCutOffStartsANewSegment() throws Exception {
        FaultyFileChannel.Disk disk = new FaultyFileChannel.Disk();
        AuditJournal journal = AuditJournal.open(dir.resolve("broken"), false, disk);
        journal.append(List.of(row("broken-1")));
        disk.failPartWay = true;
        disk.failTruncate = true;
        assertThatThrownBy(() -> journal.append(List.of(row("broken-2")))).isInstanceOf(java.io.IOException.class);
        disk.failTruncate = false;
        journal.append(List.of(row("broken-3")));
        journal.close();

        AuditJournal.Replay replay = AuditJournal.open(dir.resolve("broken")).replay();

        assertThat(replay.rows()).extracting(r -> r.get("deliveryId")).containsExactly("broken-1", "broken-3");
        assertThat(replay.skipped())
                .singleElement()
                .asString()
                .startsWith("00000000000000000001.journal: the last ")
                .contains("a record cut short");
    }

    static List<String> ids(JdbcDataSource database) throws SQLException {
        List<String> ids = new ArrayList<>();
        try (Connection connection = database.getConnection();
                Statement query = connection.createStatement();
                ResultSet rows = query.executeQuery("SELECT delivery_id FROM call_audit")) {
            while (rows.next()) {
                ids.add(rows.getString(1));
            }
        }
        return ids;
    }

    JdbcDataSource database() {
        // H2's own background write held off, and the database kept open between connections as a pool would
        // (closing it writes everything): whatever is not journaled is lost by a crash
        return Databases.migrated("jdbc:h2:file:" + dir.resolve("db") + ";WRITE_DELAY=3600000;DB_CLOSE_DELAY=-1");
    }

    AuditLog start(JdbcDataSource database, Duration sealEvery) {
        return start(database, new Database(database), AuditJournal.FILES, sealEvery);
    }

    AuditLog start(JdbcDataSource database, Database h2, AuditJournal.Segments disk, Duration sealEvery) {
        AuditLog log = new AuditLog(
                database,
                h2,
                new DatabaseClock(new JdbcTemplate(database), Clock.systemUTC()),
                new SimpleMeterRegistry(),
                new AuditProperties(200, Duration.ofSeconds(5), sealEvery, false),
                new DefaultListableBeanFactory().getBeanProvider(AuditLog.Committed.class));
        log.journalSegments(disk);
        log.start();
        logs.add(log);
        return log;
    }

    /** H2 whose write-through (CHECKPOINT) fails while {@code failing} is set, as on a full disk. */
    static final class FailingCheckpoints extends Database {
        volatile boolean failing;

        FailingCheckpoints(JdbcDataSource database) {
            super(database);
        }

        @Override
        public void writeThrough(Connection connection, boolean sync) throws SQLException {
            if (failing) {
                throw new SQLException("No space left on device", "HY000");
            }
            super.writeThrough(connection, sync);
        }
    }

    /** The routing table's decision for every event these tests store: slack owed, email skipped. */
    static final List<AuditLog.Delivery> DECIDED =
            List.of(new AuditLog.Delivery("slack", "PENDING", null), new AuditLog.Delivery("email", "SKIPPED", "off"));

    /** Stores the call.ended sample under the id, with {@link #DECIDED}; returns the {@code duplicate} variable. */
    String append(AuditLog log, String id) throws Exception {
        Exchange exchange = new DefaultExchange(camel);
        exchange.setVariable("auditRow", row(id));
        exchange.setVariable("deliveries", DECIDED);
        log.store(exchange);
        return exchange.getVariable("duplicate", String.class);
    }

    static Map<String, Object> row(String id) {
        return Samples.of("call-ended").id(id).row();
    }

    static void crash(JdbcDataSource database) throws SQLException {
        try (Connection connection = database.getConnection();
                Statement shutdown = connection.createStatement()) {
            shutdown.execute("SHUTDOWN IMMEDIATELY");
        }
    }

    static long count(JdbcDataSource database, String table) throws SQLException {
        try (Connection connection = database.getConnection();
                Statement query = connection.createStatement();
                ResultSet count = query.executeQuery("SELECT count(*) FROM " + table)) {
            count.next();
            return count.getLong(1);
        }
    }

    List<Path> segments() throws Exception {
        try (Stream<Path> files = Files.list(dir.resolve("db.audit-journal"))) {
            return files.toList();
        }
    }
}
