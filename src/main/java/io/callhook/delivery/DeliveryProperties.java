package io.callhook.delivery;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * How each destination takes its PENDING deliveries from the database, and tries them again.
 *
 * @param lease how long a claim on a batch lasts; the instance renews the claims of its batches in flight, so
 *     this is how long a killed instance's claimed deliveries wait before another instance takes them
 * @param poll how often a destination with nothing to do looks again (this instance's commits wake it at
 *     once; the poll finds another instance's work, retries that are due, work left by a killed process)
 * @param batch most deliveries one claim takes (fewer for a paced destination: about ten seconds of its pace)
 * @param consumers sends of one destination at once, unless the destination says otherwise
 * @param memory what the sends in flight may hold of their events, all destinations together (unset: a
 *     fifth of the heap); a claim takes no more than fits, the rest waits in the database
 * @param retry how a transient failure is tried again: a row due later, not a timer in memory
 */
@ConfigurationProperties("callhook.delivery")
public record DeliveryProperties(
        @DefaultValue("60s") Duration lease,
        @DefaultValue("2s") Duration poll,
        @DefaultValue("50") int batch,
        @DefaultValue("4") int consumers,
        DataSize memory,
        @DefaultValue Retry retry) {

    /**
     * @param maxRetries tries after the first; then FAILED
     * @param firstDelay the wait before the first retry, doubled each time (with ±15% jitter)
     * @param maxDelay the longest wait between two tries
     */
    public record Retry(
            @DefaultValue("8") int maxRetries,
            @DefaultValue("1s") Duration firstDelay,
            @DefaultValue("30s") Duration maxDelay) {}

    public DeliveryProperties {
        if (lease.compareTo(Duration.ofSeconds(3)) < 0) {
            throw new IllegalArgumentException("CALLHOOK_DELIVERY_LEASE must be at least 3 s");
        }
        if (poll.isNegative() || poll.isZero()) {
            throw new IllegalArgumentException("CALLHOOK_DELIVERY_POLL must be positive");
        }
        if (batch < 1 || consumers < 1) {
            throw new IllegalArgumentException("CALLHOOK_DELIVERY_BATCH and _CONSUMERS must be at least 1");
        }
    }

    /** The senders' byte budget: as set, or a fifth of the heap. */
    public long memoryBytes() {
        return memory != null ? memory.toBytes() : Runtime.getRuntime().maxMemory() / 5;
    }
}
