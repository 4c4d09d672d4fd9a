package io.callhook.delivery;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;

import io.callhook.audit.AuditLog;
import io.callhook.db.Database;
import io.callhook.db.DatabaseClock;
import io.callhook.metrics.CallhookMetrics;
import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.apache.camel.util.ObjectHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What became of each send, written where the queue reads it: SENT; or, for a transient failure (a timeout, a
 * 5xx, a 429, an SMTP 4yz), PENDING again with a due time (exponential backoff with jitter, at least the
 * destination's {@code Retry-After}); or FAILED, for a permanent failure and for the last try, with its error.
 * Each try goes on the delivery's timeline. A verdict names the claim's token: a send whose claim another
 * instance took over (its lease ran out) changes nothing.
 *
 * <p>The verdicts of concurrent sends share one transaction (group commit: whoever holds the lock writes every
 * verdict queued so far); on H2 they are journaled before the sender goes on, so that a kill -9 does not send
 * them again. A verdict that cannot be written at all leaves its claim to run out, and the delivery is sent
 * again later: at least once.
 */
@Component("verdicts")
public class Verdicts {

    public static final String PENDING = "PENDING";
    public static final String SENT = "SENT";
    public static final String FAILED = "FAILED";

    /** Exchange property: when the failed delivery is due again, for its consumer's next look. */
    static final String RETRY_IN = "callhookRetryIn";

    private static final Logger log = LoggerFactory.getLogger(Verdicts.class);
    private static final int MAX_ERROR_LENGTH = 2000;
    private static final int WRITE_TRIES = 3;
    private static final int MAX_BATCH = 200;

    private static final String SET_SENT = "UPDATE call_delivery SET status = 'SENT', attempts = ?, last_error = NULL,"
            + " due_at = NULL, lease_owner = NULL, lease_token = NULL, lease_until = NULL, updated_at = ?"
            + " WHERE delivery_id = ? AND channel = ? AND status = 'PENDING' AND lease_token = ?";
    private static final String SET_RETRY = "UPDATE call_delivery SET attempts = ?, last_error = ?, due_at = ?,"
            + " lease_owner = NULL, lease_token = NULL, lease_until = NULL, updated_at = ?"
            + " WHERE delivery_id = ? AND channel = ? AND status = 'PENDING' AND lease_token = ?";
    private static final String SET_FAILED = "UPDATE call_delivery SET status = 'FAILED', attempts = ?,"
            + " last_error = ?, due_at = NULL, lease_owner = NULL, lease_token = NULL, lease_until = NULL,"
            + " updated_at = ? WHERE delivery_id = ? AND channel = ? AND status = 'PENDING' AND lease_token = ?";
    private static final String ATTEMPT = "INSERT INTO delivery_attempt (delivery_id, channel, attempted_at, took_ms,"
            + " error, template) VALUES (?, ?, ?, ?, ?, ?)";

    /** One send's outcome, waiting for the commit that records it. */
    private static final class Verdict {
        final Owed owed;
        final String status;
        final String error;
        final OffsetDateTime dueAt;
        final OffsetDateTime at;
        final int tookMs;
        final String template;
        final boolean attempted;
        boolean done;
        int updated;
        RuntimeException failure;

        Verdict(
                Owed owed,
                String status,
                String error,
                OffsetDateTime dueAt,
                OffsetDateTime at,
                int tookMs,
                String template,
                boolean attempted) {
            this.owed = owed;
            this.status = status;
            this.error = error;
            this.dueAt = dueAt;
            this.at = at;
            this.tookMs = tookMs;
            this.template = template;
            this.attempted = attempted;
        }

        int attempts() {
            return owed.attempts() + (attempted ? 1 : 0);
        }
    }

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;
    private final Database database;
    private final DatabaseClock clock;
    private final DeliveryProperties properties;
    private final DeliveryFailures failures;
    private final AuditLog store;
    private final CallhookMetrics metrics;
    private final Holds holds;
    private final Secrets secrets;
    private final ConcurrentLinkedQueue<Verdict> queue = new ConcurrentLinkedQueue<>();
    private final ReentrantLock writing = new ReentrantLock();

    public Verdicts(
            JdbcTemplate jdbc,
            TransactionTemplate transaction,
            Database database,
            DatabaseClock clock,
            DeliveryProperties properties,
            DeliveryFailures failures,
            AuditLog store,
            CallhookMetrics metrics,
            Holds holds,
            Secrets secrets) {
        this.jdbc = jdbc;
        this.transaction = transaction;
        this.database = database;
        this.clock = clock;
        this.properties = properties;
        this.failures = failures;
        this.store = store;
        this.metrics = metrics;
        this.holds = holds;
        this.secrets = secrets;
    }

    /** The destination took the message (the channel route's last step). */
    public void sent(Exchange exchange) {
        Owed owed = owed(exchange);
        Verdict verdict =
                record(new Verdict(owed, SENT, null, null, clock.now(), took(exchange), template(exchange), true));
        decided(exchange, verdict);
        if (verdict.updated == 1) {
            metrics.delivery(owed.channel(), SENT);
            log.debug("Delivery {} {} SENT", owed.deliveryId(), owed.channel());
        } else if (verdict.failure == null) {
            log.warn(
                    "Delivery {} {}: sent, but its claim had been taken over meanwhile (its lease ran out)",
                    owed.deliveryId(),
                    owed.channel());
        }
    }

    /**
     * The send failed (the channel routes' error handler, with the exception caught): tried again later, or
     * FAILED. A send cut short by a stop is no verdict on the message: its claim is freed and it is sent
     * again.
     */
    public void failed(Exchange exchange) {
        Owed owed = owed(exchange);
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (owed == null) {
            log.error("A send failed before it was claimed: {}", String.valueOf(failure));
            return;
        }
        if (failures.cutShort(failure)) {
            exchange.setProperty(DeliveriesConsumer.UNFINISHED, true);
            return;
        }
        String error = describe(owed.channel(), failure);
        boolean retry = failure != null
                && failures.isTransient(failure)
                && owed.attempts() < properties.retry().maxRetries();
        OffsetDateTime now = clock.now();
        Verdict verdict;
        if (retry) {
            Duration wait = backoff(owed.attempts() + 1);
            Duration asked = retryAfter(failure);
            if (asked != null) {
                String address = exchange.getVariable("address", String.class);
                holds.hold(address, asked, owed.channel());
                if (asked.compareTo(wait) > 0) {
                    wait = asked;
                }
            }
            verdict = record(
                    new Verdict(owed, PENDING, error, now.plus(wait), now, took(exchange), template(exchange), true));
            decided(exchange, verdict);
            exchange.setProperty(RETRY_IN, wait);
            if (verdict.updated == 1) {
                log.info(
                        "Delivery {} {}: try {} failed, tried again in {} s: {}",
                        owed.deliveryId(),
                        owed.channel(),
                        owed.attempts() + 1,
                        Math.max(1, wait.toSeconds()),
                        error);
            }
        } else {
            String reason = failure != null && failures.isTransient(failure)
                    ? "gave up after " + (owed.attempts() + 1) + " tries: " + error
                    : error;
            verdict = record(
                    new Verdict(owed, FAILED, truncate(reason), null, now, took(exchange), template(exchange), true));
            decided(exchange, verdict);
            if (verdict.updated == 1) {
                metrics.delivery(owed.channel(), FAILED);
                log.warn("Delivery {} {} FAILED: {}", owed.deliveryId(), owed.channel(), reason);
            }
        }
    }

    /**
     * Not sent now: the destination's address asked for a pause ({@code Retry-After}) that has not passed. Due
     * again at its end, no try counted.
     */
    public void defer(Exchange exchange) {
        Owed owed = owed(exchange);
        OffsetDateTime until = holds.until(exchange.getVariable("address", String.class));
        OffsetDateTime now = clock.now();
        decided(
                exchange,
                record(new Verdict(
                        owed,
                        PENDING,
                        "held: its address asked to wait (Retry-After)",
                        until == null || until.isBefore(now) ? now : until,
                        now,
                        0,
                        null,
                        false)));
    }

    /**
     * Tells the consumer the verdict was written; or that it could not be (the database refused it): then the
     * claim is left to run out rather than given back, so the message goes out again a lease later, not at once
     * and again while the database still refuses.
     */
    private static void decided(Exchange exchange, Verdict verdict) {
        exchange.setProperty(
                verdict.failure == null ? DeliveriesConsumer.VERDICT : DeliveriesConsumer.UNRECORDED, true);
    }

    /** Wait before try {@code n + 1}: first delay × 2^(n-1), at most the longest, ±15%. */
    Duration backoff(int tries) {
        double millis = properties.retry().firstDelay().toMillis() * Math.pow(2, Math.max(0, tries - 1));
        millis = Math.min(millis, properties.retry().maxDelay().toMillis());
        millis *= 0.85 + 0.3 * ThreadLocalRandom.current().nextDouble();
        return Duration.ofMillis((long) millis);
    }

    /**
     * Queues the verdict and writes it with whatever other sends queued meanwhile; returns it written. A
     * stopping route interrupts its senders: the interrupt is held back while the verdict is written (a
     * database call fails on it, and a send already taken would go out again) and raised again after.
     */
    private Verdict record(Verdict verdict) {
        boolean interrupted = Thread.interrupted();
        try {
            return recordNow(verdict);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private Verdict recordNow(Verdict verdict) {
        queue.add(verdict);
        while (true) {
            writing.lock();
            try {
                if (!verdict.done) {
                    writeQueued();
                }
                if (verdict.done) {
                    if (verdict.failure != null) {
                        log.error(
                                "Delivery {} {}: its outcome ({}) could not be recorded; its claim runs out and it is"
                                        + " sent again later: {}",
                                verdict.owed.deliveryId(),
                                verdict.owed.channel(),
                                verdict.status,
                                verdict.failure.toString());
                    }
                    return verdict;
                }
            } finally {
                writing.unlock();
            }
        }
    }

    /** Under the lock: the oldest queued verdicts, up to a batch, in one transaction, tried a few times. */
    private void writeQueued() {
        List<Verdict> batch = new ArrayList<>();
        for (Verdict next; batch.size() < MAX_BATCH && (next = queue.poll()) != null; ) {
            batch.add(next);
        }
        if (batch.isEmpty()) {
            return;
        }
        RuntimeException last = null;
        for (int tryNumber = 1; tryNumber <= WRITE_TRIES; tryNumber++) {
            try {
                int[] updated = transaction.execute(status -> write(batch));
                store.verdictsCommitted(journal(batch, updated));
                for (int i = 0; i < batch.size(); i++) {
                    batch.get(i).updated = updated[i];
                    batch.get(i).done = true;
                }
                return;
            } catch (RuntimeException | SQLException e) {
                last = e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e);
                // a database that blinked: the messages were taken, only their record is tried again
                sleepQuietly(100L * tryNumber * tryNumber);
            }
        }
        for (Verdict verdict : batch) {
            verdict.failure = last;
            verdict.done = true;
        }
    }

    private int[] write(List<Verdict> batch) {
        if (database.postgres()) {
            // losing the last instant of verdicts to a crash of the database server means sending those again
            jdbc.execute("SET LOCAL synchronous_commit TO OFF");
        }
        return jdbc.execute((ConnectionCallback<int[]>) connection -> {
            int[] updated = new int[batch.size()];
            try (PreparedStatement sent = connection.prepareStatement(SET_SENT);
                    PreparedStatement retry = connection.prepareStatement(SET_RETRY);
                    PreparedStatement failed = connection.prepareStatement(SET_FAILED);
                    PreparedStatement attempt = connection.prepareStatement(ATTEMPT)) {
                for (int i = 0; i < batch.size(); i++) {
                    Verdict v = batch.get(i);
                    updated[i] = apply(v, sent, retry, failed);
                    if (updated[i] == 1 && v.attempted) {
                        attempt.setString(1, v.owed.deliveryId());
                        attempt.setString(2, v.owed.channel());
                        attempt.setObject(3, v.at.minus(Duration.ofMillis(v.tookMs)));
                        attempt.setInt(4, v.tookMs);
                        attempt.setString(5, v.status.equals(SENT) ? null : truncate(v.error));
                        attempt.setString(6, v.template);
                        attempt.addBatch();
                    }
                }
                attempt.executeBatch();
            }
            return updated;
        });
    }

    private static int apply(Verdict v, PreparedStatement sent, PreparedStatement retry, PreparedStatement failed)
            throws SQLException {
        PreparedStatement update;
        switch (v.status) {
            case SENT -> {
                update = sent;
                update.setInt(1, v.attempts());
                update.setObject(2, v.at);
                update.setString(3, v.owed.deliveryId());
                update.setString(4, v.owed.channel());
                update.setString(5, v.owed.token());
            }
            case PENDING -> {
                update = retry;
                update.setInt(1, v.attempts());
                update.setString(2, truncate(v.error));
                update.setObject(3, v.dueAt);
                update.setObject(4, v.at);
                update.setString(5, v.owed.deliveryId());
                update.setString(6, v.owed.channel());
                update.setString(7, v.owed.token());
            }
            default -> {
                update = failed;
                update.setInt(1, v.attempts());
                update.setString(2, truncate(v.error));
                update.setObject(3, v.at);
                update.setString(4, v.owed.deliveryId());
                update.setString(5, v.owed.channel());
                update.setString(6, v.owed.token());
            }
        }
        return update.executeUpdate();
    }

    /** The verdicts that changed a row, as H2's journal keeps them. */
    private static List<Map<String, Object>> journal(List<Verdict> batch, int[] updated) {
        List<Map<String, Object>> records = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            if (updated[i] != 1) {
                continue;
            }
            Verdict v = batch.get(i);
            Map<String, Object> record = new LinkedHashMap<>();
            record.put("deliveryId", v.owed.deliveryId());
            record.put("channel", v.owed.channel());
            record.put("status", v.status);
            record.put("attempts", v.attempts());
            record.put("lastError", v.status.equals(SENT) ? null : truncate(v.error));
            record.put("dueAt", v.dueAt);
            record.put("updatedAt", v.at);
            if (v.attempted) {
                record.put("attemptedAt", v.at.minus(Duration.ofMillis(v.tookMs)));
                record.put("tookMs", v.tookMs);
                record.put("error", v.status.equals(SENT) ? null : truncate(v.error));
                record.put("template", v.template);
            }
            records.add(record);
        }
        return records;
    }

    /** A destination's verdict in its own words, or the failure named by its type; secrets masked. */
    String describe(String channel, Throwable failure) {
        if (failure == null) {
            return "unknown failure";
        }
        HttpOperationFailedException http = ObjectHelper.getException(HttpOperationFailedException.class, failure);
        String text = http != null
                ? "HTTP " + http.getStatusCode() + " from " + channel + ": " + printable(http.getResponseBody(), 300)
                : failure instanceof SendFailed
                        ? failure.getMessage()
                        : failure.getClass().getSimpleName() + " sending to " + channel + ": "
                                + printable(failure.getMessage(), 500);
        return truncate(secrets.mask(text));
    }

    /** {@code Retry-After} of a 429 or 503, when the destination sent one (at most ten minutes). */
    static Duration retryAfter(Throwable failure) {
        HttpOperationFailedException http = ObjectHelper.getException(HttpOperationFailedException.class, failure);
        return http == null ? null : Holds.retryAfter(http).orElse(null);
    }

    private static Owed owed(Exchange exchange) {
        return exchange.getProperty(Owed.PROPERTY, Owed.class);
    }

    private static int took(Exchange exchange) {
        java.util.Date started = exchange.getProperty(DeliveriesConsumer.SENDING_SINCE, java.util.Date.class);
        if (started == null) {
            return 0;
        }
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, System.currentTimeMillis() - started.getTime()));
    }

    private static String template(Exchange exchange) {
        return exchange.getVariable("template", String.class);
    }

    private static String truncate(String text) {
        if (text == null) {
            return null;
        }
        return text.length() <= MAX_ERROR_LENGTH ? text : text.substring(0, MAX_ERROR_LENGTH - 1) + "…";
    }

    private static String printable(String text, int max) {
        if (text == null) {
            return "";
        }
        String line = text.replaceAll("[\\p{Cntrl}\\u2028\\u2029]+", " ").strip();
        return line.length() <= max ? line : line.substring(0, max - 1) + "…";
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
