package io.callhook.delivery;

/**
 * The destination took the message but SENT could not be recorded (the database failed). Not a reason to
 * post it again now, nor to record FAILED: the send ends holding its claim, which is then freed, and
 * recovery sends the message again later (at least once).
 */
public class OutcomeNotRecorded extends RuntimeException {

    public OutcomeNotRecorded(String deliveryId, String channel, Throwable cause) {
        super("delivery " + deliveryId + " " + channel + " was sent, but SENT could not be recorded: " + cause, cause);
    }
}
