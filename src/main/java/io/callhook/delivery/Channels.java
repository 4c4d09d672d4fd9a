package io.callhook.delivery;

import java.util.Optional;
import java.util.Set;

import org.apache.camel.Exchange;

/**
 * The destinations the ledger records deliveries for (io.callhook.destination.Destinations reads them from the
 * routes): their names, whether each can send, where a claimed send is queued, and how to keep their secrets
 * out of a recorded error.
 */
public interface Channels {

    /** Every declared destination's name. */
    Set<String> names();

    /** Why the named destination cannot send now, or empty when it can. */
    Optional<String> offReason(String name);

    /** Queues the send in the named destination's outbox; false when it could not (full, or unknown). */
    boolean queue(String name, Exchange send);

    /** The text with every secret replaced. */
    String mask(String text);
}
