package io.callhook.delivery;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;

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
    static final Duration MAX_PASS = Duration.ofSeconds(10);
    private static final String UNDISPATCHED = """
            SELECT delivery_id FROM dispatch_outbox
            WHERE received_at < ? AND (lease_until IS NULL OR lease_until < ?)
            ORDER BY received_at FETCH FIRST %d ROWS ONLY""".formatted(BATCH);
    private static final String ABANDONED = """
            SELECT DISTINCT delivery_id FROM call_delivery
            WHERE status = 'PENDING' AND (lease_until IS NULL OR lease_until < ?) AND updated_at < ?
            FETCH FIRST %d ROWS ONLY""".formatted(BATCH);
    private static final String CLAIM_OUTBOX = """
            UPDATE dispatch_outbox SET lease_until = ?
            WHERE delivery_id = ? AND (lease_until IS NULL OR lease_until < ?)""";
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

    /**
     * Renews this instance's claims, then dispatches again what is owed, batch after batch while full
     * batches keep coming (a backlog after an outage or a burst), for at most a few seconds. Returns how many
     * events it handed over.
     */
    public int run() {
        long until = System.nanoTime() + MAX_PASS.toNanos();
        int total = 0;
        int handed;
        do {
            handed = pass();
            total += handed;
        } while (handed >= BATCH && System.nanoTime() < until);
        return total;
    }

    private int pass() {
        try {
            ledger.renewLeases();
            OffsetDateTime now = DeliveryLedger.now();
            OffsetDateTime settled = now.minus(properties.grace());
            int dispatched = 0;
            for (String deliveryId : jdbc.queryForList(UNDISPATCHED, String.class, settled, now)) {
                // claimed first, so two instances do not both hand it over
                if (jdbc.update(CLAIM_OUTBOX, now.plus(properties.grace()), deliveryId, now) == 1) {
                    dispatched += send(deliveryId) ? 1 : 0;
                }
            }
            for (String deliveryId : jdbc.queryForList(ABANDONED, String.class, now, settled)) {
                if (ledger.holdForRecovery(deliveryId, properties.grace())) {
                    dispatched += send(deliveryId) ? 1 : 0;
                }
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

    /** Hands the stored event to dispatch (an operator's replay: its FAILED deliveries were reopened). */
    public boolean redispatch(String deliveryId) {
        return send(deliveryId);
    }

    private boolean send(String deliveryId) {
        List<String> payload =
                jdbc.queryForList("SELECT payload FROM call_audit WHERE delivery_id = ?", String.class, deliveryId);
        if (payload.isEmpty()) {
            return false;
        }
        producer.sendBodyAndHeader(dispatchUri, payload.get(0), "CallhookDeliveryId", deliveryId);
        return true;
    }
}
