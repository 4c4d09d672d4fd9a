package io.callhook;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jakarta.mail.internet.MimeMessage;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.callhook.testing.Databases;
import io.callhook.testing.JarProcess;
import io.callhook.testing.Mailbox;
import io.callhook.testing.Samples;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The digest of a busy day with the launch script's heap (160 MB): 20,000 calls in the window, a third of
 * them unsuccessful, each with a long summary and transcript. The database does the sums; the mail lists 50
 * unsuccessful calls and says how many more there were, stays small, and the service keeps answering.
 */
class LargeDigestIT {

    static final int CALLS = 20_000;
    static EmbeddedPostgres postgres;
    static JdbcTemplate jdbc;
    static final GreenMail smtp = new GreenMail(ServerSetupTest.SMTP.dynamicPort());

    @BeforeAll
    static void start() throws IOException {
        postgres = Databases.postgres();
        jdbc = Databases.jdbc(postgres);
        smtp.start();
    }

    @AfterAll
    static void stop() throws IOException {
        smtp.stop();
        postgres.close();
    }

    @Test
    void theDigestOfTwentyThousandCallsIsSentWithinTheLaunchScriptsHeap() throws Exception {
        Map<String, String> environment = Map.of(
                "SPRING_DATASOURCE_URL", postgres.getJdbcUrl("postgres", "postgres"),
                "SPRING_DATASOURCE_USERNAME", "postgres",
                "SPRING_DATASOURCE_PASSWORD", "postgres",
                "CALLHOOK_MAIL_HOST", "127.0.0.1",
                "CALLHOOK_MAIL_PORT", Integer.toString(smtp.getSmtp().getPort()),
                "CALLHOOK_MAIL_FROM", "callhook@example.com",
                "CALLHOOK_MAIL_TO", "ops@example.com",
                // every 10 seconds: one digest per minute (a window is claimed once), the first soon after the start
                "CALLHOOK_DIGEST_CRON", "*/10 * * * * ?");
        // the tables as the service makes them, filled before it starts: its first digest covers them all
        Flyway.configure()
                .dataSource(postgres.getPostgresDatabase())
                .locations("classpath:db/migration", "classpath:db/vendor/postgresql")
                // as the service migrates: CREATE INDEX CONCURRENTLY would wait for a lock held in a transaction
                .configuration(Map.of("flyway.postgresql.transactional.lock", "false"))
                .load()
                .migrate();
        long unsuccessful = storeCalls();
        try (JarProcess callhook = new JarProcess(Files.createTempDirectory("callhook-digest"), environment)
                .jvm("-Xms160m", "-Xmx160m", "-Xmn96m", "-XX:+UseParallelGC", "-XX:+ExitOnOutOfMemoryError")
                .start()) {

            await().atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> !digests().isEmpty());

            MimeMessage digest = digests().get(0);
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            digest.writeTo(raw);
            String text = Mailbox.text(digest);
            System.out.printf(
                    "Digest of %d calls (%d unsuccessful): a mail of %d bytes%n", CALLS, unsuccessful, raw.size());
            assertThat(digest.getSubject()).contains(CALLS + " calls");
            assertThat(text)
                    .contains("Calls:            " + CALLS)
                    .contains(unsuccessful + " unsuccessful")
                    .contains("… and " + (unsuccessful - 50) + " more");
            assertThat(text.lines().filter(line -> line.startsWith("- ")).count())
                    .as("unsuccessful calls listed")
                    .isEqualTo(50);
            assertThat(raw.size()).as("the digest mail, in bytes").isLessThan(1024 * 1024);

            assertThat(callhook.isAlive()).isTrue();
            assertThat(callhook.http()
                            .postJson("/webhook", Samples.of("call-ended").json())
                            .statusCode())
                    .as("still answering after the digest")
                    .isEqualTo(200);
            assertThat(callhook.log()).doesNotContain("OutOfMemoryError");
        }
    }

    /** 20,000 calls of the last half hour, as the audit table holds them; returns how many were unsuccessful. */
    long storeCalls() {
        String summary = "Discussed the renewal at length. ".repeat(15);
        String transcript = "Agent: Hello, this is a long conversation. ".repeat(35);
        String payload = "{\"padding\":\"" + "p".repeat(2_000) + "\"}";
        Instant start = Instant.now().minus(Duration.ofMinutes(30));
        long unsuccessful = 0;
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            Boolean successful = i % 3 == 0 ? Boolean.FALSE : i % 3 == 1 ? Boolean.TRUE : null;
            unsuccessful += Boolean.FALSE.equals(successful) ? 1 : 0;
            rows.add(new Object[] {
                "evt-digest-" + i,
                Timestamp.from(start.plusMillis(i)),
                "call-" + i,
                "Customer " + i,
                "Sales Agent",
                120 + i % 300,
                i % 2 == 0 ? "positive" : "negative",
                successful,
                new BigDecimal("1.25"),
                "customer_hangup",
                summary,
                transcript,
                payload
            });
            if (rows.size() == 1_000) {
                insert(rows);
            }
        }
        insert(rows);
        return unsuccessful;
    }

    static void insert(List<Object[]> rows) {
        jdbc.batchUpdate("""
                INSERT INTO call_audit (delivery_id, event, received_at, call_id, customer_name, agent_name,
                duration_seconds, sentiment, call_successful, token_cost, disconnection_reason, summary, transcript,
                payload) VALUES (?, 'call.ended', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", rows);
        rows.clear();
    }

    static List<MimeMessage> digests() {
        return new Mailbox(smtp).withSubject("digest");
    }
}
