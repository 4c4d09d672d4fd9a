package io.callhook.delivery;

import java.util.Optional;

/**
 * A channel's reading of its own errors: whether trying the same send again later can succeed (a timeout,
 * a 5xx, Slack's 429, an SMTP 4yz) or cannot (Slack 400/403/404/410, an SMTP 5yz).
 */
public interface FailureKind {

    /** True for a transient failure, false for a permanent one, empty when this channel does not know it. */
    Optional<Boolean> isTransient(Throwable failure);
}
