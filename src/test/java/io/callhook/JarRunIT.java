package io.callhook;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.callhook.testing.JarProcess;
import io.callhook.testing.Samples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The built jar with no configuration at all, started from a directory that has no routes folder: it uses
 * the routes packaged inside, says which channels are off, and keeps what it acknowledged across a restart.
 */
class JarRunIT {

    @TempDir
    Path workDir;

    @Test
    void unconfiguredJarAcceptsTheSampleAndRemembersItAcrossARestart() {
        Samples call = Samples.of("call-ended");

        try (JarProcess callhook = new JarProcess(workDir, Map.of()).start()) {
            HttpResponse<String> first = callhook.http().postJson("/webhook", call.json());

            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(first.body()).isEqualTo("{\"received\":true}");
            assertThat(callhook.log())
                    .contains("using the routes packaged in the jar")
                    .contains(
                            "Destination slack is off: callhook.slack.webhook-url (CALLHOOK_SLACK_WEBHOOK_URL) is not set;"
                                    + " its deliveries are recorded SKIPPED")
                    .contains("Destination email is off: callhook.mail.host (CALLHOOK_MAIL_HOST) is not set");
            callhook.stop();
        }
        assertThat(Files.isDirectory(workDir.resolve("data")))
                .as("H2 file database under ./data")
                .isTrue();

        try (JarProcess restarted = new JarProcess(workDir, Map.of()).start()) {
            HttpResponse<String> repeat = restarted.http().postJson("/webhook", call.json());

            assertThat(repeat.statusCode()).isEqualTo(200);
            assertThat(repeat.body()).isEqualTo("{\"received\":true,\"duplicate\":true}");
        }
    }

    /**
     * A deploy stops the service while the platform is sending: what it still answers it answers 200, stored
     * with its deliveries (routed inside intake) before the answer (the database stays open until Spring has
     * finished, not closed by H2's own shutdown hook), and what it no longer takes is refused with a 503 or at
     * the connection, which the platform retries.
     */
    @Test
    void aStopUnderTrafficAnswersWhatItTakesAndDispatchesItBeforeExiting() throws Exception {
        int senders = 30;
        try (JarProcess callhook = new JarProcess(workDir, Map.of()).start()) {
            assertThat(callhook.http()
                            .postJson("/webhook", Samples.of("call-ended").json())
                            .statusCode())
                    .isEqualTo(200);
            ExecutorService pool = Executors.newFixedThreadPool(senders);
            CompletableFuture<Void> firstAnswer = new CompletableFuture<>();
            List<Samples> calls = new ArrayList<>();
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < senders; i++) {
                Samples call = Samples.of("call-ended");
                calls.add(call);
                answers.add(pool.submit(() -> {
                    try {
                        return callhook.http().postJson("/webhook", call.json());
                    } catch (RuntimeException refused) {
                        return null; // no connection: the platform sees a failure and retries
                    } finally {
                        firstAnswer.complete(null);
                    }
                }));
            }
            firstAnswer.get(30, TimeUnit.SECONDS);

            callhook.stop();

            int answered = 0;
            List<String> stored = new ArrayList<>();
            for (int i = 0; i < senders; i++) {
                HttpResponse<String> answer = answers.get(i).get(30, TimeUnit.SECONDS);
                if (answer == null) {
                    continue;
                }
                assertThat(answer.statusCode())
                        .as("answer to %s", calls.get(i).id())
                        .isIn(200, 503);
                if (answer.statusCode() == 503) {
                    assertThat(answer.body()).isEqualTo("{\"error\":\"shutting down, retry later\"}");
                } else {
                    answered++;
                    stored.add(calls.get(i).id());
                }
            }
            pool.shutdown();
            assertThat(answered).isPositive();
            assertThat(callhook.log()).doesNotContain("Database is already closed");
            // the stopped service's database: every event answered 200 is there with its routing table's decision
            // (every destination is off here: the three it chose are SKIPPED)
            org.h2.jdbcx.JdbcDataSource file = new org.h2.jdbcx.JdbcDataSource();
            file.setURL("jdbc:h2:file:" + workDir.resolve("data").resolve("callhook"));
            file.setUser("sa");
            org.springframework.jdbc.core.JdbcTemplate database = new org.springframework.jdbc.core.JdbcTemplate(file);
            for (String id : stored) {
                assertThat(database.queryForObject(
                                "SELECT count(*) FROM call_delivery WHERE delivery_id = ? AND status = 'SKIPPED'",
                                Integer.class,
                                id))
                        .as("deliveries of %s", id)
                        .isEqualTo(3);
            }
        }
    }
}
