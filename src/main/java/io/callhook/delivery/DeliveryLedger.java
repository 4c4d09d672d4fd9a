package io.callhook.delivery;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import io.callhook.audit.AuditLog;
import io.callhook.db.DatabaseClock;
import io.callhook.metrics.CallhookMetrics;
import org.apache.camel.Exchange;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The per-destination state of each event in {@code call_delivery}: what the routing table decided at intake
 * (PENDING for each chosen destination that is on, SKIPPED with the reason for the others), and a replay's
 * FAILED deliveries made PENDING again. The destinations take their PENDING rows ({@link DeliveriesComponent})
 * and record what became of them ({@link Verdicts}).
 */
@Component("deliveryPlan")
public class DeliveryLedger {

    public static final String PENDING = "PENDING";
    public static final String SENT = "SENT";
    public static final String FAILED = "FAILED";
    public static final String SKIPPED = "SKIPPED";

    private static final String REOPEN = "UPDATE call_delivery SET status = 'PENDING', due_at = ?, lease_owner = NULL,"
            + " lease_token = NULL, lease_until = NULL, updated_at = ?"
            + " WHERE delivery_id = ? AND channel = ? AND status = 'FAILED'";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;
    private final Senders destinations;
    private final CallhookMetrics metrics;
    private final DatabaseClock clock;
    private final DeliveriesComponent queues;

    public DeliveryLedger(
            JdbcTemplate jdbc,
            TransactionTemplate transaction,
            Senders destinations,
            CallhookMetrics metrics,
            DatabaseClock clock,
            DeliveriesComponent queues) {
        this.jdbc = jdbc;
        this.transaction = transaction;
        this.destinations = destinations;
        this.metrics = metrics;
        this.clock = clock;
        this.queues = queues;
    }

    /**
     * Intake, after the routing table: its decision (variable {@code channels}, the chosen destinations' names,
     * comma-separated) as the event's delivery rows, into variable {@code deliveries} for the store. Every
     * chosen destination gets one, SKIPPED with the reason when it is off (a setting it requires is unset, or no
     * destination has that name); every destination that is on but was not chosen gets a SKIPPED row too, so
     * an event shows where it did not go and why. Nothing when the routing table failed (variable
     * {@code routingError}): the event is stored to be routed again.
     */
    public void plan(Exchange exchange) {
        if (exchange.getVariable("routingError") != null) {
            return;
        }
        List<AuditLog.Delivery> rows = new ArrayList<>();
        decide(exchange.getVariable("channels", String.class), destinations.names(), this::offReason)
                .forEach((name, skipped) -> rows.add(
                        new AuditLog.Delivery(name, skipped.isPresent() ? SKIPPED : PENDING, skipped.orElse(null))));
        exchange.setVariable("deliveries", rows);
    }

    /** Counts the event's SKIPPED deliveries, once it is stored (not for a duplicate). */
    public void counted(Exchange exchange) {
        @SuppressWarnings("unchecked")
        List<AuditLog.Delivery> rows = exchange.getVariable("deliveries", List.class);
        if (rows != null) {
            for (AuditLog.Delivery row : rows) {
                if (SKIPPED.equals(row.status())) {
                    metrics.delivery(row.channel(), SKIPPED);
                }
            }
        }
    }

    private Optional<String> offReason(String name) {
        return destinations
                .sender(name)
                .map(sender -> Optional.ofNullable(sender.offReason()))
                .orElse(Optional.of("no destination named '" + name + "' is declared in the routes"));
    }

    /**
     * FAILED deliveries of the event become PENDING again, due now: all of them, or only {@code channel}'s when
     * it is given; their destinations take them at once. Returns their channels.
     */
    public List<String> reopenFailed(String deliveryId, String channel) {
        List<String> reopened = transaction.execute(status -> {
            List<String> failed = jdbc
                    .queryForList(
                            "SELECT channel FROM call_delivery WHERE delivery_id = ? AND status = ? ORDER BY channel"
                                    + " FOR UPDATE",
                            String.class,
                            deliveryId,
                            FAILED)
                    .stream()
                    .filter(failedChannel -> channel == null || channel.equals(failedChannel))
                    .toList();
            OffsetDateTime now = clock.now();
            for (String one : failed) {
                jdbc.update(REOPEN, now, now, deliveryId, one);
            }
            return failed;
        });
        if (reopened != null && !reopened.isEmpty()) {
            queues.pending(new LinkedHashSet<>(reopened));
        }
        return reopened == null ? List.of() : reopened;
    }

    /**
     * What becomes of an event's deliveries, given the routing table's {@code channels} (comma-separated):
     * each chosen destination, then each other one that is on, with why it is skipped (off, unknown or not
     * chosen) or empty when it is owed. What intake records and {@code preview} shows.
     */
    public static Map<String, Optional<String>> decide(
            String channels, Set<String> declared, Function<String, Optional<String>> offReason) {
        Map<String, Optional<String>> decided = new LinkedHashMap<>();
        Set<String> chosen = names(channels);
        for (String name : chosen) {
            decided.put(name, offReason.apply(name));
        }
        for (String name : declared) {
            if (!chosen.contains(name) && offReason.apply(name).isEmpty()) {
                decided.put(name, Optional.of("not chosen by the routes"));
            }
        }
        return decided;
    }

    private static Set<String> names(String list) {
        Set<String> names = new LinkedHashSet<>();
        if (list != null) {
            Arrays.stream(list.split(","))
                    .map(String::trim)
                    .filter(s -> !s.isEmpty())
                    .forEach(names::add);
        }
        return names;
    }
}
