package io.callhook;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.callhook.intake.WebhookServer;
import io.callhook.testing.Http;
import io.callhook.testing.Samples;
import io.callhook.testing.StandardWebhooks;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A public webhook URL with a signing secret set: only the platform's signed deliveries get in. */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.datasource.url=jdbc:h2:mem:signed;DB_CLOSE_DELAY=-1",
            "callhook.webhook.secret=whsec_b2xkIHNlY3JldCBiZWZvcmUgcm90YXRpb24hIQ==, "
                    + "whsec_Y2FsbGhvb2sgdGVzdCBzaWduaW5nIGtleSAzMiBieXQ="
        })
class SignedWebhookIT {

    @LocalServerPort
    int port;

    @Autowired
    WebhookServer webhook;

    @Autowired
    JdbcTemplate jdbc;

    Http http;

    @BeforeEach
    void client() {
        http = new Http(webhook.getPort(), port);
    }

    @Test
    void signedDeliveryIsAcceptedAndItsWebhookIdIsTheDedupeKey() {
        Samples call = Samples.of("call-ended");
        Map<String, String> signed = StandardWebhooks.headers(StandardWebhooks.SECRET, call.json());

        HttpResponse<String> first = post(call.json(), signed);
        // a retry of the same message: same webhook-id, fresh timestamp and signature
        Samples retry = Samples.of("call-ended");
        HttpResponse<String> again = post(
                retry.json(),
                StandardWebhooks.headers(
                        StandardWebhooks.SECRET,
                        signed.get("webhook-id"),
                        System.currentTimeMillis() / 1000,
                        retry.json()));

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.body()).isEqualTo("{\"received\":true}");
        assertThat(again.body()).isEqualTo("{\"received\":true,\"duplicate\":true}");
        assertThat(jdbc.queryForObject(
                        "SELECT payload FROM call_audit WHERE delivery_id = ?", String.class, signed.get("webhook-id")))
                .isEqualTo(call.json());
        // dispatched under the same key (every channel is off here, so each is SKIPPED)
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(jdbc.queryForList(
                                "SELECT status FROM call_delivery WHERE delivery_id = ?",
                                String.class,
                                signed.get("webhook-id")))
                        .containsExactly("SKIPPED", "SKIPPED", "SKIPPED"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"unsigned", "tampered", "stale", "future", "wrong secret", "signature of other id"})
    void anythingButAValidSignatureIsTheSame401AndNothingIsStored(String attempt) {
        Samples call = Samples.of("call-ended");
        String body = call.json();
        long now = System.currentTimeMillis() / 1000;
        Map<String, String> headers = new HashMap<>(StandardWebhooks.headers(StandardWebhooks.SECRET, body));
        switch (attempt) {
            case "unsigned" -> headers.clear();
            case "tampered" -> body = body.replace("John Doe", "John Doe ");
            case "stale" -> headers = StandardWebhooks.headers(StandardWebhooks.SECRET, "msg_1", now - 400, body);
            case "future" -> headers = StandardWebhooks.headers(StandardWebhooks.SECRET, "msg_1", now + 400, body);
            case "wrong secret" -> headers = StandardWebhooks.headers("whsec_d3Jvbmcgc2VjcmV0", body);
            default -> headers.put("webhook-id", "msg_other");
        }
        long before = jdbc.queryForObject("SELECT count(*) FROM call_audit", Long.class);

        HttpResponse<String> answer = post(body, headers);

        assertThat(answer.statusCode()).isEqualTo(401);
        assertThat(answer.body()).isEqualTo("{\"error\":\"invalid or missing webhook signature\"}");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM call_audit", Long.class))
                .isEqualTo(before);
    }

    @Test
    void answersCarrySecurityHeadersAndNeverEchoRequestHeaders() {
        Samples call = Samples.of("call-ended");
        Map<String, String> headers = new HashMap<>(StandardWebhooks.headers(StandardWebhooks.SECRET, call.json()));
        headers.put("X-Injected", "echo-me");

        HttpResponse<String> answer = post(call.json(), headers);

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().map().keySet())
                .map(String::toLowerCase)
                .doesNotContain("x-injected", "webhook-signature", "webhook-id", "webhook-timestamp");
        assertThat(answer.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(answer.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(answer.headers().firstValue("X-Frame-Options")).hasValue("DENY");
        assertThat(http.post("/webhook", "text/plain", new byte[] {1}, Map.of())
                        .headers()
                        .firstValue("X-Content-Type-Options"))
                .hasValue("nosniff");
    }

    /** The listener the internet reaches serves the routes' endpoints and nothing of Spring's. */
    @Test
    void theWebhookListenerAnswersAnyOtherPathWithJson() {
        Http webhookListener = Http.only(webhook.getPort());

        for (String path : List.of("/actuator/health", "/api/events", "/anything")) {
            HttpResponse<String> answer = webhookListener.get(path);
            assertThat(answer.statusCode()).as(path).isEqualTo(404);
            assertThat(answer.body()).isEqualTo("{\"error\":\"not found\"}");
            assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(answer.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        }
        HttpResponse<String> get = webhookListener.get("/webhook");
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(get.body()).isEqualTo("{\"error\":\"method not allowed\"}");
        assertThat(get.headers().firstValue("Cache-Control")).hasValue("no-store");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "env",
                "heapdump",
                "configprops",
                "beans",
                "loggers",
                "threaddump",
                "metrics",
                "mappings",
                "shutdown",
                "prometheus"
            })
    void actuatorIsClosedToAnonymousCallersBeyondHealth(String endpoint) {
        assertThat(http.get("/actuator/" + endpoint).statusCode()).isIn(401, 403, 404);
        assertThat(http.get("/actuator/health").statusCode()).isEqualTo(200);
    }

    HttpResponse<String> post(String body, Map<String, String> headers) {
        return http.post("/webhook", "application/json", body.getBytes(StandardCharsets.UTF_8), headers);
    }
}
