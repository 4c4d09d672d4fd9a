package io.callhook.digest;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.scheduling.support.CronExpression;

/**
 * The periodic digest email: when it goes ({@code cron}, six fields with seconds first, as Spring and
 * Quartz write it) and which calls it covers (the {@code window} before that moment, whatever the schedule).
 *
 * @param cron when the digest email goes: six fields, seconds first ({@code 0 0 8 * * MON-FRI})
 * @param window the calls it covers, before each run
 * @param zone the time zone of the schedule and of the digest's times
 */
@ConfigurationProperties("callhook.digest")
public record DigestProperties(
        @DefaultValue("0 0 8 * * ?") String cron,
        @DefaultValue("24h") Duration window,
        @DefaultValue("UTC") String zone) {

    public DigestProperties {
        if (!CronExpression.isValidExpression(cron)) {
            throw new IllegalArgumentException("CALLHOOK_DIGEST_CRON is not a six-field cron expression (seconds"
                    + " first, e.g. '0 0 8 * * ?'): " + cron);
        }
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("CALLHOOK_DIGEST_WINDOW must be positive");
        }
    }
}
