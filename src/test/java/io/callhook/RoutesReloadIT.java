package io.callhook;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.callhook.intake.WebhookServer;
import io.callhook.testing.Http;
import io.callhook.testing.RoutesFolder;
import io.callhook.testing.Samples;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Operations edit a copy of the routes folder while the service runs: good edits take effect within
 * seconds, a broken one is rejected with file, line and reason and the last good routes keep serving.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        // read before the context exists, so a fixed folder rather than a dynamic property; inside target/
        // so that two builds on one machine never edit each other's copy
        properties = "callhook.routes-dir=target/routes-reload-it")
@ExtendWith(OutputCaptureExtension.class)
@DirtiesContext
class RoutesReloadIT {

    static final Path ROUTES =
            RoutesFolder.copyTo(Path.of("target", "routes-reload-it").toAbsolutePath());
    static final Duration WITHIN = Duration.ofSeconds(15);
    static final WireMockServer slack =
            new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));

    static {
        slack.start();
        slack.stubFor(post(urlPathMatching("/(services|pager)/.*"))
                .willReturn(aResponse().withStatus(200).withBody("ok")));
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry properties) {
        properties.add("spring.datasource.url", () -> "jdbc:h2:mem:routes-reload;DB_CLOSE_DELAY=-1");
        properties.add("callhook.routes.reload-interval", () -> "500ms");
        properties.add("callhook.webhook.request-timeout", () -> "1s");
        properties.add("callhook.slack.webhook-url", () -> slack.baseUrl() + "/services/team");
        properties.add("callhook.slack.alerts-webhook-url", () -> slack.baseUrl() + "/services/alerts");
        properties.add("callhook.slack.min-interval", () -> "10ms");
    }

    @LocalServerPort
    int port;

    @Autowired
    WebhookServer webhook;

    @AfterAll
    static void stop() {
        slack.stop();
    }

    @Test
    void aRoutingTableEditTakesEffectWithoutARestart() throws IOException {
        Http http = new Http(webhook.getPort(), port);
        assertThat(slackText(http)).startsWith("Call with +1234567890 ended, outcome unknown");

        edit("call-routing.camel.yaml", "constant: slack,forward", "constant: slack-alerts,forward");

        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(postedTo(http)).isEqualTo("/services/alerts"));
        edit("call-routing.camel.yaml", "constant: slack-alerts,forward", "constant: slack,forward");
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(postedTo(http)).isEqualTo("/services/team"));
    }

    /**
     * A destination added by a file of its own, named by the routing table, is sent to without a restart; an
     * edit that would leave the table naming a destination no file declares is rejected; removing both
     * together is applied.
     */
    @Test
    void aDestinationFileAddedChangedAndRemovedIsAppliedLive(CapturedOutput output) throws IOException {
        Http http = new Http(webhook.getPort(), port);
        Files.writeString(ROUTES.resolve("pager.camel.yaml"), """
                # a call chosen for the pager → its event POSTed as received
                - templatedRoute:
                    routeTemplateRef: channel
                    parameters:
                      - name: channel
                        value: pager
                      - name: format
                        value: payload
                      - name: url
                        value: "%s/pager/v1"
                """.formatted(slack.baseUrl()));
        edit("call-routing.camel.yaml", "constant: slack,forward", "constant: slack,pager");

        await().atMost(WITHIN)
                .untilAsserted(() -> assertThat(pagerPosts(http, "/pager/v1")).isTrue());

        edit("pager.camel.yaml", "/pager/v1", "/pager/v2");
        await().atMost(WITHIN)
                .untilAsserted(() -> assertThat(pagerPosts(http, "/pager/v2")).isTrue());

        Files.delete(ROUTES.resolve("pager.camel.yaml"));
        await().atMost(WITHIN)
                .untilAsserted(() -> assertThat(output.getOut())
                        .containsPattern("Rejected route edit: .*call-routing.camel.yaml:\\d+: channels names 'pager',"
                                + " which no destination declares"));
        assertThat(pagerPosts(http, "/pager/v2"))
                .as("the last good routes still send")
                .isTrue();

        edit("call-routing.camel.yaml", "constant: slack,pager", "constant: slack,forward");
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(postedTo(http)).isEqualTo("/services/team"));
    }

    @Test
    void aTemplateEditTakesEffectAtTheNextMessage() throws IOException {
        Http http = new Http(webhook.getPort(), port);
        edit("templates/slack-unknown.json.ftl", "ended, outcome unknown\",", "ended, outcome not reported\",");

        assertThat(slackText(http)).isEqualTo("Call with +1234567890 ended, outcome not reported");

        edit("templates/slack-unknown.json.ftl", "ended, outcome not reported\",", "ended, outcome unknown\",");
    }

    @Test
    void aBrokenEditIsRejectedAndTheLastGoodRoutesKeepServing(CapturedOutput output) throws IOException {
        Http http = new Http(webhook.getPort(), port);
        String good = Files.readString(ROUTES.resolve("slack.camel.yaml"));
        edit("slack.camel.yaml", "      - name: format\n", "      - name: formatt\n");

        await().atMost(WITHIN)
                .untilAsserted(() -> assertThat(output.getOut())
                        .containsPattern("Rejected route edit: .*slack.camel.yaml:\\d+: unknown parameter 'formatt'")
                        .contains("the running routes are unchanged"));
        assertThat(slackText(http))
                .as("still sending with the last good routes")
                .contains("outcome");

        Files.writeString(
                ROUTES.resolve("slack.camel.yaml"),
                good.replace(
                        "      - name: format\n",
                        "      - name: uri\n        value: nosuchcomponent:post\n      - name: format\n"));
        await().atMost(WITHIN)
                .untilAsserted(() -> assertThat(output.getOut())
                        .containsPattern(
                                "Rejected route edit: .*slack.camel.yaml:\\d+: no Camel component 'nosuchcomponent'"));
        assertThat(slackText(http)).contains("outcome");

        Files.writeString(ROUTES.resolve("slack.camel.yaml"), good);
    }

    @Test
    void aNewRouteFileIsServedLiveAndADeletedOneStops() throws IOException {
        Http http = new Http(webhook.getPort(), port);
        Path ping = ROUTES.resolve("ping.camel.yaml");
        Files.writeString(ping, """
                # GET /ping → pong (a route added while the service runs)
                - route:
                    id: ping
                    from:
                      uri: platform-http:/ping
                      parameters:
                        httpMethodRestrict: GET
                      steps:
                        - setBody:
                            expression:
                              constant: pong
                """);

        await().atMost(WITHIN)
                .untilAsserted(() -> assertThat(http.get("/ping").body()).isEqualTo("pong"));

        Files.delete(ping);

        await().atMost(WITHIN)
                .untilAsserted(() -> assertThat(http.get("/ping").statusCode()).isEqualTo(404));
        assertThat(http.postJson("/webhook", Samples.of("appointment-created").json())
                        .statusCode())
                .isEqualTo(200);
    }

    /** An endpoint of the routes that does not answer in time is answered 503, which the platform retries. */
    @Test
    void aRequestNotAnsweredInTimeGets503() throws IOException {
        Http http = new Http(webhook.getPort(), port);
        Path slow = ROUTES.resolve("slow.camel.yaml");
        Files.writeString(slow, """
                # GET /slow → an answer after 3 s, later than this test's request timeout (1 s)
                - route:
                    id: slow
                    from:
                      uri: platform-http:/slow
                      steps:
                        - delay:
                            expression:
                              constant: 3000
                        - setBody:
                            expression:
                              constant: late
                """);
        try {
            await().atMost(WITHIN)
                    .untilAsserted(
                            () -> assertThat(http.get("/slow").statusCode()).isNotEqualTo(404));

            long start = System.nanoTime();
            HttpResponse<String> answer = http.get("/slow");

            assertThat(answer.statusCode()).isEqualTo(503);
            assertThat(answer.body()).isEqualTo("{\"error\":\"request timed out, retry later\"}");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2500));
        } finally {
            Files.delete(slow);
        }
    }

    /**
     * The engine's routes are in the jar, not in routes/: a file that takes one of their ids (the intake's) is
     * rejected, saying so, and intake goes on as it was.
     */
    @Test
    void aFileThatWouldReplaceAnEngineRouteIsRejectedAndIntakeGoesOn(CapturedOutput output) throws IOException {
        Http http = new Http(webhook.getPort(), port);
        Path mine = ROUTES.resolve("mine.camel.yaml");
        Files.writeString(mine, RoutesFolder.REUSING_AN_ENGINE_ROUTE_ID);
        try {
            await().atMost(WITHIN)
                    .untilAsserted(() -> assertThat(output.getOut())
                            .containsPattern("Rejected route edit: .*mine.camel.yaml:\\d+: route id 'webhook-intake' is"
                                    + " the engine's own"));
            assertThat(http.postJson(
                                    "/webhook",
                                    Samples.of("appointment-created").json())
                            .statusCode())
                    .isEqualTo(200);
            assertThat(slackText(http)).contains("outcome");
        } finally {
            Files.delete(mine);
        }
    }

    /** Posts a call with no outcome (a Slack-only route) and returns the text Slack receives for it. */
    static String slackText(Http http) throws IOException {
        Samples call = Samples.of("call-ended-unknown-outcome");
        assertThat(http.postJson("/webhook", call.json()).statusCode()).isEqualTo(200);
        await().atMost(WITHIN).until(() -> !posts(call.id()).isEmpty());
        return Samples.JSON.readTree(posts(call.id()).get(0)).get("text").asText();
    }

    /**
     * Posts a call with no outcome and returns the path of the Slack webhook it reached within a few
     * seconds (a call routed by the old table goes where the old table said): the caller then asks again with
     * a new call.
     */
    static String postedTo(Http http) {
        Samples call = Samples.of("call-ended-unknown-outcome");
        assertThat(http.postJson("/webhook", call.json()).statusCode()).isEqualTo(200);
        if (!arrives(() -> slack.getAllServeEvents().stream()
                .anyMatch(e -> e.getRequest().getBodyAsString().contains(call.id())))) {
            return "(not sent within 5 s)";
        }
        return slack.getAllServeEvents().stream()
                .filter(e -> e.getRequest().getBodyAsString().contains(call.id()))
                .findFirst()
                .orElseThrow()
                .getRequest()
                .getUrl();
    }

    /** Whether a call with no outcome, posted now, reaches the pager at this path, as received. */
    static boolean pagerPosts(Http http, String path) {
        Samples call = Samples.of("call-ended-unknown-outcome");
        assertThat(http.postJson("/webhook", call.json()).statusCode()).isEqualTo(200);
        return arrives(() -> !slack.findAll(postRequestedFor(urlPathEqualTo(path))
                                .withHeader("Idempotency-Key", equalTo(call.id())))
                        .isEmpty())
                && slack.findAll(postRequestedFor(urlPathEqualTo(path))).stream()
                        .anyMatch(r -> r.getBodyAsString().equals(call.json()));
    }

    /** Whether the condition holds within 5 s. */
    static boolean arrives(Callable<Boolean> condition) {
        try {
            await().atMost(Duration.ofSeconds(5)).until(condition);
            return true;
        } catch (ConditionTimeoutException notYet) {
            return false;
        }
    }

    static List<String> posts(String id) {
        return slack.findAll(postRequestedFor(urlPathEqualTo("/services/team"))).stream()
                .map(r -> r.getBodyAsString())
                .filter(body -> body.contains(id))
                .toList();
    }

    static void edit(String file, String from, String to) {
        RoutesFolder.edit(ROUTES.resolve(file), from, to);
    }
}
