package io.callhook.delivery;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How owed work is held and found again.
 *
 * @param lease how long a claim on a PENDING delivery lasts without renewal; the owning instance renews
 *     its claims on every recovery pass, so this is how long a dead instance's work waits
 * @param grace how old unclaimed owed work must be before recovery takes it (live work is younger)
 */
@ConfigurationProperties("callhook.delivery")
public record DeliveryProperties(
        @DefaultValue("90s") Duration lease,
        @DefaultValue("30s") Duration grace) {}
