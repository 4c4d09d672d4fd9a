package io.callhook.kafka;

import java.util.Optional;

import io.callhook.delivery.FailureKind;
import org.apache.camel.util.ObjectHelper;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RetriableException;
import org.springframework.stereotype.Component;

/**
 * Kafka's own reading of its errors: the client marks what another try can cure ({@link RetriableException}:
 * a broker away, no leader yet, a record that expired waiting for one) apart from what it cannot (a record
 * over the broker's size limit, an unknown or unauthorized topic). Without it, a broker outage would fail
 * every record sent meanwhile for good.
 */
@Component
class KafkaFailures implements FailureKind {

    @Override
    public Optional<Boolean> isTransient(Throwable failure) {
        if (ObjectHelper.getException(RetriableException.class, failure) != null) {
            return Optional.of(true);
        }
        if (ObjectHelper.getException(KafkaException.class, failure) != null) {
            return Optional.of(false);
        }
        return Optional.empty();
    }
}
