package io.callhook.testing;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** The sender's side of Standard Webhooks, written from the spec, to sign test deliveries. */
public final class StandardWebhooks {

    public static final String SECRET = "whsec_"
            + Base64.getEncoder().encodeToString("callhook test signing key 32 byt".getBytes(StandardCharsets.UTF_8));

    private StandardWebhooks() {}

    /** The three headers for {@code body}, signed now with a fresh message id. */
    public static Map<String, String> headers(String secret, String body) {
        return headers(secret, "msg_" + UUID.randomUUID(), System.currentTimeMillis() / 1000, body);
    }

    public static Map<String, String> headers(String secret, String id, long timestamp, String body) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("webhook-id", id);
        headers.put("webhook-timestamp", Long.toString(timestamp));
        headers.put("webhook-signature", "v1," + hmac(secret, id + "." + timestamp + "." + body));
        return headers;
    }

    private static String hmac(String secret, String content) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
            return Base64.getEncoder().encodeToString(mac.doFinal(content.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
