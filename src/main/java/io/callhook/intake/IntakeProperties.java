package io.callhook.intake;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The webhook endpoint: where it listens, its limits and how a delivery proves it comes from the platform.
 *
 * @param port the webhook listener's port (0: any free port, for tests); health, metrics and the admin API
 *     stay on {@code server.port}
 * @param address the interface it binds; by default the same as {@code server.address}
 * @param threads how many deliveries can be processed at once; each waits on its thread for its group commit,
 *     so this also bounds how many share one commit
 * @param requestTimeout a request not answered by then gets 503, well inside the platform's own timeout
 * @param idleTimeout a connection that carries nothing for this long is closed: one that never sends a request,
 *     or stalls in the middle of one; longer than the request timeout, so an answer in the making is not cut
 * @param maxBodySize the largest body accepted ({@code 512KB}, {@code 2MB}); a larger one is answered 413
 * @param secret one secret, or several comma-separated while rotating; unset accepts unsigned deliveries
 * @param signature {@code standard-webhooks} (HMAC headers) or {@code shared-secret} (a static header)
 * @param secretHeader the header carrying a shared secret; {@code Authorization} expects {@code Bearer <secret>}
 * @param tolerance how far a Standard Webhooks timestamp may be from now, either way
 * @param memory what the requests in flight may hold, all together (unset: a fifth of the heap); a request that
 *     does not fit is answered 503 before its body is read
 */
@ConfigurationProperties("callhook.webhook")
public record IntakeProperties(
        @DefaultValue("8080") int port,
        @DefaultValue("0.0.0.0") String address,
        @DefaultValue("64") int threads,
        @DefaultValue("15s") Duration requestTimeout,
        @DefaultValue("60s") Duration idleTimeout,
        @DefaultValue("1MB") DataSize maxBodySize,
        String secret,
        @DefaultValue("standard-webhooks") String signature,
        @DefaultValue("Authorization") String secretHeader,
        @DefaultValue("5m") Duration tolerance,
        DataSize memory) {

    public static final String STANDARD_WEBHOOKS = "standard-webhooks";
    public static final String SHARED_SECRET = "shared-secret";

    public IntakeProperties {
        if (maxBodySize.toBytes() < 1 || maxBodySize.toBytes() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("callhook.webhook.max-body-size must be between 1 byte and 2 GiB");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("CALLHOOK_WEBHOOK_PORT must be between 0 and 65535");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("CALLHOOK_WEBHOOK_THREADS must be at least 1");
        }
        if (requestTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("CALLHOOK_WEBHOOK_REQUEST_TIMEOUT must be positive");
        }
        if (idleTimeout.compareTo(requestTimeout) <= 0) {
            throw new IllegalArgumentException(
                    "CALLHOOK_WEBHOOK_IDLE_TIMEOUT must be longer than CALLHOOK_WEBHOOK_REQUEST_TIMEOUT");
        }
        if (!STANDARD_WEBHOOKS.equals(signature) && !SHARED_SECRET.equals(signature)) {
            throw new IllegalArgumentException(
                    "CALLHOOK_WEBHOOK_SIGNATURE must be " + STANDARD_WEBHOOKS + " or " + SHARED_SECRET);
        }
    }

    /** The settings as they are when none is given (the checks read the platform's samples with them). */
    public static IntakeProperties defaults() {
        return new org.springframework.boot.context.properties.bind.Binder(
                        new org.springframework.boot.context.properties.source.MapConfigurationPropertySource(
                                java.util.Map.of()))
                .bindOrCreate("callhook.webhook", IntakeProperties.class);
    }

    long memoryBytes() {
        return memory != null ? memory.toBytes() : Runtime.getRuntime().maxMemory() / 5;
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
