package io.callhook.delivery;

import java.util.Optional;

/**
 * What a destination's queue needs to know of it (io.callhook.destination.Destinations reads it from the
 * routes): whether it is on, where it sends (its address, for the pauses it may ask for), how fast, and which of
 * the event's long values its messages use.
 */
public interface Senders {

    /** The declared destination of that name, or empty. */
    Optional<Sender> sender(String channel);

    /** Every declared destination's name, in the order the routes declare them. */
    java.util.Set<String> names();

    /**
     * @param offReason why it cannot send now, or null when it can
     * @param address where its sends go (a URL, or an endpoint): destinations on one address share its pace and
     *     its pauses
     * @param perSecond its pace (sends a second), 0 when unpaced
     * @param readsPayload whether its message is the event as received
     * @param readsTranscript whether its message may show the call's transcript
     */
    record Sender(String offReason, String address, int perSecond, boolean readsPayload, boolean readsTranscript) {}
}
