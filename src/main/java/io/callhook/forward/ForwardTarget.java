package io.callhook.forward;

import java.util.Optional;

import io.callhook.delivery.DeliveryChannel;
import io.callhook.delivery.FailureKind;
import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.apache.camel.util.ObjectHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * The {@code forward} channel (routes/forward.camel.yaml): on when {@code CALLHOOK_FORWARD_URL} is set;
 * its request headers; and how its HTTP answers read: 408, 425, 429 and 5xx are worth retrying, any
 * other 4xx is the receiver refusing the event for good.
 */
@Component("forwardTarget")
public class ForwardTarget implements DeliveryChannel, FailureKind {

    private static final Logger log = LoggerFactory.getLogger(ForwardTarget.class);

    private final ForwardProperties properties;

    public ForwardTarget(ForwardProperties properties) {
        this.properties = properties;
    }

    @Override
    public String name() {
        return "forward";
    }

    @Override
    public Optional<String> offReason(Exchange dispatch) {
        return properties.enabled() ? Optional.empty() : Optional.of("forward is not configured");
    }

    /** The request's headers: JSON, the delivery id for the receiver to deduplicate on, and the token. */
    public void headers(Exchange exchange) {
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.HTTP_METHOD, "POST");
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        exchange.getMessage().setHeader("Idempotency-Key", exchange.getProperty("deliveryId", String.class));
        if (properties.token() != null && !properties.token().isBlank()) {
            exchange.getMessage()
                    .setHeader("Authorization", "Bearer " + properties.token().trim());
        }
    }

    @Override
    public Optional<Boolean> isTransient(Throwable failure) {
        return Optional.ofNullable(ObjectHelper.getException(HttpOperationFailedException.class, failure))
                .map(HttpOperationFailedException::getStatusCode)
                .map(code -> code == 408 || code == 425 || code == 429 || code >= 500);
    }

    @EventListener(ApplicationReadyEvent.class)
    void reportOff() {
        if (!properties.enabled()) {
            log.info("HTTP forward is off: CALLHOOK_FORWARD_URL is not set");
        }
    }
}
