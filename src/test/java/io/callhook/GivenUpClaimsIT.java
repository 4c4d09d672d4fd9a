package io.callhook;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.callhook.intake.WebhookServer;
import io.callhook.testing.Databases;
import io.callhook.testing.Http;
import io.callhook.testing.Samples;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the senders cannot do now waits in the database and is done later, never lost nor stuck: deliveries that
 * do not fit the senders' memory wait their turn, and a send whose outcome the database refused to record is
 * sent again once its claim runs out. On PostgreSQL, where a trigger stands in for a database that refuses
 * writes. A short lease and poll keep the test quick.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            // room for two sends at a time (each reserves at least 16 KB)
            "callhook.delivery.memory=40KB",
            "callhook.delivery.lease=4s",
            "callhook.delivery.poll=500ms",
            "callhook.delivery.retry.max-retries=1",
            "callhook.delivery.retry.first-delay=100ms",
            "callhook.delivery.retry.max-delay=200ms",
            "callhook.slack.min-interval=10ms"
        })
@ExtendWith(OutputCaptureExtension.class)
class GivenUpClaimsIT {

    static final EmbeddedPostgres postgres = Databases.postgres();
    static final WireMockServer slack =
            new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));

    static {
        slack.start();
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry properties) {
        Databases.use(postgres, properties);
        properties.add("callhook.slack.webhook-url", () -> slack.baseUrl() + "/services/team");
    }

    @LocalServerPort
    int port;

    @Autowired
    WebhookServer webhook;

    @Autowired
    JdbcTemplate jdbc;

    Http http;

    /** A database that refuses writes of call_delivery: every update ('all'), or only outcomes ('outcome'). */
    @BeforeEach
    void faultInjection() {
        http = new Http(webhook.getPort(), port);
        slack.resetAll();
        jdbc.execute("CREATE TABLE IF NOT EXISTS test_fault (mode VARCHAR(10))");
        jdbc.execute("""
                CREATE OR REPLACE FUNCTION test_fault_check() RETURNS trigger AS $$
                BEGIN
                  IF EXISTS (SELECT 1 FROM test_fault WHERE mode = 'all')
                     OR (NEW.status IN ('SENT', 'FAILED') AND EXISTS (SELECT 1 FROM test_fault WHERE mode = 'outcome'))
                  THEN
                    RAISE EXCEPTION 'injected: the database refuses this write';
                  END IF;
                  RETURN NEW;
                END $$ LANGUAGE plpgsql""");
        jdbc.execute("DROP TRIGGER IF EXISTS test_fault ON call_delivery");
        jdbc.execute("CREATE TRIGGER test_fault BEFORE UPDATE ON call_delivery FOR EACH ROW"
                + " EXECUTE FUNCTION test_fault_check()");
    }

    @AfterEach
    void heal() {
        jdbc.update("DELETE FROM test_fault");
    }

    @AfterAll
    static void stop() throws IOException {
        slack.stop();
        postgres.close();
    }

    /**
     * Twelve calls at once while the senders may hold two events: the rest wait in the database, and every one
     * is sent, once, as room frees.
     */
    @Test
    void deliveriesBeyondTheSendersMemoryWaitInTheDatabaseAndAreSentOnce() throws Exception {
        slack.stubFor(post(urlPathEqualTo("/services/team"))
                .willReturn(aResponse().withStatus(200).withBody("ok").withFixedDelay(300)));
        List<String> ids = new ArrayList<>();
        ExecutorService senders = Executors.newFixedThreadPool(12);
        List<Future<Integer>> answers = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Samples call = Samples.of("call-ended-unknown-outcome");
            ids.add(call.id());
            answers.add(
                    senders.submit(() -> http.postJson("/webhook", call.json()).statusCode()));
        }
        for (Future<Integer> answer : answers) {
            assertThat(answer.get()).isEqualTo(200);
        }
        senders.shutdown();

        int mostAtOnce = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (ids.stream().anyMatch(id -> !"SENT".equals(status(id))) && System.nanoTime() < deadline) {
            mostAtOnce = Math.max(mostAtOnce, claimedNow());
            Thread.sleep(50);
        }
        for (String id : ids) {
            assertThat(status(id)).as(id).isEqualTo("SENT");
            assertThat(acceptedPosts(id)).as("Slack messages for %s", id).isEqualTo(1);
        }
        assertThat(mostAtOnce).as("deliveries claimed at once").isBetween(1, 2);
    }

    /**
     * Slack takes the message, the database refuses to record SENT: the send is not repeated at once (nor while
     * the database refuses), its claim is left to run out, and once the database takes writes again the
     * message is sent again and recorded: at least once.
     */
    @Test
    void aSendWhoseOutcomeCannotBeRecordedIsSentAgainOnceItsClaimRunsOut(CapturedOutput output) {
        slackAnswersOk();
        jdbc.update("INSERT INTO test_fault (mode) VALUES ('outcome')");
        Samples call = Samples.of("call-ended-unknown-outcome");

        assertThat(http.postJson("/webhook", call.json()).statusCode()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(20))
                .until(() -> output.getOut()
                        .contains("Delivery " + call.id() + " slack: its outcome (SENT) could not be recorded"));
        assertThat(acceptedPosts(call.id())).as("not repeated at once").isEqualTo(1);
        jdbc.update("DELETE FROM test_fault");

        await().atMost(Duration.ofSeconds(20)).until(() -> "SENT".equals(status(call.id())));
        assertThat(acceptedPosts(call.id()))
                .as("posted again after the lost outcome: at least once")
                .isEqualTo(2);
    }

    int claimedNow() {
        return jdbc.queryForObject(
                "SELECT count(*) FROM call_delivery WHERE status = 'PENDING' AND lease_until > CURRENT_TIMESTAMP",
                Integer.class);
    }

    void slackAnswersOk() {
        slack.stubFor(post(urlPathEqualTo("/services/team"))
                .willReturn(aResponse().withStatus(200).withBody("ok")));
    }

    String status(String id) {
        List<String> status = jdbc.queryForList(
                "SELECT status FROM call_delivery WHERE delivery_id = ? AND channel = 'slack'", String.class, id);
        return status.isEmpty() ? null : status.get(0);
    }

    static long acceptedPosts(String id) {
        return slack.getAllServeEvents().stream()
                .filter(e -> e.getResponse().getStatus() == 200)
                .filter(e -> e.getRequest().getBodyAsString().contains(id))
                .count();
    }
}
