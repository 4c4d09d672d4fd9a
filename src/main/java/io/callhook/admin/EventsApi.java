package io.callhook.admin;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.callhook.delivery.DeliveryLedger;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * What operations ask at 3 a.m.: which events came in, what became of each channel, and "send the failed
 * ones again". Behind {@link AdminSecurity}. Transcripts and payloads are not served.
 */
@RestController
@RequestMapping(path = "/api/events", produces = "application/json")
class EventsApi {

    static final int MAX_LIMIT = 500;
    private static final Set<String> STATUSES =
            Set.of(DeliveryLedger.PENDING, DeliveryLedger.SENT, DeliveryLedger.FAILED, DeliveryLedger.SKIPPED);
    private static final String EVENT_COLUMNS =
            "delivery_id, event, received_at, call_id, customer_name, agent_name, call_successful,"
                    + " NOT EXISTS (SELECT 1 FROM unrouted_event u WHERE u.delivery_id = a.delivery_id) AS routed";

    private final JdbcTemplate jdbc;
    private final DeliveryLedger ledger;

    EventsApi(JdbcTemplate jdbc, DeliveryLedger ledger) {
        this.jdbc = jdbc;
        this.ledger = ledger;
    }

    /** Recent events, newest first, optionally only those with a delivery in {@code status} (on {@code channel}). */
    @GetMapping
    ResponseEntity<?> list(
            @RequestParam(defaultValue = "50") int limit,
            @RequestParam(required = false) String status,
            @RequestParam(required = false) String channel) {
        if (limit < 1 || limit > MAX_LIMIT) {
            return error(HttpStatus.BAD_REQUEST, "limit must be between 1 and " + MAX_LIMIT);
        }
        if (status != null && !STATUSES.contains(status)) {
            return error(HttpStatus.BAD_REQUEST, "status must be one of " + STATUSES);
        }
        StringBuilder sql = new StringBuilder("SELECT " + EVENT_COLUMNS + " FROM call_audit a");
        List<Object> parameters = new ArrayList<>();
        if (status != null || channel != null) {
            sql.append(" WHERE EXISTS (SELECT 1 FROM call_delivery d WHERE d.delivery_id = a.delivery_id");
            if (status != null) {
                sql.append(" AND d.status = ?");
                parameters.add(status);
            }
            if (channel != null) {
                sql.append(" AND d.channel = ?");
                parameters.add(channel);
            }
            sql.append(")");
        }
        sql.append(" ORDER BY received_at DESC FETCH FIRST ").append(limit).append(" ROWS ONLY");
        return ResponseEntity.ok(Map.of("events", events(jdbc.queryForList(sql.toString(), parameters.toArray()))));
    }

    @GetMapping("/{deliveryId}")
    ResponseEntity<?> one(@PathVariable String deliveryId) {
        List<Map<String, Object>> rows =
                jdbc.queryForList("SELECT " + EVENT_COLUMNS + " FROM call_audit a WHERE delivery_id = ?", deliveryId);
        if (rows.isEmpty()) {
            return error(HttpStatus.NOT_FOUND, "no event with delivery id " + deliveryId);
        }
        return ResponseEntity.ok(events(rows).get(0));
    }

    /**
     * Its FAILED deliveries (or only {@code channel}'s) become PENDING, due now: their destinations take them at
     * once.
     */
    @PostMapping("/{deliveryId}/replay")
    ResponseEntity<?> replay(@PathVariable String deliveryId, @RequestParam(required = false) String channel) {
        if (jdbc.queryForList("SELECT 1 FROM call_audit WHERE delivery_id = ?", deliveryId)
                .isEmpty()) {
            return error(HttpStatus.NOT_FOUND, "no event with delivery id " + deliveryId);
        }
        List<String> reopened = ledger.reopenFailed(deliveryId, channel);
        if (reopened.isEmpty()) {
            return error(
                    HttpStatus.CONFLICT,
                    channel == null
                            ? "delivery " + deliveryId + " has no FAILED channel to replay"
                            : "delivery " + deliveryId + " has no FAILED " + channel + " delivery to replay");
        }
        return ResponseEntity.accepted().body(Map.of("deliveryId", deliveryId, "replayed", reopened));
    }

    /** The events of these audit rows with their channels' states, read in one query rather than one each. */
    private List<Map<String, Object>> events(List<Map<String, Object>> rows) {
        List<Object> ids = rows.stream().map(row -> row.get("delivery_id")).toList();
        Map<Object, List<Map<String, Object>>> deliveries = new HashMap<>();
        if (!ids.isEmpty()) {
            for (Map<String, Object> d : jdbc.queryForList(
                    "SELECT delivery_id, channel, status, attempts, last_error, updated_at FROM call_delivery"
                            + " WHERE delivery_id IN (" + String.join(",", Collections.nCopies(ids.size(), "?"))
                            + ") ORDER BY channel",
                    ids.toArray())) {
                Map<String, Object> delivery = new LinkedHashMap<>();
                delivery.put("channel", d.get("channel"));
                delivery.put("status", d.get("status"));
                delivery.put("attempts", d.get("attempts"));
                delivery.put("lastError", d.get("last_error"));
                delivery.put("updatedAt", instant(d.get("updated_at")));
                deliveries
                        .computeIfAbsent(d.get("delivery_id"), id -> new ArrayList<>())
                        .add(delivery);
            }
        }
        List<Map<String, Object>> events = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            Map<String, Object> event = new LinkedHashMap<>();
            event.put("deliveryId", row.get("delivery_id"));
            event.put("event", row.get("event"));
            event.put("receivedAt", instant(row.get("received_at")));
            event.put("routed", row.get("routed"));
            event.put("callId", row.get("call_id"));
            event.put("customerName", row.get("customer_name"));
            event.put("agentName", row.get("agent_name"));
            event.put("callSuccessful", row.get("call_successful"));
            event.put("deliveries", deliveries.getOrDefault(row.get("delivery_id"), List.of()));
            events.add(event);
        }
        return events;
    }

    /** H2 reads a TIMESTAMP WITH TIME ZONE as OffsetDateTime, PostgreSQL as Timestamp: answer ISO 8601 UTC. */
    private static String instant(Object value) {
        if (value instanceof java.time.OffsetDateTime time) {
            return time.toInstant().toString();
        }
        if (value instanceof java.sql.Timestamp time) {
            return time.toInstant().toString();
        }
        return value == null ? null : value.toString();
    }

    private static ResponseEntity<Map<String, String>> error(HttpStatus status, String message) {
        return ResponseEntity.status(status).body(Map.of("error", message));
    }
}
