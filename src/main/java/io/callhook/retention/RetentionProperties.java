package io.callhook.retention;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How long events are kept ({@code max-age}; {@code 0}: forever) and how many are deleted per transaction
 * ({@code batch-size}: small, so that a purge never holds locks or the pool long enough to slow intake).
 * How often it runs is {@code callhook.retention.interval}, read by the engine's retention route.
 *
 * @param maxAge events (with their deliveries) older than this are deleted; one that still owes a send is kept;
 *     {@code 0}: keep everything
 * @param batchSize events deleted per transaction
 */
@ConfigurationProperties("callhook.retention")
public record RetentionProperties(
        @DefaultValue("30d") Duration maxAge,
        @DefaultValue("500") int batchSize) {

    public RetentionProperties {
        if (maxAge.isNegative()) {
            throw new IllegalArgumentException("CALLHOOK_RETENTION_MAX_AGE must be 0 (keep forever) or positive");
        }
        if (batchSize < 1 || batchSize > 10_000) {
            throw new IllegalArgumentException("CALLHOOK_RETENTION_BATCH_SIZE must be between 1 and 10000");
        }
    }
}
