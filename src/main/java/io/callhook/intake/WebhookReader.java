package io.callhook.intake;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.callhook.audit.AuditRow;
import io.callhook.call.CallFacts;
import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

/**
 * Reads a webhook request into what the intake route needs: the delivery id, the event, the audit row's
 * bound parameters and the payload text. Anything that is not a well-formed delivery is refused here
 * with the 4xx the DESIGN's bad-input table gives.
 */
@Component("webhookReader")
public class WebhookReader {

    static final int MAX_ID_LENGTH = AuditRow.MAX_ID_LENGTH;
    static final int MAX_EVENT_LENGTH = 100;

    private final ObjectMapper json;

    public WebhookReader(IntakeProperties properties) {
        // Explicit limits: a hostile body must cost a bounded amount of work and never reach a stack overflow
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(64)
                        .maxNumberLength(100)
                        .maxStringLength(properties.maxBodyBytes())
                        .build())
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        this.json = JsonMapper.builder(factory)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .build();
    }

    /** JSON is UTF-8 (RFC 8259); anything else is refused before the body is looked at. */
    public void checkContentType(@Header(Exchange.CONTENT_TYPE) String contentType) {
        if (contentType == null) {
            throw new WebhookRejected(415, "Content-Type must be application/json");
        }
        String[] parts = contentType.toLowerCase(Locale.ROOT).split(";");
        String mediaType = parts[0].trim();
        if (!mediaType.equals("application/json")
                && !(mediaType.startsWith("application/") && mediaType.endsWith("+json"))) {
            throw new WebhookRejected(415, "Content-Type must be application/json");
        }
        for (int i = 1; i < parts.length; i++) {
            String parameter = parts[i].trim();
            if (parameter.startsWith("charset=") && !parameter.replace("\"", "").equals("charset=utf-8")) {
                throw new WebhookRejected(415, "JSON must be UTF-8");
            }
        }
    }

    /**
     * Parses and validates the body. Leaves on the exchange: properties {@code deliveryId} and
     * {@code callId} (properties, so every log line of the event carries them), variables {@code event},
     * {@code outcome}, {@code payload} (the body as text) and {@code auditRow} (the row's values by name).
     */
    public void parse(Exchange exchange) {
        byte[] body = exchange.getMessage().getBody(byte[].class);
        if (body == null || body.length == 0) {
            throw new WebhookRejected(400, "request body is empty");
        }
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw new WebhookRejected(400, "malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new WebhookRejected(400, "unreadable body");
        }
        if (root == null || !root.isObject()) {
            throw new WebhookRejected(
                    422, "payload must be a JSON object", List.of("expected an object with id, event and data"));
        }

        List<String> problems = new ArrayList<>();
        String payloadId = requiredText(root, "id", MAX_ID_LENGTH, problems);
        // Standard Webhooks keeps webhook-id across retries: when the sender gives one, it is the key
        String deliveryId =
                deliveryKey(exchange.getMessage().getHeader(WebhookSignature.ID, String.class), payloadId, problems);
        String event = requiredText(root, "event", MAX_EVENT_LENGTH, problems);
        OffsetDateTime occurredAt = null;
        JsonNode timestamp = root.get("timestamp");
        if (timestamp != null && !timestamp.isNull()) {
            occurredAt = timestamp.isTextual() ? AuditRow.parseTimestamp(timestamp.textValue()) : null;
            if (occurredAt == null) {
                problems.add("timestamp must be an ISO 8601 time with offset");
            }
        }
        JsonNode data = root.get("data");
        if (data == null || data.isNull()) {
            problems.add("data is required");
        } else if (!data.isObject()) {
            problems.add("data must be an object");
        }
        if (!problems.isEmpty()) {
            throw new WebhookRejected(422, "invalid webhook payload", problems);
        }

        // Valid UTF-8 was proven by the parser, so this text is the body exactly as received
        String payload = new String(body, StandardCharsets.UTF_8);
        AuditRow row = AuditRow.of(deliveryId, event, occurredAt, data, payload);
        if (!row.problems().isEmpty()) {
            exchange.setProperty("deliveryId", deliveryId);
            throw new WebhookRejected(422, "invalid webhook payload", row.problems());
        }
        exchange.setProperty("deliveryId", deliveryId);
        exchange.setVariable("event", event);
        exchange.setProperty("callId", row.callId());
        exchange.setVariable(
                "outcome",
                AuditRow.CALL_ENDED.equals(event)
                        ? CallFacts.outcome(row.parameters().get("callSuccessful"))
                        : "other");
        exchange.setVariable("payload", payload);
        exchange.setVariable("auditRow", row.parameters());
    }

    private static String deliveryKey(String webhookId, String payloadId, List<String> problems) {
        if (webhookId == null || webhookId.isBlank()) {
            return payloadId;
        }
        if (!AuditRow.isPrintableLine(webhookId.trim(), MAX_ID_LENGTH)) {
            problems.add("webhook-id header must be at most " + MAX_ID_LENGTH + " characters, without control"
                    + " characters");
            return null;
        }
        return webhookId.trim();
    }

    private static String requiredText(JsonNode root, String field, int maxLength, List<String> problems) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            problems.add(field + " is required");
            return null;
        }
        if (!node.isTextual() || node.textValue().isBlank()) {
            problems.add(field + " must be a non-empty string");
            return null;
        }
        String value = node.textValue();
        // the delivery id goes into every log line of the event: one bounded line of printable text
        if (!AuditRow.isPrintableLine(value, maxLength)) {
            problems.add(field + " must be at most " + maxLength + " characters, without control characters");
            return null;
        }
        return value;
    }
}
