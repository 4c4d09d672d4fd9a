package io.callhook;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.callhook.testing.Http;
import io.callhook.testing.JarProcess;
import io.callhook.testing.RoutesFolder;
import io.callhook.testing.Samples;
import io.callhook.testing.SlackRules;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A destination added the way an operator adds one: a YAML file and a template in the routes folder of the
 * built jar, named by a branch of the routing table, with no Java and no rebuild. It has the guarantees of
 * the built-in ones: sent with its token and an Idempotency-Key, retried on 503 and on 429 after the
 * Retry-After, FAILED at once on 404, replayed through the admin API, paced to its declared rate, counted
 * by channel, SKIPPED with the reason while its URL is unset, its secrets in no log line or API answer.
 * The shipped Teams and second-Slack examples, turned on, post their documented bodies.
 */
class DestinationIT {

    static final String TOKEN = "pager-bearer-token-0451";
    static final String SECRET_PATH = "/hooks/pager-s3cr3t-path-9f2c";
    static final String ADMIN = "destination-admin-token";

    /** The new destination: 15 lines of YAML, as README's "Add a destination" shows. */
    static final String PAGER = """
            # a call chosen for the pager → its JSON record POSTed with a bearer token, two a second at most
            - templatedRoute:
                routeTemplateRef: channel
                routeId: pager
                parameters:
                  - name: channel
                    value: pager
                  - name: url
                    value: "{{env:PAGER_URL:}}"
                  - name: token
                    value: "{{env:PAGER_TOKEN:}}"
                  - name: template
                    value: pager.json.ftl
                  - name: pace
                    value: 2/1s
            """;

    static final String PAGER_OFF = """
            # the same kind of destination, its URL not set: its deliveries are SKIPPED, saying so
            - templatedRoute:
                routeTemplateRef: channel
                routeId: pager-off
                parameters:
                  - name: channel
                    value: pager-off
                  - name: url
                    value: "{{env:PAGER_OFF_URL:}}"
                  - name: requires
                    value: PAGER_OFF_URL
                  - name: template
                    value: pager.json.ftl
            """;

    /** The README's branch for negative sentiment: the shipped escalations and Teams destinations. */
    static final String NEGATIVE_BRANCH = """
                          - id: call-negative-sentiment
                            expression:
                              simple: "${variable.event} == 'call.ended' && ${body[data][sentiment]} == 'negative'"
                            steps:
                              - setVariable:
                                  name: channels
                                  expression:
                                    constant: slack-escalations,teams,crm
                          - id: call-successful
            """;

    // one service for the whole class: stubs and the request journal are kept between tests
    @RegisterExtension
    static final WireMockExtension target = WireMockExtension.newInstance()
            .options(options().dynamicPort().bindAddress("127.0.0.1"))
            .resetOnEachTest(false)
            .build();

    @RegisterExtension
    static final WireMockExtension slack = WireMockExtension.newInstance()
            .options(options().dynamicPort().bindAddress("127.0.0.1").extensions(new SlackRules()))
            .resetOnEachTest(false)
            .build();

    @TempDir
    static Path workDir;

    static JarProcess callhook;
    static Http http;

    @BeforeAll
    static void start() throws Exception {
        target.stubFor(post(urlPathEqualTo(SECRET_PATH)).willReturn(aResponse().withStatus(200)));
        target.stubFor(
                post(urlPathEqualTo("/workflows/teams")).willReturn(aResponse().withStatus(202)));
        target.stubFor(post(urlPathEqualTo("/crm/calls")).willReturn(aResponse().withStatus(201)));
        slack.stubFor(post(urlPathEqualTo("/services/escalations"))
                .willReturn(aResponse().withStatus(200).withBody("ok")));

        Path routes = RoutesFolder.copyTo(workDir.resolve("routes"));
        Files.writeString(routes.resolve("pager.camel.yaml"), PAGER);
        Files.writeString(routes.resolve("pager-off.camel.yaml"), PAGER_OFF);
        Files.writeString(routes.resolve("templates/pager.json.ftl"), """
                { "call": "${body.callId}", "customer": "${body.customerName}", "outcome": "${body.outcome}" }
                """);
        Path table = routes.resolve("call-routing.camel.yaml");
        RoutesFolder.edit(table, "constant: slack,email,forward", "constant: pager,pager-off");
        RoutesFolder.edit(table, "constant: slack-alerts,email,forward", "constant: pager");
        RoutesFolder.edit(table, "              - id: call-successful\n", NEGATIVE_BRANCH);

        callhook = new JarProcess(
                        workDir,
                        Map.of(
                                "PAGER_URL",
                                target.baseUrl() + SECRET_PATH,
                                "PAGER_TOKEN",
                                TOKEN,
                                "TEAMS_WEBHOOK_URL",
                                target.baseUrl() + "/workflows/teams",
                                "SLACK_ESCALATIONS_URL",
                                slack.baseUrl() + "/services/escalations",
                                "CRM_URL",
                                target.baseUrl() + "/crm/calls",
                                "CRM_TOKEN",
                                "crm-token-7781",
                                "CALLHOOK_ADMIN_TOKEN",
                                ADMIN,
                                "CALLHOOK_DELIVERY_RETRY_FIRST_DELAY",
                                "200ms"))
                .start();
        http = callhook.http();
    }

    @AfterAll
    static void stop() {
        if (callhook != null) {
            callhook.close();
        }
    }

    @Test
    void aCallIsSentWithItsTemplateTokenAndIdempotencyKeyAndTheOffOneIsSkippedSayingWhy() throws Exception {
        Samples call = call("sent");

        assertThat(http.postJson("/webhook", call.json()).statusCode()).isEqualTo(200);

        awaitDelivery(call.id(), "pager", "SENT");
        LoggedRequest request = requestsFor("sent").get(0);
        assertThat(request.getHeader("Authorization")).isEqualTo("Bearer " + TOKEN);
        assertThat(request.getHeader("Idempotency-Key")).isEqualTo(call.id());
        assertThat(request.getHeader("Content-Type")).startsWith("application/json");
        JsonNode body = Samples.JSON.readTree(request.getBodyAsString());
        assertThat(body.path("customer").asText()).isEqualTo("John Doe");
        assertThat(body.path("outcome").asText()).isEqualTo("successful");

        Map<String, Object> skipped = delivery(call.id(), "pager-off");
        assertThat(skipped).containsEntry("status", "SKIPPED");
        assertThat(skipped.get("lastError").toString()).isEqualTo("pager-off is off: PAGER_OFF_URL is not set");
        Map<String, Object> notChosen = delivery(call.id(), "teams");
        assertThat(notChosen).containsEntry("status", "SKIPPED").containsEntry("lastError", "not chosen by the routes");
    }

    @Test
    void a503AndA429AreRetriedTheLatterAfterItsRetryAfter() {
        stubFirstThenOk("busy", aResponse().withStatus(503));
        stubFirstThenOk("limited", aResponse().withStatus(429).withHeader("Retry-After", "2"));
        Samples busy = call("busy");
        Samples limited = call("limited");

        http.postJson("/webhook", busy.json());
        http.postJson("/webhook", limited.json());

        awaitDelivery(busy.id(), "pager", "SENT");
        awaitDelivery(limited.id(), "pager", "SENT");
        assertThat(delivery(busy.id(), "pager")).containsEntry("attempts", 2);
        assertThat(delivery(limited.id(), "pager")).containsEntry("attempts", 2);
        List<LoggedRequest> tries = requestsFor("limited");
        assertThat(tries).hasSize(2);
        assertThat(Duration.between(
                        tries.get(0).getLoggedDate().toInstant(),
                        tries.get(1).getLoggedDate().toInstant()))
                .as("the second try waits out Retry-After: 2")
                .isGreaterThanOrEqualTo(Duration.ofMillis(1900));
    }

    @Test
    void a404IsFailedWithoutRetryingThenReplayedThroughTheAdminApi() {
        StubMapping revoked = target.stubFor(post(urlPathEqualTo(SECRET_PATH))
                .withRequestBody(matchingJsonPath("$.call", equalTo("call-revoked")))
                .willReturn(aResponse().withStatus(404).withBody("no_service")));
        Samples call = call("revoked");

        http.postJson("/webhook", call.json());

        awaitDelivery(call.id(), "pager", "FAILED");
        Map<String, Object> failed = delivery(call.id(), "pager");
        assertThat(failed).containsEntry("attempts", 1);
        assertThat(failed.get("lastError").toString()).isEqualTo("HTTP 404 from pager: no_service");
        await().during(Duration.ofSeconds(1))
                .atMost(Duration.ofSeconds(3))
                .untilAsserted(() -> assertThat(requestsFor("revoked")).hasSize(1));

        target.removeStub(revoked);
        HttpResponse<String> replay = http.post(
                "/api/events/" + call.id() + "/replay", null, new byte[0], Map.of("Authorization", "Bearer " + ADMIN));

        assertThat(replay.statusCode()).as(replay.body()).isEqualTo(202);
        assertThat(replay.body()).contains("pager");
        awaitDelivery(call.id(), "pager", "SENT");
        assertThat(requestsFor("revoked")).hasSize(2);
    }

    @Test
    void sendsArePacedToTheDeclaredRate() {
        // the first send opens the connection: timed from the sends after it, as they arrive
        Samples first = call("pace-0");
        http.postJson("/webhook", first.json());
        awaitDelivery(first.id(), "pager", "SENT");
        List<String> names = List.of("pace-1", "pace-2", "pace-3", "pace-4", "pace-5");
        List<Samples> calls = names.stream().map(DestinationIT::call).toList();

        calls.forEach(call ->
                assertThat(http.postJson("/webhook", call.json()).statusCode()).isEqualTo(200));

        calls.forEach(call -> awaitDelivery(call.id(), "pager", "SENT"));
        List<Instant> times = names.stream()
                .map(name -> requestsFor(name).get(0).getLoggedDate().toInstant())
                .sorted(Comparator.naturalOrder())
                .toList();
        // 2/1s with bursts of one: five sends take at least four half-seconds
        assertThat(Duration.between(times.get(0), times.get(4))).isGreaterThanOrEqualTo(Duration.ofMillis(1900));
        for (int i = 1; i < times.size(); i++) {
            assertThat(Duration.between(times.get(i - 1), times.get(i))).isGreaterThanOrEqualTo(Duration.ofMillis(400));
        }
    }

    @Test
    void theShippedTeamsEscalationsAndCrmExamplesPostTheirDocumentedBodies() throws Exception {
        Samples call = Samples.of("call-ended")
                .data(data -> data.put("callId", "call-negative").put("sentiment", "negative"));

        http.postJson("/webhook", call.json());

        awaitDelivery(call.id(), "teams", "SENT");
        awaitDelivery(call.id(), "slack-escalations", "SENT");
        awaitDelivery(call.id(), "crm", "SENT");
        JsonNode teams = Samples.JSON.readTree(target.findAll(postRequestedFor(urlPathEqualTo("/workflows/teams")))
                .get(0)
                .getBodyAsString());
        assertThat(teams.path("type").asText()).isEqualTo("message");
        JsonNode card = teams.path("attachments").get(0);
        assertThat(card.path("contentType").asText()).isEqualTo("application/vnd.microsoft.card.adaptive");
        assertThat(card.path("content").path("type").asText()).isEqualTo("AdaptiveCard");
        assertThat(card.path("content").path("body").get(0).path("text").asText())
                .isEqualTo("Successful call with John Doe");
        JsonNode escalation =
                Samples.JSON.readTree(slack.findAll(postRequestedFor(urlPathEqualTo("/services/escalations")))
                        .get(0)
                        .getBodyAsString());
        assertThat(escalation.path("text").asText()).isEqualTo("Escalation: negative call with John Doe");
        assertThat(escalation.path("blocks").size()).isEqualTo(4);
        LoggedRequest crm =
                target.findAll(postRequestedFor(urlPathEqualTo("/crm/calls"))).get(0);
        assertThat(crm.getHeader("Authorization")).isEqualTo("Bearer crm-token-7781");
        assertThat(crm.getHeader("Idempotency-Key")).isEqualTo(call.id());
        assertThat(crm.getHeader("X-Source")).isEqualTo("callhook");
        JsonNode record = Samples.JSON.readTree(crm.getBodyAsString());
        assertThat(record.path("customer").path("name").asText()).isEqualTo("John Doe");
        assertThat(record.path("sentiment").asText()).isEqualTo("negative");
        assertThat(record.path("callId").asText()).isEqualTo("call-negative");
        assertThat(delivery(call.id(), "pager")).containsEntry("status", "SKIPPED");
    }

    @Test
    void countedByChannelAndStatusAndItsSecretsAreInNoLogLineNorApiAnswer() {
        Samples call = call("counted");
        http.postJson("/webhook", call.json());
        awaitDelivery(call.id(), "pager", "SENT");

        String metrics = http.get("/actuator/prometheus", Map.of("Authorization", "Bearer " + ADMIN))
                .body();
        assertThat(metrics)
                .containsPattern("callhook_deliveries_total\\{channel=\"pager\",status=\"SENT\"} [1-9]")
                .containsPattern("callhook_deliveries_total\\{channel=\"pager-off\",status=\"SKIPPED\"} [1-9]");
        String events = http.get("/api/events?channel=pager", Map.of("Authorization", "Bearer " + ADMIN))
                .body();
        assertThat(events).contains(call.id());
        for (String text : List.of(events, metrics, callhook.log())) {
            assertThat(text).doesNotContain(TOKEN).doesNotContain("s3cr3t");
        }
    }

    static Samples call(String name) {
        return Samples.of("call-ended").data(data -> data.put("callId", "call-" + name));
    }

    static void stubFirstThenOk(String name, ResponseDefinitionBuilder first) {
        var body = matchingJsonPath("$.call", equalTo("call-" + name));
        target.stubFor(post(urlPathEqualTo(SECRET_PATH))
                .withRequestBody(body)
                .inScenario(name)
                .whenScenarioStateIs(STARTED)
                .willReturn(first)
                .willSetStateTo("ok"));
        target.stubFor(post(urlPathEqualTo(SECRET_PATH))
                .withRequestBody(body)
                .inScenario(name)
                .whenScenarioStateIs("ok")
                .willReturn(aResponse().withStatus(200)));
    }

    static List<LoggedRequest> requestsFor(String name) {
        return target.findAll(postRequestedFor(urlPathEqualTo(SECRET_PATH))
                .withRequestBody(matchingJsonPath("$.call", equalTo("call-" + name))));
    }

    /** The channel's state in the events API, as an operator reads it. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> delivery(String deliveryId, String channel) {
        HttpResponse<String> answer = http.get("/api/events/" + deliveryId, Map.of("Authorization", "Bearer " + ADMIN));
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        try {
            Map<String, Object> event = Samples.JSON.readValue(answer.body(), Map.class);
            return ((List<Map<String, Object>>) event.get("deliveries"))
                    .stream()
                            .filter(d -> channel.equals(d.get("channel")))
                            .findFirst()
                            .orElse(Map.of());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void awaitDelivery(String deliveryId, String channel, String status) {
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(delivery(deliveryId, channel)).containsEntry("status", status));
    }
}
