package io.callhook.console;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.sql.DataSource;

import io.callhook.db.Database;
import io.callhook.testing.Databases;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console's SQL on H2 and PostgreSQL (with each one's own migrations, the trigram indexes included):
 * searches by any part of a name in any case, LIKE's wildcards taken literally, paging newest first without
 * gaps or repeats, the dashboard's sums per hour.
 */
class ConsoleQueriesTest {

    static Stream<String> databases() {
        return Databases.kinds();
    }

    DataSource database(String kind) {
        return Databases.fresh(kind);
    }

    @ParameterizedTest
    @MethodSource("databases")
    void searchesFindByAnyPartInAnyCaseAndPageWithoutGapsOrRepeats(String kind) {
        DataSource database = database(kind);
        JdbcTemplate jdbc = new JdbcTemplate(database);
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC).withNano(0);
        for (int i = 0; i < 120; i++) {
            String customer = i % 3 == 0 ? "Jane Roe " + i : i % 3 == 1 ? "John Doe " + i : "100%_sure " + i;
            event(jdbc, "e-" + i, now.minusMinutes(i), customer, "+1555" + (1000 + i), i % 2 == 0);
            delivery(jdbc, "e-" + i, "slack", i % 10 == 0 ? "FAILED" : "SENT", now.minusMinutes(i));
        }
        // two events in the same instant: the page boundary must not lose or repeat either
        event(jdbc, "same-a", now.minusMinutes(50), "Twin", "+1", true);
        event(jdbc, "same-b", now.minusMinutes(50), "Twin", "+1", true);
        ConsoleQueries queries = new ConsoleQueries(
                jdbc, new TransactionTemplate(new DataSourceTransactionManager(database)), new Database(database));

        assertThat(ids(queries.search(search("ROE", null, null, null, null))))
                .hasSize(40)
                .startsWith("e-0", "e-3");
        assertThat(ids(queries.search(search(null, "5551042", null, null, null))))
                .containsExactly("e-42");
        assertThat(ids(queries.search(search("%", null, null, null, null))))
                .as("a % in the search is a percent sign, not a wildcard")
                .hasSize(40)
                .allMatch(id -> Integer.parseInt(id.substring(2)) % 3 == 2);
        assertThat(ids(queries.search(search("jane", null, "FAILED", null, null))))
                .containsExactly("e-0", "e-30", "e-60", "e-90");

        ConsoleQueries.Page first = queries.search(search(null, null, null, null, null));
        assertThat(first.events()).hasSize(ConsoleQueries.PAGE);
        ConsoleQueries.Page second =
                queries.search(search(null, null, null, OffsetDateTime.parse(first.beforeTime()), first.beforeId()));
        ConsoleQueries.Page third =
                queries.search(search(null, null, null, OffsetDateTime.parse(second.beforeTime()), second.beforeId()));
        List<String> all = new java.util.ArrayList<>(ids(first));
        all.addAll(ids(second));
        all.addAll(ids(third));
        assertThat(third.beforeTime()).isNull();
        assertThat(all).hasSize(122).doesNotHaveDuplicates().contains("same-a", "same-b");

        Map<String, Object> dashboard = queries.dashboard(Duration.ofHours(24), now);
        @SuppressWarnings("unchecked")
        Map<String, long[]> outcomes = (Map<String, long[]>) dashboard.get("eventsByOutcome");
        assertThat(Stream.of("successful", "unsuccessful")
                        .mapToLong(o -> java.util.Arrays.stream(outcomes.get(o)).sum())
                        .sum())
                .isEqualTo(122);
        assertThat(dashboard.get("failureRate").toString()).isEqualTo("{slack=10.0}");
    }

    /**
     * Disconnection reasons and sentiments are payload text of any length and variety: the dashboard gets the
     * most frequent few, cut short, whatever the table holds (a group per unique 300 KB reason once filled the
     * heap at every dashboard view).
     */
    @ParameterizedTest
    @MethodSource("databases")
    void theDashboardsChartsOfFreeTextHoldAFewShortLabels(String kind) {
        DataSource database = database(kind);
        JdbcTemplate jdbc = new JdbcTemplate(database);
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC).withNano(0);
        for (int i = 0; i < 40; i++) {
            String unique = i + "-" + "r".repeat(20_000);
            jdbc.update(
                    "INSERT INTO call_audit (delivery_id, event, received_at, call_successful, disconnection_reason,"
                            + " sentiment, payload) VALUES (?, 'call.ended', ?, TRUE, ?, ?, '{}')",
                    "long-" + i,
                    now.minusMinutes(i),
                    i < 5 ? "agent_hangup" : unique,
                    unique);
        }
        ConsoleQueries queries = new ConsoleQueries(
                jdbc, new TransactionTemplate(new DataSourceTransactionManager(database)), new Database(database));

        Map<String, Object> dashboard = queries.dashboard(Duration.ofHours(24), now.plusMinutes(1));

        @SuppressWarnings("unchecked")
        Map<String, Long> reasons = (Map<String, Long>) dashboard.get("disconnections");
        @SuppressWarnings("unchecked")
        Map<String, Long> sentiments = (Map<String, Long>) dashboard.get("sentiment");
        assertThat(reasons).hasSize(8).containsEntry("agent_hangup", 5L);
        assertThat(reasons.keySet()).first().isEqualTo("agent_hangup");
        assertThat(sentiments).hasSize(20);
        assertThat(reasons.keySet()).allSatisfy(label -> assertThat(label).hasSizeLessThanOrEqualTo(100));
        assertThat(sentiments.keySet()).allSatisfy(label -> assertThat(label).hasSizeLessThanOrEqualTo(100));
    }

    static ConsoleQueries.Search search(
            String customer, String phone, String status, OffsetDateTime beforeTime, String beforeId) {
        return new ConsoleQueries.Search(
                null, null, customer, phone, null, null, null, null, status, null, null, beforeTime, beforeId);
    }

    static List<String> ids(ConsoleQueries.Page page) {
        return page.events().stream().map(ConsoleQueries.Event::deliveryId).toList();
    }

    static void event(JdbcTemplate jdbc, String id, OffsetDateTime at, String customer, String phone, boolean ok) {
        jdbc.update(
                "INSERT INTO call_audit (delivery_id, event, received_at, customer_name, customer_phone,"
                        + " call_successful, payload) VALUES (?, 'call.ended', ?, ?, ?, ?, '{}')",
                id,
                at,
                customer,
                phone,
                ok);
    }

    static void delivery(JdbcTemplate jdbc, String id, String channel, String status, OffsetDateTime at) {
        jdbc.update(
                "INSERT INTO call_delivery (delivery_id, channel, status, attempts, created_at, updated_at)"
                        + " VALUES (?, ?, ?, 1, ?, ?)",
                id,
                channel,
                status,
                at,
                at);
    }
}
