package io.callhook.intake;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The webhook endpoint: its size limit and how a delivery proves it comes from the platform.
 *
 * @param secret one secret, or several comma-separated while rotating; unset accepts unsigned deliveries
 * @param signature {@code standard-webhooks} (HMAC headers) or {@code shared-secret} (a static header)
 * @param secretHeader the header carrying a shared secret; {@code Authorization} expects {@code Bearer <secret>}
 * @param tolerance how far a Standard Webhooks timestamp may be from now, either way
 */
@ConfigurationProperties("callhook.webhook")
public record IntakeProperties(
        @DefaultValue("1MB") DataSize maxBodySize,
        String secret,
        @DefaultValue("standard-webhooks") String signature,
        @DefaultValue("Authorization") String secretHeader,
        @DefaultValue("5m") Duration tolerance) {

    public static final String STANDARD_WEBHOOKS = "standard-webhooks";
    public static final String SHARED_SECRET = "shared-secret";

    public IntakeProperties {
        if (maxBodySize.toBytes() < 1 || maxBodySize.toBytes() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("callhook.webhook.max-body-size must be between 1 byte and 2 GiB");
        }
        if (!STANDARD_WEBHOOKS.equals(signature) && !SHARED_SECRET.equals(signature)) {
            throw new IllegalArgumentException(
                    "CALLHOOK_WEBHOOK_SIGNATURE must be " + STANDARD_WEBHOOKS + " or " + SHARED_SECRET);
        }
    }

    /** Only the size limit set; no signature required. */
    public static IntakeProperties unsigned(DataSize maxBodySize) {
        return new IntakeProperties(maxBodySize, null, STANDARD_WEBHOOKS, "Authorization", Duration.ofMinutes(5));
    }

    int maxBodyBytes() {
        return (int) maxBodySize.toBytes();
    }

    List<String> secrets() {
        if (secret == null) {
            return List.of();
        }
        return Arrays.stream(secret.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
    }
}
