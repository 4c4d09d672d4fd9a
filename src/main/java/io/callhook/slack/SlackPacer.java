package io.callhook.slack;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.apache.camel.Exchange;
import org.apache.camel.Variable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Paces posts per Slack webhook: an incoming webhook takes about one message a second with short bursts,
 * so a burst of calls waits its turn here instead of drawing 429s. When Slack does answer 429, its
 * {@code Retry-After} holds every post to that webhook until it has passed.
 */
@Component("slackPacer")
public class SlackPacer {

    private static final Logger log = LoggerFactory.getLogger(SlackPacer.class);

    private final long intervalNanos;
    private final int burst;
    private final Map<String, Schedule> schedules = new ConcurrentHashMap<>();

    public SlackPacer(SlackProperties properties) {
        this.intervalNanos = properties.minInterval().toNanos();
        this.burst = Math.max(1, properties.burst());
    }

    /** Blocks until the webhook in variable {@code slackWebhook} may take the next post. */
    public void await(@Variable("slackWebhook") String webhook) throws InterruptedException {
        long waitNanos = schedule(webhook).reserve(System.nanoTime());
        if (waitNanos > 0) {
            TimeUnit.NANOSECONDS.sleep(waitNanos);
        }
    }

    /**
     * Called with a failed post: a 429's {@code Retry-After} holds the webhook; then the failure goes on to
     * the error handler unchanged.
     */
    public void backOff(Exchange exchange) throws Exception {
        Exception failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        String webhook = exchange.getVariable("slackWebhook", String.class);
        SlackFailures.retryAfter(failure).ifPresent(retryAfter -> {
            log.warn("Slack webhook '{}' answered 429: holding its posts for {} s", webhook, retryAfter.toSeconds());
            schedule(webhook).holdUntil(System.nanoTime() + retryAfter.toNanos());
        });
        throw failure;
    }

    Duration interval() {
        return Duration.ofNanos(intervalNanos);
    }

    private Schedule schedule(String webhook) {
        return schedules.computeIfAbsent(webhook == null ? "team" : webhook, name -> new Schedule());
    }

    /**
     * Generic cell rate: {@code next} is when the webhook would be free if every post took one interval;
     * a post may go up to {@code burst - 1} intervals ahead of it.
     */
    private final class Schedule {

        private long next = Long.MIN_VALUE;
        private long heldUntil = Long.MIN_VALUE;

        synchronized long reserve(long now) {
            long ahead = (burst - 1) * intervalNanos;
            long at = Math.max(now, heldUntil);
            if (next != Long.MIN_VALUE) {
                at = Math.max(at, next - ahead);
            }
            next = Math.max(next == Long.MIN_VALUE ? at : next, at) + intervalNanos;
            return at - now;
        }

        synchronized void holdUntil(long until) {
            heldUntil = Math.max(heldUntil, until);
            // no burst right after a 429: the next post goes at the end of the hold, then one per interval
            next = Math.max(next == Long.MIN_VALUE ? until : next, until + (burst - 1) * intervalNanos);
        }
    }
}
