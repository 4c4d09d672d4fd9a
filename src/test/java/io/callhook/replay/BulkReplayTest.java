package io.callhook.replay;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import javax.sql.DataSource;

import io.callhook.db.DatabaseClock;
import io.callhook.delivery.DeliveriesComponent;
import io.callhook.testing.Databases;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;

/**
 * The SQL of a bulk replay on H2 and PostgreSQL: a filter counts and reopens exactly the FAILED deliveries
 * it names, progress follows their states, and every reopened event is handed to dispatch. The dispatch
 * hand-off is the one part stubbed (DeliveryFaultsIT runs a bulk replay against the running service).
 */
class BulkReplayTest {

    /** The most a replay reopens in these tests. */
    static final int MOST = 20;

    static Stream<String> databases() {
        return Databases.kinds();
    }

    DataSource database(String kind) {
        return Databases.fresh(kind);
    }

    @ParameterizedTest
    @MethodSource("databases")
    void aFilterReopensExactlyTheFailedDeliveriesItNamesAndProgressFollowsThem(String kind) {
        DataSource database = database(kind);
        JdbcTemplate jdbc = new JdbcTemplate(database);
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        delivery(jdbc, "recent-slack-1", "slack", "FAILED", now.minusHours(1));
        delivery(jdbc, "recent-slack-2", "slack", "FAILED", now.minusHours(2));
        delivery(jdbc, "recent-slack-2", "email", "FAILED", now.minusHours(2));
        delivery(jdbc, "old-slack", "slack", "FAILED", now.minusHours(30));
        delivery(jdbc, "recent-sent", "slack", "SENT", now.minusHours(1));
        DeliveriesComponent queues = mock(DeliveriesComponent.class);
        BulkReplay replays = new BulkReplay(
                jdbc,
                new TransactionTemplate(new DataSourceTransactionManager(database)),
                queues,
                new DatabaseClock(jdbc, Clock.systemUTC()),
                MOST);
        ReplayFilter lastSixHoursOfSlack = new ReplayFilter("slack", null, now.minusHours(6), null);

        assertThat(replays.count(lastSixHoursOfSlack)).isEqualTo(new BulkReplay.Matching(2, 2));
        assertThat(replays.count(new ReplayFilter(null, null, null, null))).isEqualTo(new BulkReplay.Matching(4, 3));
        assertThat(replays.count(new ReplayFilter(null, "call.started", null, null)))
                .isEqualTo(new BulkReplay.Matching(0, 0));
        assertThat(replays.count(new ReplayFilter(null, null, null, now.minusHours(24))))
                .isEqualTo(new BulkReplay.Matching(1, 1));

        BulkReplay.Progress started = replays.start(lastSixHoursOfSlack).orElseThrow();

        assertThat(started.total()).isEqualTo(2);
        assertThat(started.pending()).isEqualTo(2);
        assertThat(started.done()).isFalse();
        assertThat(started.filter()).contains("\"channel\":\"slack\"");
        assertThat(statuses(jdbc))
                .containsExactly(
                        "old-slack:slack:FAILED",
                        "recent-sent:slack:SENT",
                        "recent-slack-1:slack:PENDING",
                        "recent-slack-2:email:FAILED",
                        "recent-slack-2:slack:PENDING");
        verify(queues).pending(java.util.Set.of("slack"));

        jdbc.update(
                "UPDATE call_delivery SET status = 'SENT' WHERE delivery_id = 'recent-slack-1' AND channel = 'slack'");
        jdbc.update(
                "UPDATE call_delivery SET status = 'FAILED' WHERE delivery_id = 'recent-slack-2' AND channel = 'slack'");
        BulkReplay.Progress finished = replays.progress(started.id()).orElseThrow();
        assertThat(finished.sent()).isEqualTo(1);
        assertThat(finished.failed()).isEqualTo(1);
        assertThat(finished.pending()).isZero();
        assertThat(finished.done()).isTrue();
        assertThat(replays.progress("no-such-replay")).isEmpty();
        assertThat(replays.start(new ReplayFilter("teams", null, null, null))).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("databases")
    void aFilterMatchingMoreThanOneReplayMayTakeIsRefusedUntouched(String kind) {
        DataSource database = database(kind);
        JdbcTemplate jdbc = new JdbcTemplate(database);
        OffsetDateTime at = OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(5);
        jdbc.batchUpdate(
                "INSERT INTO call_audit (delivery_id, event, received_at, payload) VALUES (?, 'call.ended', ?, '{}')",
                java.util.stream.IntStream.range(0, MOST + 1)
                        .mapToObj(i -> new Object[] {"e-" + i, at})
                        .toList());
        jdbc.batchUpdate(
                "INSERT INTO call_delivery (delivery_id, channel, status, created_at, updated_at)"
                        + " VALUES (?, 'slack', 'FAILED', ?, ?)",
                java.util.stream.IntStream.range(0, MOST + 1)
                        .mapToObj(i -> new Object[] {"e-" + i, at, at})
                        .toList());
        BulkReplay replays = new BulkReplay(
                jdbc,
                new TransactionTemplate(new DataSourceTransactionManager(database)),
                mock(DeliveriesComponent.class),
                new DatabaseClock(jdbc, Clock.systemUTC()),
                MOST);

        assertThatThrownBy(() -> replays.start(new ReplayFilter("slack", null, null, null)))
                .isInstanceOf(BulkReplay.TooMany.class)
                .hasMessageContaining("narrow it");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM call_delivery WHERE status = 'FAILED'", Integer.class))
                .isEqualTo(MOST + 1);
    }

    /**
     * What fails while a replay starts is not taken beyond its bound: 20 FAILED when it was asked, three more
     * fail (committed by another connection) just as its transaction begins, and the replay is refused with
     * nothing reopened. (It once counted first, then reopened whatever its unbounded INSERT ... SELECT found.)
     */
    @ParameterizedTest
    @MethodSource("databases")
    void deliveriesThatFailWhileAReplayStartsAreNotTakenBeyondItsBound(String kind) {
        DataSource database = database(kind);
        OffsetDateTime at = OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(5);
        JdbcTemplate plain = new JdbcTemplate(database);
        for (int i = 0; i < MOST; i++) {
            delivery(plain, "counted-" + i, "slack", "FAILED", at);
        }
        DataSourceTransactionManager transactions = new DataSourceTransactionManager(database);
        JdbcTemplate jdbc = new JdbcTemplate(database) {
            boolean failedMeanwhile;

            @Override
            public int update(String sql, Object... args) {
                int updated = super.update(sql, args);
                if (!failedMeanwhile && sql.startsWith("INSERT INTO replay_run")) {
                    failedMeanwhile = true;
                    // another connection, committed at once: the replay's next statement sees these rows
                    new TransactionTemplate(
                                    transactions,
                                    new org.springframework.transaction.support.DefaultTransactionDefinition(
                                            org.springframework.transaction.TransactionDefinition
                                                    .PROPAGATION_REQUIRES_NEW))
                            .executeWithoutResult(status -> {
                                for (int i = 0; i < 3; i++) {
                                    delivery(plain, "meanwhile-" + i, "slack", "FAILED", at);
                                }
                            });
                }
                return updated;
            }
        };
        BulkReplay replays = new BulkReplay(
                jdbc,
                new TransactionTemplate(transactions),
                mock(DeliveriesComponent.class),
                new DatabaseClock(jdbc, Clock.systemUTC()),
                MOST);

        assertThatThrownBy(() -> replays.start(new ReplayFilter("slack", null, null, null)))
                .isInstanceOf(BulkReplay.TooMany.class);
        assertThat(plain.queryForObject("SELECT count(*) FROM call_delivery WHERE status = 'FAILED'", Integer.class))
                .isEqualTo(MOST + 3);
        assertThat(plain.queryForObject("SELECT count(*) FROM replay_run", Integer.class))
                .isZero();
    }

    static void delivery(JdbcTemplate jdbc, String id, String channel, String status, OffsetDateTime at) {
        Databases.delivery(jdbc, id, channel, status, at, null);
    }

    static List<String> statuses(JdbcTemplate jdbc) {
        return jdbc.queryForList(
                "SELECT delivery_id || ':' || channel || ':' || status FROM call_delivery ORDER BY delivery_id, channel",
                String.class);
    }
}
