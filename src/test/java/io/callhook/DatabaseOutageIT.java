package io.callhook;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.callhook.intake.WebhookServer;
import io.callhook.testing.Databases;
import io.callhook.testing.Http;
import io.callhook.testing.Samples;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A PostgreSQL server that goes away and comes back: while it is gone the platform gets a prompt 503 and
 * retries; once it is back the service accepts again without a restart.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DatabaseOutageIT {

    static final int PG_PORT = freePort();
    static final Path PG_DATA = tempDir();
    static EmbeddedPostgres postgres = startPostgres();

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry properties) {
        Databases.use(() -> postgres.getJdbcUrl("postgres", "postgres"), properties);
    }

    @LocalServerPort
    int port;

    @Autowired
    WebhookServer webhook;

    @Autowired
    JdbcTemplate jdbc;

    @AfterAll
    static void stopPostgres() throws IOException {
        postgres.close();
    }

    @Test
    void databaseDownAnswers503PromptlyAndServiceRecoversWhenItReturns() throws IOException {
        Http http = new Http(webhook.getPort(), port);
        assertThat(http.postJson("/webhook", Samples.of("call-ended").json()).statusCode())
                .isEqualTo(200);

        postgres.close();
        Samples duringOutage = Samples.of("call-ended");
        long started = System.nanoTime();
        HttpResponse<String> refused = http.postJson("/webhook", duringOutage.json());
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.body()).isEqualTo("{\"error\":\"storage unavailable, retry later\"}");
        assertThat(took).as("well inside the platform's 5 s timeout").isLessThan(Duration.ofSeconds(4));

        postgres = startPostgres();
        // the platform retries the refused delivery: it is accepted once the database is back
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(
                                http.postJson("/webhook", duringOutage.json()).statusCode())
                        .isEqualTo(200));
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM call_audit WHERE delivery_id = ?", Integer.class, duringOutage.id()))
                .isEqualTo(1);
    }

    private static EmbeddedPostgres startPostgres() {
        try {
            return EmbeddedPostgres.builder()
                    .setPort(PG_PORT)
                    .setDataDirectory(PG_DATA)
                    .setCleanDataDirectory(false)
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start embedded PostgreSQL", e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("callhook-pg");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
