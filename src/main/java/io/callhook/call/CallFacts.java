package io.callhook.call;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a notification says about one event, as display text taken from its stored values: the one place that
 * decides how a duration, a missing name, a time, a reason or an outcome reads. Each channel escapes these
 * values for its own format. Machine-readable values stay beside the readable ones for templates that feed
 * another system: {@code startedAt} (ISO 8601) beside {@code started}, {@code disconnectionReason} as sent
 * beside {@code reason}.
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
        String endedAt,
        String name,
        String customer,
        String reason,
        String started,
        String ended,
        String link) {

    /** Shown where the platform sent no value. */
    public static final String NONE = "—";

    /**
     * Reads the facts from an event's stored values, by the audit row's parameter names ({@code deliveryId},
     * {@code event}, {@code customerName}, {@code callSuccessful}, {@code durationSeconds}, {@code tokenCost},
     * {@code startedAt} …): what a send reads back from the database, and what intake, preview and the checks
     * read from a payload.
     */
    public static CallFacts of(Map<String, Object> row) {
        return of(row, Presentation.DEFAULT);
    }

    /** The same, with times in the operator's zone and the link to the call's page in the console. */
    public static CallFacts of(Map<String, Object> row, Presentation presentation) {
        String outcome = outcome(row.get("callSuccessful"));
        String phone = text(row.get("customerPhone"));
        String name = text(row.get("customerName"));
        return new CallFacts(
                text(row.get("deliveryId")),
                text(row.get("event")),
                orNone(row.get("callId")),
                outcome,
                switch (outcome) {
                    case "successful" -> "Successful";
                    case "unsuccessful" -> "Unsuccessful";
                    default -> "Outcome unknown";
                },
                customerName(name, phone),
                orNone(phone),
                orNone(row.get("fromNumber")),
                orNone(row.get("agentName")),
                direction(text(row.get("direction"))),
                orNone(row.get("status")),
                duration(row.get("durationSeconds")),
                orNone(row.get("sentiment")),
                orNone(row.get("disconnectionReason")),
                orNone(row.get("summary")),
                text(row.get("transcript")),
                row.get("tokenCost") instanceof Number n
                        ? new BigDecimal(n.toString()).stripTrailingZeros().toPlainString()
                        : NONE,
                time(row.get("startedAt")),
                time(row.get("endedAt")),
                name,
                customer(name, phone),
                reason(text(row.get("disconnectionReason"))),
                readable(row.get("startedAt"), presentation),
                readable(row.get("endedAt"), presentation),
                presentation.link(text(row.get("deliveryId"))));
    }

    /** Who the call was with, in a title: the name, else the number, else {@code an unknown customer}. */
    public static String customerName(String name, String phone) {
        return name != null ? name : phone != null ? phone : "an unknown customer";
    }

    /**
     * Who the call was with, as a person writes it: {@code John Doe (+1234567890)}, the name or the number alone
     * when only one is known, {@code an unknown customer} when neither is.
     */
    public static String customer(String name, String phone) {
        if (name != null && !name.isBlank()) {
            return phone != null && !phone.isBlank() ? name + " (" + phone + ")" : name;
        }
        return phone != null && !phone.isBlank() ? phone : "an unknown customer";
    }

    /** The platform's reasons as words; one it has not told us about reads as its words ({@code ivr_timeout} → Ivr timeout). */
    private static final Map<String, String> REASONS = Map.ofEntries(
            Map.entry("agent_hangup", "Agent hung up"),
            Map.entry("user_hangup", "Customer hung up"),
            Map.entry("customer_hangup", "Customer hung up"),
            Map.entry("caller_hangup", "Caller hung up"),
            Map.entry("no_answer", "No answer"),
            Map.entry("busy", "Line busy"),
            Map.entry("voicemail", "Reached voicemail"),
            Map.entry("voicemail_reached", "Reached voicemail"),
            Map.entry("call_transfer", "Transferred"),
            Map.entry("transferred", "Transferred"),
            Map.entry("inactivity", "Ended for inactivity"),
            Map.entry("max_duration_reached", "Reached the longest allowed duration"),
            Map.entry("dial_failed", "The call could not be placed"),
            Map.entry("error", "Ended by an error"));

    static String reason(String value) {
        if (value == null || value.isBlank()) {
            return NONE;
        }
        String known = REASONS.get(value.trim().toLowerCase(java.util.Locale.ROOT));
        if (known != null) {
            return known;
        }
        String words =
                value.trim().replaceAll("[_\\-]+", " ").replaceAll("\\s+", " ").trim();
        if (words.isEmpty()) {
            return value.trim();
        }
        return words.substring(0, 1).toUpperCase(java.util.Locale.ROOT)
                + words.substring(1).toLowerCase(java.util.Locale.ROOT);
    }

    private static String readable(Object value, Presentation presentation) {
        return value instanceof java.time.OffsetDateTime time ? presentation.time(time) : orNone(value);
    }

    /** An instant as ISO 8601 UTC to the second ({@code 2026-04-05T14:00:00Z}), or "—". */
    private static String time(Object value) {
        if (value instanceof java.time.OffsetDateTime time) {
            return java.time.format.DateTimeFormatter.ISO_INSTANT.format(
                    time.toInstant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        }
        return orNone(value);
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
        fields.put("customer", customer);
        fields.put("reason", reason);
        fields.put("started", started);
        fields.put("ended", ended);
        fields.put("link", link);
        return fields;
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
