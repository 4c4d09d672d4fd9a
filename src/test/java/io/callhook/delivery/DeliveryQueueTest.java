package io.callhook.delivery;

import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import javax.sql.DataSource;

import io.callhook.db.Database;
import io.callhook.db.DatabaseClock;
import io.callhook.db.InstanceId;
import io.callhook.testing.Databases;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The queue's claim on H2 and PostgreSQL, with each one's own query (H2's has no ORDER BY, see
 * DeliveryQueue): the oldest due deliveries first, whatever order they were written in; none that is not due,
 * claimed by a live lease, of another destination or finished; each claimed once; an expired lease taken again.
 */
class DeliveryQueueTest {

    static Stream<String> databases() {
        return Databases.kinds();
    }

    @ParameterizedTest
    @MethodSource("databases")
    void claimsTheOldestDueFirstAndEachOnce(String kind) {
        DataSource database = Databases.fresh(kind);
        JdbcTemplate jdbc = new JdbcTemplate(database);
        DeliveryQueue queue = new DeliveryQueue(
                jdbc,
                new TransactionTemplate(new DataSourceTransactionManager(database)),
                new Database(database),
                new DatabaseClock(jdbc, Clock.systemUTC()),
                new InstanceId("test-instance", 8080));
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC).withNano(0);

        // 300 due deliveries written in a shuffled order: d-000 is the oldest
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(7));
        for (int i : order) {
            owe(jdbc, String.format("d-%03d", i), "forward", "PENDING", now.minusMinutes(400 - i), null);
        }
        owe(jdbc, "not-due", "forward", "PENDING", now.plusMinutes(5), null);
        owe(jdbc, "leased", "forward", "PENDING", now.minusDays(1), now.plusMinutes(1));
        owe(jdbc, "lease-ran-out", "forward", "PENDING", now.minusMinutes(200).minusSeconds(30), now.minusMinutes(1));
        owe(jdbc, "other-destination", "slack", "PENDING", now.minusDays(1), null);
        owe(jdbc, "skipped", "forward", "SKIPPED", now.minusDays(1), null);

        List<String> first =
                ids(queue.claim("forward", 5, bytes -> true, queue.token(1), Duration.ofMinutes(1), false, false));
        assertThat(first).containsExactly("d-000", "d-001", "d-002", "d-003", "d-004");

        List<String> all = new ArrayList<>(first);
        for (long batch = 2; ; batch++) {
            List<String> next = ids(
                    queue.claim("forward", 50, bytes -> true, queue.token(batch), Duration.ofMinutes(1), false, false));
            if (next.isEmpty()) {
                break;
            }
            all.addAll(next);
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            expected.add(String.format("d-%03d", i));
            if (i == 199) {
                // due 200.5 minutes ago, between d-199 and d-200
                expected.add("lease-ran-out");
            }
        }
        assertThat(all).as("oldest first, each once").containsExactlyElementsOf(expected);
    }

    private static List<String> ids(List<Owed> owed) {
        return owed.stream().map(Owed::deliveryId).toList();
    }

    /** A delivery row and the audit row its claim reads. */
    private static void owe(
            JdbcTemplate jdbc,
            String id,
            String channel,
            String status,
            OffsetDateTime due,
            OffsetDateTime leaseUntil) {
        jdbc.update(
                "INSERT INTO call_audit (delivery_id, event, received_at, payload) VALUES (?, 'call.ended', ?, '{}')",
                id,
                due);
        jdbc.update(
                "INSERT INTO call_delivery (delivery_id, channel, status, attempts, created_at, updated_at, due_at,"
                        + " lease_owner, lease_token, lease_until) VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?)",
                id,
                channel,
                status,
                due,
                due,
                due,
                leaseUntil == null ? null : "another",
                leaseUntil == null ? null : "other:1",
                leaseUntil);
    }
}
