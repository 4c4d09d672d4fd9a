package io.callhook.audit;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

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
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Object> parameters = new HashMap<>();
    private final List<String> problems = new ArrayList<>();

    private AuditRow() {}

    /**
     * Reads the row from a parsed envelope (JSON read into maps, lists, strings, numbers and booleans) whose
     * {@code id} and {@code event} are already checked. {@link #problems()} lists every field of {@code data}
     * that has the wrong type.
     */
    public static AuditRow of(
            String deliveryId, String event, OffsetDateTime occurredAt, Map<String, Object> data, String payload) {
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
    private String id(Map<String, Object> data, boolean required) {
        if (data.get("callId") == null) {
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

    private String text(Map<String, Object> data, String field) {
        Object value = data.get(field);
        if (value == null) {
            return null;
        }
        if (!(value instanceof String text)) {
            problems.add("data." + field + " must be a string");
            return null;
        }
        // PostgreSQL text cannot hold NUL; keep the rest of the value rather than refuse the call
        return text.indexOf('\u0000') < 0 ? text : text.replace('\u0000', '\uFFFD');
    }

    private Integer seconds(Map<String, Object> data, String field) {
        Object value = data.get(field);
        if (value == null) {
            return null;
        }
        if (!(value instanceof Integer seconds) || seconds < 0) {
            problems.add("data." + field + " must be a whole number of seconds");
            return null;
        }
        return seconds;
    }

    private Boolean bool(Map<String, Object> data, String field) {
        Object value = data.get(field);
        if (value == null) {
            return null;
        }
        if (!(value instanceof Boolean flag)) {
            problems.add("data." + field + " must be true, false or null");
            return null;
        }
        return flag;
    }

    private BigDecimal cost(Map<String, Object> data, String field) {
        Object value = data.get(field);
        if (value == null) {
            return null;
        }
        BigDecimal decimal = value instanceof BigDecimal d
                ? d
                : value instanceof Integer || value instanceof Long || value instanceof java.math.BigInteger
                        ? new BigDecimal(value.toString())
                        : null;
        if (decimal == null || decimal.abs().compareTo(MAX_TOKEN_COST) >= 0) {
            problems.add("data." + field + " must be a number below 1e12");
            return null;
        }
        return decimal;
    }

    private OffsetDateTime timestamp(Map<String, Object> data, String field) {
        Object value = data.get(field);
        if (value == null) {
            return null;
        }
        OffsetDateTime time = value instanceof String text ? parseTimestamp(text) : null;
        if (time == null) {
            problems.add("data." + field + " must be an ISO 8601 time with offset, e.g. 2026-04-05T14:00:00Z");
        }
        return time;
    }

    private String object(Map<String, Object> data, String field) {
        Object value = data.get(field);
        if (value == null) {
            return null;
        }
        if (!(value instanceof Map<?, ?> object)) {
            problems.add("data." + field + " must be an object or null");
            return null;
        }
        try {
            return JSON.writeValueAsString(object);
        } catch (JsonProcessingException e) {
            problems.add("data." + field + " cannot be stored: " + e.getOriginalMessage());
            return null;
        }
    }
}
