package io.callhook.delivery;

import java.util.Optional;

import org.apache.camel.Exchange;

/**
 * A destination whose deliveries are tracked in {@code call_delivery}. The routing table chooses
 * channels by name; a channel can still be off for an event (not configured), and says why.
 */
public interface DeliveryChannel {

    /** The name the routing table uses, and the {@code direct:} route that sends: {@code direct:<name>}. */
    String name();

    /** Why this event cannot be sent on this channel, or empty when it can. */
    Optional<String> offReason(Exchange dispatch);
}
