package io.callhook.intake;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.callhook.audit.AuditRow;
import io.callhook.call.CallFacts;
import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.slf4j.MDC;
import org.springframework.stereotype.Component;

/**
 * Reads a webhook request into what the intake route needs, parsing its body once: the envelope the routing
 * table tests, the delivery id, the event, the audit row's bound parameters and the payload text. Anything
 * that is not a well-formed delivery is refused here with the 4xx the DESIGN's bad-input table gives.
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

    /** What intake read of one delivery: everything the routing table and the store need, parsed once. */
    public record Event(
            String deliveryId,
            String event,
            String callId,
            String outcome,
            Map<String, Object> envelope,
            Map<String, Object> row) {}

    /**
     * Reads and checks the body, once: leaves on the exchange the envelope as maps in the body (what the routing
     * table tests, {@code ${body[data][callSuccessful]}}), variables {@code event} and {@code outcome}
     * ({@code successful}, {@code unsuccessful}, {@code unknown} or {@code other}), property {@code deliveryId}
     * and variable {@code auditRow} (the row's values by name, the payload as received among them). The event's
     * delivery and call id go into the log lines of this request from here on (MDC).
     */
    public void read(Exchange exchange) {
        Event event = event(
                exchange.getMessage().getBody(byte[].class),
                exchange.getMessage().getHeader(WebhookSignature.ID, String.class),
                exchange);
        MDC.put("deliveryId", event.deliveryId());
        if (event.callId() != null) {
            MDC.put("callId", event.callId());
        }
        exchange.setProperty("deliveryId", event.deliveryId());
        exchange.setProperty("callId", event.callId());
        exchange.setVariable("event", event.event());
        exchange.setVariable("outcome", event.outcome());
        exchange.setVariable("auditRow", event.row());
        exchange.getMessage().setBody(event.envelope());
    }

    /**
     * The delivery in {@code body}, as intake reads it, or {@link WebhookRejected} with the 4xx the webhook
     * answers. Preview reads a payload file with the same checks. {@code onError} (may be null) gets the
     * delivery id as soon as it is known, for the log line of a refusal.
     */
    public Event event(byte[] body, String webhookId, Exchange onError) {
        if (body == null || body.length == 0) {
            throw new WebhookRejected(400, "request body is empty");
        }
        Object parsed;
        try {
            parsed = json.readValue(body, Object.class);
        } catch (JsonProcessingException e) {
            throw new WebhookRejected(400, "malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new WebhookRejected(400, "unreadable body");
        }
        if (!(parsed instanceof Map<?, ?>)) {
            throw new WebhookRejected(
                    422, "payload must be a JSON object", List.of("expected an object with id, event and data"));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> root = (Map<String, Object>) parsed;

        List<String> problems = new ArrayList<>();
        String payloadId = requiredText(root, "id", MAX_ID_LENGTH, problems);
        // Standard Webhooks keeps webhook-id across retries: when the sender gives one, it is the key
        String deliveryId = deliveryKey(webhookId, payloadId, problems);
        String event = requiredText(root, "event", MAX_EVENT_LENGTH, problems);
        OffsetDateTime occurredAt = null;
        Object timestamp = root.get("timestamp");
        if (timestamp != null) {
            occurredAt = timestamp instanceof String text ? AuditRow.parseTimestamp(text) : null;
            if (occurredAt == null) {
                problems.add("timestamp must be an ISO 8601 time with offset");
            }
        }
        Object data = root.get("data");
        if (data == null) {
            problems.add("data is required");
        } else if (!(data instanceof Map<?, ?>)) {
            problems.add("data must be an object");
        }
        if (!problems.isEmpty()) {
            throw new WebhookRejected(422, "invalid webhook payload", problems);
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> fields = (Map<String, Object>) data;
        // Valid UTF-8 was proven by the parser, so this text is the body exactly as received
        String payload = new String(body, StandardCharsets.UTF_8);
        AuditRow row = AuditRow.of(deliveryId, event, occurredAt, fields, payload);
        if (!row.problems().isEmpty()) {
            if (onError != null) {
                onError.setProperty("deliveryId", deliveryId);
            }
            throw new WebhookRejected(422, "invalid webhook payload", row.problems());
        }
        row.parameters().put("payloadBytes", body.length);
        String outcome = AuditRow.CALL_ENDED.equals(event)
                ? CallFacts.outcome(row.parameters().get("callSuccessful"))
                : "other";
        return new Event(deliveryId, event, row.callId(), outcome, root, row.parameters());
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

    private static String requiredText(Map<String, Object> root, String field, int maxLength, List<String> problems) {
        Object node = root.get(field);
        if (node == null) {
            problems.add(field + " is required");
            return null;
        }
        if (!(node instanceof String value) || value.isBlank()) {
            problems.add(field + " must be a non-empty string");
            return null;
        }
        // the delivery id goes into every log line of the event: one bounded line of printable text
        if (!AuditRow.isPrintableLine(value, maxLength)) {
            problems.add(field + " must be at most " + maxLength + " characters, without control characters");
            return null;
        }
        return value;
    }
}
