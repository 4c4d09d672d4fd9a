package io.callhook.intake;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Proves a delivery comes from the platform, over the exact bytes received and before anything parses
 * them. Standard Webhooks (standardwebhooks.com): HMAC-SHA256 of {@code id.timestamp.body} under each
 * {@code whsec_} secret, any {@code v1,} signature may match, timestamps older or newer than the tolerance
 * are refused. Or a shared secret in a header. Every refusal is the same 401: a caller learns nothing about
 * which check failed.
 */
@Component("webhookSignature")
public class WebhookSignature {

    static final String ID = "webhook-id";
    static final String TIMESTAMP = "webhook-timestamp";
    static final String SIGNATURE = "webhook-signature";
    private static final Logger log = LoggerFactory.getLogger(WebhookSignature.class);
    private static final String REFUSED = "invalid or missing webhook signature";

    private final IntakeProperties properties;
    private final List<byte[]> keys;
    private final Clock clock;

    @Autowired
    public WebhookSignature(IntakeProperties properties) {
        this(properties, Clock.systemUTC());
    }

    WebhookSignature(IntakeProperties properties, Clock clock) {
        this.properties = properties;
        this.clock = clock;
        this.keys = properties.secrets().stream().map(this::key).toList();
    }

    /** Throws {@link WebhookRejected} (401) unless the delivery is signed by one of the configured secrets. */
    public void verify(Exchange exchange) {
        if (keys.isEmpty()) {
            return;
        }
        Message request = exchange.getMessage();
        // keep the bytes as the body: parsing reads the same bytes next
        request.setBody(request.getBody(byte[].class));
        boolean valid = IntakeProperties.SHARED_SECRET.equals(properties.signature())
                ? sharedSecretMatches(request.getHeader(properties.secretHeader(), String.class))
                : standardWebhooksMatch(request, request.getBody(byte[].class));
        if (!valid) {
            throw new WebhookRejected(401, REFUSED);
        }
    }

    @EventListener(ApplicationReadyEvent.class)
    void reportUnsigned() {
        if (keys.isEmpty()) {
            log.warn("CALLHOOK_WEBHOOK_SECRET is not set: unsigned webhooks are accepted from anyone who can reach"
                    + " /webhook. Set the platform's signing secret in production.");
        } else {
            log.info("Webhooks must be signed ({}, {} secret(s))", properties.signature(), keys.size());
        }
    }

    private boolean standardWebhooksMatch(Message request, byte[] body) {
        String id = request.getHeader(ID, String.class);
        String timestamp = request.getHeader(TIMESTAMP, String.class);
        String signatures = request.getHeader(SIGNATURE, String.class);
        if (id == null || timestamp == null || signatures == null || body == null) {
            return false;
        }
        long seconds;
        try {
            seconds = Long.parseLong(timestamp.trim());
        } catch (NumberFormatException e) {
            return false;
        }
        long skew = Math.abs(clock.instant().getEpochSecond() - seconds);
        if (skew > properties.tolerance().toSeconds()) {
            return false;
        }
        byte[] signed = signedContent(id, timestamp.trim(), body);
        boolean matched = false;
        for (byte[] key : keys) {
            byte[] expected = hmac(key, signed);
            for (String candidate : signatures.trim().split(" +")) {
                if (candidate.startsWith("v1,")) {
                    byte[] given = decode(candidate.substring(3));
                    // no early exit: every candidate is compared, in constant time
                    matched |= given != null && MessageDigest.isEqual(expected, given);
                }
            }
        }
        return matched;
    }

    private boolean sharedSecretMatches(String header) {
        if (header == null) {
            return false;
        }
        String given = header.trim();
        if ("authorization".equalsIgnoreCase(properties.secretHeader())) {
            if (!given.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return false;
            }
            given = given.substring(7).trim();
        }
        byte[] givenBytes = given.getBytes(StandardCharsets.UTF_8);
        boolean matched = false;
        for (String secret : properties.secrets()) {
            matched |= MessageDigest.isEqual(givenBytes, secret.getBytes(StandardCharsets.UTF_8));
        }
        return matched;
    }

    /** {@code v1,<base64>} over {@code id.timestamp.body}: what a sender puts in {@code webhook-signature}. */
    static String sign(byte[] key, String id, long timestamp, byte[] body) {
        return "v1," + Base64.getEncoder().encodeToString(hmac(key, signedContent(id, Long.toString(timestamp), body)));
    }

    static byte[] secretKey(String secret) {
        String encoded = secret.startsWith("whsec_") ? secret.substring("whsec_".length()) : secret;
        return Base64.getDecoder().decode(encoded);
    }

    private byte[] key(String secret) {
        if (IntakeProperties.SHARED_SECRET.equals(properties.signature())) {
            return secret.getBytes(StandardCharsets.UTF_8);
        }
        byte[] key;
        try {
            key = secretKey(secret);
        } catch (IllegalArgumentException e) {
            key = new byte[0];
        }
        if (key.length == 0) {
            // never echo the secret itself
            throw new IllegalStateException(
                    "CALLHOOK_WEBHOOK_SECRET holds a value that is not whsec_ followed by base64");
        }
        return key;
    }

    private static byte[] signedContent(String id, String timestamp, byte[] body) {
        byte[] prefix = (id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8);
        byte[] content = new byte[prefix.length + body.length];
        System.arraycopy(prefix, 0, content, 0, prefix.length);
        System.arraycopy(body, 0, content, prefix.length, body.length);
        return content;
    }

    private static byte[] hmac(byte[] key, byte[] content) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(content);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    private static byte[] decode(String base64) {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
