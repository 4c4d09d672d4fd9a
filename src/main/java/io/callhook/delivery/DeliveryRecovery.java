package io.callhook.delivery;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.callhook.db.DatabaseClock;
import io.callhook.db.InstanceId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Finds work that acknowledged events still owe and nobody is doing — an event never dispatched (its
 * hand-off was lost in a crash or a full queue), a PENDING delivery whose claim expired (its instance died)
 * or was given back — and hands the event to dispatch again. The routing table then claims only what is
 * still PENDING and unclaimed, so nothing already sent goes out twice.
 *
 * <p>Its first pass after a start also resumes what this instance's previous run left (see
 * {@link InstanceId}): the events it took but had not dispatched, and the sends it had claimed. Those are
 * known to be dead, so they are handed over at once instead of after the grace period and the lease that
 * other instances wait for.
 */
@Component("deliveryRecovery")
public class DeliveryRecovery {

    static final int BATCH = 200;
    static final Duration MAX_PASS = Duration.ofSeconds(10);
    // from a cursor: the rows an earlier batch of the same pass claimed are not walked over again
    private static final String UNDISPATCHED = """
            SELECT delivery_id, received_at FROM dispatch_outbox
            WHERE received_at >= ? AND received_at < ? AND (lease_until IS NULL OR lease_until < ?)
            ORDER BY received_at FETCH FIRST %d ROWS ONLY""".formatted(BATCH);
    // what the previous run of this instance took and had not dispatched when it died
    private static final String LEFT_UNDISPATCHED = """
            SELECT delivery_id FROM dispatch_outbox
            WHERE taken_by = ? AND received_at < ? ORDER BY received_at""";
    private static final OffsetDateTime EPOCH = OffsetDateTime.parse("1970-01-01T00:00:00Z");
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
    private final HandOff handOff;
    private final DatabaseClock clock;
    private final String instance;
    private final OffsetDateTime started;
    /** Events this instance's previous run left owed, handed over ahead of everything else. */
    private final Deque<String> resume = new ArrayDeque<>();

    private boolean resumed;

    public DeliveryRecovery(
            JdbcTemplate jdbc,
            DeliveryLedger ledger,
            DeliveryProperties properties,
            HandOff handOff,
            DatabaseClock clock,
            InstanceId instance) {
        this.jdbc = jdbc;
        this.ledger = ledger;
        this.properties = properties;
        this.handOff = handOff;
        this.clock = clock;
        this.instance = instance.id();
        this.started = clock.now();
    }

    /**
     * Renews this instance's claims, then dispatches again what is owed, batch after batch while full
     * batches keep coming (a backlog after an outage or a burst), for at most a few seconds. Returns how many
     * events it handed over.
     */
    public synchronized int run() {
        clock.synchronize();
        long until = System.nanoTime() + MAX_PASS.toNanos();
        int total = 0;
        try {
            if (!resumed) {
                findWhatThePreviousRunLeft();
                resumed = true;
            }
            total += resumeLeftWork();
        } catch (RuntimeException e) {
            log.warn("Recovery could not resume this instance's previous work, next pass retries: {}", e.toString());
        }
        Batch batch = new Batch(0, false, EPOCH);
        do {
            batch = pass(batch.cursor());
            total += batch.handed();
        } while (!batch.queueFull() && batch.handed() >= BATCH && System.nanoTime() < until);
        return total;
    }

    private void findWhatThePreviousRunLeft() {
        Set<String> owed = new LinkedHashSet<>(jdbc.queryForList(LEFT_UNDISPATCHED, String.class, instance, started));
        owed.addAll(ledger.takeBackPreviousClaims());
        resume.addAll(owed);
        if (!owed.isEmpty()) {
            log.info("Resuming {} event(s) owed by this instance's previous run ({})", owed.size(), instance);
        }
    }

    /** Hands over what the previous run left, as far as the dispatch queue has room. */
    private int resumeLeftWork() {
        int room = roomToDispatch();
        int handed = 0;
        while (room > 0 && !resume.isEmpty()) {
            if (send(resume.poll())) {
                handed++;
                room--;
            }
        }
        return handed;
    }

    /**
     * One batch, its outbox scan starting at {@code cursor} (the rows an earlier batch of the pass claimed are
     * not walked over again). Hands over no more than the dispatch queue has room for: an event handed to a
     * full queue would only be dropped again.
     */
    private Batch pass(OffsetDateTime cursor) {
        try {
            ledger.renewLeases();
            OffsetDateTime now = clock.now();
            OffsetDateTime settled = now.minus(properties.grace());
            int room = roomToDispatch();
            int dispatched = 0;
            for (Owed owed : jdbc.query(
                    UNDISPATCHED,
                    (row, n) -> new Owed(row.getString(1), row.getObject(2, OffsetDateTime.class)),
                    cursor,
                    settled,
                    now)) {
                if (room == 0) {
                    break;
                }
                cursor = owed.receivedAt();
                // claimed first, so two instances do not both hand it over
                if (jdbc.update(CLAIM_OUTBOX, now.plus(properties.grace()), owed.deliveryId(), now) == 1
                        && send(owed.deliveryId())) {
                    dispatched++;
                    room--;
                }
            }
            if (room > 0) {
                for (String deliveryId : jdbc.queryForList(ABANDONED, String.class, now, settled)) {
                    if (room == 0) {
                        break;
                    }
                    if (ledger.holdForRecovery(deliveryId, properties.grace()) && send(deliveryId)) {
                        dispatched++;
                        room--;
                    }
                }
            }
            if (dispatched > 0) {
                log.info(
                        "Recovery handed {} owed event(s) to dispatch again{}",
                        dispatched,
                        room == 0 ? "; the dispatch queue is full, the rest waits for the next pass" : "");
            }
            return new Batch(dispatched, room == 0, cursor);
        } catch (RuntimeException e) {
            log.warn("Recovery pass failed, next pass retries: {}", e.toString());
            return new Batch(0, false, cursor);
        }
    }

    /** Whether the hand-off takes an event now (see {@link HandOff#room}). */
    public boolean hasRoomToDispatch() {
        return roomToDispatch() > 0;
    }

    private int roomToDispatch() {
        return handOff.room();
    }

    private record Owed(String deliveryId, OffsetDateTime receivedAt) {}

    private record Batch(int handed, boolean queueFull, OffsetDateTime cursor) {}

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
        return handOff.offer(deliveryId, payload.get(0), null);
    }
}
