package io.callhook.delivery;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import io.callhook.db.DatabaseClock;
import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The pauses destinations asked for, by address ({@code Retry-After} on a 429 or a 503): nothing is sent to
 * that address before the pause has passed, whichever destination posts to it. The channel routes' pace step
 * asks {@link #held}; a destination does not claim its next batch while its address is held. Kept for this
 * instance, at most {@link #ADDRESSES} addresses (the longest held kept).
 */
@Component("holds")
public class Holds {

    /** How long a destination may ask us to wait before it is simply tried again then. */
    public static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(10);

    static final int ADDRESSES = 1000;

    private static final Logger log = LoggerFactory.getLogger(Holds.class);

    private final DatabaseClock clock;
    private final Map<String, OffsetDateTime> until = new LinkedHashMap<>();

    public Holds(DatabaseClock clock) {
        this.clock = clock;
    }

    /** The address asked for a pause of {@code wait} (at most ten minutes); {@code channel} names it in the log. */
    public synchronized void hold(String address, Duration wait, String channel) {
        if (address == null || wait == null || wait.isNegative() || wait.isZero()) {
            return;
        }
        Duration bounded = wait.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : wait;
        OffsetDateTime end = clock.now().plus(bounded);
        until.merge(address, end, (a, b) -> a.isAfter(b) ? a : b);
        if (until.size() > ADDRESSES) {
            until.entrySet().removeIf(held -> held.getValue().isBefore(clock.now()));
        }
        log.warn(
                "Destination '{}' asked to wait: nothing is sent to its address for {} s",
                channel,
                bounded.toSeconds());
    }

    /** Until when the address is held, or null when it is not. */
    public synchronized OffsetDateTime until(String address) {
        if (address == null) {
            return null;
        }
        OffsetDateTime end = until.get(address);
        if (end != null && !end.isAfter(clock.now())) {
            until.remove(address);
            return null;
        }
        return end;
    }

    /** The pace step's question, for variable {@code address}: is it held now? */
    public boolean held(Exchange exchange) {
        return until(exchange.getVariable("address", String.class)) != null;
    }

    /** How long until the address may take a send again (zero when it may now). */
    public Duration remaining(String address) {
        OffsetDateTime end = until(address);
        return end == null ? Duration.ZERO : Duration.between(clock.now(), end);
    }

    /** {@code Retry-After} of a 429 or 503: seconds, or an HTTP date; at most {@link #MAX_RETRY_AFTER}. */
    public static Optional<Duration> retryAfter(HttpOperationFailedException failure) {
        int status = failure.getStatusCode();
        if (status != 429 && status != 503 || failure.getResponseHeaders() == null) {
            return Optional.empty();
        }
        String value = failure.getResponseHeaders().entrySet().stream()
                .filter(header -> "Retry-After".equalsIgnoreCase(header.getKey()))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElse(null);
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        Duration wait;
        try {
            wait = Duration.ofSeconds(Long.parseLong(value.trim()));
        } catch (NumberFormatException notSeconds) {
            try {
                wait = Duration.between(
                        ZonedDateTime.now(), ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME));
            } catch (DateTimeParseException notADate) {
                return Optional.empty();
            }
        }
        if (wait.isNegative()) {
            return Optional.empty();
        }
        return Optional.of(wait.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : wait);
    }
}
