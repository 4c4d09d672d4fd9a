package io.callhook.replay;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Which FAILED deliveries a bulk replay takes: those of one channel and/or event type, that failed (were
 * last updated) from {@code since} up to {@code until}. Every part is optional; all given must match.
 */
public record ReplayFilter(String channel, String event, OffsetDateTime since, OffsetDateTime until) {

    private static final ObjectMapper JSON = new ObjectMapper();

    BulkReplay.Where where() {
        StringBuilder sql = new StringBuilder(
                "FROM call_delivery d JOIN call_audit a ON a.delivery_id = d.delivery_id WHERE d.status = 'FAILED'");
        List<Object> parameters = new ArrayList<>();
        if (channel != null) {
            sql.append(" AND d.channel = ?");
            parameters.add(channel);
        }
        if (event != null) {
            sql.append(" AND a.event = ?");
            parameters.add(event);
        }
        if (since != null) {
            sql.append(" AND d.updated_at >= ?");
            parameters.add(since);
        }
        if (until != null) {
            sql.append(" AND d.updated_at < ?");
            parameters.add(until);
        }
        return new BulkReplay.Where(sql.toString(), parameters.toArray());
    }

    /** The filter as the replay records and shows it. */
    public String json() {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("status", "FAILED");
        if (channel != null) {
            fields.put("channel", channel);
        }
        if (event != null) {
            fields.put("event", event);
        }
        if (since != null) {
            fields.put(
                    "since",
                    since.withOffsetSameInstant(ZoneOffset.UTC).toInstant().toString());
        }
        if (until != null) {
            fields.put(
                    "until",
                    until.withOffsetSameInstant(ZoneOffset.UTC).toInstant().toString());
        }
        try {
            return JSON.writeValueAsString(fields);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
