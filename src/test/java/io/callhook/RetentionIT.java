package io.callhook;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import io.callhook.intake.WebhookServer;
import io.callhook.retention.Retention;
import io.callhook.testing.Http;
import io.callhook.testing.Samples;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Retention on the running service: 20,000 events past the 30 days go, batch after batch, while webhooks
 * keep being answered promptly; the events of today stay.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.datasource.url=jdbc:h2:mem:retention-it;DB_CLOSE_DELAY=-1"})
class RetentionIT {

    static final int OLD = 20_000;

    @LocalServerPort
    int port;

    @Autowired
    WebhookServer webhook;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    Retention retention;

    @Test
    void oldEventsGoInBatchesWhileIntakeKeepsAnswering() throws Exception {
        OffsetDateTime old = OffsetDateTime.now(ZoneOffset.UTC).minusDays(40);
        jdbc.batchUpdate(
                "INSERT INTO call_audit (delivery_id, event, received_at, payload) VALUES (?, 'call.ended', ?, '{}')",
                IntStream.range(0, OLD)
                        .mapToObj(i -> new Object[] {"old-" + i, old})
                        .toList());
        jdbc.batchUpdate(
                "INSERT INTO call_delivery (delivery_id, channel, status, created_at, updated_at)"
                        + " VALUES (?, 'slack', 'SENT', ?, ?)",
                IntStream.range(0, OLD)
                        .mapToObj(i -> new Object[] {"old-" + i, old, old})
                        .toList());
        Http http = new Http(webhook.getPort(), port);
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicLong slowest = new AtomicLong();

        for (int i = 0; i < 20; i++) { // a cold first request is not what this measures
            assertThat(http.postJson("/webhook", Samples.of("call-ended").json())
                            .statusCode())
                    .isEqualTo(200);
        }

        CompletableFuture<Integer> purge = CompletableFuture.supplyAsync(retention::purge);
        while (!purge.isDone() || acknowledged.size() < 50) {
            Samples call = Samples.of("call-ended");
            long start = System.nanoTime();
            assertThat(http.postJson("/webhook", call.json()).statusCode()).isEqualTo(200);
            slowest.accumulateAndGet(System.nanoTime() - start, Math::max);
            acknowledged.add(call.id());
            assertThat(acknowledged).as("bounded: the purge ends").hasSizeLessThan(20_000);
        }

        assertThat(purge.get()).isEqualTo(OLD);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM call_audit WHERE delivery_id LIKE 'old-%'", Integer.class))
                .isZero();
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM call_delivery WHERE delivery_id LIKE 'old-%'", Integer.class))
                .isZero();
        List<String> kept = jdbc.queryForList("SELECT delivery_id FROM call_audit", String.class);
        assertThat(kept).containsAll(acknowledged);
        Duration slowestAnswer = Duration.ofNanos(slowest.get());
        System.out.printf(
                "Retention deleted %d old events while %d webhooks were answered, the slowest in %d ms%n",
                OLD, acknowledged.size(), slowestAnswer.toMillis());
        assertThat(slowestAnswer).as("intake is never held up").isLessThan(Duration.ofSeconds(1));
    }
}
