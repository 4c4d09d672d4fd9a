package io.callhook.delivery;

import java.io.IOException;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;

import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.apache.camel.util.ObjectHelper;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.stereotype.Component;

/**
 * Decides, for a failed send, whether it is tried again later or recorded FAILED at once. An HTTP answer
 * speaks for itself (408, 425, 429 and 5xx are worth another try, any other 4xx is not); then a channel's
 * own reading ({@link FailureKind}: Slack's client, SMTP's reply codes); then network and database faults
 * are transient; anything else (a broken template, a refused message) is permanent: retrying cannot fix it.
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
        SendFailed sendFailed = ObjectHelper.getException(SendFailed.class, failure);
        if (sendFailed != null) {
            return sendFailed.retryable();
        }
        HttpOperationFailedException http = ObjectHelper.getException(HttpOperationFailedException.class, failure);
        if (http != null) {
            int status = http.getStatusCode();
            return status == 408 || status == 425 || status == 429 || status >= 500;
        }
        // a template that does not read or render (freemarker's are IOExceptions): another try renders the same
        if (causedBy(failure, freemarker.template.TemplateException.class)
                || causedBy(failure, freemarker.core.ParseException.class)
                || causedBy(failure, freemarker.template.TemplateNotFoundException.class)) {
            return false;
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
                || causedBy(failure, DataAccessResourceFailureException.class);
    }

    /** An interruption or a refused task: the send was stopped (its route stopping), its message not judged. */
    public boolean cutShort(Throwable failure) {
        return failure != null
                && (causedBy(failure, InterruptedException.class)
                        || causedBy(failure, RejectedExecutionException.class));
    }

    /** Whether the failure or one of its causes is a {@code type} (Camel walks the cause chain). */
    private static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
        return ObjectHelper.getException(type, failure) != null;
    }
}
