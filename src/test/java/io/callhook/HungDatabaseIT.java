package io.callhook;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;

import io.callhook.intake.WebhookServer;
import io.callhook.testing.Databases;
import io.callhook.testing.Http;
import io.callhook.testing.Samples;
import io.callhook.testing.TcpProxy;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * PostgreSQL behind a network that goes silent for the connections open at that moment and never brings
 * them back (a partition that drops packets; a failover to another host), while new connections get
 * through. Without a socket timeout the audit writer would wait on its dead connection for the kernel's
 * TCP timeout, about 15 minutes, and every webhook would get 503 meanwhile; with one (3 s here, 30 s by
 * default), the writer gives the connection up and intake answers 200 again within seconds.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"callhook.database.socket-timeout=3s", "callhook.audit.commit-timeout=2s"})
class HungDatabaseIT {

    static final EmbeddedPostgres postgres = Databases.postgres();
    static final TcpProxy network = proxy();

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry properties) {
        Databases.use(() -> "jdbc:postgresql://127.0.0.1:" + network.port() + "/postgres", properties);
    }

    @LocalServerPort
    int port;

    @Autowired
    WebhookServer webhook;

    @AfterAll
    static void stop() throws IOException {
        network.close();
        postgres.close();
    }

    @Test
    void connectionsThatGoSilentForGoodAreGivenUpAndIntakeRecoversWithoutTheDatabaseComingBack() {
        Http http = new Http(webhook.getPort(), port);
        assertThat(http.postJson("/webhook", Samples.of("call-ended").json()).statusCode())
                .isEqualTo(200);

        assertThat(network.silenceOpenConnections()).isPositive();
        long silencedAt = System.nanoTime();

        // meanwhile the platform gets prompt answers it retries: 503 within the commit timeout, never a hang
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    long asked = System.nanoTime();
                    HttpResponse<String> answer =
                            http.postJson("/webhook", Samples.of("call-ended").json());
                    assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofSeconds(5));
                    assertThat(answer.statusCode()).isEqualTo(200);
                });
        Duration recovered = Duration.ofNanos(System.nanoTime() - silencedAt);
        System.out.printf("Intake answered 200 again %d ms after its connections went silent%n", recovered.toMillis());
        assertThat(recovered).isLessThan(Duration.ofSeconds(20));
        assertThat(http.get("/actuator/health/readiness").body()).contains("UP");
    }

    private static TcpProxy proxy() {
        try {
            return new TcpProxy(postgres.getPort());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
