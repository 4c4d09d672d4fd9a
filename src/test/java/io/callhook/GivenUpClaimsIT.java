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
 * Every way a send can be given up leaves a delivery that recovery takes again: a claim given back by a full
 * outbox, and a send whose outcome could not be recorded because the database failed (the claim freed, or,
 * when even that fails, left to run out). None stays PENDING for the life of the instance. On PostgreSQL, where
 * a trigger stands in for a database that refuses writes. Short leases and passes keep the test quick.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "callhook.delivery.outbox-size=2",
            "callhook.delivery.lease=4s",
            "callhook.delivery.grace=1s",
            "callhook.delivery.recovery-interval=1s",
            "callhook.delivery.retry.max-retries=1",
            "callhook.delivery.retry.first-delay-ms=100",
            "callhook.delivery.retry.max-delay-ms=200",
            "callhook.slack.min-interval=10ms",
            "callhook.slack.burst=10"
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

    @Test
    void sendsThatAFullOutboxGaveBackAreRecoveredAndSentOnce(CapturedOutput output) throws Exception {
        // four sends in flight and two queued fill the Slack outbox: the rest give their claims back
        slack.stubFor(post(urlPathEqualTo("/services/team"))
                .willReturn(aResponse().withStatus(200).withBody("ok").withFixedDelay(1500)));
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

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            for (String id : ids) {
                assertThat(status(id)).as(id).isEqualTo("SENT");
            }
        });
        assertThat(output.getOut()).contains("claim given back (its outbox is full)");
        for (String id : ids) {
            assertThat(acceptedPosts(id)).as("Slack messages for %s", id).isEqualTo(1);
        }
    }

    @Test
    void aSendWhoseOutcomeCannotBeRecordedGivesItsClaimBackAndIsSentAgain(CapturedOutput output) {
        slackAnswersOk();
        jdbc.update("INSERT INTO test_fault (mode) VALUES ('outcome')");
        Samples call = Samples.of("call-ended-unknown-outcome");

        assertThat(http.postJson("/webhook", call.json()).statusCode()).isEqualTo(200);

        // SENT could not be recorded, nor FAILED after the retry: the send ends holding a claim it frees
        await().atMost(Duration.ofSeconds(20))
                .until(() -> output.getOut()
                        .contains("Delivery " + call.id() + " slack: claim given back (its send ended without an"
                                + " outcome)"));
        jdbc.update("DELETE FROM test_fault");

        await().atMost(Duration.ofSeconds(20)).until(() -> "SENT".equals(status(call.id())));
        assertThat(acceptedPosts(call.id()))
                .as("posted again after the lost outcome: at least once")
                .isEqualTo(2);
    }

    @Test
    void aSendWhoseClaimCannotEvenBeFreedIsTakenAgainWhenItsLeaseRunsOut(CapturedOutput output) {
        slack.stubFor(post(urlPathEqualTo("/services/team"))
                .willReturn(aResponse().withStatus(200).withBody("ok").withFixedDelay(1000)));
        Samples call = Samples.of("call-ended-unknown-outcome");
        assertThat(http.postJson("/webhook", call.json()).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> attempts(call.id()) == 1);

        // while Slack answers, the database stops taking any write of the delivery
        jdbc.update("INSERT INTO test_fault (mode) VALUES ('all')");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> output.getOut()
                        .contains("Delivery " + call.id() + " slack: claim given up (its send ended without an"
                                + " outcome); it could not be freed now"));
        jdbc.update("DELETE FROM test_fault");

        // not renewed any more: its 4 s lease runs out and recovery sends it again
        await().atMost(Duration.ofSeconds(20)).until(() -> "SENT".equals(status(call.id())));
        assertThat(acceptedPosts(call.id())).isEqualTo(2);
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

    int attempts(String id) {
        List<Integer> attempts = jdbc.queryForList(
                "SELECT attempts FROM call_delivery WHERE delivery_id = ? AND channel = 'slack'", Integer.class, id);
        return attempts.isEmpty() ? 0 : attempts.get(0);
    }

    static long acceptedPosts(String id) {
        return slack.getAllServeEvents().stream()
                .filter(e -> e.getResponse().getStatus() == 200)
                .filter(e -> e.getRequest().getBodyAsString().contains(id))
                .count();
    }
}
