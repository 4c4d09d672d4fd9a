package io.callhook.audit;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The bound parameters of one {@code call_audit} row: the envelope, the call fields as typed values and
 * the body as received. Field types are checked here, so a value the table cannot hold is refused as
 * bad input (422) instead of failing the insert (which would be a 503 the platform retries forever).
 */
public final class AuditRow {

    /** Event whose {@code data} is a call and fills the typed columns. */
    public static final String CALL_ENDED = "call.ended";

    private static final List<String> TEXT_FIELDS = List.of(
            "agentId",
            "agentName",
            "customerName",
            "customerPhone",
            "fromNumber",
            "direction",
            "status",
            "disconnectionReason",
            "sentiment",
            "summary",
            "transcript");
    private static final BigDecimal MAX_TOKEN_COST = new BigDecimal("1e12");

    private final Map<String, Object> parameters = new HashMap<>();
    private final List<String> problems = new ArrayList<>();

    private AuditRow() {}

    /**
     * Reads the row from a parsed envelope whose {@code id} and {@code event} are already checked.
     * {@link #problems()} lists every field of {@code data} that has the wrong type.
     */
    public static AuditRow of(
            String deliveryId, String event, OffsetDateTime occurredAt, JsonNode data, String payload) {
        AuditRow row = new AuditRow();
        Map<String, Object> p = row.parameters;
        p.put("deliveryId", deliveryId);
        p.put("event", event);
        p.put("receivedAt", OffsetDateTime.now(ZoneOffset.UTC));
        p.put("occurredAt", occurredAt);
        p.put("payload", payload);
        boolean call = CALL_ENDED.equals(event);
        p.put("callId", row.id(data, call));
        p.put("organizationId", row.text(data, "organizationId"));
        for (String field : TEXT_FIELDS) {
            p.put(field, call ? row.text(data, field) : null);
        }
        p.put("durationSeconds", call ? row.seconds(data, "duration") : null);
        p.put("callSuccessful", call ? row.bool(data, "callSuccessful") : null);
        p.put("tokenCost", call ? row.cost(data, "tokenCost") : null);
        p.put("startedAt", call ? row.timestamp(data, "startedAt") : null);
        p.put("endedAt", call ? row.timestamp(data, "endedAt") : null);
        p.put("metadata", call ? row.object(data, "metadata") : null);
        return row;
    }

    /** The row's values by name ({@code deliveryId}, {@code customerName} …), as {@link AuditLog} stores them. */
    public Map<String, Object> parameters() {
        return parameters;
    }

    public List<String> problems() {
        return problems;
    }

    public String callId() {
        return (String) parameters.get("callId");
    }

    /** An ISO 8601 instant with offset, or null for an absent, null or unreadable value. */
    public static OffsetDateTime parseTimestamp(String value) {
        try {
            return OffsetDateTime.parse(value);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** The longest id accepted: the delivery id's column, and a bound on every log line that carries it. */
    public static final int MAX_ID_LENGTH = 255;

    /**
     * The call id, required for a call: it goes into every log line of the event, so it is one bounded line
     * of printable text, or the delivery is refused (422) rather than forge or flood log lines.
     */
    private String id(JsonNode data, boolean required) {
        JsonNode node = data.get("callId");
        if (node == null || node.isNull()) {
            if (required) {
                problems.add("data.callId is required");
            }
            return null;
        }
        String value = text(data, "callId");
        if (value != null && !isPrintableLine(value, MAX_ID_LENGTH)) {
            problems.add("data.callId must be at most " + MAX_ID_LENGTH + " characters, without control characters");
            return null;
        }
        return value;
    }

    /** At most {@code maxLength} characters, none of them a control character or a line separator. */
    public static boolean isPrintableLine(String value, int maxLength) {
        if (value.length() > maxLength) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                return false;
            }
        }
        return true;
    }

    private String text(JsonNode data, String field) {
        JsonNode node = present(data, field);
        if (node == null) {
            return null;
        }
        if (!node.isTextual()) {
            problems.add("data." + field + " must be a string");
            return null;
        }
        // PostgreSQL text cannot hold NUL; keep the rest of the value rather than refuse the call
        return node.textValue().replace('\u0000', '\uFFFD');
    }

    private Integer seconds(JsonNode data, String field) {
        JsonNode node = present(data, field);
        if (node == null) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() < 0) {
            problems.add("data." + field + " must be a whole number of seconds");
            return null;
        }
        return node.intValue();
    }

    private Boolean bool(JsonNode data, String field) {
        JsonNode node = present(data, field);
        if (node == null) {
            return null;
        }
        if (!node.isBoolean()) {
            problems.add("data." + field + " must be true, false or null");
            return null;
        }
        return node.booleanValue();
    }

    private BigDecimal cost(JsonNode data, String field) {
        JsonNode node = present(data, field);
        if (node == null) {
            return null;
        }
        if (!node.isNumber() || node.decimalValue().abs().compareTo(MAX_TOKEN_COST) >= 0) {
            problems.add("data." + field + " must be a number below 1e12");
            return null;
        }
        return node.decimalValue();
    }

    private OffsetDateTime timestamp(JsonNode data, String field) {
        JsonNode node = present(data, field);
        if (node == null) {
            return null;
        }
        OffsetDateTime value = node.isTextual() ? parseTimestamp(node.textValue()) : null;
        if (value == null) {
            problems.add("data." + field + " must be an ISO 8601 time with offset, e.g. 2026-04-05T14:00:00Z");
        }
        return value;
    }

    private String object(JsonNode data, String field) {
        JsonNode node = present(data, field);
        if (node == null) {
            return null;
        }
        if (!node.isObject()) {
            problems.add("data." + field + " must be an object or null");
            return null;
        }
        return node.toString();
    }

    /** The field's value, or null when it is absent or JSON null (every call field may be unknown). */
    private static JsonNode present(JsonNode data, String field) {
        JsonNode node = data.get(field);
        return node == null || node.isNull() ? null : node;
    }
}
