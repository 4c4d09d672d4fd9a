package io.callhook.intake;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class WebhookSignatureTest {

    // The test vector published with the Standard Webhooks reference implementations
    static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    static final String ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    static final long TIMESTAMP = 1614265330;
    static final String BODY = "{\"test\": 2432232314}";
    static final String SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    static final String OTHER_SECRET = "whsec_"
            + java.util.Base64.getEncoder()
                    .encodeToString("another key of thirty-two bytes!".getBytes(StandardCharsets.UTF_8));

    @Test
    void signingReproducesTheStandardWebhooksTestVector() {
        assertThat(WebhookSignature.sign(
                        WebhookSignature.secretKey(SECRET), ID, TIMESTAMP, BODY.getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(SIGNATURE);
    }

    @Test
    void theTestVectorIsAccepted() {
        standard(SECRET, at(TIMESTAMP)).verify(request(SIGNATURE, TIMESTAMP, BODY));
    }

    @Test
    void anyOfSeveralSignaturesMayMatchDuringKeyRotation() {
        standard(SECRET, at(TIMESTAMP)).verify(request("v1,bm9wZQ== v2,whatever " + SIGNATURE, TIMESTAMP, BODY));
    }

    @Test
    void anyOfSeveralConfiguredSecretsMayHaveSigned() {
        standard(OTHER_SECRET + ", " + SECRET, at(TIMESTAMP)).verify(request(SIGNATURE, TIMESTAMP, BODY));
    }

    @Test
    void everyFailedCheckIsTheSameUnexplained401() {
        WebhookSignature verifier = standard(SECRET, at(TIMESTAMP));
        Map<String, Exchange> refused = Map.of(
                "tampered body", request(SIGNATURE, TIMESTAMP, BODY.replace("2432232314", "2432232315")),
                "other secret",
                        exchange(
                                Map.of(
                                        "webhook-id",
                                        ID,
                                        "webhook-timestamp",
                                        Long.toString(TIMESTAMP),
                                        "webhook-signature",
                                        WebhookSignature.sign(
                                                WebhookSignature.secretKey(OTHER_SECRET),
                                                ID,
                                                TIMESTAMP,
                                                BODY.getBytes(StandardCharsets.UTF_8))),
                                BODY),
                "no signature header", exchange(Map.of("webhook-id", ID, "webhook-timestamp", "1614265330"), BODY),
                "no id header",
                        exchange(Map.of("webhook-timestamp", "1614265330", "webhook-signature", SIGNATURE), BODY),
                "other id",
                        exchange(
                                Map.of(
                                        "webhook-id",
                                        "msg_other",
                                        "webhook-timestamp",
                                        "1614265330",
                                        "webhook-signature",
                                        SIGNATURE),
                                BODY),
                "unreadable timestamp", request(SIGNATURE, "soon", BODY),
                "signature without version", request(SIGNATURE.substring(3), TIMESTAMP, BODY),
                "not base64", request("v1,!!!", TIMESTAMP, BODY));
        refused.forEach((what, exchange) -> {
            WebhookRejected rejected = catchThrowableOfType(WebhookRejected.class, () -> verifier.verify(exchange));
            assertThat(rejected).as(what).isNotNull();
            assertThat(rejected.status()).as(what).isEqualTo(401);
            assertThat(rejected.getMessage()).as(what).isEqualTo("invalid or missing webhook signature");
        });
    }

    @Test
    void timestampsMoreThanFiveMinutesOffEitherWayAreRefused() {
        Exchange signed = request(SIGNATURE, TIMESTAMP, BODY);
        standard(SECRET, at(TIMESTAMP + 300)).verify(signed);
        standard(SECRET, at(TIMESTAMP - 300)).verify(signed);
        assertThatThrownBy(() -> standard(SECRET, at(TIMESTAMP + 301)).verify(signed))
                .isInstanceOf(WebhookRejected.class);
        assertThatThrownBy(() -> standard(SECRET, at(TIMESTAMP - 301)).verify(signed))
                .isInstanceOf(WebhookRejected.class);
    }

    @Test
    void withoutASecretUnsignedDeliveriesPass() {
        new WebhookSignature(properties(null, IntakeProperties.STANDARD_WEBHOOKS, "Authorization"), at(TIMESTAMP))
                .verify(exchange(Map.of(), BODY));
    }

    @Test
    void aSecretThatIsNotBase64StopsTheStartWithoutBeingEchoed() {
        assertThatThrownBy(() -> standard("whsec_not*base64*secret", at(TIMESTAMP)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("CALLHOOK_WEBHOOK_SECRET")
                .hasMessageNotContaining("not*base64*secret");
    }

    @Test
    void sharedSecretAsBearerTokenIsComparedWhole() {
        WebhookSignature verifier = new WebhookSignature(
                properties("s3cret-one,s3cret-two", IntakeProperties.SHARED_SECRET, "Authorization"), at(TIMESTAMP));

        verifier.verify(exchange(Map.of("Authorization", "Bearer s3cret-two"), BODY));
        for (String wrong :
                new String[] {"Bearer s3cret", "Bearer s3cret-one-and-more", "s3cret-one", "Basic s3cret-one"}) {
            assertThatThrownBy(() -> verifier.verify(exchange(Map.of("Authorization", wrong), BODY)))
                    .as(wrong)
                    .isInstanceOf(WebhookRejected.class);
        }
        assertThatThrownBy(() -> verifier.verify(exchange(Map.of(), BODY))).isInstanceOf(WebhookRejected.class);
    }

    @Test
    void sharedSecretInANamedHeaderIsTheWholeValue() {
        WebhookSignature verifier = new WebhookSignature(
                properties("s3cret", IntakeProperties.SHARED_SECRET, "X-Platform-Token"), at(TIMESTAMP));

        verifier.verify(exchange(Map.of("X-Platform-Token", "s3cret"), BODY));
        assertThatThrownBy(() -> verifier.verify(exchange(Map.of("X-Platform-Token", "Bearer s3cret"), BODY)))
                .isInstanceOf(WebhookRejected.class);
    }

    static WebhookSignature standard(String secret, Clock clock) {
        return new WebhookSignature(properties(secret, IntakeProperties.STANDARD_WEBHOOKS, "Authorization"), clock);
    }

    static IntakeProperties properties(String secret, String scheme, String header) {
        Map<String, String> settings = new HashMap<>(Map.of("signature", scheme, "secret-header", header));
        if (secret != null) {
            settings.put("secret", secret);
        }
        return IntakeSettings.bind(settings);
    }

    static Clock at(long epochSecond) {
        return Clock.fixed(Instant.ofEpochSecond(epochSecond), ZoneOffset.UTC);
    }

    static Exchange request(String signature, Object timestamp, String body) {
        return exchange(
                Map.of("webhook-id", ID, "webhook-timestamp", timestamp.toString(), "webhook-signature", signature),
                body);
    }

    static Exchange exchange(Map<String, String> headers, String body) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        headers.forEach(exchange.getMessage()::setHeader);
        exchange.getMessage().setBody(body.getBytes(StandardCharsets.UTF_8));
        return exchange;
    }
}
