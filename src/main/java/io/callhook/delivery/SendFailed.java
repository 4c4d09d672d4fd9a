package io.callhook.delivery;

/**
 * A send a destination refused or could not take, as the retry policy reads it: transient (retried with
 * backoff) or not (recorded FAILED at once). Its message says what happened without the destination's
 * secrets (its URL, its token): it is logged and kept as the delivery's last error. It carries no cause, so
 * no other message, an endpoint URI among them, is printed with it.
 */
public class SendFailed extends RuntimeException {

    private final boolean retryable;

    public SendFailed(String message, boolean retryable) {
        super(message, null, false, false);
        this.retryable = retryable;
    }

    public boolean retryable() {
        return retryable;
    }
}
