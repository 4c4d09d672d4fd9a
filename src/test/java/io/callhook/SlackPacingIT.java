package io.callhook;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.callhook.intake.WebhookServer;
import io.callhook.testing.Http;
import io.callhook.testing.RoutesFolder;
import io.callhook.testing.Samples;
import io.callhook.testing.SlackRules;
import org.junit.jupiter.api.AfterAll;
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
 * A burst of calls against a Slack stub that, like Slack, takes one message a second and answers 429 with
 * Retry-After to anything faster: with the default pacing every message arrives, queued, not dropped, also
 * when an operator edits the Slack routes while the calls wait their turn.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.datasource.url=jdbc:h2:mem:slack-pacing;DB_CLOSE_DELAY=-1",
            // read before the context exists: a fixed folder inside target/
            "callhook.routes-dir=target/slack-pacing-it",
            "callhook.routes.reload-interval=500ms",
            // what a replaced route gave back is taken at the new route's first look
            "callhook.delivery.poll=1s"
        })
@ExtendWith(OutputCaptureExtension.class)
class SlackPacingIT {

    static final Path ROUTES =
            RoutesFolder.copyTo(Path.of("target", "slack-pacing-it").toAbsolutePath());
    static final int BURST = 25;
    static final OneMessagePerSecond limit = new OneMessagePerSecond();
    static final WireMockServer slack =
            new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").extensions(limit));

    static {
        slack.start();
        slack.stubFor(post(urlPathEqualTo("/services/team"))
                .willReturn(aResponse().withStatus(200).withBody("ok")));
    }

    @DynamicPropertySource
    static void channels(DynamicPropertyRegistry properties) {
        properties.add("callhook.slack.webhook-url", () -> slack.baseUrl() + "/services/team");
        // the alerts to the same webhook as the team's messages, as a small team sets it up
        properties.add("callhook.slack.alerts-webhook-url", () -> slack.baseUrl() + "/services/team");
    }

    @LocalServerPort
    int port;

    @Autowired
    WebhookServer webhook;

    @Autowired
    JdbcTemplate jdbc;

    @AfterAll
    static void stop() {
        slack.stop();
    }

    @Test
    void aBurstOfCallsIsPacedAndAllArriveWithFew429s() throws Exception {
        int acceptedBefore = limit.accepted();
        int refusedBefore = limit.refused();
        List<String> ids = postBurst();

        awaitAllSent(ids, Duration.ofSeconds(90));

        assertThat(limit.accepted() - acceptedBefore)
                .as("one accepted post per call")
                .isEqualTo(BURST);
        assertEachAcceptedOnce(ids);
        assertThat(limit.refused() - refusedBefore)
                .as("429s drawn by %d calls", BURST)
                .isLessThanOrEqualTo(5);
        System.out.printf(
                "Slack pacing: %d calls, %d posts accepted, %d answered 429%n",
                BURST, limit.accepted() - acceptedBefore, limit.refused() - refusedBefore);
    }

    /**
     * The drill of issue 12: an edit of routes/slack.camel.yaml while 25 calls wait behind the webhook's pace.
     * The edit applies within seconds, sending goes on, and every message is sent once: what the old route had
     * claimed and not sent (one waiting for its turn, say) is given back and sent by the new one, not failed or
     * lost; the rest waits in the database all along.
     */
    @Test
    void anEditOfTheSlackRoutesWhileCallsWaitLosesNoneAndSendsEachOnce(CapturedOutput output) throws Exception {
        int acceptedBefore = limit.accepted();
        List<String> ids = postBurst();
        await().atMost(Duration.ofSeconds(30)).until(() -> limit.accepted() - acceptedBefore >= 5);
        int acceptedAtEdit = limit.accepted();

        long editedAt = System.nanoTime();
        RoutesFolder.edit(
                ROUTES.resolve("slack.camel.yaml"),
                "        value: slack\n      - name: format\n",
                "        value: slack\n      - name: consumers\n        value: \"3\"\n      - name: format\n");
        await().atMost(Duration.ofSeconds(15)).until(() -> output.getOut().contains("Applied the edit of"));
        Duration applied = Duration.ofNanos(System.nanoTime() - editedAt);
        // posts go on after the edit
        await().atMost(Duration.ofSeconds(10)).until(() -> limit.accepted() > acceptedAtEdit + 2);

        awaitAllSent(ids, Duration.ofSeconds(120));
        assertEachAcceptedOnce(ids);
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM call_delivery WHERE channel = 'slack' AND status <> 'SENT'",
                        Integer.class))
                .as("none FAILED, none left PENDING")
                .isZero();
        System.out.printf(
                "Live edit of slack.camel.yaml with %d calls waiting: applied in %d ms, all %d sent once%n",
                BURST, applied.toMillis(), BURST);
        assertThat(applied).as("time for the edit to apply").isLessThan(Duration.ofSeconds(10));
    }

    /**
     * slack and slack-alerts posting to the same webhook share its pace and its Retry-After: paced by
     * destination (as before issue 24), the two would post twice as fast as the webhook takes and draw a 429
     * for about every other message.
     */
    @Test
    void twoDestinationsPostingToOneWebhookShareItsPace() throws Exception {
        int acceptedBefore = limit.accepted();
        int refusedBefore = limit.refused();
        List<String> team = postBurst("call-ended-unknown-outcome", BURST / 2);
        List<String> alerts = postBurst("call-ended-unsuccessful", BURST / 2);

        awaitAllSent("slack", team, Duration.ofSeconds(90));
        awaitAllSent("slack-alerts", alerts, Duration.ofSeconds(90));

        assertEachAcceptedOnce(team);
        assertEachAcceptedOnce(alerts);
        assertThat(limit.refused() - refusedBefore)
                .as("429s drawn by %d messages to one webhook from two destinations", 2 * (BURST / 2))
                .isLessThanOrEqualTo(5);
        System.out.printf(
                "Two destinations, one webhook: %d posts accepted, %d answered 429%n",
                limit.accepted() - acceptedBefore, limit.refused() - refusedBefore);
    }

    List<String> postBurst() throws Exception {
        return postBurst("call-ended-unknown-outcome", BURST);
    }

    List<String> postBurst(String sample, int calls) throws Exception {
        Http http = new Http(webhook.getPort(), port);
        List<String> ids = new ArrayList<>();
        ExecutorService senders = Executors.newFixedThreadPool(8);
        List<Future<Integer>> answers = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            Samples call = Samples.of(sample);
            ids.add(call.id());
            answers.add(
                    senders.submit(() -> http.postJson("/webhook", call.json()).statusCode()));
        }
        for (Future<Integer> answer : answers) {
            assertThat(answer.get()).isEqualTo(200);
        }
        senders.shutdown();
        return ids;
    }

    void awaitAllSent(List<String> ids, Duration within) {
        awaitAllSent("slack", ids, within);
    }

    void awaitAllSent(String channel, List<String> ids, Duration within) {
        await().atMost(within)
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(jdbc.queryForList(
                                "SELECT delivery_id FROM call_delivery WHERE channel = ? AND status = 'SENT'",
                                String.class,
                                channel))
                        .containsAll(ids));
    }

    static void assertEachAcceptedOnce(List<String> ids) {
        for (String id : ids) {
            assertThat(slack.getAllServeEvents().stream()
                            .filter(e -> e.getResponse().getStatus() == 200)
                            .filter(e -> e.getRequest().getBodyAsString().contains(id)))
                    .as(id)
                    .hasSize(1);
        }
    }

    /** Slack's incoming-webhook limit as a stub: a post less than 900 ms after the last accepted one gets 429. */
    static final class OneMessagePerSecond implements ResponseDefinitionTransformerV2 {

        private long lastAccepted = System.nanoTime() - Duration.ofSeconds(10).toNanos();
        private int accepted;
        private int refused;

        @Override
        public synchronized ResponseDefinition transform(ServeEvent serveEvent) {
            long now = System.nanoTime();
            if (now - lastAccepted < Duration.ofMillis(900).toNanos()) {
                refused++;
                return SlackRules.rateLimited(1);
            }
            lastAccepted = now;
            accepted++;
            return serveEvent.getResponseDefinition();
        }

        synchronized int accepted() {
            return accepted;
        }

        synchronized int refused() {
            return refused;
        }

        @Override
        public boolean applyGlobally() {
            return true;
        }

        @Override
        public String getName() {
            return "one-message-per-second";
        }
    }
}
