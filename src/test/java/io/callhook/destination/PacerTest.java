package io.callhook.destination;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PacerTest {

    final Pacer pacer = new Pacer();
    final Destination team = paced("slack", Duration.ofMillis(200), 3);
    final Destination alerts = paced("slack-alerts", Duration.ofMillis(200), 3);

    @Test
    void aBurstGoesAtOnceThenOneSendPerInterval() throws Exception {
        long started = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            pacer.await(team);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(150));

        pacer.await(team);
        pacer.await(team);

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(390));
    }

    @Test
    void destinationsArePacedApart() throws Exception {
        for (int i = 0; i < 3; i++) {
            pacer.await(team);
        }
        long started = System.nanoTime();
        pacer.await(alerts);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(100));
    }

    @Test
    void aRetryAfterHoldsEvenAnUnpacedDestination() throws Exception {
        Destination crm = paced("crm", null, 1);
        pacer.hold(crm, Duration.ofSeconds(1));

        long started = System.nanoTime();
        pacer.await(crm);

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThan(Duration.ofMillis(900));
    }

    static Destination paced(String name, Duration interval, int burst) {
        return new Destination(
                name,
                name,
                Destination.DEFAULT_URI,
                "http://127.0.0.1:1/",
                "",
                Destination.Format.JSON,
                "",
                "",
                "",
                Map.of(),
                List.of(),
                List.of(),
                interval,
                burst,
                null);
    }
}
