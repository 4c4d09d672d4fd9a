package io.callhook.intake;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class WebhookReaderTest {

    final WebhookReader reader = new WebhookReader(IntakeSettings.bind(Map.of()));

    @Test
    void contentTypeMustBeJsonInUtf8() {
        reader.checkContentType("application/json");
        reader.checkContentType("application/json; charset=UTF-8");
        reader.checkContentType("application/cloudevents+json");
        assertThat(status(() -> reader.checkContentType(null))).isEqualTo(415);
        assertThat(status(() -> reader.checkContentType("text/plain"))).isEqualTo(415);
        assertThat(status(() -> reader.checkContentType("application/json; charset=utf-16")))
                .isEqualTo(415);
    }

    @Test
    void validCallLeavesVariablesAndTypedParameters() {
        Exchange exchange = exchange("""
                {"id": "evt-1", "event": "call.ended", "timestamp": "2026-04-05T14:04:00Z",
                 "data": {"callId": "c-1", "duration": 240, "tokenCost": 12.50, "callSuccessful": true,
                          "startedAt": "2026-04-05T14:00:00Z", "metadata": {"k": "v"}}}""");

        reader.read(exchange);

        assertThat(exchange.getProperty("deliveryId")).isEqualTo("evt-1");
        assertThat(exchange.getVariable("event")).isEqualTo("call.ended");
        assertThat(exchange.getProperty("callId")).isEqualTo("c-1");
        @SuppressWarnings("unchecked")
        Map<String, Object> parameters = exchange.getVariable("auditRow", Map.class);
        assertThat(parameters)
                .containsEntry("durationSeconds", 240)
                .containsEntry("callSuccessful", true)
                .containsEntry("metadata", "{\"k\":\"v\"}")
                .containsKeys("receivedAt", "startedAt", "payload");
    }

    @Test
    void hostileJsonIsRefusedAsBadInputNeverAnError() {
        assertThat(status(() -> reader.read(exchange("[".repeat(5000) + "]".repeat(5000)))))
                .isEqualTo(400);
        assertThat(status(() -> reader.read(exchange("{\"a\":".repeat(5000) + "1" + "}".repeat(5000)))))
                .isEqualTo(400);
        assertThat(status(
                        () -> reader.read(exchange("{\"id\": \"a\", \"id\": \"b\", \"event\": \"x\", \"data\": {}}"))))
                .as("duplicate keys")
                .isEqualTo(400);
        assertThat(status(() -> reader.read(exchange("{\"id\": \"a\", \"event\": \"call.ended\", \"data\": "
                        + "{\"callId\": \"c\", \"duration\": 1" + "0".repeat(500) + "}}"))))
                .as("huge number")
                .isEqualTo(400);
        assertThat(status(() -> reader.read(exchange("{\"id\": \"a\", \"event\": \"call.ended\", \"data\": "
                        + "{\"callId\": \"c\", \"duration\": 1" + "0".repeat(40) + "}}"))))
                .as("big number")
                .isEqualTo(422);
        assertThat(status(() -> reader.read(exchange("{\"id\": \"a\"} {\"id\": \"b\"}"))))
                .as("trailing")
                .isEqualTo(400);
        byte[] invalidUtf8 = "{\"id\": \"a\", \"event\": \"x\", \"data\": {\"n\": \"\u00ff\"}}"
                .getBytes(StandardCharsets.ISO_8859_1);
        assertThat(status(() -> reader.read(exchange(invalidUtf8))))
                .as("invalid UTF-8")
                .isEqualTo(400);
        assertThat(status(() -> reader.read(exchange("null")))).isEqualTo(422);
        assertThat(status(() -> reader.read(exchange("\"text\"")))).isEqualTo(422);
    }

    @Test
    void everyWrongFieldIsNamedInOneAnswer() {
        WebhookRejected rejected = catchThrowableOfType(
                WebhookRejected.class,
                () -> reader.read(exchange(
                        "{\"id\": \"a\", \"event\": \"call.ended\", \"data\": {\"callId\": 7, \"duration\": -1,"
                                + " \"endedAt\": 5, \"metadata\": []}}")));

        assertThat(rejected.status()).isEqualTo(422);
        assertThat(rejected.details())
                .containsExactly(
                        "data.callId must be a string",
                        "data.duration must be a whole number of seconds",
                        "data.endedAt must be an ISO 8601 time with offset, e.g. 2026-04-05T14:00:00Z",
                        "data.metadata must be an object or null");
    }

    @Test
    void overlongIdIsRefused() {
        String id = "x".repeat(WebhookReader.MAX_ID_LENGTH + 1);
        assertThatThrownBy(() -> reader.read(exchange("{\"id\": \"" + id + "\", \"event\": \"x\", \"data\": {}}")))
                .isInstanceOfSatisfying(
                        WebhookRejected.class, e -> assertThat(e.status()).isEqualTo(422));
    }

    @Test
    void nulCharactersInTextAreReplacedSoPostgresCanStoreThem() {
        Exchange exchange = exchange("{\"id\": \"a\", \"event\": \"call.ended\", \"data\": {\"callId\": \"c\","
                + " \"summary\": \"a\\u0000b\"}}");

        reader.read(exchange);

        @SuppressWarnings("unchecked")
        Map<String, Object> parameters = exchange.getVariable("auditRow", Map.class);
        assertThat(parameters).containsEntry("summary", "a\uFFFDb");
    }

    private static Exchange exchange(String body) {
        return exchange(body.getBytes(StandardCharsets.UTF_8));
    }

    private static Exchange exchange(byte[] body) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.getMessage().setBody(body);
        return exchange;
    }

    private static int status(Runnable action) {
        return catchThrowableOfType(WebhookRejected.class, action::run).status();
    }
}
