package io.callhook.call;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a notification says about one event, as display text taken from the parsed payload: the one
 * place that decides how a duration, a missing name or an outcome reads. Each channel escapes these
 * values for its own format.
 */
public record CallFacts(
        String deliveryId,
        String event,
        String callId,
        String outcome,
        String outcomeTitle,
        String customerName,
        String customerPhone,
        String fromNumber,
        String agentName,
        String direction,
        String status,
        String duration,
        String sentiment,
        String disconnectionReason,
        String summary,
        String transcript,
        String tokenCost,
        String startedAt,
        String endedAt) {

    /** Shown where the platform sent no value. */
    public static final String NONE = "—";

    /** Reads the facts from a webhook envelope parsed into maps ({@code id}, {@code event}, {@code data}). */
    public static CallFacts of(Map<String, Object> envelope) {
        Map<String, Object> data = data(envelope);
        String outcome = outcome(data.get("callSuccessful"));
        String phone = text(data.get("customerPhone"));
        String name = text(data.get("customerName"));
        return new CallFacts(
                text(envelope.get("id")),
                text(envelope.get("event")),
                orNone(data.get("callId")),
                outcome,
                switch (outcome) {
                    case "successful" -> "Successful";
                    case "unsuccessful" -> "Unsuccessful";
                    default -> "Outcome unknown";
                },
                name != null ? name : phone != null ? phone : "an unknown customer",
                orNone(phone),
                orNone(data.get("fromNumber")),
                orNone(data.get("agentName")),
                direction(text(data.get("direction"))),
                orNone(data.get("status")),
                duration(data.get("duration")),
                orNone(data.get("sentiment")),
                orNone(data.get("disconnectionReason")),
                orNone(data.get("summary")),
                text(data.get("transcript")),
                data.get("tokenCost") instanceof Number n
                        ? new BigDecimal(n.toString()).stripTrailingZeros().toPlainString()
                        : NONE,
                orNone(data.get("startedAt")),
                orNone(data.get("endedAt")));
    }

    /**
     * The facts a template sees, by the names it uses ({@code ${body.customerName}} …), in a stable order;
     * the transcript is not among them (a channel adds it only when asked to). A value may be null.
     */
    public Map<String, String> fields() {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("deliveryId", deliveryId);
        fields.put("event", event);
        fields.put("callId", callId);
        fields.put("outcome", outcome);
        fields.put("outcomeTitle", outcomeTitle);
        fields.put("customerName", customerName);
        fields.put("customerPhone", customerPhone);
        fields.put("fromNumber", fromNumber);
        fields.put("agentName", agentName);
        fields.put("direction", direction);
        fields.put("status", status);
        fields.put("duration", duration);
        fields.put("sentiment", sentiment);
        fields.put("disconnectionReason", disconnectionReason);
        fields.put("summary", summary);
        fields.put("tokenCost", tokenCost);
        fields.put("startedAt", startedAt);
        fields.put("endedAt", endedAt);
        return fields;
    }

    /** The envelope's {@code data} object, empty when it has none. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> data(Map<String, Object> envelope) {
        Object data = envelope == null ? null : envelope.get("data");
        return data instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    /** {@code successful}, {@code unsuccessful} or {@code unknown}, from {@code data.callSuccessful}. */
    public static String outcome(Object callSuccessful) {
        if (Boolean.TRUE.equals(callSuccessful)) {
            return "successful";
        }
        return Boolean.FALSE.equals(callSuccessful) ? "unsuccessful" : "unknown";
    }

    /** 240 → "4m 0s"; an hour or more also names the hours: 3725 → "1h 2m 5s". */
    public static String duration(Object seconds) {
        if (!(seconds instanceof Number n)) {
            return NONE;
        }
        long total = n.longValue();
        long hours = total / 3600;
        long minutes = total % 3600 / 60;
        long rest = total % 60;
        return hours > 0 ? hours + "h " + minutes + "m " + rest + "s" : minutes + "m " + rest + "s";
    }

    private static String direction(String value) {
        if (value == null) {
            return NONE;
        }
        return value.isEmpty()
                ? value
                : value.substring(0, 1).toUpperCase() + value.substring(1).toLowerCase();
    }

    private static String text(Object value) {
        return value == null ? null : value.toString();
    }

    private static String orNone(Object value) {
        return value == null ? NONE : value.toString();
    }
}
