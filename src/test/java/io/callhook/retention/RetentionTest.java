package io.callhook.retention;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import javax.sql.DataSource;

import io.callhook.testing.Databases;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Old events go, with their deliveries, on H2 and PostgreSQL; what still owes a send stays whatever its
 * age; a purge goes on batch after batch; a max age of 0 keeps everything.
 */
class RetentionTest {

    static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    static Stream<String> databases() {
        return Databases.kinds();
    }

    DataSource database(String kind) {
        return Databases.fresh(kind);
    }

    @ParameterizedTest
    @MethodSource("databases")
    void oldFinishedEventsGoWithTheirDeliveriesAndWhatStillOwesStays(String kind) {
        DataSource database = database(kind);
        JdbcTemplate jdbc = new JdbcTemplate(database);
        for (int i = 0; i < 5; i++) {
            event(jdbc, "old-" + i, Duration.ofDays(31 + i), "SENT", "SKIPPED");
        }
        event(jdbc, "old-failed", Duration.ofDays(40), "FAILED");
        event(jdbc, "old-pending", Duration.ofDays(45), "SENT", "PENDING");
        event(jdbc, "old-undispatched", Duration.ofDays(50));
        jdbc.update(
                "INSERT INTO unrouted_event (delivery_id, received_at, error, attempts, due_at) VALUES (?, ?, 'x', 0, ?)",
                "old-undispatched",
                ago(50),
                ago(50));
        event(jdbc, "recent", Duration.ofDays(29), "SENT");
        replay(jdbc, "old-replay", ago(35), "old-failed");
        replay(jdbc, "recent-replay", ago(1), "recent");

        int deleted = retention(database, Duration.ofDays(30), 2).purge();

        assertThat(deleted).isEqualTo(6);
        assertThat(jdbc.queryForList("SELECT delivery_id FROM call_audit ORDER BY delivery_id", String.class))
                .containsExactly("old-pending", "old-undispatched", "recent");
        assertThat(jdbc.queryForList(
                        "SELECT delivery_id || ':' || status FROM call_delivery ORDER BY delivery_id, status",
                        String.class))
                .containsExactly("old-pending:PENDING", "old-pending:SENT", "recent:SENT");
        assertThat(jdbc.queryForList(
                        "SELECT DISTINCT delivery_id FROM delivery_attempt ORDER BY delivery_id", String.class))
                .containsExactly("old-pending", "recent");
        assertThat(jdbc.queryForList("SELECT replay_id FROM replay_run", String.class))
                .containsExactly("recent-replay");
        assertThat(jdbc.queryForList("SELECT replay_id FROM replay_item", String.class))
                .containsExactly("recent-replay");
    }

    static void replay(JdbcTemplate jdbc, String id, OffsetDateTime at, String deliveryId) {
        jdbc.update("INSERT INTO replay_run (replay_id, created_at, filter, total) VALUES (?, ?, '{}', 1)", id, at);
        jdbc.update("INSERT INTO replay_item (replay_id, delivery_id, channel) VALUES (?, ?, 'c0')", id, deliveryId);
    }

    @ParameterizedTest
    @MethodSource("databases")
    void aMaxAgeOfZeroKeepsEverything(String kind) {
        DataSource database = database(kind);
        JdbcTemplate jdbc = new JdbcTemplate(database);
        event(jdbc, "ancient", Duration.ofDays(3650), "SENT");

        assertThat(retention(database, Duration.ZERO, 500).purge()).isZero();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM call_audit", Integer.class))
                .isEqualTo(1);
    }

    static Retention retention(DataSource database, Duration maxAge, int batchSize) {
        return new Retention(
                new JdbcTemplate(database),
                new TransactionTemplate(new DataSourceTransactionManager(database)),
                new RetentionProperties(maxAge, batchSize),
                CLOCK);
    }

    /** An audit row received {@code age} ago, with one delivery per status given (channels c0, c1, …). */
    static void event(JdbcTemplate jdbc, String id, Duration age, String... statuses) {
        OffsetDateTime at = OffsetDateTime.ofInstant(NOW.minus(age), ZoneOffset.UTC);
        jdbc.update(
                "INSERT INTO call_audit (delivery_id, event, received_at, payload) VALUES (?, 'call.ended', ?, '{}')",
                id,
                at);
        List<String> list = List.of(statuses);
        for (int i = 0; i < list.size(); i++) {
            jdbc.update(
                    "INSERT INTO call_delivery (delivery_id, channel, status, created_at, updated_at)"
                            + " VALUES (?, ?, ?, ?, ?)",
                    id,
                    "c" + i,
                    list.get(i),
                    at,
                    at);
            jdbc.update(
                    "INSERT INTO delivery_attempt (delivery_id, channel, attempted_at, took_ms) VALUES (?, ?, ?, 5)",
                    id,
                    "c" + i,
                    at);
        }
    }

    static OffsetDateTime ago(int days) {
        return OffsetDateTime.ofInstant(NOW.minus(Duration.ofDays(days)), ZoneOffset.UTC);
    }
}
