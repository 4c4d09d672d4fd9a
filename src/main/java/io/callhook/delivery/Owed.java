package io.callhook.delivery;

import java.util.Map;

/**
 * One delivery a destination has claimed and is about to send: which event and destination, the attempts
 * made so far, the claim's token (every record of its outcome names it), what it may hold in memory, and the
 * event's stored values by {@link io.callhook.audit.AuditRow} parameter name ({@code customerName},
 * {@code callSuccessful}, {@code payload} when the destination sends it as received …).
 */
public record Owed(
        String deliveryId, String channel, int attempts, String token, long bytes, Map<String, Object> event) {

    /** The exchange property a send carries it in, from the queue to its verdict. */
    public static final String PROPERTY = "callhookOwed";
}
