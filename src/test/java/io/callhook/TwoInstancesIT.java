package io.callhook;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.callhook.testing.Databases;
import io.callhook.testing.Http;
import io.callhook.testing.JarProcess;
import io.callhook.testing.Mailbox;
import io.callhook.testing.Samples;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two instances of the built jar behind one PostgreSQL, as behind a load balancer: a delivery posted to both
 * at once is processed once, and the work of an instance killed mid-way is finished by the other once its
 * claims' lease ends, without anything sent twice.
 */
class TwoInstancesIT {

    static EmbeddedPostgres postgres;
    static JdbcTemplate jdbc;
    static final WireMockServer slack =
            new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    static final GreenMail smtp = new GreenMail(ServerSetupTest.SMTP.dynamicPort());

    @BeforeAll
    static void start() throws IOException {
        postgres = Databases.postgres();
        jdbc = Databases.jdbc(postgres);
        slack.start();
        smtp.start();
    }

    @AfterAll
    static void stop() throws IOException {
        slack.stop();
        smtp.stop();
        postgres.close();
    }

    Map<String, String> environment() {
        return Map.of(
                "SPRING_DATASOURCE_URL", postgres.getJdbcUrl("postgres", "postgres"),
                "SPRING_DATASOURCE_USERNAME", "postgres",
                "SPRING_DATASOURCE_PASSWORD", "postgres",
                "CALLHOOK_SLACK_WEBHOOK_URL", slack.baseUrl() + "/services/team",
                "CALLHOOK_SLACK_ALERTS_WEBHOOK_URL", slack.baseUrl() + "/services/alerts",
                "CALLHOOK_SLACK_MIN_INTERVAL", "10ms",
                "CALLHOOK_MAIL_HOST", "127.0.0.1",
                "CALLHOOK_MAIL_PORT", Integer.toString(smtp.getSmtp().getPort()),
                "CALLHOOK_MAIL_FROM", "callhook@example.com",
                "CALLHOOK_MAIL_TO", "ops@example.com");
    }

    @Test
    void theSameDeliveryPostedToBothAtOnceIsProcessedOnce() throws Exception {
        slack.stubFor(post(urlPathMatching("/services/.*"))
                .willReturn(aResponse().withStatus(200).withBody("ok")));
        Path a = Files.createTempDirectory("callhook-a");
        Path b = Files.createTempDirectory("callhook-b");
        List<String> ids = new ArrayList<>();
        try (JarProcess first = new JarProcess(a, environment()).start();
                JarProcess second = new JarProcess(b, environment()).start()) {
            ExecutorService senders = Executors.newFixedThreadPool(2);
            for (int i = 0; i < 20; i++) {
                Samples call = Samples.of("call-ended");
                ids.add(call.id());
                CyclicBarrier together = new CyclicBarrier(2);
                List<CompletableFuture<String>> answers = new ArrayList<>();
                for (Http http : List.of(first.http(), second.http())) {
                    answers.add(CompletableFuture.supplyAsync(
                            () -> {
                                try {
                                    together.await();
                                } catch (Exception e) {
                                    throw new IllegalStateException(e);
                                }
                                var answer = http.postJson("/webhook", call.json());
                                assertThat(answer.statusCode()).isEqualTo(200);
                                return answer.body();
                            },
                            senders));
                }
                assertThat(answers.stream().map(CompletableFuture::join))
                        .containsExactlyInAnyOrder("{\"received\":true}", "{\"received\":true,\"duplicate\":true}");
            }
            senders.shutdown();

            await().atMost(Duration.ofSeconds(30))
                    .until(() -> ids.stream().allMatch(id -> slackPosts(id) >= 1 && mails(id) >= 1));
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                for (String id : ids) {
                    assertThat(jdbc.queryForObject(
                                    "SELECT count(*) FROM call_audit WHERE delivery_id = ?", Integer.class, id))
                            .isEqualTo(1);
                    assertThat(slackPosts(id)).as("Slack messages for %s", id).isEqualTo(1);
                    assertThat(mails(id)).as("mails for %s", id).isEqualTo(1);
                }
            });
        }
    }

    @Test
    void aKilledInstancesPendingWorkIsFinishedByTheOtherOnceItsLeaseEnds() throws Exception {
        // Slack is down while the first instance takes the calls: it holds them PENDING, retrying
        slack.resetAll();
        slack.stubFor(
                post(urlPathMatching("/services/.*")).willReturn(aResponse().withStatus(503)));
        Path a = Files.createTempDirectory("callhook-a");
        Path b = Files.createTempDirectory("callhook-b");
        List<String> ids = new ArrayList<>();
        // a 15 s lease rather than the default 60 s: the same takeover, sooner in the suite
        Map<String, String> environment = new java.util.HashMap<>(environment());
        environment.put("CALLHOOK_DELIVERY_LEASE", "15s");
        try (JarProcess doomed = new JarProcess(a, environment).start();
                JarProcess survivor = new JarProcess(b, environment).start()) {
            for (int i = 0; i < 10; i++) {
                Samples call = Samples.of("call-ended-unknown-outcome");
                ids.add(call.id());
                assertThat(doomed.http().postJson("/webhook", call.json()).statusCode())
                        .isEqualTo(200);
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> ids.stream().allMatch(id -> attempts(id) >= 1));

            doomed.kill();
            long killedAt = System.nanoTime();
            slack.resetAll();
            slack.stubFor(post(urlPathMatching("/services/.*"))
                    .willReturn(aResponse().withStatus(200).withBody("ok")));

            await().atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofSeconds(2))
                    .until(() -> ids.stream().allMatch(id -> "SENT".equals(status(id))));
            Duration recovered = Duration.ofNanos(System.nanoTime() - killedAt);
            System.out.printf(
                    "A killed instance's %d pending deliveries were finished by the other %d s after the" + " kill%n",
                    ids.size(), recovered.toSeconds());
            Files.writeString(
                    Path.of("target", "two-instance-figures.txt"),
                    String.format(
                            "killed instance's %d PENDING Slack deliveries SENT by the survivor %d s after kill -9"
                                    + " (lease 15s, poll 2s)%n",
                            ids.size(), recovered.toSeconds()));
            for (String id : ids) {
                assertThat(slackPosts(id)).as("accepted Slack posts for %s", id).isEqualTo(1);
            }
            // the lease or the next retry's due time, then a poll, then the sends themselves
            assertThat(recovered).isLessThan(Duration.ofSeconds(45));
        }
    }

    /**
     * An instance killed with SIGKILL under load and started again (same host and port, so the same instance
     * id) takes its dead run's claims back at once: everything it acknowledged reaches Slack in little more
     * than Slack's pace alone needs, long before the claims' 120 s lease runs out.
     */
    @Test
    void aRestartedInstanceResumesItsOwnOwedSendsAtOnce() throws Exception {
        slack.resetAll();
        slack.stubFor(post(urlPathMatching("/services/.*"))
                .willReturn(aResponse().withStatus(200).withBody("ok").withFixedDelay(20)));
        Map<String, String> environment = new java.util.HashMap<>(environment());
        environment.remove("CALLHOOK_MAIL_HOST");
        // 20 posts a second: a backlog builds up while four senders post 200 calls as fast as they can
        environment.put("CALLHOOK_SLACK_MIN_INTERVAL", "50ms");
        // claims nobody takes back wait for their lease: 120 s lies far beyond the deadline below, which only
        // taking them back at once can meet
        environment.put("CALLHOOK_DELIVERY_LEASE", "120s");
        Path dir = Files.createTempDirectory("callhook-restart");
        java.util.Set<String> acknowledged = java.util.concurrent.ConcurrentHashMap.newKeySet();
        JarProcess first = new JarProcess(dir, environment).start();
        try (first) {
            java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
            ExecutorService senders = Executors.newFixedThreadPool(4);
            for (int i = 0; i < 4; i++) {
                senders.submit(() -> {
                    while (running.get() && acknowledged.size() < 200) {
                        Samples call = Samples.of("call-ended-unknown-outcome");
                        try {
                            if (first.http().postJson("/webhook", call.json()).statusCode() == 200) {
                                acknowledged.add(call.id());
                            }
                        } catch (java.io.UncheckedIOException killed) {
                            return;
                        }
                    }
                });
            }
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> acknowledged.size() >= 150
                            && slack.getAllServeEvents().size() >= 20);
            first.kill();
            running.set(false);
            senders.shutdown();
            assertThat(senders.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS))
                    .isTrue();
        }
        long sentBefore =
                acknowledged.stream().filter(id -> slackPosts(id) >= 1).count();
        long owed = acknowledged.size() - sentBefore;

        try (JarProcess again = first.again().start()) {
            long restartedAt = System.nanoTime();
            // the pace alone needs 50 ms a post (about 9 s); a cold JVM on a busy 2-core CI machine adds some
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> acknowledged.stream().allMatch(id -> "SENT".equals(status(id))));
            Duration took = Duration.ofNanos(System.nanoTime() - restartedAt);
            String figures = String.format(
                    "restart after kill -9 on PostgreSQL: %d acknowledged, %d owed at the kill, all SENT %d ms after"
                            + " the restart was ready (the pace alone needs %d ms; lease 120 s)%n",
                    acknowledged.size(), owed, took.toMillis(), 50 * owed);
            System.out.print(figures);
            Files.writeString(Path.of("target", "restart-figures.txt"), figures);
            assertThat(took).as("well inside the 120 s lease").isLessThan(Duration.ofSeconds(60));
            assertThat(again.log()).contains("claimed by this instance's previous run");
            for (String id : acknowledged) {
                assertThat(slackPosts(id)).as("Slack messages for %s", id).isBetween(1L, 2L);
            }
        }
    }

    static int attempts(String id) {
        List<Integer> attempts = jdbc.queryForList(
                "SELECT attempts FROM call_delivery WHERE delivery_id = ? AND channel = 'slack'", Integer.class, id);
        return attempts.isEmpty() ? 0 : attempts.get(0);
    }

    static String status(String id) {
        List<String> status = jdbc.queryForList(
                "SELECT status FROM call_delivery WHERE delivery_id = ? AND channel = 'slack'", String.class, id);
        return status.isEmpty() ? null : status.get(0);
    }

    /** Slack posts that Slack accepted (200) for the delivery. */
    static long slackPosts(String id) {
        return slack.getAllServeEvents().stream()
                .filter(e -> e.getResponse().getStatus() == 200)
                .filter(e -> e.getRequest().getBodyAsString().contains(id))
                .count();
    }

    static long mails(String id) {
        return Arrays.stream(smtp.getReceivedMessages())
                .filter(m -> Mailbox.text(m).contains(id))
                .count();
    }
}
