package io.callhook.kafka;

import org.apache.camel.CamelExchangeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class KafkaFailuresTest {

    final KafkaFailures failures = new KafkaFailures();

    /** What the KafkaIT outage produced: records expired while the broker was away, to be tried again. */
    @Test
    void aRecordThatExpiredWaitingForTheBrokerIsTriedAgain() {
        Throwable expired = new CamelExchangeException(
                "sending to kafka",
                null,
                new TimeoutException(
                        "Expiring 3 record(s) for callhook-calls-2:5000 ms has passed since batch creation"));

        assertThat(failures.isTransient(expired)).contains(true);
    }

    @Test
    void aRecordTheBrokerCannotTakeFailsForGood() {
        assertThat(failures.isTransient(new RecordTooLargeException("too large")))
                .contains(false);
        assertThat(failures.isTransient(new TopicAuthorizationException("callhook-calls")))
                .contains(false);
    }

    @Test
    void anotherKindOfFailureIsLeftToOthers() {
        assertThat(failures.isTransient(new IllegalStateException("not Kafka's")))
                .isEmpty();
    }
}
