package io.callhook.delivery;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The claims this instance holds for sends that are alive here: claimed by a dispatch, waiting in a channel's
 * outbox, or taken by an outbox consumer. Only these are renewed; a claim leaves as soon as its send is
 * recorded or given up, so a claim nobody works on here is never kept alive.
 */
final class Claims {

    /** Where a claimed send is: between the dispatch and its outbox, in the outbox, or being sent. */
    enum Stage {
        CLAIMED,
        QUEUED,
        SENDING
    }

    private record Claim(String deliveryId, String channel, Stage stage) {}

    private final Map<String, Claim> byToken = new ConcurrentHashMap<>();

    void claimed(String token, String deliveryId, String channel) {
        byToken.put(token, new Claim(deliveryId, channel, Stage.CLAIMED));
    }

    /** The outbox took it (a consumer may have taken it already, which is further along). */
    void queued(String token) {
        byToken.computeIfPresent(
                token,
                (t, claim) -> claim.stage() == Stage.CLAIMED
                        ? new Claim(claim.deliveryId(), claim.channel(), Stage.QUEUED)
                        : claim);
    }

    /**
     * A consumer took it. Returns false when the claim is not held here any more (given up meanwhile, or a
     * send carrying a claim this instance never held).
     */
    boolean sending(String token, String deliveryId, String channel) {
        return byToken.computeIfPresent(token, (t, claim) -> new Claim(deliveryId, channel, Stage.SENDING)) != null;
    }

    /** Whether the claim is still with the dispatch that made it: neither queued nor taken by a consumer. */
    boolean notQueued(String token) {
        Claim claim = byToken.get(token);
        return claim != null && claim.stage() == Stage.CLAIMED;
    }

    boolean isHeld(String token) {
        return byToken.containsKey(token);
    }

    /** The send is recorded or given up. Returns whether the claim was still held. */
    boolean done(String token) {
        return byToken.remove(token) != null;
    }

    List<String> held() {
        return new ArrayList<>(byToken.keySet());
    }

    int size() {
        return byToken.size();
    }
}
