package io.callhook.delivery;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.callhook.audit.AuditLog;
import io.callhook.db.Database;
import io.callhook.db.DatabaseClock;
import io.callhook.intake.WebhookReader;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.DefaultExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Routes again the events the routing table failed on at intake ({@code unrouted_event}), oldest first: each
 * is read again from its payload as received, goes through the routing table as it is now, and gets its
 * delivery rows in the same transaction that forgets its mark; its destinations are woken. One that fails again
 * is tried later, a little later each time. Several instances may run it: a row locked by one is passed by.
 */
@Component("rerouting")
public class Rerouting {

    static final int BATCH = 50;
    private static final Logger log = LoggerFactory.getLogger(Rerouting.class);
    private static final String DUE = "SELECT delivery_id FROM unrouted_event WHERE due_at <= ? ORDER BY due_at"
            + " FETCH FIRST " + BATCH + " ROWS ONLY";
    private static final String TAKE =
            "SELECT attempts FROM unrouted_event WHERE delivery_id = ? AND due_at <= ? FOR UPDATE SKIP LOCKED";
    private static final String EVENT = "SELECT payload, received_at FROM call_audit WHERE delivery_id = ?";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;
    private final DatabaseClock clock;
    private final Database database;
    private final WebhookReader reader;
    private final DeliveryLedger plan;
    private final DeliveriesComponent queues;
    private final ProducerTemplate producer;
    private final CamelContext camel;

    public Rerouting(
            JdbcTemplate jdbc,
            TransactionTemplate transaction,
            DatabaseClock clock,
            Database database,
            WebhookReader reader,
            DeliveryLedger plan,
            DeliveriesComponent queues,
            ProducerTemplate producer,
            CamelContext camel) {
        this.jdbc = jdbc;
        this.transaction = transaction;
        this.clock = clock;
        this.database = database;
        this.reader = reader;
        this.plan = plan;
        this.queues = queues;
        this.producer = producer;
        this.camel = camel;
    }

    /** One pass: returns how many events it routed. */
    public int run() throws SQLException {
        int routed = 0;
        Set<String> pending = new LinkedHashSet<>();
        for (String deliveryId : jdbc.queryForList(DUE, String.class, clock.now())) {
            Boolean done = transaction.execute(status -> routeAgain(deliveryId, pending));
            if (Boolean.TRUE.equals(done)) {
                routed++;
            }
        }
        if (routed > 0) {
            // rare: H2 is written through rather than journaled
            database.writeThrough();
            queues.pending(pending);
            log.info("Routed {} event(s) the routing table had failed on", routed);
        }
        return routed;
    }

    private boolean routeAgain(String deliveryId, Set<String> pending) {
        OffsetDateTime now = clock.now();
        List<Integer> taken = jdbc.queryForList(TAKE, Integer.class, deliveryId, now);
        if (taken.isEmpty()) {
            return false; // routed meanwhile, or another instance has it
        }
        int attempts = taken.get(0);
        Map<String, Object> row = jdbc.queryForMap(EVENT, deliveryId);
        String payload = (String) row.get("payload");
        Exchange exchange = new DefaultExchange(camel);
        try {
            WebhookReader.Event event = reader.event(payload.getBytes(StandardCharsets.UTF_8), deliveryId, null);
            exchange.getMessage().setBody(event.envelope());
            exchange.setProperty("deliveryId", deliveryId);
            exchange.setVariable("event", event.event());
            exchange.setVariable("outcome", event.outcome());
            exchange = producer.send("direct:call-routing", exchange);
        } catch (RuntimeException e) {
            exchange.setException(e);
        }
        if (exchange.getException() != null) {
            String error = String.valueOf(exchange.getException().getMessage());
            jdbc.update(
                    "UPDATE unrouted_event SET attempts = ?, error = ?, due_at = ? WHERE delivery_id = ?",
                    attempts + 1,
                    error.length() <= 2000 ? error : error.substring(0, 1999) + "…",
                    now.plus(Duration.ofMinutes(Math.min(60, 1L << Math.min(6, attempts + 1)))),
                    deliveryId);
            log.warn(
                    "Delivery {}: the routing table failed on it again (try {}), it is tried later: {}",
                    deliveryId,
                    attempts + 2,
                    error);
            return false;
        }
        plan.plan(exchange);
        @SuppressWarnings("unchecked")
        List<AuditLog.Delivery> deliveries = exchange.getVariable("deliveries", List.class);
        Object receivedAt = DeliveryQueue.value(row.get("received_at"));
        int bytes = payload.getBytes(StandardCharsets.UTF_8).length;
        for (AuditLog.Delivery delivery : deliveries) {
            boolean owed = DeliveryLedger.PENDING.equals(delivery.status());
            jdbc.update(
                    "INSERT INTO call_delivery (delivery_id, channel, status, attempts, last_error, created_at,"
                            + " updated_at, due_at, event_bytes) SELECT ?, ?, ?, 0, ?, ?, ?, ?, ? WHERE NOT EXISTS"
                            + " (SELECT 1 FROM call_delivery WHERE delivery_id = ? AND channel = ?)",
                    deliveryId,
                    delivery.channel(),
                    delivery.status(),
                    delivery.reason(),
                    receivedAt,
                    now,
                    owed ? now : null,
                    bytes,
                    deliveryId,
                    delivery.channel());
            if (owed) {
                pending.add(delivery.channel());
            }
        }
        jdbc.update("DELETE FROM unrouted_event WHERE delivery_id = ?", deliveryId);
        return true;
    }
}
