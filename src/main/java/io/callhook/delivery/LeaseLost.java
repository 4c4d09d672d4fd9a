package io.callhook.delivery;

/** This sender's claim on a delivery is gone (another instance recovered it): it must not send. */
public class LeaseLost extends RuntimeException {

    public LeaseLost(String deliveryId, String channel) {
        super("delivery " + deliveryId + " " + channel + " is claimed by another sender", null, false, false);
    }
}
