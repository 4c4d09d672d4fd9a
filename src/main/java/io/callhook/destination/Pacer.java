package io.callhook.destination;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Paces the sends of each destination that declares a pace (a Slack incoming webhook takes about one
 * message a second with short bursts): a burst of calls waits its turn here instead of drawing 429s. A
 * destination's {@code Retry-After} (on 429 or 503) holds every send to it until it has passed, paced or
 * not. Pacing is per instance: N instances may send N times the pace.
 */
@Component
class Pacer {

    private static final Logger log = LoggerFactory.getLogger(Pacer.class);

    private final Map<String, Schedule> schedules = new ConcurrentHashMap<>();

    /** Blocks until the destination may take its next send. */
    void await(Destination destination) throws InterruptedException {
        long waitNanos = schedule(destination.name()).reserve(System.nanoTime(), destination);
        if (waitNanos > 0) {
            TimeUnit.NANOSECONDS.sleep(waitNanos);
        }
    }

    /** The destination asked for a pause ({@code Retry-After}): nothing is sent to it before it has passed. */
    void hold(Destination destination, Duration retryAfter) {
        log.warn(
                "Destination '{}' asked to wait: holding its sends for {} s",
                destination.name(),
                retryAfter.toSeconds());
        schedule(destination.name()).holdUntil(System.nanoTime() + retryAfter.toNanos(), destination);
    }

    private Schedule schedule(String name) {
        return schedules.computeIfAbsent(name, n -> new Schedule());
    }

    /**
     * Generic cell rate: {@code next} is when the destination would be free if every send took one interval;
     * a send may go up to {@code burst - 1} intervals ahead of it.
     */
    private static final class Schedule {

        private long next = Long.MIN_VALUE;
        private long heldUntil = Long.MIN_VALUE;

        synchronized long reserve(long now, Destination destination) {
            long at = Math.max(now, heldUntil);
            if (destination.interval() == null) {
                return at - now;
            }
            long interval = destination.interval().toNanos();
            long ahead = (destination.burst() - 1) * interval;
            if (next != Long.MIN_VALUE) {
                at = Math.max(at, next - ahead);
            }
            next = Math.max(next == Long.MIN_VALUE ? at : next, at) + interval;
            return at - now;
        }

        synchronized void holdUntil(long until, Destination destination) {
            heldUntil = Math.max(heldUntil, until);
            if (destination.interval() != null) {
                // no burst right after a pause: the next send goes at its end, then one per interval
                long ahead = (destination.burst() - 1) * destination.interval().toNanos();
                next = Math.max(next == Long.MIN_VALUE ? until : next, until + ahead);
            }
        }
    }
}
