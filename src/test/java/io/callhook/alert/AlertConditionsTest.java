package io.callhook.alert;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.stream.Stream;

import io.callhook.db.DatabaseClock;
import io.callhook.testing.Databases;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the per-destination alerts conclude from call_delivery, on H2 and PostgreSQL: "failing" fires when a
 * destination's last n finished deliveries all FAILED and clears when its last one was SENT, whatever the other
 * destinations did; "failure-rate" counts the window. The queries read the newest end of index
 * call_delivery_recent instead of every delivery of the window (on H2, the plan says so).
 */
class AlertConditionsTest {

    static Stream<String> databases() {
        return Databases.kinds();
    }

    private static final OffsetDateTime NOW = OffsetDateTime.now(ZoneOffset.UTC).withNano(0);

    @ParameterizedTest
    @MethodSource("databases")
    void aDestinationsLastDeliveriesDecideWhetherItIsFailing(String kind) {
        JdbcTemplate jdbc = new JdbcTemplate(Databases.fresh(kind));
        Alerts alerts = new Alerts(jdbc, new DatabaseClock(jdbc, Clock.systemUTC()), null, null, null);
        Alert failing = alert("failing", "5", "1h");
        Alert rate = alert("failure-rate", "20", "15m");

        // forward: many sent, then its last five FAILED; another destination's SENT in between changes nothing
        for (int i = 0; i < 500; i++) {
            Databases.delivery(
                    jdbc, "sent-" + i, "forward", "SENT", NOW.minusMinutes(10).plusSeconds(i), null);
        }
        for (int i = 0; i < 5; i++) {
            Databases.delivery(
                    jdbc, "failed-" + i, "forward", "FAILED", NOW.minusSeconds(60 - i), "HTTP 503: try " + i);
            Databases.delivery(jdbc, "failed-" + i, "slack", "SENT", NOW.minusSeconds(59 - i), null);
        }
        Alerts.Verdict forward = alerts.evaluate(failing, "forward", NOW);
        assertThat(forward.kind()).isEqualTo(Alerts.Verdict.Kind.FIRING);
        assertThat(forward.text()).isEqualTo("forward failed its last 5 deliveries; the last error: HTTP 503: try 4");
        assertThat(alerts.evaluate(failing, "slack", NOW).kind()).isEqualTo(Alerts.Verdict.Kind.CLEAR);
        Alerts.Verdict forwardRate = alerts.evaluate(rate, "forward", NOW);
        assertThat(forwardRate.kind()).isEqualTo(Alerts.Verdict.Kind.CLEAR);
        assertThat(forwardRate.text()).isEqualTo("forward: 1% of its 505 deliveries in the last 15 min FAILED");

        // four FAILED and nothing else: not enough to tell either way
        for (int i = 0; i < 4; i++) {
            Databases.delivery(jdbc, "crm-" + i, "crm", "FAILED", NOW.minusSeconds(30 - i), "timeout");
        }
        assertThat(alerts.evaluate(failing, "crm", NOW).kind()).isEqualTo(Alerts.Verdict.Kind.UNKNOWN);
        assertThat(alerts.evaluate(rate, "crm", NOW).kind())
                .as("fewer finished than the minimum (10)")
                .isEqualTo(Alerts.Verdict.Kind.UNKNOWN);
        for (int i = 0; i < 8; i++) {
            Databases.delivery(jdbc, "crm-more-" + i, "crm", "FAILED", NOW.minusSeconds(20 - i), "timeout");
        }
        Alerts.Verdict crmRate = alerts.evaluate(rate, "crm", NOW);
        assertThat(crmRate.kind()).isEqualTo(Alerts.Verdict.Kind.FIRING);
        assertThat(crmRate.text()).isEqualTo("crm: 100% of its 12 deliveries in the last 15 min FAILED");

        // it sends again: its last one SENT clears it
        Databases.delivery(jdbc, "recovered", "forward", "SENT", NOW.minusSeconds(1), null);
        Alerts.Verdict recovered = alerts.evaluate(failing, "forward", NOW);
        assertThat(recovered.kind()).isEqualTo(Alerts.Verdict.Kind.CLEAR);
        assertThat(recovered.text()).isEqualTo("forward is sending again");

        // nothing FAILED in the window: the rate is 0, once there were enough deliveries to judge by
        for (int i = 0; i < 12; i++) {
            Databases.delivery(
                    jdbc, "email-" + i, "email", "SENT", NOW.minusMinutes(5).plusSeconds(i), null);
        }
        Databases.delivery(jdbc, "email-old", "email", "FAILED", NOW.minusMinutes(20), "550 no such user");
        Alerts.Verdict email = alerts.evaluate(rate, "email", NOW);
        assertThat(email.kind()).isEqualTo(Alerts.Verdict.Kind.CLEAR);
        assertThat(email.text()).isEqualTo("email: none of its deliveries in the last 15 min FAILED");
        assertThat(alerts.evaluate(rate, "teams", NOW).kind()).isEqualTo(Alerts.Verdict.Kind.UNKNOWN);
        assertThat(alerts.evaluate(failing, "teams", NOW).kind()).isEqualTo(Alerts.Verdict.Kind.UNKNOWN);

        // failures older than the window are forgotten
        assertThat(alerts.evaluate(alert("failing", "5", "1m"), "crm", NOW.plusMinutes(2))
                        .kind())
                .isEqualTo(Alerts.Verdict.Kind.UNKNOWN);
    }

    @Test
    void onH2TheNewestAreReadFromTheIndexNotSorted() {
        JdbcTemplate jdbc = new JdbcTemplate(Databases.fresh("h2"));
        String plan = jdbc.queryForObject(
                "EXPLAIN SELECT updated_at, last_error FROM call_delivery WHERE channel = ? AND status = ?"
                        + " AND updated_at >= ? ORDER BY channel, status, updated_at DESC FETCH FIRST 5 ROWS ONLY",
                String.class,
                "forward",
                "FAILED",
                NOW);
        assertThat(plan).contains("CALL_DELIVERY_RECENT").contains("index sorted");
    }

    private static Alert alert(String when, String threshold, String window) {
        return Alert.of(
                Map.of(
                        "alert",
                        "test-" + when,
                        "when",
                        when,
                        "threshold",
                        threshold,
                        "window",
                        window,
                        "minimum",
                        "10",
                        "destination",
                        "",
                        "notify",
                        "slack-alerts"),
                value -> value);
    }
}
