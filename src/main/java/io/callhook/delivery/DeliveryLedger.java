package io.callhook.delivery;

import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The per-channel state of each event in {@code call_delivery}: PENDING until the channel's route
 * reports SENT or FAILED; SKIPPED when the routes did not choose the channel or it is not configured.
 */
@Component("deliveries")
public class DeliveryLedger {

    public static final String PENDING = "PENDING";
    public static final String SENT = "SENT";
    public static final String FAILED = "FAILED";
    public static final String SKIPPED = "SKIPPED";

    private static final Logger log = LoggerFactory.getLogger(DeliveryLedger.class);
    private static final int MAX_ERROR_LENGTH = 2000;

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;
    private final Map<String, DeliveryChannel> channels = new LinkedHashMap<>();

    public DeliveryLedger(JdbcTemplate jdbc, TransactionTemplate transaction, List<DeliveryChannel> channels) {
        this.jdbc = jdbc;
        this.transaction = transaction;
        channels.forEach(channel -> this.channels.put(channel.name(), channel));
    }

    /**
     * Records the routing table's decision for the event on the exchange (variable {@code deliveryId};
     * variable {@code channels}, the chosen channel names, comma-separated) and marks the event
     * dispatched. Leaves in variable {@code sendTo} the {@code direct:} endpoints of the channels that
     * are still owed, for a recipient list.
     */
    public void plan(Exchange exchange) {
        String deliveryId = exchange.getVariable("deliveryId", String.class);
        Set<String> chosen = names(exchange.getVariable("channels", String.class));
        Set<String> all = new LinkedHashSet<>(channels.keySet());
        all.addAll(chosen);

        // channel → why it is skipped; no entry for a channel that is owed
        Map<String, String> skipped = new LinkedHashMap<>();
        for (String name : all) {
            DeliveryChannel channel = channels.get(name);
            if (!chosen.contains(name)) {
                skipped.put(name, "not chosen by the routes");
            } else if (channel != null) {
                channel.offReason(exchange).ifPresent(reason -> skipped.put(name, reason));
            }
        }

        List<String> owed = transaction.execute(status -> {
            // Locks the event so two dispatchers of the same delivery record its channels once
            jdbc.queryForList("SELECT delivery_id FROM call_audit WHERE delivery_id = ? FOR UPDATE", deliveryId);
            Set<String> recorded = new HashSet<>(jdbc.queryForList(
                    "SELECT channel FROM call_delivery WHERE delivery_id = ?", String.class, deliveryId));
            for (String name : all) {
                if (!recorded.contains(name)) {
                    String reason = skipped.get(name);
                    jdbc.update("""
                            INSERT INTO call_delivery (delivery_id, channel, status, attempts, last_error, created_at, updated_at)
                            VALUES (?, ?, ?, 0, ?, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)""", deliveryId, name, reason == null ? PENDING : SKIPPED, reason);
                }
            }
            jdbc.update(
                    "UPDATE call_audit SET dispatched_at = CURRENT_TIMESTAMP WHERE delivery_id = ? AND dispatched_at IS NULL",
                    deliveryId);
            return jdbc.queryForList(
                    "SELECT channel FROM call_delivery WHERE delivery_id = ? AND status = ? ORDER BY channel",
                    String.class,
                    deliveryId,
                    PENDING);
        });

        log.info("Delivery {} dispatched: owed {}, skipped {}", deliveryId, owed, skipped);
        exchange.setVariable(
                "sendTo", owed.stream().map(name -> "direct:" + name).collect(Collectors.joining(",")));
    }

    /** The channel's route delivered the event (variables {@code deliveryId} and {@code channel}). */
    public void sent(Exchange exchange) {
        record(exchange, SENT, null);
    }

    /** The channel's route gave up on the event; the caught exception is kept as the last error. */
    public void failed(Exchange exchange) {
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        record(exchange, FAILED, failure == null ? "unknown failure" : describe(failure));
    }

    private void record(Exchange exchange, String status, String error) {
        String deliveryId = exchange.getVariable("deliveryId", String.class);
        String channel = exchange.getVariable("channel", String.class);
        int updated = jdbc.update(
                "UPDATE call_delivery SET status = ?, attempts = attempts + 1, last_error = ?,"
                        + " updated_at = CURRENT_TIMESTAMP WHERE delivery_id = ? AND channel = ? AND status = ?",
                status,
                error,
                deliveryId,
                channel,
                PENDING);
        if (updated == 0) {
            log.warn("Delivery {} {}: no PENDING row to mark {}", deliveryId, channel, status);
        } else if (SENT.equals(status)) {
            log.info("Delivery {} {} SENT", deliveryId, channel);
        } else {
            log.warn("Delivery {} {} {}: {}", deliveryId, channel, status, error);
        }
    }

    static String describe(Throwable failure) {
        String text = failure.getClass().getSimpleName() + ": " + failure.getMessage();
        return text.length() <= MAX_ERROR_LENGTH ? text : text.substring(0, MAX_ERROR_LENGTH - 1) + "…";
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
