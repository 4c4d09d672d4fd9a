package io.callhook.delivery;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;

import io.callhook.db.Database;
import io.callhook.db.DatabaseClock;
import io.callhook.db.InstanceId;
import io.callhook.destination.SendFailed;
import io.callhook.metrics.CallhookMetrics;
import org.apache.camel.Exchange;
import org.apache.camel.support.ExchangeHelper;
import org.apache.camel.support.SynchronizationAdapter;
import org.apache.camel.util.ObjectHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The per-channel state of each event in {@code call_delivery}: PENDING until the channel's route reports
 * SENT or FAILED; SKIPPED when the routes did not choose the channel or it is not configured.
 *
 * <p>A PENDING row is sent only under a claim: a lease held by this instance and a token that the queued
 * send carries. Every state change names the token, so a send whose claim was taken over by recovery
 * elsewhere changes nothing and does not go out. This instance renews only the claims of sends that are
 * queued or in flight here ({@link Claims}); a send given up in any way (a full outbox, a route replaced
 * under it, a database failure while recording its outcome) frees its claim, or at worst lets its lease
 * run out, so that recovery takes the delivery again.
 */
@Component("deliveries")
public class DeliveryLedger {

    public static final String PENDING = "PENDING";
    public static final String SENT = "SENT";
    public static final String FAILED = "FAILED";
    public static final String SKIPPED = "SKIPPED";

    private static final Logger log = LoggerFactory.getLogger(DeliveryLedger.class);
    private static final int MAX_ERROR_LENGTH = 2000;
    private static final int RENEW_CHUNK = 500;

    private static final String INSERT = """
            INSERT INTO call_delivery (delivery_id, channel, status, attempts, last_error, created_at, updated_at)
            VALUES (?, ?, ?, 0, ?, ?, ?)""";
    private static final String INSERT_CLAIMED = """
            INSERT INTO call_delivery (delivery_id, channel, status, attempts, last_error, created_at, updated_at,
            lease_owner, lease_token, lease_until) VALUES""";
    private static final String DISPATCHED = "DELETE FROM dispatch_outbox WHERE delivery_id = ?";
    // free: nobody holds it, its claim expired, or this instance's recovery set it aside for this dispatch
    private static final String CLAIM = """
            UPDATE call_delivery SET lease_owner = ?, lease_token = ?, lease_until = ?, updated_at = ?
            WHERE delivery_id = ? AND channel = ? AND status = 'PENDING'
            AND (lease_until IS NULL OR lease_until < ? OR (lease_owner = ? AND lease_token IS NULL))""";
    private static final String CLAIM_FOR_RECOVERY = """
            UPDATE call_delivery SET lease_owner = ?, lease_token = NULL, lease_until = ?
            WHERE delivery_id = ? AND status = 'PENDING' AND (lease_until IS NULL OR lease_until < ?)""";
    private static final String ATTEMPT = """
            UPDATE call_delivery SET attempts = attempts + 1, lease_owner = ?, lease_until = ?, updated_at = ?
            WHERE delivery_id = ? AND channel = ? AND status = 'PENDING' AND lease_token = ?""";
    private static final String FINISH = """
            UPDATE call_delivery SET status = ?, last_error = ?, lease_owner = NULL, lease_token = NULL,
            lease_until = NULL, updated_at = ?
            WHERE delivery_id = ? AND channel = ? AND status = 'PENDING' AND lease_token = ?""";
    private static final String FREE = """
            UPDATE call_delivery SET lease_owner = NULL, lease_token = NULL, lease_until = NULL
            WHERE delivery_id = ? AND channel = ? AND status = 'PENDING' AND lease_token = ?""";
    private static final String RENEW = """
            UPDATE call_delivery SET lease_until = ?
            WHERE status = 'PENDING' AND lease_owner = ? AND lease_token = ANY(?)""";
    private static final String REOPEN = """
            UPDATE call_delivery SET status = 'PENDING', lease_owner = NULL, lease_token = NULL, lease_until = NULL,
            updated_at = ? WHERE delivery_id = ? AND channel = ? AND status = 'FAILED'""";

    private final JdbcTemplate jdbc;
    private final CallhookMetrics metrics;
    private final TransactionTemplate transaction;
    private final DeliveryProperties properties;
    private final Channels destinations;
    private final Database database;
    private final DatabaseClock clock;
    private final String instance;
    private final Claims claims = new Claims();
    private final DispatchRecords records;

    public DeliveryLedger(
            JdbcTemplate jdbc,
            TransactionTemplate transaction,
            DeliveryProperties properties,
            Channels destinations,
            CallhookMetrics metrics,
            Database database,
            DatabaseClock clock,
            InstanceId instance) {
        this.database = database;
        this.metrics = metrics;
        this.jdbc = jdbc;
        this.transaction = transaction;
        this.properties = properties;
        this.clock = clock;
        this.instance = instance.id();
        this.destinations = destinations;
        this.records =
                new DispatchRecords(jdbc, transaction, INSERT_CLAIMED, this::relaxCommit, metrics::dispatchBatch);
    }

    /**
     * Records the routing table's decision for the event on the exchange (property {@code deliveryId};
     * variable {@code channels}, the chosen destinations' names, comma-separated), marks the event dispatched
     * and claims its PENDING deliveries that nobody holds. Every chosen destination gets a row, SKIPPED with
     * the reason when it is off (a setting it requires is unset, or no destination has that name); every
     * destination that is on but was not chosen gets a SKIPPED row too, so an event shows where it did not
     * go and why. Leaves the claims' tokens in variable {@code leases} (channel → token), for
     * {@link #handOver}. A claim that the dispatch does not hand to an outbox is freed when the dispatch ends.
     */
    public void plan(Exchange exchange) {
        String deliveryId = exchange.getProperty("deliveryId", String.class);
        Map<String, Optional<String>> decided =
                decide(exchange.getVariable("channels", String.class), destinations.names(), destinations::offReason);
        Set<String> all = decided.keySet();
        // channel → why it is skipped; no entry for a channel that is owed
        Map<String, String> skipped = new LinkedHashMap<>();
        decided.forEach((name, reason) -> reason.ifPresent(why -> skipped.put(name, why)));

        OffsetDateTime now = clock.now();
        List<String> newlySkipped = new ArrayList<>();
        Map<String, String> leases = new LinkedHashMap<>();
        if (records.write(new DispatchRecords.Record(deliveryId, firstRows(deliveryId, all, skipped, now, leases)))) {
            newlySkipped.addAll(skipped.keySet());
        } else {
            // dispatched before (recovery, a replay, another instance): complete what is missing, claim what is free
            leases = transaction.execute(status -> recordAgain(deliveryId, all, skipped, now, newlySkipped));
        }

        Map<String, String> held = leases;
        held.forEach((channel, token) -> claims.claimed(token, deliveryId, channel));
        if (!held.isEmpty()) {
            exchange.getExchangeExtension().addOnCompletion(new OwnCompletion() {
                @Override
                public void onDone(Exchange dispatch) {
                    held.forEach((channel, token) -> {
                        if (claims.notQueued(token)) {
                            abandon(deliveryId, channel, token, "the dispatch did not queue it");
                        }
                    });
                }
            });
        }
        newlySkipped.forEach(name -> metrics.delivery(name, SKIPPED));
        log.info("Delivery {} dispatched: sending {}, skipped {}", deliveryId, held.keySet(), skipped);
        exchange.setVariable("leases", held);
    }

    /**
     * Hands each claimed send (variable {@code leases}) to its destination's outbox, a copy of the event
     * apiece; a send the outbox cannot take within a second (it is full) gives its claim back, and recovery
     * queues it again later.
     */
    public void handOver(Exchange exchange) {
        Map<?, ?> leases = exchange.getVariable("leases", Map.class);
        if (leases == null) {
            return;
        }
        String deliveryId = exchange.getProperty("deliveryId", String.class);
        leases.forEach((channel, token) -> {
            Exchange send = ExchangeHelper.createCopy(exchange, false);
            send.setVariable("channel", channel);
            if (destinations.queue(channel.toString(), send)) {
                claims.queued(token.toString());
            } else {
                abandon(deliveryId, channel.toString(), token.toString(), "its outbox is full");
            }
        });
    }

    /**
     * The usual case, an event dispatched for the first time: every channel's row, the owed ones already
     * claimed by this instance (their tokens go into {@code claimed}), written with the event's removal from
     * the outbox by {@link DispatchRecords}, in one transaction with other dispatches of the moment.
     */
    private List<Object[]> firstRows(
            String deliveryId,
            Set<String> all,
            Map<String, String> skipped,
            OffsetDateTime now,
            Map<String, String> claimed) {
        List<Object[]> rows = new ArrayList<>();
        for (String name : all) {
            String reason = skipped.get(name);
            String token = reason == null ? UUID.randomUUID().toString() : null;
            if (token != null) {
                claimed.put(name, token);
            }
            rows.add(new Object[] {
                deliveryId,
                name,
                reason == null ? PENDING : SKIPPED,
                reason,
                now,
                now,
                token == null ? null : instance,
                token,
                token == null ? null : now.plus(properties.lease())
            });
        }
        return rows;
    }

    /** An event that has rows already: adds the missing ones and claims the PENDING ones nobody holds. */
    private Map<String, String> recordAgain(
            String deliveryId,
            Set<String> all,
            Map<String, String> skipped,
            OffsetDateTime now,
            List<String> newlySkipped) {
        relaxCommit();
        // Locks the event so two dispatchers of the same delivery record its channels once
        jdbc.queryForList("SELECT delivery_id FROM call_audit WHERE delivery_id = ? FOR UPDATE", deliveryId);
        Set<String> recorded = new HashSet<>(
                jdbc.queryForList("SELECT channel FROM call_delivery WHERE delivery_id = ?", String.class, deliveryId));
        for (String name : all) {
            if (!recorded.contains(name)) {
                String reason = skipped.get(name);
                jdbc.update(INSERT, deliveryId, name, reason == null ? PENDING : SKIPPED, reason, now, now);
                if (reason != null) {
                    newlySkipped.add(name);
                }
            }
        }
        jdbc.update(DISPATCHED, deliveryId);
        Map<String, String> claimed = new LinkedHashMap<>();
        for (String name : jdbc.queryForList(
                "SELECT channel FROM call_delivery WHERE delivery_id = ? AND status = ? ORDER BY channel",
                String.class,
                deliveryId,
                PENDING)) {
            String token = UUID.randomUUID().toString();
            if (jdbc.update(CLAIM, instance, token, now.plus(properties.lease()), now, deliveryId, name, now, instance)
                    == 1) {
                claimed.put(name, token);
            }
        }
        return claimed;
    }

    /**
     * On PostgreSQL, the dispatch record's commit does not wait for its WAL flush (one fsync per event held
     * each dispatch thread, and dispatch fell behind intake at about 1,000 events/s). Only a crash of the
     * database server itself can lose the last fraction of a second of such commits; the event's outbox row
     * then comes back and recovery dispatches it again (at least once). Any later synchronous commit (a send
     * recorded SENT, an audit row) flushes them first. The audit row's commit stays synchronous. H2 commits
     * delivery states in memory anyway (see AuditLog).
     */
    private void relaxCommit() {
        if (database.postgres()) {
            jdbc.execute("SET LOCAL synchronous_commit TO OFF");
        }
    }

    /**
     * An outbox consumer took the send: from here until this exchange ends, the claim is this exchange's.
     * If the exchange ends without the send being recorded SENT or FAILED (its route was stopped under it,
     * the database failed while recording the outcome), the claim is freed for recovery.
     */
    public void sending(Exchange exchange) {
        String deliveryId = deliveryId(exchange);
        String channel = channel(exchange);
        String token = token(exchange);
        if (!claims.sending(token, deliveryId, channel)) {
            return;
        }
        exchange.getExchangeExtension().addOnCompletion(new OwnCompletion() {
            @Override
            public void onDone(Exchange send) {
                if (claims.isHeld(token)) {
                    abandon(deliveryId, channel, token, "its send ended without an outcome");
                }
            }
        });
    }

    /**
     * One send attempt is about to go out (variables {@code deliveryId}, {@code channel}, {@code leases}):
     * counts it and renews the claim, or throws {@link LeaseLost} if the claim is no longer ours.
     */
    public void attempt(Exchange exchange) {
        OffsetDateTime now = clock.now();
        int updated = jdbc.update(
                ATTEMPT,
                instance,
                now.plus(properties.lease()),
                now,
                deliveryId(exchange),
                channel(exchange),
                token(exchange));
        if (updated == 0) {
            throw new LeaseLost(deliveryId(exchange), channel(exchange));
        }
    }

    /**
     * Writes down one attempt for the delivery's timeline: when, how long, its error (null: accepted) and the
     * template its message was rendered from.
     * The timeline is for people: a failure to write it is logged, never a reason to fail the send.
     */
    public void attempted(Exchange exchange, Duration took, String error) {
        OffsetDateTime now = clock.now();
        try {
            jdbc.update(
                    "INSERT INTO delivery_attempt (delivery_id, channel, attempted_at, took_ms, error, template)"
                            + " VALUES (?, ?, ?, ?, ?, ?)",
                    deliveryId(exchange),
                    channel(exchange),
                    now.minus(took),
                    (int) Math.min(Integer.MAX_VALUE, took.toMillis()),
                    error == null ? null : truncate(error),
                    exchange.getVariable("template", String.class));
        } catch (RuntimeException e) {
            log.warn(
                    "Delivery {} {}: its attempt could not be written to the timeline: {}",
                    deliveryId(exchange),
                    channel(exchange),
                    e.toString());
        }
    }

    /** The channel's route delivered the event. */
    public void sent(Exchange exchange) {
        finish(exchange, SENT, null);
    }

    /**
     * The channel's route gave up on the event; the caught exception is kept as the last error. A send cut
     * short by a stop (an interrupted wait, a retry refused because its route is stopping) is not a verdict
     * on the message: its claim is freed and recovery sends it again.
     */
    public void failed(Exchange exchange) {
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (failure instanceof LeaseLost lost) {
            log.info("Delivery {} {}: {}, not sending", deliveryId(exchange), channel(exchange), lost.getMessage());
            claims.done(token(exchange));
            return;
        }
        if (ObjectHelper.getException(OutcomeNotRecorded.class, failure) != null) {
            // neither FAILED nor a retry: the claim is freed as the send ends (see sending)
            log.warn("Delivery {} {}: {}", deliveryId(exchange), channel(exchange), failure.getMessage());
            return;
        }
        if (cutShort(failure)) {
            abandon(deliveryId(exchange), channel(exchange), token(exchange), "its send was stopped: " + failure);
            return;
        }
        finish(exchange, FAILED, failure == null ? "unknown failure" : describe(failure));
    }

    /** A queued send that will not be sent here ({@code why}): its claim is freed for recovery. */
    public void giveBack(Exchange send, String why) {
        abandon(deliveryId(send), channel(send), token(send), why);
    }

    /**
     * Renews the claims of the sends queued or in flight here. Returns how many rows were renewed. A claim
     * this instance holds for no live send is not renewed: its lease runs out and recovery takes it.
     */
    public int renewLeases() {
        List<String> tokens = claims.held();
        OffsetDateTime until = clock.now().plus(properties.lease());
        int renewed = 0;
        for (int from = 0; from < tokens.size(); from += RENEW_CHUNK) {
            Object[] chunk = tokens.subList(from, Math.min(tokens.size(), from + RENEW_CHUNK))
                    .toArray();
            renewed += jdbc.execute((Connection connection) -> {
                try (PreparedStatement update = connection.prepareStatement(RENEW)) {
                    update.setObject(1, until);
                    update.setString(2, instance);
                    update.setArray(3, connection.createArrayOf("VARCHAR", chunk));
                    return update.executeUpdate();
                }
            });
        }
        return renewed;
    }

    /**
     * The PENDING deliveries that a previous run of this instance claimed and did not finish (it was killed):
     * frees their claims, so that they are sent now rather than when their leases run out. Claims of this
     * run's live sends are left alone. Returns the delivery ids of the events concerned.
     */
    public Set<String> takeBackPreviousClaims() {
        Set<String> events = new LinkedHashSet<>();
        int freed = 0;
        for (Map<String, Object> row : jdbc.queryForList(
                "SELECT delivery_id, channel, lease_token FROM call_delivery WHERE status = ? AND lease_owner = ?",
                PENDING,
                instance)) {
            Object token = row.get("lease_token");
            if (token != null && claims.isHeld(token.toString())) {
                continue;
            }
            String deliveryId = row.get("delivery_id").toString();
            String channel = row.get("channel").toString();
            int updated = token == null
                    ? jdbc.update(
                            "UPDATE call_delivery SET lease_owner = NULL, lease_until = NULL WHERE delivery_id = ?"
                                    + " AND channel = ? AND status = 'PENDING' AND lease_owner = ? AND lease_token IS NULL",
                            deliveryId,
                            channel,
                            instance)
                    : jdbc.update(FREE, deliveryId, channel, token);
            if (updated == 1) {
                freed++;
                events.add(deliveryId);
            }
        }
        if (freed > 0) {
            log.info(
                    "Took back {} claim(s) of {} event(s) left by this instance's previous run ({}): sending them now",
                    freed,
                    events.size(),
                    instance);
        }
        return events;
    }

    /**
     * Sets the event's PENDING deliveries that nobody holds aside for a dispatch by this instance, for
     * {@code hold}: another instance's recovery leaves them alone meanwhile. Returns whether there were any.
     */
    public boolean holdForRecovery(String deliveryId, Duration hold) {
        OffsetDateTime now = clock.now();
        return jdbc.update(CLAIM_FOR_RECOVERY, instance, now.plus(hold), deliveryId, now) > 0;
    }

    /**
     * FAILED deliveries of the event become PENDING again, unclaimed: all of them, or only {@code channel}'s
     * when it is given. Returns their channels.
     */
    public List<String> reopenFailed(String deliveryId, String channel) {
        return transaction.execute(status -> {
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
            for (String reopened : failed) {
                jdbc.update(REOPEN, clock.now(), deliveryId, reopened);
            }
            return failed;
        });
    }

    /** How many claims this instance holds for sends queued or in flight. */
    public int claimsHeld() {
        return claims.size();
    }

    private void finish(Exchange exchange, String status, String error) {
        String deliveryId = deliveryId(exchange);
        String channel = channel(exchange);
        String token = token(exchange);
        int updated = jdbc.update(FINISH, status, error, clock.now(), deliveryId, channel, token);
        claims.done(token);
        if (updated == 0) {
            log.warn(
                    "Delivery {} {}: its claim was taken over before it could be marked {}",
                    deliveryId,
                    channel,
                    status);
            return;
        }
        // on H2, written through at once: a SENT record lost to a kill -9 would send the message again after
        // the restart (the crash test had 28 and 35 events notified twice without it); sends are paced to a
        // few a second, so this costs little
        try {
            database.writeThrough();
        } catch (SQLException e) {
            throw new DataAccessResourceFailureException("Could not write H2 through", e);
        }
        metrics.delivery(channel, status);
        if (SENT.equals(status)) {
            log.info("Delivery {} {} SENT", deliveryId, channel);
        } else {
            log.warn("Delivery {} {} {}: {}", deliveryId, channel, status, error);
        }
    }

    /**
     * Gives the claim up: no longer renewed, and freed in the database so recovery can take the delivery at
     * its next pass. If the database cannot be written now, the lease still runs out within
     * {@code callhook.delivery.lease}.
     */
    private void abandon(String deliveryId, String channel, String token, String why) {
        if (!claims.done(token)) {
            return;
        }
        try {
            jdbc.update(FREE, deliveryId, channel, token);
            log.info("Delivery {} {}: claim given back ({}), recovery sends it again", deliveryId, channel, why);
        } catch (RuntimeException e) {
            log.warn(
                    "Delivery {} {}: claim given up ({}); it could not be freed now ({}), its lease runs out instead",
                    deliveryId,
                    channel,
                    why,
                    e.toString());
        }
    }

    /**
     * A check that runs when the exchange it was added to ends, and only then. A copy of an exchange shares
     * its unit of work, and a seda producer hands that unit's completion tasks over to the exchange it queues
     * (Camel does this so that fire-and-forget work finishes before they run): dispatch's check of the claims
     * it did not queue then travelled with its first send, ran when that send finished and gave back the
     * claims of sends dispatch was still queueing, which went ahead and were sent again by recovery
     * (HandOverTest). Refusing the hand-over keeps each check on its own exchange.
     */
    private abstract static class OwnCompletion extends SynchronizationAdapter {
        @Override
        public boolean allowHandover() {
            return false;
        }
    }

    /** An interruption or a refused retry: the send was stopped, its message was not judged. */
    static boolean cutShort(Throwable failure) {
        return failure != null
                && (ObjectHelper.getException(InterruptedException.class, failure) != null
                        || ObjectHelper.getException(RejectedExecutionException.class, failure) != null);
    }

    String describe(Throwable failure) {
        // a destination's verdict says what happened in its own words; another failure is named by its type
        String text = destinations.mask(
                failure instanceof SendFailed
                        ? failure.getMessage()
                        : failure.getClass().getSimpleName() + ": " + failure.getMessage());
        return truncate(text);
    }

    private static String truncate(String text) {
        return text.length() <= MAX_ERROR_LENGTH ? text : text.substring(0, MAX_ERROR_LENGTH - 1) + "…";
    }

    private static String deliveryId(Exchange exchange) {
        return exchange.getProperty("deliveryId", String.class);
    }

    private static String channel(Exchange exchange) {
        return exchange.getVariable("channel", String.class);
    }

    private static String token(Exchange exchange) {
        Map<?, ?> leases = exchange.getVariable("leases", Map.class);
        Object token = leases == null ? null : leases.get(channel(exchange));
        return token == null ? "" : token.toString();
    }

    /**
     * What becomes of an event's deliveries, given the routing table's {@code channels} (comma-separated):
     * each chosen destination, then each other one that is on, with why it is skipped (off, unknown or not
     * chosen) or empty when it is owed. What {@link #plan} records and {@code preview} shows.
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
