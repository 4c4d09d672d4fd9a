package io.callhook;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.icegreen.greenmail.util.GreenMail;
import io.callhook.intake.WebhookServer;
import io.callhook.testing.Http;
import io.callhook.testing.Mailbox;
import io.callhook.testing.Samples;
import io.callhook.testing.SmtpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Slack and SMTP failing the ways they do, against the running application: what is retried, what is
 * given up at once, what an operator sees and replays. Retries start at 200 ms here instead of 1 s.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.datasource.url=jdbc:h2:mem:delivery-faults;DB_CLOSE_DELAY=-1",
            "callhook.delivery.retry.first-delay=200ms",
            "callhook.delivery.retry.max-delay=1000ms",
            "callhook.slack.min-interval=50ms",
            "callhook.admin.token=test-admin-token"
        })
class DeliveryFaultsIT {

    static final String ADMIN = "Bearer test-admin-token";
    static final WireMockServer slack =
            new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    static final int SMTP_PORT = SmtpServer.freePort();
    static GreenMail smtp = SmtpServer.start(SMTP_PORT);

    static {
        slack.start();
    }

    @DynamicPropertySource
    static void channels(DynamicPropertyRegistry properties) {
        properties.add("callhook.slack.webhook-url", () -> slack.baseUrl() + "/services/team");
        properties.add("callhook.slack.alerts-webhook-url", () -> slack.baseUrl() + "/services/alerts");
        SmtpServer.configure(properties, () -> SMTP_PORT, "ops@example.com");
    }

    @LocalServerPort
    int port;

    @Autowired
    WebhookServer webhook;

    @Autowired
    JdbcTemplate jdbc;

    Http http;

    @BeforeEach
    void reset() {
        http = new Http(webhook.getPort(), port);
        slack.resetAll();
    }

    @AfterAll
    static void stop() {
        slack.stop();
        smtp.stop();
    }

    @Test
    void slackAnswering500Then500Then200IsSentOnceAfterTwoRetries() {
        slack.stubFor(post(urlPathEqualTo("/services/team"))
                .inScenario("flaky")
                .whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(500).withBody("server_error"))
                .willSetStateTo("second"));
        slack.stubFor(post(urlPathEqualTo("/services/team"))
                .inScenario("flaky")
                .whenScenarioStateIs("second")
                .willReturn(aResponse().withStatus(500).withBody("server_error"))
                .willSetStateTo("up"));
        slack.stubFor(post(urlPathEqualTo("/services/team"))
                .inScenario("flaky")
                .whenScenarioStateIs("up")
                .willReturn(aResponse().withStatus(200).withBody("ok")));
        Samples call = Samples.of("call-ended-unknown-outcome");

        assertThat(http.postJson("/webhook", call.json()).statusCode()).isEqualTo(200);

        awaitStatus(call.id(), "slack", "SENT");
        assertThat(slackPosts("/services/team", call.id())).hasSize(3);
        assertThat(delivery(call.id(), "slack")).containsEntry("attempts", 3);
    }

    @Test
    void slack429IsWaitedOutForItsRetryAfter() {
        slack.stubFor(post(urlPathEqualTo("/services/team"))
                .inScenario("limited")
                .whenScenarioStateIs(STARTED)
                .willReturn(aResponse()
                        .withStatus(429)
                        .withHeader("Retry-After", "2")
                        .withBody("rate_limited"))
                .willSetStateTo("free"));
        slack.stubFor(post(urlPathEqualTo("/services/team"))
                .inScenario("limited")
                .whenScenarioStateIs("free")
                .willReturn(aResponse().withStatus(200).withBody("ok")));
        Samples call = Samples.of("call-ended-unknown-outcome");

        http.postJson("/webhook", call.json());

        awaitStatus(call.id(), "slack", "SENT");
        List<LoggedRequest> posts = slackPosts("/services/team", call.id());
        assertThat(posts).hasSize(2);
        long waitedMillis = posts.get(1).getLoggedDate().getTime()
                - posts.get(0).getLoggedDate().getTime();
        assertThat(waitedMillis).as("the second post waits Slack's Retry-After").isGreaterThanOrEqualTo(2000);
    }

    @Test
    void slack404IsFailedAtOnceWithoutARetryStorm() {
        slack.stubFor(post(urlPathEqualTo("/services/alerts"))
                .willReturn(aResponse().withStatus(404).withBody("no_service")));
        Samples call = Samples.of("call-ended-unsuccessful");

        http.postJson("/webhook", call.json());

        awaitStatus(call.id(), "slack-alerts", "FAILED");
        Map<String, Object> slackDelivery = delivery(call.id(), "slack-alerts");
        assertThat(slackDelivery).containsEntry("attempts", 1);
        assertThat((String) slackDelivery.get("last_error")).isEqualTo("HTTP 404 from slack-alerts: no_service");
        await().during(Duration.ofSeconds(2))
                .atMost(Duration.ofSeconds(3))
                .untilAsserted(() ->
                        assertThat(slackPosts("/services/alerts", call.id())).hasSize(1));
        awaitStatus(call.id(), "email", "SENT"); // one channel failing does not hold the other
    }

    @Test
    void smtpDownThenUpDeliversTheMailOnce() throws Exception {
        slackAnswersOk();
        smtp.stop();
        Samples call = Samples.of("call-ended");

        assertThat(http.postJson("/webhook", call.json()).statusCode()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(
                                (Integer) delivery(call.id(), "email").get("attempts"))
                        .isGreaterThanOrEqualTo(2));
        assertThat(delivery(call.id(), "email")).containsEntry("status", "PENDING");
        smtp = SmtpServer.start(SMTP_PORT);
        awaitStatus(call.id(), "email", "SENT");
        assertThat(new Mailbox(smtp).about(call.id())).hasSize(1);
    }

    @Test
    void failedDeliveryIsReplayedByTheAdminApi() throws Exception {
        slack.stubFor(post(urlPathEqualTo("/services/team"))
                .willReturn(aResponse().withStatus(410).withBody("channel_is_archived")));
        Samples call = Samples.of("call-ended");
        http.postJson("/webhook", call.json());
        awaitStatus(call.id(), "slack", "FAILED");

        HttpResponse<String> failed = admin("GET", "/api/events?status=FAILED&channel=slack&limit=10");
        assertThat(failed.statusCode()).isEqualTo(200);
        assertThat(failed.body()).contains(call.id(), "channel_is_archived");

        assertThat(admin("POST", "/api/events/" + call.id() + "/replay?channel=email")
                        .statusCode())
                .as("email was SENT: nothing of it to replay")
                .isEqualTo(409);
        slackAnswersOk();
        HttpResponse<String> replay = admin("POST", "/api/events/" + call.id() + "/replay?channel=slack");
        assertThat(replay.statusCode()).isEqualTo(202);
        assertThat(Samples.JSON.readTree(replay.body()).get("replayed").toString())
                .isEqualTo("[\"slack\"]");

        awaitStatus(call.id(), "slack", "SENT");
        JsonNode event =
                Samples.JSON.readTree(admin("GET", "/api/events/" + call.id()).body());
        assertThat(event.get("deliveryId").asText()).isEqualTo(call.id());
        assertThat(event.get("deliveries").toString())
                .contains("\"channel\":\"slack\",\"status\":\"SENT\",\"attempts\":2")
                .contains("\"channel\":\"email\",\"status\":\"SENT\",\"attempts\":1");
        assertThat(admin("POST", "/api/events/" + call.id() + "/replay").statusCode())
                .as("nothing FAILED left")
                .isEqualTo(409);
    }

    @Test
    void failedDeliveriesAreCountedThenReplayedInBulkByFilter() throws Exception {
        slack.stubFor(post(urlPathEqualTo("/services/team"))
                .willReturn(aResponse().withStatus(404).withBody("no_service")));
        String since = java.time.Instant.now().minusSeconds(1).toString();
        List<Samples> calls = List.of(
                Samples.of("call-ended-unknown-outcome"),
                Samples.of("call-ended-unknown-outcome"),
                Samples.of("call-ended-unknown-outcome"));
        for (Samples call : calls) {
            assertThat(http.postJson("/webhook", call.json()).statusCode()).isEqualTo(200);
        }
        for (Samples call : calls) {
            awaitStatus(call.id(), "slack", "FAILED");
        }
        String filter = "\"channel\":\"slack\",\"since\":\"" + since + "\"";

        HttpResponse<String> dryRun = adminPost("/api/replays", "{" + filter + ",\"dryRun\":true}");
        assertThat(dryRun.statusCode()).isEqualTo(200);
        JsonNode counted = Samples.JSON.readTree(dryRun.body());
        assertThat(counted.get("deliveries").asInt()).isEqualTo(3);
        assertThat(counted.get("events").asInt()).isEqualTo(3);
        assertThat(counted.get("filter").get("channel").asText()).isEqualTo("slack");
        for (Samples call : calls) {
            assertThat(delivery(call.id(), "slack"))
                    .as("a dry run changes nothing")
                    .containsEntry("status", "FAILED");
        }

        slackAnswersOk();
        HttpResponse<String> started = adminPost("/api/replays", "{" + filter + "}");
        assertThat(started.statusCode()).isEqualTo(202);
        JsonNode replay = Samples.JSON.readTree(started.body());
        assertThat(replay.get("total").asInt()).isEqualTo(3);
        String location = started.headers().firstValue("Location").orElseThrow();
        assertThat(location).isEqualTo("/api/replays/" + replay.get("id").asText());

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode progress = Samples.JSON.readTree(admin("GET", location).body());
            assertThat(progress.get("sent").asInt()).isEqualTo(3);
            assertThat(progress.get("pending").asInt()).isZero();
            assertThat(progress.get("done").asBoolean()).isTrue();
        });
        for (Samples call : calls) {
            assertThat(delivery(call.id(), "slack"))
                    .containsEntry("status", "SENT")
                    .containsEntry("attempts", 2);
            assertThat(slackPosts("/services/team", call.id())).hasSize(2);
        }
        assertThat(adminPost("/api/replays", "{" + filter + "}").statusCode())
                .as("nothing FAILED left to replay")
                .isEqualTo(409);
    }

    @Test
    void bulkReplayRefusesWhatItCannotReadAndWantsTheToken() {
        assertThat(adminPost("/api/replays", "{\"chanel\":\"slack\"}").body()).contains("unknown field");
        assertThat(adminPost("/api/replays", "{\"chanel\":\"slack\"}").statusCode())
                .isEqualTo(400);
        assertThat(adminPost("/api/replays", "{\"within\":\"soon\"}").statusCode())
                .isEqualTo(400);
        assertThat(adminPost("/api/replays", "{\"since\":\"yesterday\"}").statusCode())
                .isEqualTo(400);
        assertThat(adminPost("/api/replays", "{\"channel\":\"slack'; DROP TABLE call_audit; --\"}")
                        .statusCode())
                .isEqualTo(400);
        assertThat(adminPost("/api/replays", "not json").statusCode()).isEqualTo(400);
        assertThat(adminPost("/api/replays", "{\"dryRun\":\"yes\"}").body())
                .as("anything but a JSON boolean is refused, never read as false (a real replay)")
                .contains("dryRun must be true or false");
        assertThat(adminPost("/api/replays", "{\"within\":6}").statusCode()).isEqualTo(400);
        assertThat(adminPost("/api/replays", "[1]").statusCode()).isEqualTo(400);
        assertThat(admin("GET", "/api/replays/no-such-replay").statusCode()).isEqualTo(404);
        assertThat(http.post("/api/replays", "application/json", "{}".getBytes(), Map.of())
                        .statusCode())
                .isEqualTo(401);
    }

    @Test
    void adminApiWantsItsTokenAndAnswersUnknownIdsWith404() throws Exception {
        assertThat(http.get("/api/events").statusCode()).isEqualTo(401);
        assertThat(http.post("/api/events/x/replay", null, new byte[0], Map.of("Authorization", "Bearer wrong"))
                        .statusCode())
                .isEqualTo(401);
        HttpResponse<String> unknown = admin("GET", "/api/events/no-such-delivery");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).isEqualTo("{\"error\":\"no event with delivery id no-such-delivery\"}");
        assertThat(admin("POST", "/api/events/no-such-delivery/replay").statusCode())
                .isEqualTo(404);
        assertThat(admin("GET", "/api/events?limit=0").statusCode()).isEqualTo(400);
        assertThat(admin("GET", "/api/events?status=LOST").statusCode()).isEqualTo(400);
    }

    void slackAnswersOk() {
        slack.stubFor(post(urlPathEqualTo("/services/team"))
                .willReturn(aResponse().withStatus(200).withBody("ok")));
        slack.stubFor(post(urlPathEqualTo("/services/alerts"))
                .willReturn(aResponse().withStatus(200).withBody("ok")));
    }

    HttpResponse<String> admin(String method, String path) {
        return method.equals("GET")
                ? new Http(webhook.getPort(), port).get(path, Map.of("Authorization", ADMIN))
                : http.post(path, null, new byte[0], Map.of("Authorization", ADMIN));
    }

    HttpResponse<String> adminPost(String path, String json) {
        return http.post(
                path,
                "application/json",
                json.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                Map.of("Authorization", ADMIN));
    }

    void awaitStatus(String deliveryId, String channel, String status) {
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(delivery(deliveryId, channel)).containsEntry("status", status));
    }

    Map<String, Object> delivery(String deliveryId, String channel) {
        List<Map<String, Object>> rows = jdbc.queryForList(
                "SELECT status, attempts, last_error FROM call_delivery WHERE delivery_id = ? AND channel = ?",
                deliveryId,
                channel);
        return rows.isEmpty() ? Map.of() : rows.get(0);
    }

    List<LoggedRequest> slackPosts(String path, String deliveryId) {
        return slack.findAll(postRequestedFor(urlPathEqualTo(path))).stream()
                .filter(request -> request.getBodyAsString().contains(deliveryId))
                .toList();
    }
}
