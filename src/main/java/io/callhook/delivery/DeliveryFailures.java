package io.callhook.delivery;

import java.io.IOException;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

import io.callhook.destination.SendFailed;
import org.apache.camel.Exchange;
import org.apache.camel.util.ObjectHelper;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.stereotype.Component;

/**
 * Decides, for the channels' shared error handling, whether a failed send is retried with backoff or
 * recorded FAILED at once. A channel's own reading comes first; then network and database faults are
 * transient; anything else (a broken template, a refused message) is permanent: retrying cannot fix it.
 */
@Component("deliveryFailures")
public class DeliveryFailures {

    private final List<FailureKind> kinds;

    public DeliveryFailures(List<FailureKind> kinds) {
        this.kinds = kinds;
    }

    public boolean isTransient(Exchange exchange) {
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (failure == null) {
            failure = exchange.getException();
        }
        return failure != null && isTransient(failure);
    }

    public boolean isTransient(Throwable failure) {
        if (causedBy(failure, LeaseLost.class) || causedBy(failure, OutcomeNotRecorded.class)) {
            return false;
        }
        SendFailed sendFailed = ObjectHelper.getException(SendFailed.class, failure);
        if (sendFailed != null) {
            return sendFailed.retryable();
        }
        for (FailureKind kind : kinds) {
            Optional<Boolean> verdict = kind.isTransient(failure);
            if (verdict.isPresent()) {
                return verdict.get();
            }
        }
        return causedBy(failure, IOException.class)
                || causedBy(failure, SQLException.class)
                || causedBy(failure, TransientDataAccessException.class)
                || causedBy(failure, org.springframework.dao.DataAccessResourceFailureException.class);
    }

    /** Whether the failure or one of its causes is a {@code type} (Camel walks the cause chain). */
    private static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
        return ObjectHelper.getException(type, failure) != null;
    }
}
