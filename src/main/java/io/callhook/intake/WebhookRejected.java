package io.callhook.intake;

import java.util.List;

/** A delivery refused for what it is (not for a fault of ours): the platform gets a 4xx and the reason. */
public class WebhookRejected extends RuntimeException {

    private final int status;
    private final List<String> details;

    public WebhookRejected(int status, String error) {
        this(status, error, List.of());
    }

    public WebhookRejected(int status, String error, List<String> details) {
        super(error, null, false, false); // an expected answer, not a fault: no stack trace to fill or log
        this.status = status;
        this.details = List.copyOf(details);
    }

    public int status() {
        return status;
    }

    public List<String> details() {
        return details;
    }
}
