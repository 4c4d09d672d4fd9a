package io.callhook.delivery;

import java.time.OffsetDateTime;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Finds work that acknowledged events still owe and nobody is doing — an event never dispatched (its
 * hand-off was lost in a crash or a full queue), a PENDING delivery whose claim expired (its instance died)
 * or was released — and hands the event to dispatch again. The routing table then claims only what is
 * still PENDING and unclaimed, so nothing already sent goes out twice.
 */
@Component("deliveryRecovery")
public class DeliveryRecovery {

    static final int BATCH = 200;
    private static final String UNDISPATCHED = """
            SELECT delivery_id FROM call_audit
            WHERE dispatched_at IS NULL AND received_at < ? AND (dispatch_lease_until IS NULL OR dispatch_lease_until < ?)
            ORDER BY received_at FETCH FIRST %d ROWS ONLY""".formatted(BATCH);
    private static final String UNCLAIMED = """
            SELECT DISTINCT delivery_id FROM call_delivery
            WHERE status = 'PENDING' AND (lease_until IS NULL OR lease_until < ?) AND updated_at < ?
            FETCH FIRST %d ROWS ONLY""".formatted(BATCH);
    private static final String CLAIM_DISPATCH = """
            UPDATE call_audit SET dispatch_lease_until = ?
            WHERE delivery_id = ? AND (dispatch_lease_until IS NULL OR dispatch_lease_until < ? OR ?)""";
    private static final Logger log = LoggerFactory.getLogger(DeliveryRecovery.class);

    private final JdbcTemplate jdbc;
    private final DeliveryLedger ledger;
    private final DeliveryProperties properties;
    private final ProducerTemplate producer;
    private final String dispatchUri;

    public DeliveryRecovery(
            JdbcTemplate jdbc,
            DeliveryLedger ledger,
            DeliveryProperties properties,
            ProducerTemplate producer,
            @Value("${callhook.dispatch.uri}") String dispatchUri) {
        this.jdbc = jdbc;
        this.ledger = ledger;
        this.properties = properties;
        this.producer = producer;
        this.dispatchUri = dispatchUri;
    }

    /** One pass: renew this instance's claims, then dispatch again what is owed. Returns how many events. */
    public int run() {
        try {
            ledger.renewLeases();
            OffsetDateTime now = DeliveryLedger.now();
            OffsetDateTime settled = now.minus(properties.grace());
            Set<String> owed = new LinkedHashSet<>(jdbc.queryForList(UNDISPATCHED, String.class, settled, now));
            owed.addAll(jdbc.queryForList(UNCLAIMED, String.class, now, settled));
            int dispatched = 0;
            for (String deliveryId : owed) {
                dispatched += redispatch(deliveryId, false) ? 1 : 0;
            }
            if (dispatched > 0) {
                log.info("Recovery handed {} owed event(s) to dispatch again", dispatched);
            }
            return dispatched;
        } catch (RuntimeException e) {
            log.warn("Recovery pass failed, next pass retries: {}", e.toString());
            return 0;
        }
    }

    /**
     * Hands the stored event to dispatch, unless another instance has just done so (or {@code now} says
     * do it anyway, for an operator's replay). Returns whether it did.
     */
    public boolean redispatch(String deliveryId, boolean now) {
        OffsetDateTime at = DeliveryLedger.now();
        int claimed = jdbc.update(CLAIM_DISPATCH, at.plus(properties.grace()), deliveryId, at, now);
        if (claimed == 0) {
            return false;
        }
        List<String> payload =
                jdbc.queryForList("SELECT payload FROM call_audit WHERE delivery_id = ?", String.class, deliveryId);
        if (payload.isEmpty()) {
            return false;
        }
        producer.sendBodyAndHeader(dispatchUri, payload.get(0), "CallhookDeliveryId", deliveryId);
        return true;
    }
}
