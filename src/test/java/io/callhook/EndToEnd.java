package io.callhook;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import jakarta.mail.Message.RecipientType;
import jakarta.mail.internet.MimeMessage;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.callhook.intake.WebhookServer;
import io.callhook.testing.Http;
import io.callhook.testing.Mailbox;
import io.callhook.testing.Samples;
import io.callhook.testing.SlackRules;
import io.callhook.testing.SmtpServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
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
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The whole path over real HTTP: the running application, Slack's side stubbed by WireMock, a real SMTP
 * server (GreenMail) and a real database, which each subclass chooses.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ExtendWith(OutputCaptureExtension.class)
abstract class EndToEnd {

    static final WireMockServer slack =
            new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").extensions(new SlackRules()));
    static final GreenMail smtp = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
    static final Duration DEADLINE = Duration.ofSeconds(15);

    static {
        slack.start();
        smtp.start();
    }

    @DynamicPropertySource
    static void channels(DynamicPropertyRegistry properties) {
        properties.add("callhook.slack.webhook-url", () -> slack.baseUrl() + "/services/team");
        properties.add("callhook.slack.alerts-webhook-url", () -> slack.baseUrl() + "/services/alerts");
        SmtpServer.configure(properties, () -> smtp.getSmtp().getPort(), "ops@example.com, sales@example.com");
    }

    @LocalServerPort
    int port;

    @Autowired
    WebhookServer webhook;

    @Autowired
    JdbcTemplate jdbc;

    Http http;
    Mailbox mailbox = new Mailbox(smtp);

    @BeforeEach
    void slackAnswersOk() {
        http = new Http(webhook.getPort(), port);
        slack.stubFor(post(urlPathMatching("/services/.*"))
                .willReturn(aResponse().withStatus(200).withBody("ok")));
    }

    @Test
    void successfulCallIsAuditedPostedToTheTeamAndMailed() throws Exception {
        Samples call = Samples.of("call-ended");

        HttpResponse<String> answer = http.postJson("/webhook", call.json());

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("{\"received\":true}");
        awaitDeliveries(call.id(), SUCCESSFUL);

        List<LoggedRequest> posts = slackPosts("/services/team", call.id());
        assertThat(posts).hasSize(1);
        JsonNode message = Samples.JSON.readTree(posts.get(0).getBodyAsString());
        assertThat(message.get("text").asText()).isEqualTo("Successful call with John Doe");
        String blocks = message.get("blocks").toString();
        assertThat(blocks)
                .contains(
                        "John Doe",
                        "Sales Agent",
                        "Outbound",
                        "4m 0s",
                        "positive",
                        "Discussed enterprise pricing. Customer interested in annual plan.");
        assertThat(slackPosts("/services/alerts", call.id())).isEmpty();

        List<MimeMessage> mails = mailbox.about(call.id());
        assertThat(mails).hasSize(2); // one message, one copy per recipient
        assertThat(mails.stream().map(m -> Mailbox.header(m, "Message-ID")).distinct())
                .hasSize(1);
        MimeMessage mail = mails.get(0);
        assertThat(mail.getSubject()).contains("Successful", "John Doe", "Sales Agent");
        assertThat(mail.getRecipients(RecipientType.TO))
                .extracting(Object::toString)
                .containsExactly("ops@example.com", "sales@example.com");
        assertThat(mail.getFrom()).extracting(Object::toString).containsExactly("callhook@example.com");
        assertThat(Mailbox.text(mail)).contains("John Doe", "Sales Agent", "4m 0s", "Discussed enterprise pricing");
        assertThat(Mailbox.html(mail)).contains("<h2>Successful call with John Doe</h2>", "4m 0s");
        assertThat(Mailbox.text(mail)).doesNotContain("Agent: Hello John"); // no transcript by default

        Map<String, Object> row = auditRow(call.id());
        assertThat(row)
                .containsEntry("event", "call.ended")
                .containsEntry("call_id", "clx-call-001")
                .containsEntry("organization_id", "clx-org-001")
                .containsEntry("agent_id", "clx-agent-001")
                .containsEntry("agent_name", "Sales Agent")
                .containsEntry("customer_name", "John Doe")
                .containsEntry("customer_phone", "+1234567890")
                .containsEntry("from_number", "+0987654321")
                .containsEntry("direction", "OUTBOUND")
                .containsEntry("status", "completed")
                .containsEntry("duration_seconds", 240)
                .containsEntry("disconnection_reason", "agent_hangup")
                .containsEntry("sentiment", "positive")
                .containsEntry("summary", "Discussed enterprise pricing. Customer interested in annual plan.")
                .containsEntry("transcript", "Agent: Hello John, this is...\nJohn: Hi, yes I was...")
                .containsEntry("call_successful", true)
                .containsEntry("payload", call.json());
        assertThat((BigDecimal) row.get("token_cost")).isEqualByComparingTo("12.50");
        assertThat(row.get("started_at"))
                .isEqualTo(OffsetDateTime.parse("2026-04-05T14:00:00Z").toInstant());
        assertThat(row.get("ended_at"))
                .isEqualTo(OffsetDateTime.parse("2026-04-05T14:04:00Z").toInstant());
        assertThat(row.get("occurred_at"))
                .isEqualTo(OffsetDateTime.parse("2026-04-05T14:04:00Z").toInstant());
        assertThat(Samples.JSON.readTree((String) row.get("metadata")))
                .isEqualTo(Samples.JSON.readTree("{\"campaign_id\":\"summer_2026\"}"));
    }

    /**
     * Payload text cannot break the Slack message: 2,500 ampersands (12,500 characters once escaped) stay
     * within Block Kit's limits, which the stub enforces as Slack does, and a name with line breaks stays on
     * its line instead of forging the template's "*Agent*" line.
     */
    @Test
    void hostileTextIsSentWithinSlacksLimitsAndOnItsOwnLines() throws Exception {
        Samples call = Samples.of("call-ended").data(data -> {
            data.put("summary", "&".repeat(2_500));
            data.put("customerName", "Eve\n*Agent*\nMallory");
        });

        assertThat(http.postJson("/webhook", call.json()).statusCode()).isEqualTo(200);

        awaitDeliveries(call.id(), SUCCESSFUL);
        JsonNode message = Samples.JSON.readTree(
                slackPosts("/services/team", call.id()).get(0).getBodyAsString());
        String summary = message.at("/blocks/2/text/text").asText();
        assertThat(summary).startsWith("*Summary*\n&amp;&amp;").endsWith("…").hasSizeLessThanOrEqualTo(3_000);
        assertThat(message.at("/blocks/1/fields/0/text").asText())
                .isEqualTo("*Customer*\nEve *Agent* Mallory (+1234567890)");
        assertThat(message.get("text").asText()).isEqualTo("Successful call with Eve *Agent* Mallory");
    }

    @Test
    void unsuccessfulCallAlertsTheAlertsWebhookAndIsMailed() throws Exception {
        Samples call = Samples.of("call-ended-unsuccessful");

        assertThat(http.postJson("/webhook", call.json()).statusCode()).isEqualTo(200);

        awaitDeliveries(
                call.id(), Map.of("slack", "SKIPPED", "slack-alerts", "SENT", "email", "SENT", "forward", "SKIPPED"));
        List<LoggedRequest> alerts = slackPosts("/services/alerts", call.id());
        assertThat(alerts).hasSize(1);
        JsonNode message = Samples.JSON.readTree(alerts.get(0).getBodyAsString());
        assertThat(message.get("text").asText()).contains("Jane Roe", "Customer hung up");
        assertThat(message.get("blocks").toString())
                .contains("Unsuccessful call with Jane Roe", "Customer hung up", "0m 35s", "negative");
        assertThat(slackPosts("/services/team", call.id())).isEmpty();
        assertThat(mailbox.about(call.id()))
                .first()
                .satisfies(mail -> assertThat(mail.getSubject()).contains("Unsuccessful", "Jane Roe", "Sales Agent"));
    }

    @Test
    void callWithUnknownOutcomeGoesToTheTeamWithoutEmail() throws Exception {
        Samples call = Samples.of("call-ended-unknown-outcome");

        assertThat(http.postJson("/webhook", call.json()).statusCode()).isEqualTo(200);

        awaitDeliveries(
                call.id(),
                Map.of("slack", "SENT", "slack-alerts", "SKIPPED", "email", "SKIPPED", "forward", "SKIPPED"));
        List<LoggedRequest> posts = slackPosts("/services/team", call.id());
        assertThat(posts).hasSize(1);
        assertThat(Samples.JSON
                        .readTree(posts.get(0).getBodyAsString())
                        .get("text")
                        .asText())
                .isEqualTo("Call with +1234567890 ended, outcome unknown");
        assertThat(mailbox.about(call.id())).isEmpty();
    }

    @Test
    void unroutedEventIsAuditedOnlyAndStillAcknowledged() {
        Samples appointment = Samples.of("appointment-created");

        HttpResponse<String> answer = http.postJson("/webhook", appointment.json());

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("{\"received\":true}");
        awaitDeliveries(appointment.id(), NOT_ROUTED);
        assertThat(auditRow(appointment.id()))
                .containsEntry("event", "appointment.created")
                .containsEntry("organization_id", "clx-org-001")
                .containsEntry("payload", appointment.json());
        assertThat(slackPosts("/services/team", appointment.id())).isEmpty();
        assertThat(mailbox.about(appointment.id())).isEmpty();
    }

    @Test
    void duplicateDeliveryIsAcknowledgedButNotResent() {
        Samples call = Samples.of("call-ended");

        HttpResponse<String> first = http.postJson("/webhook", call.json());
        awaitDeliveries(call.id(), SUCCESSFUL);
        HttpResponse<String> repeat = http.postJson("/webhook", call.json());

        assertThat(first.body()).isEqualTo("{\"received\":true}");
        assertThat(repeat.statusCode()).isEqualTo(200);
        assertThat(repeat.body()).isEqualTo("{\"received\":true,\"duplicate\":true}");
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM call_audit WHERE delivery_id = ?", Integer.class, call.id()))
                .isEqualTo(1);
        // a repeat that caused work would show up within the time the first one took
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(slackPosts("/services/team", call.id())).hasSize(1);
            assertThat(mailbox.about(call.id())).hasSize(2);
        });
    }

    /**
     * Many deliveries at once share group commits (several rows per statement on PostgreSQL): each is stored
     * once with its own values, and of two copies of one delivery sent at the same moment exactly one is
     * processed and the other acknowledged as a duplicate.
     */
    @Test
    void aBurstOfConcurrentDeliveriesIsStoredOnceEachWithTwinsAnsweredAsDuplicates() throws Exception {
        int deliveries = 60;
        List<Samples> events = Stream.generate(() -> Samples.of("appointment-created"))
                .limit(deliveries)
                .toList();
        for (int i = 0; i < deliveries; i++) {
            int n = i;
            events.get(i).data(data -> data.put("organizationId", "burst-org-" + n));
        }
        List<Samples> sent = Stream.concat(events.stream(), events.stream()).toList();
        ExecutorService senders = Executors.newFixedThreadPool(24);
        try {
            List<Future<HttpResponse<String>>> answers = senders.invokeAll(sent.stream()
                    .map(event -> (Callable<HttpResponse<String>>) () -> http.postJson("/webhook", event.json()))
                    .toList());
            Map<String, List<String>> bodiesById = new java.util.HashMap<>();
            for (int i = 0; i < sent.size(); i++) {
                HttpResponse<String> answer = answers.get(i).get(30, TimeUnit.SECONDS);
                assertThat(answer.statusCode()).isEqualTo(200);
                bodiesById
                        .computeIfAbsent(sent.get(i).id(), id -> new ArrayList<>())
                        .add(answer.body());
            }
            assertThat(bodiesById)
                    .hasSize(deliveries)
                    .allSatisfy((id, bodies) -> assertThat(bodies)
                            .containsExactlyInAnyOrder(
                                    "{\"received\":true}", "{\"received\":true,\"duplicate\":true}"));
        } finally {
            senders.shutdownNow();
        }
        for (int i = 0; i < deliveries; i++) {
            assertThat(jdbc.queryForObject(
                            "SELECT organization_id FROM call_audit WHERE delivery_id = ?",
                            String.class,
                            events.get(i).id()))
                    .isEqualTo("burst-org-" + i);
        }
        Samples last = events.get(deliveries - 1);
        awaitDeliveries(last.id(), NOT_ROUTED);
        await().atMost(DEADLINE)
                .untilAsserted(() -> assertThat(jdbc.queryForObject(
                                "SELECT count(*) FROM call_delivery WHERE delivery_id = ANY(?)", Integer.class, (Object)
                                        events.stream().map(Samples::id).toArray(String[]::new)))
                        .isEqualTo(3 * deliveries));
    }

    static Stream<Arguments> badInput() {
        String good = Samples.of("call-ended").json();
        return Stream.of(
                Arguments.of("text/plain", good, 415, "Content-Type must be application/json"),
                Arguments.of(null, good, 415, "Content-Type must be application/json"),
                Arguments.of("application/json; charset=ISO-8859-1", good, 415, "JSON must be UTF-8"),
                Arguments.of("application/json", "x".repeat(1024 * 1024 + 1), 413, "request body exceeds"),
                Arguments.of("application/json", "{\"id\": ", 400, "malformed JSON"),
                Arguments.of("application/json", "", 400, "request body is empty"),
                Arguments.of("application/json", "[1, 2]", 422, "payload must be a JSON object"),
                Arguments.of("application/json", "null", 422, "payload must be a JSON object"),
                Arguments.of("application/json", without(good, "id"), 422, "id is required"),
                Arguments.of("application/json", without(good, "event"), 422, "event is required"),
                Arguments.of("application/json", without(good, "data"), 422, "data is required"),
                Arguments.of("application/json", edit(good, "{\"id\": 42}"), 422, "id must be a non-empty string"),
                Arguments.of("application/json", edit(good, "{\"data\": \"call\"}"), 422, "data must be an object"),
                Arguments.of(
                        "application/json",
                        editData(good, "{\"duration\": 12.5}"),
                        422,
                        "data.duration must be a whole number of seconds"),
                Arguments.of(
                        "application/json",
                        editData(good, "{\"duration\": \"240\"}"),
                        422,
                        "data.duration must be a whole number of seconds"),
                Arguments.of(
                        "application/json",
                        editData(good, "{\"callSuccessful\": \"yes\"}"),
                        422,
                        "data.callSuccessful must be true, false or null"),
                Arguments.of(
                        "application/json",
                        editData(good, "{\"startedAt\": \"yesterday\"}"),
                        422,
                        "data.startedAt must be an ISO 8601 time"),
                Arguments.of("application/json", editData(good, "{\"callId\": null}"), 422, "data.callId is required"),
                // ids go into every log line of the event: one bounded line of printable text
                Arguments.of(
                        "application/json",
                        edit(good, "{\"id\": \"evt-1\\r\\n2026-12-01T00:00:00Z INFO forged line\"}"),
                        422,
                        "id must be at most 255 characters, without control characters"),
                Arguments.of(
                        "application/json",
                        edit(good, "{\"id\": \"" + "i".repeat(256) + "\"}"),
                        422,
                        "id must be at most 255 characters"),
                Arguments.of(
                        "application/json",
                        editData(good, "{\"callId\": \"" + "c".repeat(300_000) + "\"}"),
                        422,
                        "data.callId must be at most 255 characters, without control characters"),
                Arguments.of(
                        "application/json",
                        editData(good, "{\"callId\": \"c-1\\n*forged*\"}"),
                        422,
                        "data.callId must be at most 255 characters, without control characters"));
    }

    /**
     * A flood of bad requests is answered at once and logged within a budget (20 lines per 10 s, then a
     * count): the log appender, which blocks when its queue is full, cannot hold the webhook workers.
     */
    @Test
    void aFloodOfBadRequestsIsAnsweredAndLoggedWithinABudget(CapturedOutput output) throws Exception {
        ExecutorService senders = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                answers.add(senders.submit(() -> http.postJson("/webhook", "{\"id\": \"evt-flood\", \"event\": 1}")
                        .statusCode()));
            }
            for (Future<Integer> answer : answers) {
                assertThat(answer.get(30, TimeUnit.SECONDS)).isEqualTo(422);
            }
        } finally {
            senders.shutdownNow();
        }
        // the lines of at most two windows, whichever way the flood fell across them
        long lines = output.getOut()
                .lines()
                .filter(line -> line.contains("Rejected delivery"))
                .count();
        assertThat(lines).isLessThanOrEqualTo(40);
    }

    @ParameterizedTest(name = "[{index}] {0} → {2} {3}")
    @MethodSource("badInput")
    void badInputIsRefusedWithItsStatusAndNothingIsStored(String contentType, String body, int status, String error)
            throws Exception {
        long before = auditRows();

        HttpResponse<String> answer =
                http.post("/webhook", contentType, body.getBytes(StandardCharsets.UTF_8), Map.of());

        assertThat(answer.statusCode()).isEqualTo(status);
        assertThat(answer.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        JsonNode json = Samples.JSON.readTree(answer.body());
        assertThat(json.get("error").asText() + json.path("details")).contains(error);
        assertThat(answer.body()).doesNotContain("Exception", "\tat ");
        assertThat(auditRows()).isEqualTo(before);
        assertThat(http.postJson("/webhook", Samples.of("appointment-created").json())
                        .statusCode())
                .as("still serving")
                .isEqualTo(200);
    }

    @Test
    void hostileJsonIsRefusedWithA4xxAndTheServiceKeepsServing() throws Exception {
        String head = "{\"id\": \"evt-hostile\", \"event\": \"call.ended\", \"data\": ";
        Map<String, byte[]> hostile = new java.util.LinkedHashMap<>();
        hostile.put("10,000 nested arrays", (head + "[".repeat(10_000) + "]".repeat(10_000) + "}").getBytes());
        hostile.put("10,000 nested objects", (head + "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_001)).getBytes());
        hostile.put(
                "a 5,000-digit number",
                (head + "{\"callId\": \"c\", \"duration\": 1" + "0".repeat(5_000) + "}}").getBytes());
        hostile.put(
                "invalid UTF-8",
                (head + "{\"callId\": \"c\", \"summary\": \"\u00ff\u00fe\"}}").getBytes(StandardCharsets.ISO_8859_1));
        hostile.put("duplicate keys", (head + "{\"callId\": \"a\", \"callId\": \"b\"}}").getBytes());
        hostile.put("a top-level array", "[{\"id\": \"x\"}]".getBytes());
        hostile.put("a top-level null", "null".getBytes());
        hostile.put("two documents", (head + "{}} {}").getBytes());
        long before = auditRows();

        for (Map.Entry<String, byte[]> attempt : hostile.entrySet()) {
            HttpResponse<String> answer = http.post("/webhook", "application/json", attempt.getValue(), Map.of());

            assertThat(answer.statusCode()).as(attempt.getKey()).isBetween(400, 499);
            assertThat(Samples.JSON.readTree(answer.body()).has("error"))
                    .as(attempt.getKey())
                    .isTrue();
            assertThat(answer.body()).as(attempt.getKey()).doesNotContain("Exception", "\tat ");
        }

        assertThat(auditRows()).isEqualTo(before);
        assertThat(http.postJson("/webhook", Samples.of("appointment-created").json())
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void sqlInPayloadTextIsStoredAsText() {
        String name = "Robert'); DROP TABLE call_audit; --";
        Samples call = Samples.of("call-ended").data(data -> data.put("customerName", name));

        assertThat(http.postJson("/webhook", call.json()).statusCode()).isEqualTo(200);

        assertThat(auditRow(call.id())).containsEntry("customer_name", name);
        assertThat(auditRows()).isPositive();
    }

    @Test
    void payloadTextCannotPingSlackNorAddMailHeaders() throws Exception {
        Samples call = Samples.of("call-ended").data(data -> {
            data.put("customerName", "Eve <!channel> & <https://evil.example|click here>\r\nBcc: thief@evil.example");
            data.put("summary", "*bold* <@U123> \"quoted\" \\ backslash");
        });

        HttpResponse<String> answer = http.post(
                "/webhook",
                "application/json",
                call.json().getBytes(StandardCharsets.UTF_8),
                Map.of(
                        "To",
                        "thief@evil.example",
                        "Cc",
                        "thief@evil.example",
                        "Subject",
                        "spoofed",
                        "X-Forwarded-For",
                        "10.0.0.1"));

        assertThat(answer.statusCode()).isEqualTo(200);
        awaitDeliveries(call.id(), SUCCESSFUL);
        String slackBody = slackPosts("/services/team", call.id()).get(0).getBodyAsString();
        JsonNode message = Samples.JSON.readTree(slackBody);
        assertThat(message.get("text").asText())
                .as("one line: the name's line break is a space")
                .isEqualTo("Successful call with Eve &lt;!channel&gt; &amp; &lt;https://evil.example|click here&gt; "
                        + "Bcc: thief@evil.example");
        assertThat(message.get("blocks").toString())
                .doesNotContain("<!channel>", "<https://", "<@U123>")
                .contains("&lt;@U123&gt;", "\\\"quoted\\\"");

        List<MimeMessage> mails = mailbox.about(call.id());
        assertThat(mails).hasSize(2);
        for (MimeMessage mail : mails) {
            assertThat(mail.getAllRecipients())
                    .extracting(Object::toString)
                    .containsExactlyInAnyOrder("ops@example.com", "sales@example.com");
            assertThat(Mailbox.header(mail, "Bcc")).isNull();
            assertThat(Mailbox.header(mail, "Cc")).isNull();
            assertThat(Mailbox.header(mail, "X-Forwarded-For")).isNull();
            assertThat(mail.getSubject()).doesNotContain("\r", "\n", "spoofed").contains("Bcc: thief@evil.example");
            assertThat(Mailbox.html(mail))
                    .contains("Eve &lt;!channel&gt; &amp;")
                    .doesNotContain("<!channel>");
        }
    }

    @Test
    void unicodeTextIsIntactInTheRowTheSlackMessageAndTheMail() throws Exception {
        String name = "Zoë Ñúñez 李雷 🚀 Ελένη";
        String summary = "Résumé: «naïve» café — 日本語のテキスト ✅";
        Samples call = Samples.of("call-ended").data(data -> {
            data.put("customerName", name);
            data.put("summary", summary);
        });

        assertThat(http.postJson("/webhook", call.json()).statusCode()).isEqualTo(200);

        awaitDeliveries(call.id(), SUCCESSFUL);
        assertThat(auditRow(call.id()))
                .containsEntry("customer_name", name)
                .containsEntry("summary", summary)
                .containsEntry("payload", call.json());
        JsonNode message = Samples.JSON.readTree(
                slackPosts("/services/team", call.id()).get(0).getBodyAsString());
        assertThat(message.get("text").asText()).isEqualTo("Successful call with " + name);
        assertThat(message.get("blocks").toString()).contains(summary);
        MimeMessage mail = mailbox.about(call.id()).get(0);
        assertThat(mail.getSubject()).contains(name);
        assertThat(Mailbox.text(mail)).contains(name, summary);
        assertThat(Mailbox.html(mail)).contains(name);
    }

    /**
     * A successful call's channels: Slack's team webhook and email sent; the alerts webhook on but not chosen;
     * the forward chosen but off (no URL).
     */
    static final Map<String, String> SUCCESSFUL =
            Map.of("slack", "SENT", "slack-alerts", "SKIPPED", "email", "SENT", "forward", "SKIPPED");

    /** An event the table does not route: every destination that is on, SKIPPED as not chosen. */
    static final Map<String, String> NOT_ROUTED =
            Map.of("slack", "SKIPPED", "slack-alerts", "SKIPPED", "email", "SKIPPED");

    void awaitDeliveries(String deliveryId, Map<String, String> expected) {
        await().atMost(DEADLINE)
                .untilAsserted(() -> assertThat(deliveries(deliveryId)).isEqualTo(expected));
    }

    Map<String, String> deliveries(String deliveryId) {
        return jdbc.queryForList("SELECT channel, status FROM call_delivery WHERE delivery_id = ?", deliveryId).stream()
                .collect(Collectors.toMap(r -> (String) r.get("channel"), r -> (String) r.get("status")));
    }

    List<LoggedRequest> slackPosts(String path, String deliveryId) {
        return slack.findAll(postRequestedFor(urlPathEqualTo(path))).stream()
                .filter(request -> request.getBodyAsString().contains(deliveryId))
                .toList();
    }

    long auditRows() {
        return jdbc.queryForObject("SELECT count(*) FROM call_audit", Long.class);
    }

    /** The row with timestamps as instants, so H2 and PostgreSQL compare alike. */
    Map<String, Object> auditRow(String deliveryId) {
        return jdbc.queryForObject(
                "SELECT * FROM call_audit WHERE delivery_id = ?",
                (rs, n) -> {
                    Map<String, Object> row = new java.util.HashMap<>();
                    var meta = rs.getMetaData();
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        String column = meta.getColumnLabel(i).toLowerCase(java.util.Locale.ROOT);
                        Object value = rs.getObject(i);
                        if (column.endsWith("_at") && value != null) {
                            value = rs.getObject(i, OffsetDateTime.class).toInstant();
                        }
                        row.put(column, value);
                    }
                    return row;
                },
                deliveryId);
    }

    private static String without(String json, String field) {
        try {
            var node = (com.fasterxml.jackson.databind.node.ObjectNode) Samples.JSON.readTree(json);
            node.remove(field);
            return node.toString();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String edit(String json, String patch) {
        try {
            var node = (com.fasterxml.jackson.databind.node.ObjectNode) Samples.JSON.readTree(json);
            Samples.JSON.readerForUpdating(node).readValue(patch);
            return node.toString();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String editData(String json, String patch) {
        try {
            var node = (com.fasterxml.jackson.databind.node.ObjectNode) Samples.JSON.readTree(json);
            var data = (com.fasterxml.jackson.databind.node.ObjectNode) node.get("data");
            Samples.JSON.readTree(patch).fields().forEachRemaining(e -> data.set(e.getKey(), e.getValue()));
            return node.toString();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
